"""Chat models behind one interface: in this process, or an OpenAI-compatible server.

:class:`~rag.llm.local.TransformersGenerator` runs a Hugging Face id, a folder or a
``.gguf`` file (de-quantized once, :mod:`rag.llm.gguf`) with transformers on the CPU;
:class:`~rag.llm.http.OpenAIGenerator` streams from a vLLM, llama.cpp or Ollama server.
:func:`load_generator` picks one from the settings. :mod:`rag.llm.base` holds the
:class:`~rag.llm.base.Generator` Protocol and what the back ends share.

Layer: imports only the core (:mod:`rag.config`, :mod:`rag.errors`, :mod:`rag.models`).
``import rag.llm`` loads no back end (nor torch).
"""

from __future__ import annotations

from pathlib import Path

from rag.llm.base import Generator, Judge


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
        timeout: Seconds an HTTP server may stay silent.
        threads: CPU threads of a local model.
        api_key: Bearer token for the server, if it wants one.
        cache_dir: Where converted GGUF models go.

    Raises:
        ModelError: If a local model is missing or cannot be loaded.
        GeneratorError: If ``url`` is not an http(s) URL.
    """
    if url.strip():
        from rag.llm.http import OpenAIGenerator

        return OpenAIGenerator(url, model, timeout=timeout, api_key=api_key)
    from rag.llm.local import TransformersGenerator

    return TransformersGenerator(model, threads=threads, cache_dir=cache_dir)


__all__ = ["Generator", "Judge", "load_generator"]
