"""The index folder: FAISS vectors, ``chunks.jsonl``, BM25 files and ``manifest.json``.

Row i of ``chunks.jsonl`` is FAISS id i and BM25 row i. Writes go to a
temporary sibling folder, flushed to the disk, that replaces the old one only
when complete, so a crash at any point leaves the old index or the new one; the
manifest records every file's SHA-256 and loading checks them. The swap and
loading take the locks of :mod:`rag.indexing.lock`.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from rag.errors import IndexCorruptError, IndexMissingError, IndexWriteError
from rag.files import fsync_dir, fsync_file, write_hint
from rag.indexing import sentences as sentence_files
from rag.indexing.bm25 import Bm25
from rag.indexing.lock import swap_lock
from rag.indexing.manifest import Manifest, file_entry
from rag.records import Chunk

FAISS_FILE = "vectors.faiss"
CHUNKS_FILE = "chunks.jsonl"
MANIFEST_FILE = "manifest.json"
BM25_DIR = "bm25"


@dataclass(frozen=True)
class Index:
    """A loaded index: passages, their vectors, the lexical index and sentence vectors."""

    folder: Path
    manifest: Manifest
    chunks: list[Chunk]
    vectors: Any  # a faiss.Index
    bm25: Bm25
    sentences: dict[str, np.ndarray] = field(default_factory=dict)  # by text (sentences.py)

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


def _tmp_prefix(folder: Path) -> str:
    return f".{folder.name}.tmp-"


def recover(folder: Path) -> None:
    """Finish or undo a swap that a crash interrupted.

    Raises:
        OSError: If the swap lock cannot be taken or the old folder moved back.
    """
    old = _old(folder)
    if not old.exists():
        return
    with swap_lock(folder, shared=False):
        if old.exists() and not folder.exists():
            old.rename(folder)
            fsync_dir(folder.parent)
        elif old.exists():
            shutil.rmtree(old, ignore_errors=True)


def remove_leftovers(folder: Path) -> None:
    """Delete the temporary folders of builds that were killed while writing.

    Call it only while holding the build lock: a running build writes into one.
    """
    if folder.parent.is_dir():
        for path in folder.parent.glob(_tmp_prefix(folder) + "*"):
            shutil.rmtree(path, ignore_errors=True)


def _looks_like_index(folder: Path) -> bool:
    """An index folder, maybe damaged: a manifest, or nothing but index files."""
    names = {p.name for p in folder.iterdir()}
    return MANIFEST_FILE in names or names <= {FAISS_FILE, CHUNKS_FILE, BM25_DIR}


def _check_replaceable(folder: Path) -> None:
    if folder.exists() and not _looks_like_index(folder):
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
    sentences: tuple[sentence_files.Spans, np.ndarray] | None = None,
) -> Manifest:
    """Write a complete index, replacing ``folder`` only once every file is on the disk.

    ``sentences`` are the spans and vectors of :mod:`rag.indexing.sentences` (None
    writes none).

    Every file is written into a temporary sibling folder and flushed (``fsync``),
    the manifest records each one's size and SHA-256, and only then is the folder
    swapped in by renames, under the swap lock; the parent folder is flushed after
    them. A crash at any point leaves the old index or the new one, whole.

    Returns:
        The manifest as written, with the FAISS index kind, count and files filled in.

    Raises:
        IndexCorruptError: If ``folder`` exists but is not an index.
        IndexWriteError: If the disk is full, read-only or otherwise refuses the
            files; the old index is then unchanged.
    """
    try:
        recover(folder)
        _check_replaceable(folder)
        folder.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=_tmp_prefix(folder), dir=folder.parent))
    except OSError as exc:
        raise _write_error(folder, exc) from exc
    try:
        if sentences is not None:
            sentence_files.save(tmp, *sentences)
        written = _write_files(tmp, chunks, vectors, bm25, manifest, hnsw_threshold, hnsw_m)
        _swap(tmp, folder)
    except OSError as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        raise _write_error(folder, exc) from exc
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return written


def _write_error(folder: Path, exc: OSError) -> IndexWriteError:
    return IndexWriteError(
        f"cannot write the index {folder}: {write_hint(exc)}; the old index is unchanged"
    )


def _write_files(
    tmp: Path,
    chunks: Sequence[Chunk],
    vectors: np.ndarray,
    bm25: Bm25,
    manifest: Manifest,
    hnsw_threshold: int,
    hnsw_m: int,
) -> Manifest:
    """Write every file of an index into ``tmp`` and flush them; return the manifest."""
    import faiss

    index, kind = make_faiss(vectors, hnsw_threshold, hnsw_m)
    with (tmp / FAISS_FILE).open("wb") as fh:
        # Through Python's file, so a full disk is an OSError with its errno.
        faiss.write_index(index, faiss.PyCallbackIOWriter(fh.write))
    with (tmp / CHUNKS_FILE).open("w", encoding="utf-8") as fh:
        for chunk in chunks:
            fh.write(json.dumps(asdict(chunk), ensure_ascii=False) + "\n")
    bm25.save(tmp / BM25_DIR)
    files = {
        path.relative_to(tmp).as_posix(): file_entry(path)
        for path in sorted(tmp.rglob("*"))
        if path.is_file()
    }
    written = manifest.with_index(kind, len(chunks), hnsw_m).with_files(files)
    (tmp / MANIFEST_FILE).write_text(written.to_json(), encoding="utf-8")
    _fsync_tree(tmp)
    return written


def _fsync_tree(folder: Path) -> None:
    """Flush every file and folder under ``folder``, the folder itself last."""
    for path in sorted(folder.rglob("*"), key=lambda p: len(p.parts), reverse=True):
        if path.is_dir():
            fsync_dir(path)
        else:
            fsync_file(path)
    fsync_dir(folder)


def _swap(tmp: Path, folder: Path) -> None:
    """Move the complete ``tmp`` to ``folder``; the old index goes once the new is in."""
    old = _old(folder)
    with swap_lock(folder, shared=False):
        moved = folder.exists()
        if moved:
            folder.rename(old)
        try:
            tmp.rename(folder)
        except OSError:
            if moved:
                old.rename(folder)  # put the old index back at once
            raise
        try:
            fsync_dir(folder.parent)  # the renames reach the disk before the old index goes
        except OSError as exc:  # the new index is in place (the old kept): say so
            raise IndexWriteError(
                f"wrote the index {folder} but cannot flush its folder to the disk: "
                f"{write_hint(exc)}"
            ) from exc
        shutil.rmtree(old, ignore_errors=True)


def read_manifest(folder: Path) -> Manifest:
    """Read ``manifest.json`` of an index folder.

    Raises:
        IndexMissingError: If there is no index in ``folder``.
        IndexCorruptError: If the manifest is unreadable, damaged or of another format.
    """
    _recover(folder)
    with swap_lock(folder, shared=True):
        return _read_manifest(folder)


def _recover(folder: Path) -> None:
    try:
        recover(folder)
    except OSError as exc:
        raise IndexCorruptError(
            f"{folder} was left half-swapped by a crashed build and cannot be repaired "
            f"({exc.strerror or exc}): run `rag build --full`"
        ) from exc


def _read_manifest(folder: Path) -> Manifest:
    path = folder / MANIFEST_FILE
    if not path.exists():
        if folder.is_dir() and any(folder.iterdir()) and _looks_like_index(folder):
            raise IndexCorruptError(f"{path} is missing: run `rag build --full`")
        raise IndexMissingError(f"no index in {folder}: run `rag build` first")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise IndexCorruptError(f"{path} is unreadable: run `rag build --full`") from exc
    return Manifest.from_json(text, str(path))


def verify_files(folder: Path, manifest: Manifest) -> None:
    """Check every file the manifest lists against its recorded size and SHA-256.

    Raises:
        IndexCorruptError: Naming the first file that is missing, truncated or altered.
    """
    for name in (FAISS_FILE, CHUNKS_FILE):
        if name not in manifest.files:
            raise IndexCorruptError(
                f"{folder / MANIFEST_FILE} lists no checksum for {name}: run `rag build --full`"
            )
    for name, want in sorted(manifest.files.items()):
        path = folder / name
        try:
            have = file_entry(path)
        except FileNotFoundError:
            raise IndexCorruptError(f"{path} is missing: run `rag build --full`") from None
        except OSError as exc:
            raise IndexCorruptError(
                f"{path} is unreadable ({exc.strerror or exc}): run `rag build --full`"
            ) from exc
        if have.size != want.size:
            raise IndexCorruptError(
                f"{path} has {have.size:,} bytes, not the {want.size:,} it was written with "
                "(truncated or changed): run `rag build --full`"
            )
        if have.sha256 != want.sha256:
            raise IndexCorruptError(
                f"{path} is damaged (its SHA-256 differs from the manifest's): "
                "run `rag build --full`"
            )


def _read_chunks(path: Path) -> list[Chunk]:
    try:
        with path.open(encoding="utf-8") as fh:
            return [Chunk(**json.loads(line)) for line in fh if line.strip()]
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, TypeError) as exc:
        raise IndexCorruptError(f"{path} is unreadable: run `rag build --full`") from exc


def load_index(folder: Path, ef_search: int = 128) -> Index:
    """Load an index folder, check every file's checksum and that the parts agree.

    Raises:
        IndexMissingError: If there is no index in ``folder``.
        IndexCorruptError: If a file is missing, truncated, altered or unreadable,
            or the parts disagree; the message names the file.
    """
    _recover(folder)
    with swap_lock(folder, shared=True):
        return _load(folder, ef_search)


def _load(folder: Path, ef_search: int) -> Index:
    import faiss

    manifest = _read_manifest(folder)
    verify_files(folder, manifest)
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
    sentences = sentence_files.load(folder, chunks, manifest.embedder.dimension)
    return Index(folder, manifest, chunks, vectors, bm25, sentences)
