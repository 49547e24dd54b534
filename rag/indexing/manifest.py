"""``manifest.json``: what an index was built from and with, as a typed record.

The file is plain JSON; :meth:`Manifest.to_json` and :meth:`Manifest.from_json`
convert it, so nothing else reads nested keys. It records the size and SHA-256 of
every other file of the index (``files``), which loading checks, and a SHA-256 of
its own content (``checksum``), so a damaged byte anywhere is found.
"""

from __future__ import annotations

import hashlib
import json
import platform
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from rag import __version__
from rag.config import Config
from rag.errors import IndexCorruptError, IndexMismatchError
from rag.records import Chunk, Document

# 2: the manifest records a checksum of every index file and of itself.
FORMAT = 2
_PACKAGES = ("faiss-cpu", "bm25s", "kiwipiepy", "sentence-transformers", "transformers", "torch")


@dataclass(frozen=True)
class EmbedderInfo:
    """The embedding model an index was built with."""

    model: str
    dimension: int
    query_prompt: str
    document_prompt: str
    max_tokens: int


@dataclass(frozen=True)
class ChunkerInfo:
    """How documents were cut into passages."""

    chunk_tokens: int
    chunk_overlap: int
    sentences: str = "kiwipiepy"
    tokens: str = "embedder tokenizer"


@dataclass(frozen=True)
class Bm25Info:
    """The lexical index's tokenizer and parameters."""

    tokenizer: str = "kiwipiepy morphemes"
    method: str = "lucene"
    k1: float = 1.5
    b: float = 0.75


@dataclass(frozen=True)
class DocumentEntry:
    """One indexed document: its content hash, metadata and passage count."""

    hash: str
    source: str
    title: str | None
    outlet: str | None
    published: str | None
    author: str | None
    url: str | None
    chunks: int


@dataclass(frozen=True)
class IndexInfo:
    """The FAISS index kind and its size."""

    type: str
    count: int
    hnsw_m: int


@dataclass(frozen=True)
class IndexFile:
    """One file of the index folder, as written: its size and SHA-256."""

    size: int
    sha256: str


@dataclass(frozen=True)
class Manifest:
    """Everything ``manifest.json`` records about an index.

    Attributes:
        format: Layout version of the index folder.
        created: ISO time of the build.
        embedder: The embedding model and its prompts.
        chunker: Passage settings.
        bm25: Lexical index settings.
        documents: Per document id, its hash and metadata.
        versions: Library versions that shaped the index.
        index: FAISS kind and count; None until written.
        files: Size and SHA-256 of every other file of the index folder, by its
            path inside the folder (``bm25/vocab.index.json``); empty until written.
    """

    format: int
    created: str
    embedder: EmbedderInfo
    chunker: ChunkerInfo
    bm25: Bm25Info
    documents: Mapping[str, DocumentEntry]
    versions: Mapping[str, str] = field(default_factory=dict)
    index: IndexInfo | None = None
    files: Mapping[str, IndexFile] = field(default_factory=dict)

    def to_json(self) -> str:
        """The manifest as the text of ``manifest.json``, with its own checksum."""
        body = asdict(self)
        return json.dumps({**body, "checksum": _digest(body)}, ensure_ascii=False, indent=2) + "\n"

    @classmethod
    def from_json(cls, text: str, where: str) -> Manifest:
        """Parse ``manifest.json``.

        Raises:
            IndexCorruptError: If it is not a manifest of this :data:`FORMAT`.
        """
        try:
            raw = json.loads(text)
            if not isinstance(raw, dict) or raw.get("format") != FORMAT:
                raise IndexCorruptError(
                    f"{where} is not a format-{FORMAT} manifest: run `rag build --full`"
                )
            if raw.pop("checksum", None) != _digest(raw):
                raise IndexCorruptError(
                    f"{where} is damaged (it does not match its checksum): run `rag build --full`"
                )
            index = raw.get("index")
            return cls(
                format=raw["format"],
                created=raw["created"],
                embedder=EmbedderInfo(**raw["embedder"]),
                chunker=ChunkerInfo(**raw["chunker"]),
                bm25=Bm25Info(**raw["bm25"]),
                documents={k: DocumentEntry(**v) for k, v in raw["documents"].items()},
                versions=dict(raw.get("versions", {})),
                index=IndexInfo(**index) if index is not None else None,
                files={k: IndexFile(**v) for k, v in raw["files"].items()},
            )
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise IndexCorruptError(f"{where} is unreadable: run `rag build --full`") from exc

    def setting(self, name: str) -> Any:
        """The value of a ``section.key`` setting (``embedder.model``), None if absent."""
        section, key = name.split(".", 1)
        return getattr(getattr(self, section, None), key, None)

    def with_index(self, kind: str, count: int, hnsw_m: int) -> Manifest:
        """This manifest with the FAISS index kind and count filled in."""
        return replace(self, index=IndexInfo(kind, count, hnsw_m))

    def with_files(self, files: Mapping[str, IndexFile]) -> Manifest:
        """This manifest with the index files' sizes and checksums filled in."""
        return replace(self, files=dict(files))


