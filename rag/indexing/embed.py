"""Dense embeddings with sentence-transformers, prompts honoured, vectors normalized."""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from rag.indexing.manifest import EmbedderInfo
from rag.models import load_failed, resolve_model

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

# Prefixes for model families whose prompts are not in their own config: query,
# document, and a question to find the sentence that answers it (EmbeddingGemma's
# model card gives one its config does not).
_FAMILY_PROMPTS = {
    "e5": ("query: ", "passage: ", ""),
    "embeddinggemma": ("", "", "task: question answering | query: "),
}


def _family_prompt(name: str, index: int) -> str:
    base = name.rstrip("/").rsplit("/", 1)[-1].lower()
    for family, prompts in _FAMILY_PROMPTS.items():
        if family in base.replace("_", "-").split("-"):
            return prompts[index]
    return ""


def load_sentence_transformer(name: str) -> SentenceTransformer:
    """Load a sentence-transformers model from disk, on the CPU.

    Raises:
        ModelError: If the model is missing or cannot be loaded.
    """
    path = resolve_model(name, "embedding model", "RAG_EMBED_MODEL")
    import torch
    from sentence_transformers import SentenceTransformer
    from transformers.utils import logging as hf_logging

    torch.set_num_threads(os.cpu_count() or 1)
    hf_logging.disable_progress_bar()
    try:
        return SentenceTransformer(str(path), device="cpu", local_files_only=True)
    except Exception as exc:
        raise load_failed(
            "embedding model", path, exc, "point RAG_EMBED_MODEL at a sentence-transformers folder"
        ) from exc


class Embedder:
    """Turns queries and passages into normalized float32 vectors.

    Args:
        name: A Hugging Face id or a local sentence-transformers folder.
        query_prompt: Text put before each query; "" means the model's own
            ``query`` prompt, or the family default (``query: `` for e5).
        document_prompt: Text put before each passage; "" as above with
            ``document`` (``passage: `` for e5).
        batch_size: Texts per forward pass.
        model: An already loaded model, to skip loading (tests, reuse).

    Raises:
        ModelError: If the model is missing or cannot be loaded.
    """

    def __init__(
        self,
        name: str,
        query_prompt: str = "",
        document_prompt: str = "",
        batch_size: int = 16,
        model: Any = None,
    ) -> None:
        self.name = name
        self.model = model if model is not None else load_sentence_transformer(name)
        own = getattr(self.model, "prompts", None) or {}
        self.query_prompt = query_prompt or own.get("query") or _family_prompt(name, 0)
        self.document_prompt = (
            document_prompt or own.get("document") or own.get("passage") or _family_prompt(name, 1)
        )
        # Text against text of the same kind (an answer against a reference answer).
        self.similarity_prompt = own.get("STS") or self.query_prompt
        # A question against the sentences that may answer it.
        self.question_prompt = (
            own.get("QuestionAnswering") or _family_prompt(name, 2) or self.query_prompt
        )
        self.batch_size = batch_size

    @property
    def dimension(self) -> int:
        """Vector size of the model's output."""
        return int(self.model.get_embedding_dimension())

    @property
    def max_tokens(self) -> int:
        """Longest input, in tokens, the model reads without truncating."""
        return int(self.model.max_seq_length or 512)

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        """Count tokens of each text with the model's tokenizer, no special tokens."""
        if not texts:
            return []
        ids = self.model.tokenizer(list(texts), add_special_tokens=False)["input_ids"]
        return [len(row) for row in ids]

    def _encode(self, texts: Sequence[str], prompt: str, progress: bool) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        vectors = self.model.encode(
            list(texts),
            prompt=prompt or None,
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=progress,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        """Embed questions with the query prompt; shape ``(n, dimension)``."""
        return self._encode(texts, self.query_prompt, progress=False)

    def encode_questions(self, texts: Sequence[str]) -> np.ndarray:
        """Embed questions to find the sentences that answer them.

        With the question-answering prompt where the model has one, else the query prompt.
        """
        return self._encode(texts, self.question_prompt, progress=False)

    def encode_documents(self, texts: Sequence[str], progress: bool = False) -> np.ndarray:
        """Embed passages with the document prompt; shape ``(n, dimension)``."""
        return self._encode(texts, self.document_prompt, progress=progress)

    def encode_symmetric(self, texts: Sequence[str]) -> np.ndarray:
        """Embed texts to compare with each other: the model's STS prompt, else the query one."""
        return self._encode(texts, self.similarity_prompt, progress=False)

    def describe(self) -> EmbedderInfo:
        """What the index manifest records about this embedder."""
        return EmbedderInfo(
            self.name, self.dimension, self.query_prompt, self.document_prompt, self.max_tokens
        )
