"""A loaded index and the models a query needs, created once and reused."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, replace

from rag.config import Config
from rag.errors import IndexMismatchError, QueryError
from rag.indexing.build import make_embedder
from rag.indexing.embed import Embedder
from rag.indexing.manifest import build_settings, check_settings
from rag.indexing.store import load_index
from rag.records import Hit
from rag.search.rerank import Reranker
from rag.search.retrieve import retrieve


@dataclass(frozen=True)
class Query:
    """A question that passed :func:`check_query`: the text to use, and notes for the user."""

    text: str
    notes: tuple[str, ...] = ()


# Unicode categories a question never needs: controls (but tab and newline), format
# characters (zero-width, bidi overrides, BOM) and lone surrogates.
_DROP = frozenset({"Cc", "Cf", "Cs"})
_KEEP = frozenset("\t\n")


def clean_question(text: str) -> str:
    """The question with what no question needs removed, stripped.

    Control characters become spaces (tab and newline stay); format characters and
    lone surrogates (U+D800, or the undecodable bytes of a command line) go; the
    rest is NFC-normalized.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    kept = []
    for ch in text:
        category = unicodedata.category(ch)
        if ch in _KEEP or category not in _DROP:
            kept.append(ch)
        elif category == "Cc":
            kept.append(" ")
    return unicodedata.normalize("NFC", "".join(kept)).strip()


def check_query(question: str, k: int, max_chars: int = 1000) -> Query:
    """The one check every question passes, once, before anything loads.

    The question is cleaned (:func:`clean_question`) and, if longer than
    ``max_chars`` characters, cut at the last space before that, with a note
    saying so.

    Raises:
        QueryError: If it is empty or only whitespace, has no letter or digit
            (only emoji or punctuation), or k is below 1.
    """
    text = clean_question(question)
    if not text:
        raise QueryError("the question is empty: type a question")
    if not any(ch.isalnum() for ch in text):
        raise QueryError(
            "the question has no words, only symbols or emoji: type a question in Korean or English"
        )
    if k < 1:
        raise QueryError(f"k must be at least 1, got {k}")
    if len(text) <= max_chars:
        return Query(text)
    cut = text[:max_chars]
    space = cut.rfind(" ", max_chars * 9 // 10)
    cut = (cut[:space] if space > 0 else cut).rstrip()
    note = (
        f"질문이 길어 앞의 {len(cut):,}자만 썼습니다 · the question was cut to its first "
        f"{len(cut):,} of {len(text):,} characters (max_question_chars = {max_chars:,})"
    )
    return Query(cut, (note,))


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
