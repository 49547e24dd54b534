"""Log every translation try of English answers with the check's verdict.

Usage (from the repository root, with an index and a chat model)::

    RAG_LLM_THREADS=1 RAG_LLM_MODEL=~/.cache/rag-models/qwen2.5-coder-1.5b-instruct-q4_k_m.gguf \
        python bench/results/translation-faults/collect.py OUT.jsonl en-05 h-en-08 ...

Each question of eval/questions.jsonl or eval/heldout.jsonl named is asked once in English;
``rag.answering.translate.fault`` is wrapped so that each try is recorded as
(Korean sentence, English try, fault) beside the answer the user was shown.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from rag.answering import translate
from rag.answering.assistant import Assistant
from rag.config import load_config

SETS = ("eval/questions.jsonl", "eval/heldout.jsonl")


def questions() -> dict[str, str]:
    """Question text by id, over both question sets."""
    found = {}
    for name in SETS:
        for line in Path(name).read_text(encoding="utf-8").splitlines():
            row = json.loads(line) if line.strip() else {}
            if "question" in row:
                found[row["id"]] = row["question"]
    return found


def main(out: Path, ids: list[str]) -> None:
    """Ask each question and write its answer and translation tries to ``out``."""
    tries: list[tuple[str, str, str]] = []
    checked = translate.fault

    def logged(korean: str, english: str) -> str:
        verdict = checked(korean, english)
        tries.append((korean, english, verdict))
        return verdict

    translate.fault = logged
    assistant = Assistant(load_config())
    asked = questions()
    with out.open("w", encoding="utf-8") as f:
        for qid in ids:
            tries.clear()
            answer = assistant.ask(asked[qid], lang="en")
            row = {"id": qid, "answer": answer.text, "tries": list(tries)}
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
            f.flush()
            print(qid, [verdict for _, _, verdict in tries])


if __name__ == "__main__":
    main(Path(sys.argv[1]), sys.argv[2:])
