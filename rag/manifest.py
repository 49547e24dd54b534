"""What ``manifest.json`` records about an index, and checks against the config."""

from __future__ import annotations

import hashlib
import json
import platform
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from importlib import metadata
from typing import Any

from rag import __version__
from rag.config import Config
from rag.index import FORMAT
from rag.records import Chunk, Document

_PACKAGES = ("faiss-cpu", "bm25s", "kiwipiepy", "sentence-transformers", "transformers", "torch")


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


def make_manifest(
    config: Config,
    docs: Sequence[Document],
    chunks: Sequence[Chunk],
    embedder: Mapping[str, Any],
) -> dict[str, Any]:
    """The manifest of an index of ``docs`` split into ``chunks``.

    Args:
        config: The settings the index is built with.
        docs: The documents, in index order.
        chunks: Their passages, row-aligned with the vectors.
        embedder: What :meth:`rag.embed.Embedder.describe` says.
    """
    counts: dict[str, int] = {}
    for chunk in chunks:
        counts[chunk.doc_id] = counts.get(chunk.doc_id, 0) + 1
    documents = {
        doc.doc_id: {
            "hash": doc_hash(doc),
            "source": doc.source,
            "title": doc.title,
            "outlet": doc.outlet,
            "published": doc.published.isoformat() if doc.published else None,
            "author": doc.author,
            "url": doc.url,
            "chunks": counts.get(doc.doc_id, 0),
        }
        for doc in docs
    }
    return {
        "format": FORMAT,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "embedder": dict(embedder),
        "chunker": {
            "chunk_tokens": config.chunk_tokens,
            "chunk_overlap": config.chunk_overlap,
            "sentences": "kiwipiepy",
            "tokens": "embedder tokenizer",
        },
        "bm25": {"tokenizer": "kiwipiepy morphemes", "method": "lucene", "k1": 1.5, "b": 0.75},
        "documents": documents,
        "versions": versions(),
    }


def chunk_counts(manifest: Mapping[str, Any], docs: Sequence[Document]) -> dict[str, int]:
    """Passages per document in the index, for documents unchanged since the build."""
    indexed = manifest.get("documents", {})
    return {
        d.doc_id: indexed[d.doc_id]["chunks"]
        for d in docs
        if d.doc_id in indexed and indexed[d.doc_id].get("hash") == doc_hash(d)
    }
