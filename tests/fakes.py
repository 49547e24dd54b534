"""Fakes for unit tests: a deterministic bag-of-morphemes embedding model."""

from __future__ import annotations

import zlib
from collections.abc import Sequence

import numpy as np

from rag.indexing.embed import Embedder
from rag.text.korean import tokenize


class FakeTokenizer:
    """Counts whitespace-separated words as tokens."""

    def __call__(self, texts: Sequence[str], add_special_tokens: bool = False) -> dict:
        return {"input_ids": [text.split() for text in texts]}


class FakeModel:
    """Hashes Kiwi tokens into a normalized vector: texts sharing words are close.

    ``encoded`` records every text it embedded, so tests can see what was re-embedded.
    """

    def __init__(self, dim: int = 64, max_seq_length: int = 128) -> None:
        self.dim = dim
        self.max_seq_length = max_seq_length
        self.prompts = {"query": "q: ", "document": "d: "}
        self.tokenizer = FakeTokenizer()
        self.encoded: list[str] = []

    def get_embedding_dimension(self) -> int:
        return self.dim

    def encode(self, texts: Sequence[str], prompt: str | None = None, **_: object) -> np.ndarray:
        self.encoded.extend(texts)
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            for token in tokenize(text):
                out[row, zlib.crc32(token.encode()) % self.dim] += 1.0
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.where(norms == 0, 1, norms)


def fake_embedder(name: str = "fake-model", dim: int = 64, max_seq_length: int = 128) -> Embedder:
    """An Embedder around a FakeModel."""
    return Embedder(name, model=FakeModel(dim, max_seq_length))


class FakeGenerator:
    """Replays canned replies, one per call, streamed word by word.

    ``prompts`` records the messages of every call; ``yes`` is what
    ``yes_probability`` answers (None: cannot judge), ``checks`` its calls.
    """

    name = "fake-llm"
    context_window = 4096

    def __init__(self, *replies: str, yes: float | None = None) -> None:
        self.replies = list(replies)
        self.prompts: list[list[dict[str, str]]] = []
        self.yes = yes
        self.checks: list[list[dict[str, str]]] = []

    def yes_probability(self, messages):
        self.checks.append(messages)
        return self.yes

    def count_tokens(self, text: str) -> int:
        return len(text.split())

    def stream(self, messages, max_new_tokens, stop=()):
        self.prompts.append(messages)
        reply = self.replies.pop(0) if self.replies else ""
        words = reply.split(" ")
        for i, word in enumerate(words[:max_new_tokens]):
            yield word if i == 0 else " " + word
