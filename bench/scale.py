"""How the FAISS index choice scales: exact flat search vs HNSW at N passages.

Vectors are drawn around random topic centres, as real passage embeddings
cluster by topic; queries are fresh draws from the same mixture. Prints build
time, query latency, recall@10 of HNSW
against exact search, and resident memory.

    python bench/scale.py --n 200000 --dim 768 --queries 200
"""

from __future__ import annotations

import argparse
import resource
import time

import numpy as np

from rag.indexing.store import make_faiss


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=200_000)
    parser.add_argument("--dim", type=int, default=768)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--m", type=int, default=32)
    parser.add_argument("--ef", type=int, default=128)
    parser.add_argument("--topics", type=int, default=2000)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    vectors = clustered(rng, args.n, args.dim, args.topics)
    queries = clustered(rng, args.queries, args.dim, args.topics, seed_centres=0)
    print(
        f"n={args.n} dim={args.dim} queries={args.queries}  "
        f"vectors {vectors.nbytes / 2**20:.0f} MiB"
    )
    results = {}
    for kind, threshold in (("flat", args.n + 1), ("hnsw", 0)):
        t = time.perf_counter()
        index, _ = make_faiss(vectors, threshold, args.m)
        build_s = time.perf_counter() - t
        if kind == "hnsw":
            index.hnsw.efSearch = args.ef
        rows, times = timed_search(index, queries, 10)
        results[kind] = rows
        p50, p95 = np.percentile(times, [50, 95])
        print(
            f"{kind:5} build {build_s:7.1f}s  query p50 {p50:7.2f} ms  p95 {p95:7.2f} ms  "
            f"maxrss {rss_mb():.0f} MiB"
        )
        del index
    recall = np.mean(
        [len(set(a) & set(b)) / 10 for a, b in zip(results["flat"], results["hnsw"], strict=True)]
    )
    print(f"hnsw recall@10 vs exact: {recall:.3f} (M={args.m}, efSearch={args.ef})")


if __name__ == "__main__":
    main()
