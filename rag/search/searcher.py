"""A loaded index and the models a query needs, created once and reused."""

from __future__ import annotations

from dataclasses import replace

from rag.config import Config
from rag.errors import IndexMismatchError, QueryError
from rag.indexing.build import make_embedder
from rag.indexing.embed import Embedder
from rag.indexing.manifest import build_settings, check_settings
from rag.indexing.store import load_index
from rag.records import Hit
from rag.search.rerank import Reranker
from rag.search.retrieve import retrieve


def check_query(question: str, k: int) -> str:
    """Return the question stripped: the one check every question passes once.

    Raises:
        QueryError: If it is empty or only whitespace, or k is below 1.
    """
    question = question.strip()
    if not question:
        raise QueryError("the question is empty: type a question")
    if k < 1:
        raise QueryError(f"k must be at least 1, got {k}")
    return question


class Searcher:
    """A loaded index plus the models a query needs, created once and reused.

    The embedding model loads on the first dense or hybrid query, so BM25-only
    searches never load it.

    Raises:
        IndexMissingError: If there is no index.
        IndexCorruptError: If the index is unreadable.
        IndexMismatchError: If the index was built with other settings.
    """

    def __init__(
        self,
        config: Config,
        embedder: Embedder | None = None,
        reranker: Reranker | None = None,
    ) -> None:
        self.config = config
        self.index = load_index(config.index_dir, config.hnsw_ef_search)
        check_settings(config.index_dir, self.index.manifest, build_settings(config))
        self._embedder = embedder
        self._reranker = reranker

    @property
    def embedder(self) -> Embedder:
        """The query embedder, loaded on first use; its dimension is checked."""
        if self._embedder is None:
            self._embedder = make_embedder(self.config)
        want = self.index.manifest.embedder.dimension
        if self._embedder.dimension != want:
            raise IndexMismatchError(
                f"{self.config.index_dir} has {want}-d vectors but the embedder gives "
                f"{self._embedder.dimension}-d: run `rag build --full`"
            )
        return self._embedder

    @property
    def reranker(self) -> Reranker | None:
        """The cross-encoder if one is configured, loaded on first use."""
        if self._reranker is None and self.config.rerank_model:
            self._reranker = Reranker(self.config.rerank_model)
        return self._reranker

    def search(self, query: str, k: int | None = None, mode: str | None = None) -> list[Hit]:
        """Retrieve passages for a query that :func:`check_query` has passed.

        Raises:
            ModelError: If the embedding model or reranker is missing.
        """
        c = self.config
        top_k = c.top_k if k is None else k
        settings = replace(c, top_k=top_k, mode=mode or c.mode, candidates=max(c.candidates, top_k))
        embedder = self.embedder if settings.mode != "bm25" else None
        return retrieve(query, self.index, embedder, settings, self.reranker)
