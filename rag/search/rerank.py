"""Optional cross-encoder that reorders fused candidates. Off unless configured."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rag.models import load_failed, resolve_model


class Reranker:
    """Scores ``(question, passage)`` pairs with a sentence-transformers CrossEncoder.

    Args:
        name: A Hugging Face id or a local folder.
        model: An already loaded model (tests, reuse).

    Raises:
        ModelError: If the model is missing or cannot be loaded.
    """

    def __init__(self, name: str, model: Any = None) -> None:
        self.name = name
        self.model = model if model is not None else self._load(name)

    @staticmethod
    def _load(name: str) -> Any:
        path = resolve_model(name, "reranker", "RAG_RERANK_MODEL")
        from sentence_transformers import CrossEncoder

        try:
            return CrossEncoder(str(path), device="cpu", local_files_only=True)
        except Exception as exc:
            raise load_failed(
                "reranker",
                path,
                exc,
                'point RAG_RERANK_MODEL at a cross-encoder folder, or set it to ""',
            ) from exc

    def score(self, question: str, passages: Sequence[str]) -> list[float]:
        """Return one relevance score per passage; higher is better."""
        if not passages:
            return []
        scores = self.model.predict([(question, p) for p in passages], show_progress_bar=False)
        return [float(s) for s in scores]
