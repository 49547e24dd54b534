"""Lexical search: BM25 (bm25s) over Kiwi morpheme tokens, saved as plain files."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from rag.errors import IndexCorruptError
from rag.text.korean import tokenize


class Bm25:
    """A BM25 index over passages; row i is passage i of ``chunks.jsonl``."""

    def __init__(self, retriever: Any) -> None:
        self.retriever = retriever

    @classmethod
    def build(cls, tokens: Sequence[Sequence[str]]) -> Bm25:
        """Index pre-tokenized passages (see :func:`rag.text.korean.tokenize`)."""
        import bm25s

        retriever = bm25s.BM25()
        retriever.index([list(t) for t in tokens], show_progress=False)
        return cls(retriever)

    def save(self, folder: Path) -> None:
        """Write the index as ``.npy`` and ``.json`` files (no pickle)."""
        self.retriever.save(str(folder), show_progress=False)

    @classmethod
    def load(cls, folder: Path) -> Bm25:
        """Read an index written by :meth:`save`.

        Raises:
            IndexCorruptError: If the files are missing or unreadable.
        """
        import bm25s

        try:
            return cls(bm25s.BM25.load(str(folder), show_progress=False, verbosity=0))
        except Exception as exc:
            raise IndexCorruptError(
                f"BM25 files in {folder} are unreadable ({type(exc).__name__}): "
                "run `rag build --full`"
            ) from exc

    @property
    def size(self) -> int:
        """Number of indexed passages."""
        return int(self.retriever.scores["num_docs"])

    def coverage(self, query: str) -> float:
        """Share of the query's tokens that occur in the index, from 0 to 1.

        An English question over Korean articles shares only names and numbers
        with them; retrieval uses this to trust the lexical leg less.
        """
        tokens = tokenize(query)
        if not tokens:
            return 0.0
        return sum(t in self.retriever.vocab_dict for t in tokens) / len(tokens)

    def search(self, query: str, n: int) -> list[tuple[int, float]]:
        """Return up to ``n`` ``(row, score)`` pairs with a positive score, best first."""
        ids = self.retriever.get_tokens_ids(tokenize(query))
        if not ids or n < 1:
            return []
        scores = self.retriever.get_scores_from_ids(ids)
        n = min(n, len(scores))
        top = np.argpartition(-scores, n - 1)[:n]
        top = top[np.argsort(-scores[top], kind="stable")]
        return [(int(i), float(scores[i])) for i in top if scores[i] > 0]
