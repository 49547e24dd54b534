"""Hybrid retrieval: dense and BM25 legs, reciprocal rank fusion, diversity, rerank."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace

from rag.config import Config
from rag.errors import QueryError
from rag.indexing.embed import Embedder
from rag.indexing.store import Index
from rag.records import Hit
from rag.search.rerank import Reranker
from rag.text.korean import unspaced


def fuse(
    dense: list[tuple[int, float]],
    lexical: list[tuple[int, float]],
    settings: Config,
) -> list[tuple[int, float, dict[str, float | int]]]:
    """Merge the legs' ranked lists.

    With both legs, the score is reciprocal rank fusion,
    ``sum(weight / (rrf_k + rank))``; with one leg it is that leg's own score.

    Returns:
        ``(row, score, legs)`` best first; ``legs`` holds each leg's rank and score.
    """
    legs: dict[int, dict[str, float | int]] = {}
    for name, ranked in (("dense", dense), ("bm25", lexical)):
        for rank, (row, score) in enumerate(ranked, start=1):
            legs.setdefault(row, {})[f"{name}_rank"] = rank
            legs[row][f"{name}_score"] = score
    both = bool(dense) and bool(lexical)
    fused = []
    for row, info in legs.items():
        if both or settings.mode == "hybrid":
            score = sum(
                weight / (settings.rrf_k + info[f"{leg}_rank"])
                for leg, weight in (
                    ("dense", settings.dense_weight),
                    ("bm25", settings.bm25_weight),
                )
                if f"{leg}_rank" in info
            )
        else:
            score = float(info.get("dense_score", info.get("bm25_score", 0.0)))
        fused.append((row, score, info))
    fused.sort(key=lambda item: (-item[1], item[0]))
    return fused


def shingles(text: str, n: int = 3) -> frozenset[str]:
    """Character n-grams of the text without spaces (language-independent)."""
    squashed = unspaced(text)
    return frozenset(squashed[i : i + n] for i in range(max(1, len(squashed) - n + 1)))


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    """Jaccard similarity of two sets; 0 for two empty sets."""
    return len(a & b) / len(a | b) if a or b else 0.0


def diversify(hits: list[Hit], settings: Config) -> list[Hit]:
    """Keep at most ``max_per_doc`` hits per document and drop near-duplicates."""
    kept: list[Hit] = []
    seen: list[frozenset[str]] = []
    per_doc: Counter[str] = Counter()
    for hit in hits:
        if per_doc[hit.chunk.doc_id] >= settings.max_per_doc:
            continue
        grams = shingles(hit.chunk.text)
        if any(jaccard(grams, other) >= settings.near_duplicate for other in seen):
            continue
        kept.append(hit)
        seen.append(grams)
        per_doc[hit.chunk.doc_id] += 1
        if len(kept) == settings.top_k:
            break
    return kept


def rerank(question: str, hits: list[Hit], reranker: Reranker, depth: int) -> list[Hit]:
    """Reorder the first ``depth`` hits by cross-encoder score; the rest follow."""
    head, tail = hits[:depth], hits[depth:]
    scores = reranker.score(question, [h.chunk.text for h in head])
    rescored = [replace(h, score=s, rerank_score=s) for h, s in zip(head, scores, strict=True)]
    rescored.sort(key=lambda h: -h.score)
    return rescored + tail


def retrieve(
    question: str,
    index: Index,
    embedder: Embedder | None,
    settings: Config,
    reranker: Reranker | None = None,
) -> list[Hit]:
    """Return the best ``settings.top_k`` passages for a question.

    ``settings`` supplies ``top_k``, ``mode``, ``candidates``, the fusion
    weights, ``max_per_doc``, ``near_duplicate`` and ``rerank_depth``.

    Raises:
        QueryError: If the mode needs an embedder and none is given.
    """
    dense, lexical = [], []
    if settings.mode in ("hybrid", "dense"):
        if embedder is None:
            raise QueryError(f"mode {settings.mode} needs the embedding model")
        dense = index.search_dense(embedder.encode_queries([question])[0], settings.candidates)
    if settings.mode in ("hybrid", "bm25"):
        lexical = index.bm25.search(question, settings.candidates)
    if settings.mode == "hybrid" and lexical:
        # Trust the lexical leg as far as the question's words occur in the corpus.
        weight = settings.bm25_weight * index.bm25.coverage(question) ** 2
        settings = replace(settings, bm25_weight=weight)
    hits = [
        Hit(chunk=index.chunks[row], score=score, **legs)  # type: ignore[arg-type]
        for row, score, legs in fuse(dense, lexical, settings)
    ]
    if reranker is not None:
        hits = rerank(question, hits, reranker, settings.rerank_depth)
    return diversify(hits, settings)
