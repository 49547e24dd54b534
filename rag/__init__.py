"""Cited question answering over Korean news articles, on a CPU.

``import rag`` is instant: torch, transformers and faiss load only when a
stage that needs them runs.
"""

from __future__ import annotations

from rag.errors import RagError
from rag.records import Chunk, Document, Hit, Removed

__version__ = "0.1.0"
__all__ = ["Chunk", "Document", "Hit", "RagError", "Removed", "__version__"]
