"""Which documents a rebuild must embed, and merging reused and new passages."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from rag.indexing.manifest import DocumentEntry, doc_hash
from rag.indexing.store import Index
from rag.records import Chunk, Document


@dataclass
class BuildReport:
    """What ``rag build`` did."""

    documents: int = 0
    chunks: int = 0
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    embedded: int = 0
    sentences: int = 0  # passage sentences embedded (rag.indexing.sentences)
    seconds: float = 0.0
    written: bool = False
    warnings: list[str] = field(default_factory=list)
    index_type: str = ""

    @property
    def nothing_changed(self) -> bool:
        """True when no document was added, changed or removed."""
        return not (self.added or self.changed or self.removed)


def classify(
    docs: Sequence[Document], indexed: Mapping[str, DocumentEntry], report: BuildReport
) -> None:
    """Sort documents into added, changed and unchanged, and find removed ones.

    Args:
        docs: The documents now in the corpus.
        indexed: The old manifest's ``documents`` table (empty for a new index).
        report: Filled in place.
    """
    for doc in docs:
        info = indexed.get(doc.doc_id)
        if info is None:
            report.added.append(doc.doc_id)
        elif info.hash == doc_hash(doc):
            report.unchanged.append(doc.doc_id)
        else:
            report.changed.append(doc.doc_id)
    report.removed = sorted(set(indexed) - {doc.doc_id for doc in docs})
    report.documents = len(docs)


def assemble(
    docs: Sequence[Document],
    unchanged: Sequence[str],
    previous: Index | None,
    new_chunks: Sequence[Chunk],
    new_vectors: np.ndarray | None,
) -> tuple[list[Chunk], np.ndarray]:
    """Merge reused and new passages in document order, vectors row-aligned."""
    pool: dict[str, list[tuple[Chunk, np.ndarray]]] = {}
    if previous is not None and unchanged:
        keep = set(unchanged)
        stored = previous.stored_vectors()
        for row, chunk in enumerate(previous.chunks):
            if chunk.doc_id in keep:
                pool.setdefault(chunk.doc_id, []).append((chunk, stored[row]))
    if new_vectors is not None:
        for chunk, vector in zip(new_chunks, new_vectors, strict=True):
            pool.setdefault(chunk.doc_id, []).append((chunk, vector))
    rows = [item for doc in docs for item in pool.get(doc.doc_id, [])]
    chunks = [chunk for chunk, _ in rows]
    vectors = np.stack([vec for _, vec in rows]).astype(np.float32)
    return chunks, vectors
