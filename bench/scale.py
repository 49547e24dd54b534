"""How the FAISS index choice scales: exact flat search vs HNSW at N passages.

Vectors are drawn around random topic centres, as real passage embeddings
cluster by topic; queries are fresh draws from the same mixture. Prints build
time, query latency (p50 and p95), recall@10 of HNSW against exact search, and
resident memory. When the embedder loads (``--embed-model``, default the
configured one; ``--embed-model ""`` skips it), the time to embed one question
(the eval set's questions, one at a time, as a search does) is measured too, so
the whole dense retrieval path is shown: embed the question, then search.

    python bench/scale.py --n 200000 --dim 768 --queries 200

Writes bench/results/scale-<n>.json.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import time
from pathlib import Path

import numpy as np

from rag.config import Config
from rag.errors import RagError
from rag.indexing.store import make_faiss

ROOT = Path(__file__).resolve().parents[1]


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def clustered(rng, n: int, dim: int, topics: int, seed_centres: int = 0) -> np.ndarray:
    """Unit vectors scattered around ``topics`` fixed random centres."""
    centres = np.random.default_rng(seed_centres).standard_normal((topics, dim), dtype=np.float32)
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    out = np.empty((n, dim), dtype=np.float32)
    for start in range(0, n, 50_000):
        stop = min(n, start + 50_000)
        noise = rng.standard_normal((stop - start, dim), dtype=np.float32) / np.sqrt(dim)
        out[start:stop] = centres[rng.integers(0, topics, stop - start)] + 0.7 * noise
    out /= np.linalg.norm(out, axis=1, keepdims=True)
    return out


def timed_search(index, queries: np.ndarray, k: int) -> tuple[np.ndarray, list[float]]:
    found, times = [], []
    for q in queries:
        t = time.perf_counter()
        _, rows = index.search(q.reshape(1, -1), k)
        times.append((time.perf_counter() - t) * 1000)
        found.append(rows[0])
    return np.array(found), times


def embedding_ms(name: str, questions: Path, limit: int = 100) -> dict | None:
    """p50/p95 of embedding one question at a time, or None if the embedder does not load."""
    if not name:
        return None
    try:
        from rag.indexing.embed import Embedder

        embedder = Embedder(name)
    except (RagError, ImportError) as exc:
        print(f"no query-embedding time: {exc}")
        return None
    with questions.open(encoding="utf-8") as fh:
        texts = [json.loads(line)["question"] for line in fh if line.strip()][:limit]
    embedder.encode_queries(texts[:2])  # warm up
    times = []
    for text in texts:
        t = time.perf_counter()
        embedder.encode_queries([text])
        times.append((time.perf_counter() - t) * 1000)
    p50, p95 = np.percentile(times, [50, 95])
    return {"model": name, "queries": len(texts), "p50_ms": float(p50), "p95_ms": float(p95)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=200_000)
    parser.add_argument("--dim", type=int, default=768)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--m", type=int, default=32)
    parser.add_argument("--ef", type=int, default=128)
    parser.add_argument("--topics", type=int, default=2000)
    parser.add_argument(
        "--embed-model", default=os.environ.get("RAG_EMBED_MODEL", Config.embed_model)
    )
    parser.add_argument("--questions", type=Path, default=ROOT / "eval" / "questions.jsonl")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    embed = embedding_ms(args.embed_model, args.questions)
    if embed:
        print(
            f"query embedding ({embed['model']}, {embed['queries']} questions one at a time): "
            f"p50 {embed['p50_ms']:.1f} ms  p95 {embed['p95_ms']:.1f} ms"
        )
    rng = np.random.default_rng(0)
    vectors = clustered(rng, args.n, args.dim, args.topics)
    queries = clustered(rng, args.queries, args.dim, args.topics, seed_centres=0)
    print(
        f"n={args.n} dim={args.dim} queries={args.queries}  "
        f"vectors {vectors.nbytes / 2**20:.0f} MiB"
    )
    results, report = {}, {"n": args.n, "dim": args.dim, "embedding": embed, "indexes": {}}
    for kind, threshold in (("flat", args.n + 1), ("hnsw", 0)):
        t = time.perf_counter()
        index, _ = make_faiss(vectors, threshold, args.m)
        build_s = time.perf_counter() - t
        if kind == "hnsw":
            index.hnsw.efSearch = args.ef
        rows, times = timed_search(index, queries, 10)
        results[kind] = rows
        p50, p95 = np.percentile(times, [50, 95])
        report["indexes"][kind] = {
            "build_s": round(build_s, 2),
            "query_p50_ms": round(float(p50), 3),
            "query_p95_ms": round(float(p95), 3),
            "maxrss_mib": round(rss_mb()),
        }
        print(
            f"{kind:5} build {build_s:7.1f}s  query p50 {p50:7.2f} ms  p95 {p95:7.2f} ms  "
            f"maxrss {rss_mb():.0f} MiB"
        )
        del index
    recall = np.mean(
        [len(set(a) & set(b)) / 10 for a, b in zip(results["flat"], results["hnsw"], strict=True)]
    )
    print(f"hnsw recall@10 vs exact: {recall:.3f} (M={args.m}, efSearch={args.ef})")
    report["hnsw_recall_at_10"] = round(float(recall), 3)
    print("\n| index | search p50 / p95 | embed + search p50 / p95 |\n|---|---|---|")
    for kind, row in report["indexes"].items():
        whole = "-"
        if embed:  # the percentiles of a sum are not sums; this is the usual approximation
            whole = (
                f"{embed['p50_ms'] + row['query_p50_ms']:.1f} / "
                f"{embed['p95_ms'] + row['query_p95_ms']:.1f} ms"
            )
        print(f"| {kind} | {row['query_p50_ms']:.2f} / {row['query_p95_ms']:.2f} ms | {whole} |")
    out = args.out or Path(__file__).parent / "results" / f"scale-{args.n}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=1), encoding="utf-8")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
