"""Check a question set against the corpus and print its category counts.

Usage: python eval/check_questions.py [--questions eval/questions.jsonl] [--corpus corpus]
       [--no-minimums]

The format is checked by the loader ``rag eval`` uses (:func:`load_questions`), the quotes
against the clean text the system indexes (:func:`check_quotes`), and the fairness rules by
:func:`audit`. This script adds only what belongs to the shipped set: the minimum count of
each category and of questions per article. Exits with status 1 if anything fails.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import Counter
from pathlib import Path

from rag.config import Config
from rag.errors import RagError
from rag.evaluation.questions import Question, audit, check_quotes, load_questions
from rag.indexing.build import load_documents

ROOT = Path(__file__).resolve().parents[1]
MINIMUMS = {
    "ko": 25,
    "en": 25,
    "numeric": 5,
    "multi_doc": 5,
    "unanswerable": 25,
    "follow_up": 5,
}
MIN_PER_DOC = 5  # answerable questions citing each article
NUMBER = re.compile(r"(?<![A-Za-z])\d")  # an amount, count or date, not a name like "G3"


def categories(q: Question) -> set[str]:
    """The category labels a question counts towards."""
    cats = {q.lang, "answerable" if q.answerable else "unanswerable"}
    if any(NUMBER.search(a) for fact in q.facts for a in fact):
        cats.add("numeric")
    if len({e.doc_id for e in q.evidence}) >= 2:
        cats.add("multi_doc")
    if q.conversation:
        cats.add("follow_up")
    return cats


def main(argv: list[str] | None = None) -> int:
    """Run every check, print the counts, and return the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=Path, default=ROOT / "eval" / "questions.jsonl")
    parser.add_argument("--corpus", type=Path, default=ROOT / "corpus")
    parser.add_argument(
        "--no-minimums", action="store_true", help="skip the category minimums (held-out sets)"
    )
    args = parser.parse_args(argv)
    try:
        questions = load_questions(args.questions)
        docs, _ = load_documents(Config(corpus_dir=args.corpus))
    except RagError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    failures = check_quotes(questions, {d.doc_id: d.text for d in docs}) + audit(questions)
    counts: Counter[str] = Counter()
    per_doc: Counter[str] = Counter()
    for q in questions:
        counts.update(categories(q))
        per_doc.update({e.doc_id for e in q.evidence})
    print(f"questions: {len(questions)}")
    for key in ("ko", "en", "answerable", "unanswerable", "numeric", "multi_doc", "follow_up"):
        need = None if args.no_minimums else MINIMUMS.get(key)
        print(f"  {key:<13}{counts[key]:>4}" + (f"  (min {need})" if need else ""))
        if need and counts[key] < need:
            failures.append(f"only {counts[key]} {key} questions, need {need}")
    print("  questions citing each article:")
    for doc in docs:
        print(f"    {doc.doc_id}: {per_doc[doc.doc_id]}")
        if not args.no_minimums and per_doc[doc.doc_id] < MIN_PER_DOC:
            failures.append(f"only {per_doc[doc.doc_id]} questions cite {doc.doc_id}")
    for failure in failures:
        print(f"FAIL: {failure}", file=sys.stderr)
    print("OK" if not failures else f"{len(failures)} problem(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
