"""Typed records that flow through the pipeline.

Ids are stable from the file to the citation: ``doc_id`` is the file stem and
``chunk_id`` is ``"{doc_id}#{ordinal}"``, so an unchanged document keeps its
chunk ids across rebuilds.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class Removed:
    """A line that cleaning dropped, with the rule that dropped it."""

    line: str
    reason: str


@dataclass(frozen=True)
class Document:
    """One cleaned article.

    Attributes:
        doc_id: The file stem; stable across rebuilds.
        text: The clean body text. Chunk offsets point into it.
        title: Headline, if known.
        outlet: Publisher name, if known.
        published: Publication date, if known.
        author: Reporter name(s), if known.
        url: Source address, if known.
        source: Path of the file the document came from.
        removed: What cleaning dropped, in file order.
    """

    doc_id: str
    text: str
    title: str | None = None
    outlet: str | None = None
    published: date | None = None
    author: str | None = None
    url: str | None = None
    source: str = ""
    removed: tuple[Removed, ...] = ()


@dataclass(frozen=True)
class Chunk:
    """A passage of a document: whole sentences, under the embedder's limit.

    ``text == document.text[start:end]``. Document metadata is copied in so a
    chunk is self-contained from retrieval to citation.
    """

    chunk_id: str
    doc_id: str
    ordinal: int
    start: int
    end: int
    text: str
    title: str | None = None
    outlet: str | None = None
    published: str | None = None

    def header(self) -> str:
        """Return the short header (title and outlet) embedded with the text."""
        parts = [p for p in (self.title, self.outlet) if p]
        return " | ".join(parts)


@dataclass(frozen=True)
class Hit:
    """A retrieved chunk with its fused score and each leg's rank and score.

    Ranks are 1-based; a leg that did not return the chunk leaves its rank and
    score as None.
    """

    chunk: Chunk
    score: float
    dense_rank: int | None = None
    dense_score: float | None = None
    bm25_rank: int | None = None
    bm25_score: float | None = None
    rerank_score: float | None = None
