"""Validate eval/questions.jsonl against the corpus and print category counts.

Usage: python eval/check_questions.py [--questions eval/questions.jsonl] [--corpus corpus]

Checks: every line parses as JSON; required fields have the right types; ids are unique and
match their language; each evidence quote (20-120 characters) is an exact substring of a single
line of its article; answerable items have facts that the reference answer contains and at
least one piece of evidence; unanswerable items have empty facts and evidence and the standard
refusal; follow-up conversations alternate user/assistant turns; and the category counts meet
the minimums. Exits with status 1 if anything fails.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter
from difflib import SequenceMatcher
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REFUSAL = {"ko": "기사에서 찾을 수 없습니다.", "en": "I couldn't find this in the articles."}
MINIMUMS = {
    "ko": 25,
    "en": 25,
    "numeric": 5,
    "multi_doc": 5,
    "unanswerable": 8,
    "follow_up": 5,
}
MIN_PER_DOC = 5  # answerable questions citing each article
QUOTE_LEN = (20, 120)
MAX_SHARED_WITH_QUOTE = 15  # longest run of characters a question may share with its evidence
HANGUL = re.compile(r"[\uac00-\ud7a3]")
NUMBER = re.compile(r"(?<![A-Za-z])\d")  # an amount, count or date, not a name like "G3"
REQUIRED = {
    "id": str,
    "question": str,
    "lang": str,
    "answer": str,
    "facts": list,
    "evidence": list,
    "answerable": bool,
}


def _fact_ok(fact: object) -> bool:
    if isinstance(fact, str):
        return bool(fact.strip())
    return (
        isinstance(fact, list)
        and bool(fact)
        and all(isinstance(a, str) and a.strip() for a in fact)
    )


def _alternatives(fact: str | list[str]) -> list[str]:
    return [fact] if isinstance(fact, str) else list(fact)


def _longest_shared(a: str, b: str) -> int:
    match = SequenceMatcher(None, a, b, autojunk=False).find_longest_match(0, len(a), 0, len(b))
    return match.size


def check_item(item: object, docs: dict[str, list[str]]) -> tuple[list[str], list[str]]:
    """Return (errors, warnings) for one parsed question object."""
    errors: list[str] = []
    warnings: list[str] = []
    if not isinstance(item, dict):
        return ["not a JSON object"], warnings
    for key, typ in REQUIRED.items():
        if key not in item:
            errors.append(f"missing field {key!r}")
        elif not isinstance(item[key], typ):
            errors.append(f"field {key!r} should be {typ.__name__}")
    if errors:
        return errors, warnings

    lang = item["lang"]
    if lang not in REFUSAL:
        errors.append(f"lang must be 'ko' or 'en', got {lang!r}")
        return errors, warnings
    if not re.fullmatch(rf"{lang}-\d{{2,}}", item["id"]):
        errors.append(f"id {item['id']!r} should look like '{lang}-01'")
    if not item["question"].strip() or not item["answer"].strip():
        errors.append("empty question or answer")
    has_hangul = bool(HANGUL.search(item["question"]))
    if lang == "ko" and not has_hangul:
        errors.append("Korean question without Hangul")
    if lang == "en" and has_hangul:
        errors.append("English question contains Hangul")

    for fact in item["facts"]:
        if not _fact_ok(fact):
            errors.append(f"bad fact {fact!r}: need a string or a non-empty list of strings")
        elif not any(a.lower() in item["answer"].lower() for a in _alternatives(fact)):
            errors.append(f"reference answer does not contain fact {fact!r}")

    for ev in item["evidence"]:
        if not isinstance(ev, dict) or set(ev) != {"doc_id", "quote"}:
            errors.append(f"evidence entry must be {{doc_id, quote}}: {ev!r}")
            continue
        doc_id, quote = ev["doc_id"], ev["quote"]
        if not isinstance(doc_id, str) or not isinstance(quote, str):
            errors.append(f"evidence doc_id/quote must be strings: {ev!r}")
            continue
        if doc_id not in docs:
            errors.append(f"unknown doc_id {doc_id!r}")
            continue
        if not QUOTE_LEN[0] <= len(quote) <= QUOTE_LEN[1]:
            errors.append(f"quote length {len(quote)} outside {QUOTE_LEN}: {quote!r}")
        lines = [line for line in docs[doc_id] if quote in line]
        if "\n" in quote or not lines:
            errors.append(f"quote is not a substring of one line of {doc_id}: {quote!r}")
        elif item["lang"] == "ko":
            shared = _longest_shared(item["question"], lines[0])
            if shared > MAX_SHARED_WITH_QUOTE:
                warnings.append(f"question shares {shared} characters with its evidence line")

    if item["answerable"]:
        if not item["facts"]:
            errors.append("answerable question without facts")
        if not item["evidence"]:
            errors.append("answerable question without evidence")
    else:
        if item["facts"] or item["evidence"]:
            errors.append("unanswerable question must have empty facts and evidence")
        if item["answer"] != REFUSAL[lang]:
            errors.append(f"unanswerable answer must be {REFUSAL[lang]!r}")

    if "conversation" in item:
        turns = item["conversation"]
        if not isinstance(turns, list) or not turns:
            errors.append("conversation must be a non-empty list")
        else:
            for i, turn in enumerate(turns):
                want = "user" if i % 2 == 0 else "assistant"
                ok = (
                    isinstance(turn, dict)
                    and set(turn) == {"role", "content"}
                    and turn["role"] == want
                    and isinstance(turn["content"], str)
                    and turn["content"].strip()
                )
                if not ok:
                    errors.append(f"conversation turn {i} should be {{role: {want!r}, content}}")
            if turns[-1].get("role") != "assistant":
                errors.append("conversation must end with an assistant turn")

    extra = set(item) - set(REQUIRED) - {"conversation"}
    if extra:
        errors.append(f"unexpected fields {sorted(extra)}")
    return errors, warnings


def categories(item: dict) -> set[str]:
    """Return the category labels an item counts towards."""
    cats = {item["lang"]}
    if not item["answerable"]:
        cats.add("unanswerable")
    else:
        cats.add("answerable")
        if any(NUMBER.search(a) for f in item["facts"] for a in _alternatives(f)):
            cats.add("numeric")
        if len({ev["doc_id"] for ev in item["evidence"]}) >= 2:
            cats.add("multi_doc")
    if item.get("conversation"):
        cats.add("follow_up")
    return cats


def main(argv: list[str] | None = None) -> int:
    """Run all checks, print counts, and return the process exit status."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=Path, default=ROOT / "eval" / "questions.jsonl")
    parser.add_argument("--corpus", type=Path, default=ROOT / "corpus")
    args = parser.parse_args(argv)

    docs = {
        p.stem: p.read_text(encoding="utf-8").splitlines()
        for p in sorted(args.corpus.glob("*.txt"))
    }
    if not docs:
        print(f"no corpus files in {args.corpus}", file=sys.stderr)
        return 1

    failures: list[str] = []
    items: list[dict] = []
    seen: set[str] = set()
    text = args.questions.read_text(encoding="utf-8")
    for lineno, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            failures.append(f"line {lineno}: blank line")
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError as exc:
            failures.append(f"line {lineno}: invalid JSON ({exc})")
            continue
        errors, warnings = check_item(item, docs)
        label = item.get("id", f"line {lineno}") if isinstance(item, dict) else f"line {lineno}"
        failures += [f"{label}: {e}" for e in errors]
        for w in warnings:
            print(f"warning: {label}: {w}")
        if isinstance(item, dict) and isinstance(item.get("id"), str):
            if item["id"] in seen:
                failures.append(f"{label}: duplicate id")
            seen.add(item["id"])
        if not errors:
            items.append(item)

    counts: Counter[str] = Counter()
    per_doc: Counter[str] = Counter()
    for item in items:
        counts.update(categories(item))
        for doc_id in {ev["doc_id"] for ev in item["evidence"]}:
            per_doc[doc_id] += 1

    print(f"questions: {len(items)} valid of {len(text.splitlines())} lines")
    for key in ("ko", "en", "answerable", "unanswerable", "numeric", "multi_doc", "follow_up"):
        need = MINIMUMS.get(key)
        print(f"  {key:<13}{counts[key]:>4}" + (f"  (min {need})" if need else ""))
        if need and counts[key] < need:
            failures.append(f"only {counts[key]} {key} questions, need {need}")
    print("  answerable questions citing each article:")
    for doc_id in docs:
        print(f"    {doc_id}: {per_doc[doc_id]}")
        if per_doc[doc_id] < MIN_PER_DOC:
            failures.append(f"only {per_doc[doc_id]} questions cite {doc_id}, need {MIN_PER_DOC}")

    for failure in failures:
        print(f"FAIL: {failure}", file=sys.stderr)
    print("OK" if not failures else f"{len(failures)} problem(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
