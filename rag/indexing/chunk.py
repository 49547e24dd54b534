"""Pack whole sentences into passages of a target token length."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from rag.records import Chunk, Document
from rag.text.korean import split_sentences

TokenCounter = Callable[[Sequence[str]], list[int]]


def _split_long(
    text: str, span: tuple[int, int], limit: int, count: TokenCounter
) -> list[tuple[int, int]]:
    """Cut a sentence longer than the model's limit at spaces (a last resort).

    Only a run-on line without sentence punctuation (a table row, a list) is
    ever this long; cutting it at word boundaries beats silent truncation.
    """
    start, end = span
    words = [(m.start(), m.end()) for m in re.finditer(r"\S+", text[start:end])]
    sizes = count([text[start + a : start + b] for a, b in words])
    pieces: list[tuple[int, int]] = []
    first, used = 0, 0
    for i, size in enumerate(sizes):
        if used and used + size > limit:
            pieces.append((start + words[first][0], start + words[i - 1][1]))
            first, used = i, 0
        used += size + 1
    pieces.append((start + words[first][0], start + words[-1][1]))
    return pieces


def sentence_spans(
    text: str, limit: int, count: TokenCounter
) -> tuple[list[tuple[int, int]], list[int]]:
    """Split text into sentence spans no longer than ``limit`` tokens each.

    Returns:
        The spans and their token counts.
    """
    spans = split_sentences(text)
    sizes = count([text[a:b] for a, b in spans])
    if all(size <= limit for size in sizes):
        return spans, sizes
    out: list[tuple[int, int]] = []
    for span, size in zip(spans, sizes, strict=True):
        out.extend(_split_long(text, span, limit, count) if size > limit else [span])
    return out, count([text[a:b] for a, b in out])


def pack(sizes: Sequence[int], target: int, overlap: int) -> list[tuple[int, int]]:
    """Group consecutive sentences into passages.

    Each passage starts with up to ``overlap`` sentences of the one before,
    when they fit in ``target`` together with its first new sentence, so no
    passage merely repeats its neighbour.

    Args:
        sizes: Token count of each sentence.
        target: Most tokens per passage; a longer sentence stands alone.
        overlap: Sentences repeated from the end of one passage at the start of
            the next.

    Returns:
        ``(first, stop)`` sentence index ranges, covering every sentence.
    """
    groups: list[tuple[int, int]] = []
    new = 0  # the first sentence not yet in any passage
    while new < len(sizes):
        lowest = max(new - overlap, groups[-1][0] + 1 if groups else 0)
        first = new
        while first > lowest and sum(sizes[first - 1 : new + 1]) <= target:
            first -= 1
        stop, used = new + 1, sum(sizes[first : new + 1])
        while stop < len(sizes) and used + sizes[stop] <= target:
            used += sizes[stop]
            stop += 1
        groups.append((first, stop))
        new = stop
    return groups


def chunk_document(
    doc: Document, count: TokenCounter, target: int, overlap: int, limit: int
) -> list[Chunk]:
    """Split a document into passages of whole sentences.

    Args:
        doc: The cleaned document.
        count: Counts tokens with the embedder's tokenizer.
        target: Target passage length in tokens.
        overlap: Whole sentences shared by neighbouring passages.
        limit: Hard cap in tokens, below the model's input limit.

    Returns:
        Chunks with ids ``"{doc_id}#{ordinal}"`` and offsets into ``doc.text``.
    """
    target = max(1, min(target, limit))
    spans, sizes = sentence_spans(doc.text, limit, count)
    published = doc.published.isoformat() if doc.published else None
    chunks = []
    for ordinal, (first, stop) in enumerate(pack(sizes, target, overlap)):
        start, end = spans[first][0], spans[stop - 1][1]
        chunks.append(
            Chunk(
                chunk_id=f"{doc.doc_id}#{ordinal}",
                doc_id=doc.doc_id,
                ordinal=ordinal,
                start=start,
                end=end,
                text=doc.text[start:end],
                title=doc.title,
                outlet=doc.outlet,
                published=published,
            )
        )
    return chunks
