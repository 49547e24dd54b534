"""How well the chat model judges a bare answer phrase ("82개", "J. D. 밴스 미국 부통령").

A bare phrase is judged as the answer to its question (``faithful.ASK_ANSWER``), with the
threshold calibrated on whole sentences (``faithful_below``). The item set holds right
phrases and wrong phrases of the same kind from the same sentence, written from the dev
questions (``bench/results/bare-answer-judge/items.json``).

    RAG_LLM_MODEL=$RAG_MODELS_DIR/qwen2.5-coder-1.5b-instruct-q4_k_m.gguf \\
        python bench/bare_answers.py [--out bench/results/bare-answer-judge/scores-1.5b.json]

Prints P(YES) per item, the range for right and wrong phrases, what the model's shipped
``faithful_below`` accepts and rejects, and how often the right phrase of a question
outscores a wrong one; writes every score as JSON.
"""

from __future__ import annotations

import argparse
import json
from collections import defaultdict
from pathlib import Path

ITEMS = Path(__file__).parent / "results" / "bare-answer-judge" / "items.json"


def score(items: dict, out: Path) -> list[dict]:
    """Ask the configured chat model about every item; write and return the scores."""
    from rag.answering import faithful
    from rag.answering.assistant import Assistant
    from rag.config import checks, load_config
    from rag.text.english import with_english_figures
    from rag.text.lang import language

    c = load_config()
    model = Assistant(c).generator()  # loaded as answers load it (threads, context)
    if model is None:
        raise SystemExit(f"no chat model: set RAG_LLM_MODEL (now {c.llm_model!r})")
    rows = []
    for item in items["items"]:
        source = items["sources"][item["source"]]
        if language(item["question"]) == "en":
            source = with_english_figures(source)  # as an English answer's sources read
        messages = faithful.messages(item["answer"], [source], item["question"])
        rows.append({**item, "p": model.yes_probability(messages)})
        print(f"{rows[-1]['p']:.3f} {'right' if item['right'] else 'wrong'} {item['answer']}")
    out.write_text(json.dumps(rows, ensure_ascii=False, indent=1), encoding="utf-8")
    summary(rows, checks(c).faithful_below)
    return rows


def summary(rows: list[dict], threshold: float) -> None:
    """Print the ranges, the verdicts at ``threshold`` and the same-question pairs."""
    right = [r["p"] for r in rows if r["right"]]
    wrong = [r["p"] for r in rows if not r["right"]]
    print(f"right {len(right)}: {min(right):.2f}-{max(right):.2f}")
    print(f"wrong {len(wrong)}: {min(wrong):.2f}-{max(wrong):.2f}")
    print(
        f"at faithful_below {threshold}: {sum(p < threshold for p in right)} right rejected,"
        f" {sum(p >= threshold for p in wrong)} wrong accepted"
    )
    by_question: dict[str, dict[bool, list[float]]] = defaultdict(lambda: {True: [], False: []})
    for r in rows:
        by_question[r["question"]][r["right"]].append(r["p"])
    pairs = [(a, b) for q in by_question.values() for a in q[True] for b in q[False]]
    print(f"same question, right above wrong: {sum(a > b for a, b in pairs)} of {len(pairs)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=Path, default=ITEMS)
    parser.add_argument("--out", type=Path, default=ITEMS.with_name("scores.json"))
    args = parser.parse_args()
    score(json.loads(args.items.read_text(encoding="utf-8")), args.out)


if __name__ == "__main__":
    main()
