"""Build the real index and score retrieval on the question set.

Prints build time, article-level hit@1 / hit@5 and passage-level hit@5 per
retrieval mode and language, and query latency (p50 / p95) per mode. Uses the
configured embedder (``RAG_EMBED_MODEL``, default EmbeddingGemma-300M from
``$RAG_MODELS_DIR``).

    python bench/retrieval.py [--questions eval/questions.jsonl] [--index /tmp/bench-index]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from rag.config import load_config
from rag.evaluation.metrics import hit_at, mean, passage_relevant, percentile
from rag.evaluation.questions import Question, load_questions
from rag.indexing.build import build
from rag.search.searcher import Searcher


def single_turn_answerable(path: Path) -> list[Question]:
    return [q for q in load_questions(path) if q.answerable and q.evidence and not q.conversation]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=Path, default=Path("eval/questions.jsonl"))
    parser.add_argument("--index", type=Path, default=Path(tempfile.mkdtemp()) / "index")
    args = parser.parse_args()
    config = load_config(overrides={"index_dir": args.index})
    started = time.perf_counter()
    report = build(config, full=True)
    print(f"embedder: {config.embed_model}")
    print(
        f"build: {report.documents} docs, {report.chunks} passages, "
        f"{time.perf_counter() - started:.1f}s"
    )
    questions = single_turn_answerable(args.questions)
    searcher = Searcher(config)
    searcher.search("warm-up", mode="hybrid")
    print(f"questions: {len(questions)} answerable single-turn")
    print("article-level hit@1/hit@5, passage-level hit@5 (a top-5 passage holds a gold quote)")
    print(
        f"{'mode':8} {'lang':4} {'n':>3} {'hit@1':>6} {'hit@5':>6} {'psg@5':>6}   p50 ms   p95 ms"
    )
    for mode in ("dense", "bm25", "hybrid"):
        timings: list[float] = []
        rows: dict[str, list[tuple[float | None, float | None, float]]] = {}
        for q in questions:
            t = time.perf_counter()
            hits = searcher.search(q.question, k=5, mode=mode)
            timings.append((time.perf_counter() - t) * 1000)
            docs = [h.chunk.doc_id for h in hits]
            gold = {e.doc_id for e in q.evidence}
            passage = any(
                h.chunk.doc_id == e.doc_id and passage_relevant(h.chunk.text, e.quote)
                for h in hits
                for e in q.evidence
            )
            rows.setdefault(q.lang, []).append(
                (hit_at(docs, gold, 1), hit_at(docs, gold, 5), float(passage))
            )
        for lang, scores in sorted(rows.items()):
            h1, h5, p5 = (mean(column) or 0.0 for column in zip(*scores, strict=True))
            print(f"{mode:8} {lang:4} {len(scores):3d} {h1:6.2f} {h5:6.2f} {p5:6.2f}", end="")
            print(f" {percentile(timings, 50):8.1f} {percentile(timings, 95):8.1f}")
        print(f"{mode:8} mean: {statistics.mean(timings):.1f} ms/query")


if __name__ == "__main__":
    main()
