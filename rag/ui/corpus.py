"""Corpus management for the UI: list, check an upload, preview, add, remove.

Stored files are never lost: a new article is written to a hidden temporary
file, flushed to the disk, and linked into place only if no file has that name
yet, and the folder is flushed after it, so a crash leaves the article whole or
absent; a removed article is moved into the trash folder, not deleted.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import tempfile
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rag.config import Config
from rag.errors import CorpusError
from rag.files import fsync_dir, write_hint
from rag.indexing.clean import clean
from rag.indexing.ingest import MAX_FILE_BYTES, SIDECAR, SUFFIXES, load_sidecar, read_source
from rag.records import Document

UPLOAD_SUFFIXES = (".txt", ".md", ".html")
# Letters (any script), digits, space, dot, dash, underscore, parentheses.
_SAFE_NAME = re.compile(r"[\w .()\-]+")
COLUMNS = ["doc_id", "title", "outlet", "published", "author", "chars", "chunks"]


def check_name(name: str) -> str:
    r"""Check an uploaded file name and return it.

    Raises:
        CorpusError: If it has a folder part (``../``, ``/``, ``\\``), is hidden,
            has an unsupported suffix or unusual characters.
    """
    shown = repr(name)
    if not name or "/" in name or "\\" in name or name in (".", "..") or ".." in name:
        raise CorpusError(f"refused {shown}: a file name may not contain a folder part")
    if name.startswith("."):
        raise CorpusError(f"refused {shown}: hidden file names are not allowed")
    if Path(name).suffix.lower() not in UPLOAD_SUFFIXES:
        raise CorpusError(f"refused {shown}: only {', '.join(UPLOAD_SUFFIXES)} files can be added")
    if not _SAFE_NAME.fullmatch(name) or name == SIDECAR or len(name) > 120:
        raise CorpusError(f"refused {shown}: use letters, digits, spaces, '.', '-' and '_'")
    return name


def check_size(name: str, size: int) -> None:
    """Refuse a file over :data:`rag.indexing.ingest.MAX_FILE_BYTES`.

    Raises:
        CorpusError: If it is too big.
    """
    if size > MAX_FILE_BYTES:
        raise CorpusError(
            f"refused {name!r}: {size:,} bytes is over the {MAX_FILE_BYTES:,}-byte limit"
        )


def _existing(corpus_dir: Path, stem: str) -> Path | None:
    return next(
        (p for p in corpus_dir.iterdir() if p.stem == stem and p.suffix.lower() in SUFFIXES),
        None,
    )


def preview(config: Config, name: str, data: bytes) -> Document:
    """Read and clean an upload as the index would, without storing it.

    Raises:
        CorpusError: If the name, size or text is refused, or an article with
            the same id is already in the corpus.
    """
    check_name(name)
    check_size(name, len(data))
    corpus = Path(config.corpus_dir)
    if corpus.is_dir() and (clash := _existing(corpus, Path(name).stem)) is not None:
        raise CorpusError(f"refused {name!r}: {clash.name} already has that id; remove it first")
    sidecar = load_sidecar(corpus) if corpus.is_dir() else {}
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / name
        path.write_bytes(data)
        try:
            doc = clean(read_source(path, sidecar))
        except CorpusError as exc:
            raise CorpusError(f"refused {name!r}: {str(exc).split(': ', 1)[-1]}") from None
    if not doc.text:
        raise CorpusError(f"refused {name!r}: nothing is left after cleaning")
    return doc


def save(config: Config, name: str, data: bytes) -> Path:
    """Store an upload in the corpus folder, atomically, never replacing a file.

    Raises:
        CorpusError: If the upload is refused (see :func:`preview`) or cannot be written.
    """
    preview(config, name, data)
    corpus = Path(config.corpus_dir)
    final = corpus / name
    tmp = corpus / f".{uuid.uuid4().hex}.upload"
    try:
        corpus.mkdir(parents=True, exist_ok=True)
        with tmp.open("xb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.link(tmp, final)  # fails if the name exists: nothing is overwritten
        tmp.unlink()
        fsync_dir(corpus)
    except FileExistsError:
        raise CorpusError(f"refused {name!r}: a file with that name already exists") from None
    except OSError as exc:
        raise CorpusError(f"cannot store {name!r} in {corpus}: {write_hint(exc)}") from None
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
    return final


def remove(config: Config, doc_id: str) -> Path:
    """Move an article's file into ``data_dir/trash`` and return its new path.

    Raises:
        CorpusError: If there is no article with that id, or it cannot be moved.
    """
    corpus = Path(config.corpus_dir)
    if not doc_id or "/" in doc_id or "\\" in doc_id or doc_id.startswith("."):
        raise CorpusError(f"no article {doc_id!r} in {corpus}")
    path = _existing(corpus, doc_id) if corpus.is_dir() else None
    if path is None:
        raise CorpusError(f"no article {doc_id!r} in {corpus}")
    trash = Path(config.data_dir) / "trash"
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    target = trash / f"{stamp}_{uuid.uuid4().hex[:6]}_{path.name}"
    try:
        trash.mkdir(parents=True, exist_ok=True)
        shutil.move(path, target)
        fsync_dir(trash)
        fsync_dir(corpus)
    except OSError as exc:
        raise CorpusError(f"cannot move {path.name} to {trash}: {write_hint(exc)}") from None
    return target


@dataclass(frozen=True)
class Listing:
    """The corpus as a table, plus warnings about skipped files."""

    rows: list[list[Any]]
    warnings: list[str]


def listing(config: Config) -> Listing:
    """Every article with its metadata and passages in the index.

    Raises:
        CorpusError: If the corpus folder or its sidecar cannot be read.
    """
    from rag.indexing.build import indexed_chunk_counts, load_documents

    docs, warnings = load_documents(config)
    counts = indexed_chunk_counts(config, docs)
    rows = [
        [
            d.doc_id,
            d.title or "",
            d.outlet or "",
            d.published.isoformat() if d.published else "",
            d.author or "",
            len(d.text),
            counts.get(d.doc_id, "–"),
        ]
        for d in docs
    ]
    return Listing(rows, warnings)


def describe(doc: Document) -> str:
    """The metadata of a previewed article, one ``key: value`` per line (plain text)."""
    fields = [
        ("doc_id", doc.doc_id),
        ("title", doc.title),
        ("outlet", doc.outlet),
        ("published", doc.published.isoformat() if doc.published else None),
        ("author", doc.author),
        ("url", doc.url),
        ("chars", str(len(doc.text))),
        ("removed lines", str(len(doc.removed))),
    ]
    return "\n".join(f"{k}: {v}" for k, v in fields if v)
