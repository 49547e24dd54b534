"""Which evidence sentence answers? Sentence scores against the chat model's P(YES).

For every answerable question of a question set, retrieves as `rag ask` does, takes the
evidence sentences on point (:func:`rag.answering.evidence.select`, at most
``evidence_sentences``), marks those that hold a gold evidence quote (60% of the quote's
character shingles), and asks the chat model of each sentence "does this sentence state
the answer?" (the sentence in a source tag, then the question; ``--question-first`` the
other way round). Counted over the questions whose sentences on point are neither all
gold nor none: how often the first sentence is a gold one when ordered by the sentence
score alone, by P(YES) alone, and by the score plus ``w`` times P(YES).

    RAG_LLM_MODEL=~/.cache/rag-models/qwen2.5-coder-1.5b-instruct-q4_k_m.gguf \\
        python bench/evidence_judge.py eval/questions.jsonl --out FILE

Prints one row per language and writes every question's sentences, gold marks,
scores and probabilities to ``--out`` (JSON), which ``--table FILE ...`` prints again.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

WEIGHTS = (0.2, 0.5, 1.0)
GOLD_SHARE = 0.6
POINT = (
    "Does this source sentence state the answer to this exact question? "
    "Reply with one word: YES or NO."
)


def asking(question: str, sentence: str, question_first: bool) -> list[dict[str, str]]:
    """The chat messages asking whether one sentence states the answer."""
    from rag.answering.prompt import SYSTEM, defang

    source = f"<source>\n{defang(sentence)}\n</source>"
    asked = f"Question: {question}"
    parts = (asked, source) if question_first else (source, asked)
    user = f"{parts[0]}\n\n{parts[1]}\n\n{POINT}"
    return [{"role": "system", "content": SYSTEM}, {"role": "user", "content": user}]


def is_gold(sentence: str, quotes: list[str]) -> bool:
    """Whether the sentence holds most of one gold quote."""
    from rag.search.retrieve import shingles

    have = shingles(sentence)
    return any((want := shingles(q)) and len(want & have) / len(want) >= GOLD_SHARE for q in quotes)


def measure(questions: Path, question_first: bool = False) -> list[dict]:
    """Every answerable question's sentences on point, gold marks, scores and P(YES)."""
    from rag.answering import evidence
    from rag.answering.assistant import Assistant
    from rag.config import load_config

    config = load_config()
    assistant = Assistant(config)
    assistant.warm()
    generator = assistant.generator()
    rows = []
    for line in questions.read_text(encoding="utf-8").splitlines():
        item = json.loads(line)
        if not item.get("answerable", True):
            continue
        query, hits = assistant.retrieve(item["question"], item.get("conversation") or ())
        ranked = evidence.rank(query, hits, assistant.similarity(), assistant.similarity(True))
        chosen = evidence.select(ranked, config.evidence_sentences)
        quotes = [e["quote"] for e in item.get("evidence", [])]
        started = time.perf_counter()
        p = [generator.yes_probability(asking(query, s.text, question_first)) for s in chosen]
        rows.append(
            {
                "id": item["id"],
                "lang": item["lang"],
                "gold": [is_gold(s.text, quotes) for s in chosen],
                "score": [s.score for s in chosen],
                "p": p,
                "seconds": time.perf_counter() - started,
                "sentences": [s.text for s in chosen],
            }
        )
        print(item["id"], rows[-1]["gold"], [f"{x:.2f}" for x in p], flush=True)
    return rows


def _first_is_gold(row: dict, key) -> bool:
    best = max(range(len(row["gold"])), key=lambda i: key(row, i))
    return row["gold"][best]


def table(runs: dict[str, list[dict]]) -> str:
    """One line per run and language: gold first by score, by P(YES), and by each mix."""
    out = []
    for name, rows in runs.items():
        out += _lines(name, rows)
    head = ["run", "lang", "questions", "score", "P(YES)", *(f"score + {w} P" for w in WEIGHTS)]
    rule = "| " + " | ".join("---" for _ in head) + " |"
    return "\n".join(["| " + " | ".join(head) + " |", rule, *out])


def _lines(name: str, rows: list[dict]) -> list[str]:
    out = []
    for lang in sorted({r["lang"] for r in rows}, reverse=True):
        mixed = [r for r in rows if r["lang"] == lang and any(r["gold"]) and not all(r["gold"])]
        by_score = sum(_first_is_gold(r, lambda r, i: r["score"][i]) for r in mixed)
        by_p = sum(_first_is_gold(r, lambda r, i: (r["p"][i], r["score"][i])) for r in mixed)
        mixes = [
            sum(_first_is_gold(r, lambda r, i, w=w: r["score"][i] + w * r["p"][i]) for r in mixed)
            for w in WEIGHTS
        ]
        cells = [name, lang, str(len(mixed)), str(by_score), str(by_p), *map(str, mixes)]
        out.append("| " + " | ".join(cells) + " |")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("questions", nargs="?", type=Path)
    parser.add_argument("--out", type=Path)
    parser.add_argument("--question-first", action="store_true", help="ask with the question first")
    parser.add_argument("--table", nargs="+", type=Path, help="print stored runs' tables")
    args = parser.parse_args()
    if args.table:
        print(table({p.stem: json.loads(p.read_text(encoding="utf-8")) for p in args.table}))
        return
    if args.questions is None:
        parser.error("give a question set, or --table FILE")
    rows = measure(args.questions, args.question_first)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(rows, ensure_ascii=False, indent=1), encoding="utf-8")
    print(table({args.questions.stem: rows}))


if __name__ == "__main__":
    main()
