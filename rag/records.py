"""Typed records that flow from the article file to the answer: the core of every layer.

Ids are stable from the file to the citation: ``doc_id`` is the file stem and
``chunk_id`` is ``"{doc_id}#{ordinal}"``, so an unchanged document keeps its
chunk ids across rebuilds.

The events of a streamed answer (:data:`Event`) and the JSON shapes of hits and
answers (what ``rag ask --json`` prints and the app's ``/ask`` returns) live here
too, so the CLI and the UI share them. The index manifest is a typed record of
its own, in :mod:`rag.indexing.manifest`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date
from typing import Any, Literal


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


@dataclass(frozen=True)
class Citation:
    """A source an answer cites, numbered in order of first use.

    Attributes:
        n: The number shown in the answer, ``[n]``; 1-based.
        chunk_id: The cited passage.
        doc_id: Its article.
        title: Article title, if known.
        outlet: Publisher, if known.
        published: ISO date, if known.
        span: ``(start, end)`` character offsets of the evidence inside the
            passage text, for highlighting. Add ``Chunk.start`` for offsets
            into the article's clean text.
        evidence: ``passage.text[span[0]:span[1]]``.
    """

    n: int
    chunk_id: str
    doc_id: str
    title: str | None
    outlet: str | None
    published: str | None
    span: tuple[int, int]
    evidence: str


@dataclass(frozen=True)
class Claim:
    """One sentence of an answer with the citations that survived checking.

    ``supported`` is False when no cited passage backs the sentence, when it
    states a number, amount or date that no cited passage contains, or when the
    faithfulness check finds that its source does not state it; the UI flags such
    sentences. ``faithful`` is that check's verdict, None where it did not run.
    """

    text: str
    citations: tuple[int, ...] = ()
    supported: bool = True
    reason: str = ""
    faithful: bool | None = None


@dataclass(frozen=True)
class Timings:
    """Milliseconds spent per step; ``tokens_per_s`` of generation."""

    retrieval: float = 0.0
    first_token: float = 0.0
    total: float = 0.0
    tokens: int = 0
    tokens_per_s: float = 0.0
    # The answerability check (part of the time to first token).
    check: float = 0.0


@dataclass(frozen=True)
class Answer:
    """What ``rag ask`` returns.

    Attributes:
        question: The question as asked.
        query: The standalone query retrieval used (differs for a rewritten
            follow-up).
        text: The answer with citations renumbered ``[1]..[n]``.
        lang: ``"ko"`` or ``"en"``.
        refused: True when the articles do not hold the answer.
        mode: ``"generate"`` (the chat model answered), ``"extractive"``
            (quoted sentences) or ``"refusal"`` (refused on weak retrieval,
            before any model ran).
        claims: The answer's sentences with their checked citations.
        citations: The cited sources, in order of ``n``.
        hits: Every retrieved passage, best first.
        notes: Messages the user should see (a fallback, a retry).
        timings: Where the time went.
        answerability: The chat model's P(YES) that the passages answer the
            question (:mod:`rag.answering.answerable`), or None if not checked.
    """

    question: str
    query: str
    text: str
    lang: str
    refused: bool
    mode: str
    claims: tuple[Claim, ...] = ()
    citations: tuple[Citation, ...] = ()
    hits: tuple[Hit, ...] = ()
    notes: tuple[str, ...] = ()
    timings: Timings = Timings()
    answerability: float | None = None


# ---------------------------------------------------------------- events


@dataclass(frozen=True)
class Stage:
    """The step now running, for a user who waits.

    Searching, checking, writing, or translating (an English answer written in Korean,
    :mod:`rag.answering.translate`).
    """

    name: Literal["searching", "checking", "writing", "translating"]


@dataclass(frozen=True)
class Rewritten:
    """A follow-up was rewritten into this standalone query."""

    query: str


@dataclass(frozen=True)
class Retrieved:
    """The passages found, before any generation."""

    hits: tuple[Hit, ...]


@dataclass(frozen=True)
class Token:
    """A piece of generated text."""

    text: str


@dataclass(frozen=True)
class Reset:
    """Discard the text streamed so far, and why (a retry, a failure)."""

    reason: str


@dataclass(frozen=True)
class Answered:
    """The final, checked answer; always the last event."""

    answer: Answer


Event = Stage | Rewritten | Retrieved | Token | Reset | Answered
"""One step of a streamed answer, for the CLI and the UI to dispatch on by type."""


# ---------------------------------------------------------------- JSON shapes


def hit_json(hit: Hit) -> dict[str, Any]:
    """The JSON object of one search hit: the passage, then the fused and per-leg scores."""
    scores = {k: v for k, v in asdict(hit).items() if k != "chunk"}
    return {**asdict(hit.chunk), **scores}


def answer_json(answer: Answer) -> dict[str, Any]:
    """The JSON object of an answer (``rag ask --json``, the app's ``/ask``)."""
    t = answer.timings
    return {
        "question": answer.question,
        "query": answer.query,
        "answer": answer.text,
        "lang": answer.lang,
        "refused": answer.refused,
        "mode": answer.mode,
        "notes": list(answer.notes),
        "citations": [asdict(c) for c in answer.citations],
        "claims": [asdict(c) for c in answer.claims],
        "passages": [hit_json(h) for h in answer.hits],
        "answerability": answer.answerability,
        "timings_ms": {
            "retrieval": t.retrieval,
            "check": t.check,
            "first_token": t.first_token,
            "total": t.total,
        },
        "tokens": t.tokens,
        "tokens_per_s": t.tokens_per_s,
    }
