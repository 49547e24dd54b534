"""Sentence vectors: every passage sentence embedded once, when the index is built.

An answer scores each sentence of its passages against the question with the embedder
(:mod:`rag.answering.evidence`). Embedding those sentences while the user waits cost
1-3 s of the first token on 2 cores whenever a question reached passages no earlier
question had, so ``rag build`` embeds them (with the document prompt, as an answer
would) and stores them beside the passages as two plain files:

    sentences.npy        float32, one row per sentence
    sentence_spans.npy   int64 ``(passage row, start, end)`` per sentence, offsets
                         into the passage's text, so the text is the passage's own

A rebuild embeds only sentences it does not already hold. An index without these files
(built before them, or with ``index_sentences = false``) still loads, and its sentences
are embedded when asked, as before.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import numpy as np

from rag.errors import IndexCorruptError
from rag.indexing.embed import Embedder
from rag.records import Chunk
from rag.text.korean import split_sentences

VECTORS_FILE = "sentences.npy"
SPANS_FILE = "sentence_spans.npy"

Spans = list[tuple[int, int, int]]


def spans_of(chunks: Sequence[Chunk]) -> Spans:
    """``(passage row, start, end)`` of every sentence of every passage, in order."""
    return [(row, s, e) for row, c in enumerate(chunks) for s, e in split_sentences(c.text)]


def embed_sentences(
    chunks: Sequence[Chunk],
    known: Mapping[str, np.ndarray],
    embedder: Callable[[], Embedder],
    progress: bool = False,
) -> tuple[Spans, np.ndarray, int]:
    """Every sentence's span and vector, embedding only those ``known`` lacks.

    Args:
        chunks: The passages, in index order.
        known: Vectors already held (the previous index's), by sentence text.
        embedder: Returns the embedder; called only if a sentence is new.
        progress: Show a progress bar while embedding.

    Returns:
        The spans, their vectors row by row, and how many sentences were embedded.

    Raises:
        ModelError: If the embedder has to be loaded and cannot be.
    """
    spans = spans_of(chunks)
    texts = [chunks[row].text[s:e] for row, s, e in spans]
    new = [t for t in dict.fromkeys(texts) if t not in known]
    vectors = dict(zip(new, embedder().encode_documents(new, progress), strict=True)) if new else {}
    if not texts:
        return spans, np.zeros((0, 0), dtype=np.float32), 0
    rows = [vectors[t] if t in vectors else known[t] for t in texts]
    return spans, np.stack(rows).astype(np.float32), len(new)


def save(folder: Path, spans: Spans, vectors: np.ndarray) -> None:
    """Write the two files into ``folder`` (the index's temporary folder)."""
    np.save(folder / SPANS_FILE, np.asarray(spans, dtype=np.int64).reshape(-1, 3))
    np.save(folder / VECTORS_FILE, vectors.astype(np.float32))


def load(folder: Path, chunks: Sequence[Chunk], dimension: int) -> dict[str, np.ndarray]:
    """The stored vectors by sentence text; empty if the index has none.

    Raises:
        IndexCorruptError: If the files are unreadable or disagree with the passages.
    """
    if not (folder / SPANS_FILE).exists() and not (folder / VECTORS_FILE).exists():
        return {}
    try:
        spans = np.load(folder / SPANS_FILE, allow_pickle=False)
        vectors = np.load(folder / VECTORS_FILE, allow_pickle=False)
    except (OSError, ValueError) as exc:
        raise _corrupt(folder, VECTORS_FILE, "or its spans are unreadable") from exc
    if len(spans) != len(vectors) or (len(vectors) and vectors.shape[1] != dimension):
        raise _corrupt(folder, VECTORS_FILE, "does not match its spans or the index's dimension")
    out: dict[str, np.ndarray] = {}
    for (row, start, end), vector in zip(spans.tolist(), vectors, strict=True):
        if not (0 <= row < len(chunks) and 0 <= start < end <= len(chunks[row].text)):
            raise _corrupt(folder, SPANS_FILE, "points outside its passages")
        out[chunks[row].text[start:end]] = vector
    return out


def _corrupt(folder: Path, name: str, what: str) -> IndexCorruptError:
    return IndexCorruptError(f"{folder / name} {what}: run `rag build --full`")


__all__ = ["SPANS_FILE", "VECTORS_FILE", "embed_sentences", "load", "save", "spans_of"]
