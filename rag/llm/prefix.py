"""Prefill once: keep the KV state of the last prompt and reuse its longest common prefix.

The answerability judge and the answer read the same evidence, and every question starts
with the same system prompt. Reading a prompt is what a CPU spends most of its time on,
so the key/value state of what was read last is kept, and a new prompt evaluates only
the tokens after the part it shares with it. :class:`KVPrefix` does this for
transformers (a ``DynamicCache``); llama.cpp keeps its own KV cache
(:mod:`rag.llm.llama`). torch is never imported here.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Sequence
from typing import Any


def common_prefix(held: Sequence[int], wanted: Sequence[int]) -> int:
    """How many leading tokens ``held`` and ``wanted`` share, at most ``len(wanted) - 1``.

    The last token of ``wanted`` is always left to evaluate: its logits are the ones a
    caller reads or samples from.
    """
    limit = min(len(held), len(wanted) - 1)
    for i in range(limit):
        if held[i] != wanted[i]:
            return i
    return max(limit, 0)


def crop(cache: Any, keep: int) -> None:
    """Cut a transformers cache to its first ``keep`` tokens, in place."""
    remove = cache.get_seq_length() - keep
    if remove > 0:
        cache.crop(-remove)  # a negative number removes that many (transformers 4.x and 5)


class KVPrefix:
    """The KV state of one prompt, handed out as copies cut to a shared prefix.

    Thread-safe: a judge and a stream may ask for it from different threads.
    """

    def __init__(self) -> None:
        self._ids: list[int] = []
        self._cache: Any = None
        self._lock = threading.Lock()

    def take(self, ids: Sequence[int]) -> tuple[Any, int]:
        """A copy of the kept state cut to the longest common prefix with ``ids``.

        Returns:
            The copy (None when nothing is shared) and how many tokens it holds.
        """
        with self._lock:
            if self._cache is None:
                return None, 0
            common = common_prefix(self._ids, ids)
            if common == 0:
                return None, 0
            cache = copy.deepcopy(self._cache)
        crop(cache, common)
        return cache, common

    def keep(self, ids: Sequence[int], cache: Any) -> None:
        """Remember ``cache`` as the state of ``ids`` (cut to them if it holds more)."""
        if cache is None or cache.get_seq_length() < len(ids):
            self.clear()
            return
        crop(cache, len(ids))
        with self._lock:
            self._ids, self._cache = list(ids), cache

    def clear(self) -> None:
        """Forget the kept state (after a failure, its contents are unknown)."""
        with self._lock:
            self._ids, self._cache = [], None


__all__ = ["KVPrefix", "common_prefix", "crop"]
