"""P(YES) "does this sentence state the answer?" for the sentences a fallback would quote.

    RAG_LLM_MODEL=~/.cache/rag-models/qwen2.5-coder-1.5b-instruct-q4_k_m.gguf \\
        python bench/results/quote-judge/measure.py QUESTIONS.jsonl OUT.jsonl

For each question: the sentences `fallback.quote_answer` would quote (``chosen``) and the
best five on the question's point, each with the chat model's P(YES) (stop 31's prompt,
`bench/evidence_judge.asking`, sentence first), whether it holds a gold quote, and the
fact recall of the quoted answer.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from evidence_judge import asking, is_gold

from rag.answering import evidence, fallback
from rag.answering.answer_type import expected_types, missing
from rag.answering.assistant import Assistant
from rag.answering.compose import Clock, Turn, answer_language
from rag.config import load_config
from rag.evaluation.metrics import fact_recall


def quoted(turn: Turn) -> list[evidence.Sentence]:
    """The sentences `fallback.quote_answer` quotes, chosen as it chooses them."""
    chosen = evidence.select(turn.ranked, fallback.QUOTED)
    if missing(evidence.quote(chosen), turn.kinds, turn.query):
        first = fallback.holders(turn, turn.kinds)
        chosen = [*first, *(s for s in chosen if s not in first)][: fallback.QUOTED]
    return chosen


def row(assistant: Assistant, item: dict) -> dict:
    """One question's quoted and on-point sentences with their P(YES)."""
    lang = answer_language(item["question"], "auto")
    query, hits = assistant.retrieve(item["question"], item.get("conversation") or ())
    turn = Turn(item["question"], query, lang, hits, Clock(time.perf_counter()))
    turn.writes = assistant._writes(turn)
    turn.ranked = evidence.rank(query, hits, assistant.similarity())
    turn.kinds = expected_types(query, lang)
    chosen = quoted(turn)
    sentences = list(dict.fromkeys([*chosen, *evidence.select(turn.ranked, 5)]))
    quotes = [e["quote"] for e in item.get("evidence", [])]
    judge = assistant.generator()
    facts = item.get("facts")
    answer = fallback.quote_answer(turn, "x", True).text
    return {
        "id": item["id"],
        "lang": lang,
        "answerable": item.get("answerable", True),
        "kinds": list(turn.kinds),
        "unstated": bool(fallback.unstated(turn)),
        "quote_fr": fact_recall(answer, facts) if facts else None,
        "sents": [
            {
                "text": s.text,
                "score": s.score,
                "chosen": s in chosen,
                "gold": is_gold(s.text, quotes),
                "p": judge.yes_probability(asking(query, s.text, False)),
            }
            for s in sentences
        ],
    }


def main(questions: str, out: str) -> None:
    """Measure every question of ``questions`` and write one JSON line each to ``out``."""
    assistant = Assistant(load_config())
    assistant.warm()
    with Path(out).open("w", encoding="utf-8") as sink:
        for line in Path(questions).read_text(encoding="utf-8").splitlines():
            measured = row(assistant, json.loads(line))
            sink.write(json.dumps(measured, ensure_ascii=False) + "\n")
            print(measured["id"], [round(s["p"], 2) for s in measured["sents"] if s["chosen"]])


if __name__ == "__main__":
    main(*sys.argv[1:3])
