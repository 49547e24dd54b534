"""The index folder: FAISS vectors, ``chunks.jsonl``, BM25 files and ``manifest.json``.

Row i of ``chunks.jsonl`` is FAISS id i and BM25 row i. Writes go to a
temporary sibling folder that replaces the old one only when complete, so a
crash mid-build leaves the previous index usable.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from rag.errors import IndexCorruptError, IndexMissingError
from rag.indexing.bm25 import Bm25
from rag.indexing.manifest import Manifest
from rag.records import Chunk

FAISS_FILE = "vectors.faiss"
CHUNKS_FILE = "chunks.jsonl"
MANIFEST_FILE = "manifest.json"
BM25_DIR = "bm25"


@dataclass(frozen=True)
class Index:
    """A loaded index: passages, their vectors and the lexical index."""

    folder: Path
    manifest: Manifest
    chunks: list[Chunk]
    vectors: Any  # a faiss.Index
    bm25: Bm25

    def search_dense(self, query: np.ndarray, n: int) -> list[tuple[int, float]]:
        """Return up to ``n`` ``(row, cosine)`` pairs for a normalized query vector."""
        if n < 1 or not self.chunks:
            return []
        scores, rows = self.vectors.search(query.reshape(1, -1).astype(np.float32), n)
        return [(int(r), float(s)) for r, s in zip(rows[0], scores[0], strict=True) if r >= 0]

    def stored_vectors(self) -> np.ndarray:
        """Return every stored vector, row-aligned with ``chunks``."""
        return self.vectors.reconstruct_n(0, self.vectors.ntotal)


def make_faiss(vectors: np.ndarray, hnsw_threshold: int, hnsw_m: int) -> tuple[Any, str]:
    """Build an inner-product index: exact below the threshold, HNSW above it.

    Returns:
        The index and its kind, ``"flat"`` or ``"hnsw"``.
    """
    import faiss

    dim = vectors.shape[1]
    if len(vectors) < hnsw_threshold:
        index, kind = faiss.IndexFlatIP(dim), "flat"
    else:
        index, kind = faiss.IndexHNSWFlat(dim, hnsw_m, faiss.METRIC_INNER_PRODUCT), "hnsw"
        index.hnsw.efConstruction = max(2 * hnsw_m, 80)
    index.add(np.ascontiguousarray(vectors, dtype=np.float32))
    return index, kind


def _old(folder: Path) -> Path:
    return folder.with_name(f".{folder.name}.old")


def recover(folder: Path) -> None:
    """Finish or undo a swap that a crash interrupted."""
    old = _old(folder)
    if old.exists() and not folder.exists():
        old.rename(folder)
    elif old.exists():
        shutil.rmtree(old, ignore_errors=True)


def _check_replaceable(folder: Path) -> None:
    if folder.exists() and any(folder.iterdir()) and not (folder / MANIFEST_FILE).exists():
        raise IndexCorruptError(
            f"{folder} exists and is not an index (no {MANIFEST_FILE}); "
            "refusing to overwrite it: choose another --index folder"
        )


def write_index(
    folder: Path,
    chunks: Sequence[Chunk],
    vectors: np.ndarray,
    bm25: Bm25,
    manifest: Manifest,
    hnsw_threshold: int,
    hnsw_m: int,
) -> Manifest:
    """Write a complete index, replacing ``folder`` only once every file is written.

    Returns:
        The manifest as written, with the FAISS index kind and count filled in.

    Raises:
        IndexCorruptError: If ``folder`` exists but is not an index.
    """
    import faiss

    recover(folder)
    _check_replaceable(folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{folder.name}.tmp-", dir=folder.parent))
    try:
        index, kind = make_faiss(vectors, hnsw_threshold, hnsw_m)
        faiss.write_index(index, str(tmp / FAISS_FILE))
        with (tmp / CHUNKS_FILE).open("w", encoding="utf-8") as fh:
            for chunk in chunks:
                fh.write(json.dumps(asdict(chunk), ensure_ascii=False) + "\n")
        bm25.save(tmp / BM25_DIR)
        written = manifest.with_index(kind, len(chunks), hnsw_m)
        (tmp / MANIFEST_FILE).write_text(written.to_json(), encoding="utf-8")
        _swap(tmp, folder)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return written


def _swap(tmp: Path, folder: Path) -> None:
    old = _old(folder)
    if folder.exists():
        folder.rename(old)
    tmp.rename(folder)
    shutil.rmtree(old, ignore_errors=True)


def read_manifest(folder: Path) -> Manifest:
    """Read ``manifest.json`` of an index folder.

    Raises:
        IndexMissingError: If there is no index in ``folder``.
        IndexCorruptError: If the manifest is unreadable or of another format.
    """
    recover(folder)
    path = folder / MANIFEST_FILE
    if not path.exists():
        raise IndexMissingError(f"no index in {folder}: run `rag build` first")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise IndexCorruptError(f"{path} is unreadable: run `rag build --full`") from exc
    return Manifest.from_json(text, str(path))


def _read_chunks(path: Path) -> list[Chunk]:
    try:
        with path.open(encoding="utf-8") as fh:
            return [Chunk(**json.loads(line)) for line in fh if line.strip()]
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, TypeError) as exc:
        raise IndexCorruptError(f"{path} is unreadable: run `rag build --full`") from exc


def load_index(folder: Path, ef_search: int = 128) -> Index:
    """Load an index folder and check that its parts agree.

    Raises:
        IndexMissingError: If there is no index in ``folder``.
        IndexCorruptError: If a file is unreadable or the parts disagree.
    """
    import faiss

    manifest = read_manifest(folder)
    chunks = _read_chunks(folder / CHUNKS_FILE)
    try:
        vectors = faiss.read_index(str(folder / FAISS_FILE))
    except RuntimeError as exc:
        raise IndexCorruptError(
            f"{folder / FAISS_FILE} is unreadable: run `rag build --full`"
        ) from exc
    if hasattr(vectors, "hnsw"):
        vectors.hnsw.efSearch = ef_search
    bm25 = Bm25.load(folder / BM25_DIR)
    counts = {
        len(chunks),
        vectors.ntotal,
        bm25.size,
        manifest.index.count if manifest.index else None,
    }
    if len(counts) != 1:
        raise IndexCorruptError(
            f"{folder} is inconsistent (chunks, vectors and BM25 rows differ): "
            "run `rag build --full`"
        )
    return Index(folder, manifest, chunks, vectors, bm25)
