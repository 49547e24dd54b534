"""Chat models behind one small interface: local transformers weights or an HTTP server.

:class:`~rag.llm_local.TransformersGenerator` runs a model in this process on the CPU,
from a Hugging Face id, a folder or a ``.gguf`` file (de-quantized once, then cached as
safetensors). :class:`~rag.llm_http.OpenAIGenerator` talks to any OpenAI-compatible
``/v1/chat/completions`` server (vLLM, llama.cpp's ``llama-server``, Ollama) with the
standard library only. :func:`load_generator` picks one from the settings.

Both stream text pieces as they are generated and stop at ``max_new_tokens``, at the end
of the model's turn, or when the text contains a stop string (which is not yielded).
Closing the iterator early (``it.close()``, or leaving a ``for`` loop over it) stops the
generation too. Every failure is a :class:`~rag.errors.GeneratorError` (or a
:class:`~rag.errors.ModelError` while loading) with a one-line message.

This module holds the :class:`Generator` interface and what both back ends share
(request checks, stop strings). The back ends import it, so it imports them on first
use: ``from rag.generate import TransformersGenerator`` works, and ``import
rag.generate`` loads neither back end (nor torch).
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

if TYPE_CHECKING:
    from rag.llm_http import OpenAIGenerator
    from rag.llm_local import MAX_CONTEXT, TransformersGenerator, converted_dir

ROLES = ("system", "user", "assistant")
# Names of the back ends this module exports, and the module each lives in.
_BACK_ENDS = {
    "MAX_CONTEXT": "rag.llm_local",
    "TransformersGenerator": "rag.llm_local",
    "converted_dir": "rag.llm_local",
    "OpenAIGenerator": "rag.llm_http",
}


@runtime_checkable
class Generator(Protocol):
    """A chat model that streams its answer.

    Attributes:
        name: The model as configured (id, path or server-side name).
        context_window: Tokens the model accepts, prompt and answer together.
    """

    name: str
    context_window: int

    def stream(
        self, messages: list[dict[str, str]], max_new_tokens: int, stop: Sequence[str] = ()
    ) -> Iterator[str]:
        """Yield the answer to chat ``messages`` piece by piece.

        Args:
            messages: ``{"role": "system" | "user" | "assistant", "content": str}`` dicts.
            max_new_tokens: At most this many tokens are generated.
            stop: Generation ends when the text contains one of these; it is not yielded.

        Raises:
            GeneratorError: If the model fails or cannot be reached.
        """
        ...

    def count_tokens(self, text: str) -> int:
        """Tokens ``text`` takes in a prompt, for budgeting (may be an estimate)."""
        ...


def check_request(messages: Sequence[dict[str, str]], max_new_tokens: int) -> None:
    """Reject malformed calls, which are bugs of the caller, not of the model.

    Raises:
        ValueError: If a message is not a role/content pair or ``max_new_tokens < 1``.
    """
    if not messages:
        raise ValueError("messages is empty")
    for message in messages:
        if (
            not isinstance(message, dict)
            or message.get("role") not in ROLES
            or not isinstance(message.get("content"), str)
        ):
            raise ValueError(f"not a chat message: {message!r}")
    if max_new_tokens < 1:
        raise ValueError(f"max_new_tokens must be at least 1, got {max_new_tokens}")


def stop_list(stop: Sequence[str] | str) -> list[str]:
    """The non-empty stop strings; a lone string is one stop, not one per character."""
    return [s for s in ([stop] if isinstance(stop, str) else stop) if s]


def _held_back(text: str, stops: Sequence[str]) -> int:
    """Length of the longest end of ``text`` that could be the start of a stop string."""
    for size in range(min(len(text), max(map(len, stops)) - 1), 0, -1):
        tail = text[-size:]
        if any(stop.startswith(tail) for stop in stops):
            return size
    return 0


def until_stop(pieces: Iterable[str], stop: Sequence[str]) -> Iterator[str]:
    """Pass ``pieces`` through, ending before the first stop string.

    Text that might be the beginning of a stop string is held back until the next piece
    shows it is not, so no part of a stop string is ever yielded.
    """
    stops = stop_list(stop)
    if not stops:
        yield from (piece for piece in pieces if piece)
        return
    pending = ""
    for piece in pieces:
        pending += piece
        found = [i for i in (pending.find(s) for s in stops) if i >= 0]
        if found:
            if min(found) > 0:
                yield pending[: min(found)]
            return
        keep = _held_back(pending, stops)
        if len(pending) > keep:
            yield pending[: len(pending) - keep]
            pending = pending[len(pending) - keep :]
    if pending:
        yield pending


def first_line(exc: BaseException) -> str:
    """The first line of an exception's message, or its type when it has none."""
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def load_generator(
    model: str,
    url: str = "",
    timeout: float = 60.0,
    *,
    threads: int | None = None,
    api_key: str | None = None,
    cache_dir: Path | None = None,
) -> Generator:
    """Return the generator the settings ask for.

    Args:
        model: The chat model: an id, folder or ``.gguf`` file for a local model, or
            the server-side name when ``url`` is set.
        url: An OpenAI-compatible server; "" means run ``model`` in this process.
        threads: CPU threads of a local model.
        timeout: Seconds an HTTP server may stay silent.
        api_key: Bearer token for the server, if it wants one.
        cache_dir: Where converted GGUF models go.

    Raises:
        ModelError: If a local model is missing or cannot be loaded.
        GeneratorError: If ``url`` is not an http(s) URL.
    """
    if url.strip():
        from rag import llm_http

        return llm_http.OpenAIGenerator(url, model, timeout=timeout, api_key=api_key)
    from rag import llm_local

    return llm_local.TransformersGenerator(model, threads=threads, cache_dir=cache_dir)


def __getattr__(name: str) -> Any:
    """A back end's exported name, imported on first use (the back ends import this module).

    Raises:
        AttributeError: If ``name`` is not one of them.
    """
    if name not in _BACK_ENDS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(_BACK_ENDS[name]), name)
    globals()[name] = value
    return value


__all__ = [
    "MAX_CONTEXT",
    "Generator",
    "OpenAIGenerator",
    "TransformersGenerator",
    "converted_dir",
    "load_generator",
]
