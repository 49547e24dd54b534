"""Build the real index and score retrieval on the question set.

Prints build time, article-level hit@1 / hit@5 per retrieval mode and language,
and query latency (p50 / p95) per mode. Uses the configured embedder
(``RAG_EMBED_MODEL``, default EmbeddingGemma-300M from ``$RAG_MODELS_DIR``).

    python bench/retrieval.py [--questions eval/questions.jsonl] [--index /tmp/bench-index]
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

from rag.config import load_config
from rag.pipeline import Searcher, build


def load_questions(path: Path) -> list[dict]:
    rows = [
        json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()
    ]
    return [
        r
        for r in rows
        if r.get("answerable", True) and r.get("evidence") and not r.get("conversation")
    ]


def holds_quote(text: str, quote: str) -> bool:
    """A passage holds gold evidence if it has the quote, or half of it where a boundary cut it."""
    half = len(quote) // 2
    return quote in text or quote[:half] in text or quote[half:] in text


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


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
    questions = load_questions(args.questions)
    searcher = Searcher(config)
    searcher.search("warm-up", mode="hybrid")
    print(f"questions: {len(questions)} answerable single-turn")
    print("article-level hit@1/hit@5, passage-level hit@5 (a top-5 passage holds a gold quote)")
    print(
        f"{'mode':8} {'lang':4} {'n':>3} {'hit@1':>6} {'hit@5':>6} {'psg@5':>6}   p50 ms   p95 ms"
    )
    for mode in ("dense", "bm25", "hybrid"):
        timings, by_lang = [], {}
        for q in questions:
            gold = {e["doc_id"] for e in q["evidence"]}
            t = time.perf_counter()
            hits = searcher.search(q["question"], k=5, mode=mode)
            timings.append((time.perf_counter() - t) * 1000)
            docs = [h.chunk.doc_id for h in hits]
            row = by_lang.setdefault(q["lang"], [0, 0, 0, 0])
            row[0] += 1
            row[1] += bool(docs[:1] and docs[0] in gold)
            row[2] += bool(gold & set(docs[:5]))
            row[3] += any(
                h.chunk.doc_id == e["doc_id"] and holds_quote(h.chunk.text, e["quote"])
                for h in hits
                for e in q["evidence"]
            )
        for lang, (n, h1, h5, p5) in sorted(by_lang.items()):
            print(f"{mode:8} {lang:4} {n:3d} {h1 / n:6.2f} {h5 / n:6.2f} {p5 / n:6.2f}", end="")
            print(f" {percentile(timings, 0.5):8.1f} {percentile(timings, 0.95):8.1f}")
        print(f"{mode:8} mean: {statistics.mean(timings):.1f} ms/query")


if __name__ == "__main__":
    main()
