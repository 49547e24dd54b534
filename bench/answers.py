"""A real run of `rag ask`: 10 Korean, 10 English and 4 unanswerable questions.

Prints each answer with its citations, then a summary: citations the model
wrote vs. kept after checking, cited passages holding gold evidence, refusals,
time to first token and tokens/s. Use the real models:

    RAG_LLM_MODEL=$RAG_MODELS_DIR/qwen2.5-coder-0.5b-instruct-q5_0.gguf \\
        python bench/answers.py --index /tmp/bench-index [--out bench/out/answers-0.5b.md]
"""

from __future__ import annotations

import argparse
import statistics
from pathlib import Path

from rag.answering.assistant import Assistant
from rag.answering.cite.markers import parse
from rag.config import load_config
from rag.evaluation.metrics import passage_relevant
from rag.evaluation.questions import Question, load_questions
from rag.indexing.build import build
from rag.records import Answered, Reset, Token


def pick(path: Path, per_lang: int, unanswerable: int) -> list[Question]:
    single = [q for q in load_questions(path) if not q.conversation]
    chosen = []
    for lang in ("ko", "en"):
        chosen += [q for q in single if q.lang == lang and q.answerable][:per_lang]
    return chosen + [q for q in single if not q.answerable][:unanswerable]


def holds_gold(chunk_text: str, question: Question) -> bool:
    return any(passage_relevant(chunk_text, e.quote) for e in question.evidence)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=Path, default=Path("eval/questions.jsonl"))
    parser.add_argument("--index", type=Path, default=Path("index"))
    parser.add_argument("--per-lang", type=int, default=10)
    parser.add_argument("--unanswerable", type=int, default=4)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    config = load_config(overrides={"index_dir": args.index})
    build(config)
    assistant = Assistant(config)
    lines, stats = [f"# {config.llm_model}\n"], {"written": 0, "kept": 0, "gold": 0, "claims": 0}
    ttft, rates, refused = [], [], []
    for row in pick(args.questions, args.per_lang, args.unanswerable):
        raw = ""
        answer = None
        for event in assistant.stream(row.question):
            match event:
                case Token(text=text):
                    raw += text
                case Reset():
                    raw = ""
                case Answered(answer=final):
                    answer = final
        assert answer is not None
        stats["written"] += sum(len(ids) for _, ids in parse(raw, len(answer.hits)))
        stats["kept"] += len(answer.citations)
        stats["claims"] += sum(c.supported for c in answer.claims)
        cited = {c.chunk_id for c in answer.citations}
        gold = any(holds_gold(h.chunk.text, row) for h in answer.hits if h.chunk.chunk_id in cited)
        stats["gold"] += bool(row.evidence) and gold
        refused.append((row.answerable, answer.refused))
        if answer.timings.first_token:
            ttft.append(answer.timings.first_token)
            rates.append(answer.timings.tokens_per_s)
        flags = "; ".join(
            f"unsupported: {c.text} ({c.reason})" for c in answer.claims if not c.supported
        )
        lines.append(
            f"## {row.id}: {row.question}\n\n{answer.text}\n\n"
            f"- mode {answer.mode}, refused {answer.refused}, citations "
            f"{[c.chunk_id for c in answer.citations]}, gold cited {gold}\n"
            f"- notes: {list(answer.notes)} {flags}\n"
            f"- first token {answer.timings.first_token:.0f} ms, "
            f"total {answer.timings.total:.0f} ms, {answer.timings.tokens_per_s:.1f} tok/s\n"
        )
        print(lines[-1], flush=True)
    true_refusals = sum(1 for a, r in refused if not a and r)
    false_refusals = sum(1 for a, r in refused if a and r)
    summary = (
        f"citation markers written {stats['written']}, kept after checking {stats['kept']}; "
        f"answers citing a gold passage {stats['gold']}/{sum(a for a, _ in refused)}; "
        f"refused {true_refusals}/{sum(not a for a, _ in refused)} unanswerable, "
        f"{false_refusals} answerable; first token p50 "
        f"{statistics.median(ttft) if ttft else 0:.0f} ms; tokens/s p50 "
        f"{statistics.median(rates) if rates else 0:.1f}"
    )
    lines.append(f"## Summary\n\n{summary}\n")
    print(summary)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text("\n".join(lines), encoding="utf-8")


if __name__ == "__main__":
    main()