def _digest(body: Mapping[str, Any]) -> str:
    """SHA-256 of a manifest's content, whatever its indentation or key order."""
    canonical = json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def file_entry(path: Path) -> IndexFile:
    """The size and SHA-256 of a file.

    Raises:
        OSError: If it cannot be read.
    """
    with path.open("rb") as fh:
        digest = hashlib.file_digest(fh, "sha256").hexdigest()
    return IndexFile(path.stat().st_size, digest)


def doc_hash(doc: Document) -> str:
    """Hash what a document contributes to the index: text and header fields."""
    published = doc.published.isoformat() if doc.published else None
    payload = json.dumps([doc.text, doc.title, doc.outlet, published], ensure_ascii=False)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def versions() -> dict[str, str]:
    """Versions of Python, this package and the libraries that shape the index."""
    found = {"rag": __version__, "python": platform.python_version()}
    for name in _PACKAGES:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return found


def build_settings(config: Config) -> dict[str, Any]:
    """Settings an index must have been built with to serve this config.

    Keys are ``section.key`` names of the manifest; None means "not checked"
    (a prompt left to the model's default).
    """
    return {
        "embedder.model": config.embed_model,
        "embedder.document_prompt": config.document_prompt or None,
        "chunker.chunk_tokens": config.chunk_tokens,
        "chunker.chunk_overlap": config.chunk_overlap,
    }


def settings_diff(manifest: Manifest, expected: Mapping[str, Any]) -> list[str]:
    """List ``name: index has X, config has Y`` for each setting that differs.

    ``expected`` maps ``section.key`` names (e.g. ``embedder.model``) to values;
    a None value is not checked.
    """
    diffs = []
    for name, want in expected.items():
        have = manifest.setting(name)
        if want is not None and have != want:
            diffs.append(f"{name}: index has {have!r}, config has {want!r}")
    return diffs


def make_manifest(
    config: Config,
    docs: Sequence[Document],
    chunks: Sequence[Chunk],
    embedder: EmbedderInfo,
) -> Manifest:
    """The manifest of an index of ``docs`` split into ``chunks``.

    Args:
        config: The settings the index is built with.
        docs: The documents, in index order.
        chunks: Their passages, row-aligned with the vectors.
        embedder: What :meth:`rag.indexing.embed.Embedder.describe` says.
    """
    counts: dict[str, int] = {}
    for chunk in chunks:
        counts[chunk.doc_id] = counts.get(chunk.doc_id, 0) + 1
    documents = {
        doc.doc_id: DocumentEntry(
            hash=doc_hash(doc),
            source=doc.source,
            title=doc.title,
            outlet=doc.outlet,
            published=doc.published.isoformat() if doc.published else None,
            author=doc.author,
            url=doc.url,
            chunks=counts.get(doc.doc_id, 0),
        )
        for doc in docs
    }
    return Manifest(
        format=FORMAT,
        created=datetime.now(UTC).isoformat(timespec="seconds"),
        embedder=embedder,
        chunker=ChunkerInfo(config.chunk_tokens, config.chunk_overlap),
        bm25=Bm25Info(),
        documents=documents,
        versions=versions(),
    )


def chunk_counts(manifest: Manifest, docs: Sequence[Document]) -> dict[str, int]:
    """Passages per document in the index, for documents unchanged since the build."""
    indexed = manifest.documents
    return {
        d.doc_id: indexed[d.doc_id].chunks
        for d in docs
        if d.doc_id in indexed and indexed[d.doc_id].hash == doc_hash(d)
    }


def check_settings(folder: Path, manifest: Manifest, expected: Mapping[str, Any]) -> None:
    """Raise if the index was built with other settings than ``expected``.

    Raises:
        IndexMismatchError: Naming every difference and the command to run.
    """
    diffs = settings_diff(manifest, expected)
    if diffs:
        raise IndexMismatchError(
            f"{folder} was built with other settings ({'; '.join(diffs)}): "
            "run `rag build` to rebuild it"
        )
