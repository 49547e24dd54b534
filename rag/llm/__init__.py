"""Chat models behind one interface: in this process, or an OpenAI-compatible server.

:class:`~rag.llm.llama.LlamaCppGenerator` runs a ``.gguf`` file with llama.cpp;
:class:`~rag.llm.local.TransformersGenerator` runs a Hugging Face id, a folder or a
``.gguf`` file (de-quantized once, :mod:`rag.llm.gguf`) with transformers on the CPU;
:class:`~rag.llm.http.OpenAIGenerator` streams from a vLLM, llama.cpp or Ollama server.
:func:`load_generator` picks one from the settings (``llm_backend``). :mod:`rag.llm.base` holds the
:class:`~rag.llm.base.Generator` Protocol and what the back ends share.

Layer: imports only the core (:mod:`rag.config`, :mod:`rag.errors`, :mod:`rag.models`).
``import rag.llm`` loads no back end (nor torch).
"""

from __future__ import annotations

import logging
from pathlib import Path

from rag.config import LLM_BACKENDS
from rag.errors import ModelError, first_line
from rag.llm.base import Generator, Judge
from rag.models import resolve_model

log = logging.getLogger(__name__)

BACKENDS = LLM_BACKENDS


def llama_cpp_missing() -> str:
    """Why llama-cpp-python cannot be used here ("" when it can); imports it."""
    try:
        import llama_cpp  # noqa: F401 - loads its shared library
    except Exception as exc:  # noqa: BLE001 - ImportError, or OSError from the library
        return first_line(exc)
    return ""


def pick_backend(model: str, backend: str = "auto") -> str:
    """``"llama"`` or ``"transformers"`` for a local model, per the ``llm_backend`` setting.

    ``auto`` runs a ``.gguf`` file, or a folder holding one and no ``config.json``, with
    llama.cpp when llama-cpp-python imports, and everything else (Hugging Face ids,
    transformers folders) with transformers.

    Raises:
        ModelError: If the model is not on disk, ``llama`` is forced on a model that is
            not a GGUF file, or llama-cpp-python is forced but does not import.
        ValueError: If ``backend`` is not one of :data:`BACKENDS`.
    """
    if backend not in BACKENDS:
        raise ValueError(f"llm_backend must be one of {', '.join(BACKENDS)}, got {backend!r}")
    if backend == "transformers":
        return backend
    from rag.llm.llama import gguf_file

    gguf = gguf_file(resolve_model(model, "chat model", "RAG_LLM_MODEL"))
    if backend == "llama":
        if gguf is None:
            raise ModelError(
                f"chat model {model} is not a .gguf file, but llm_backend is llama: set "
                "llm_backend to auto or transformers, or RAG_LLM_MODEL to a .gguf file"
            )
        if missing := llama_cpp_missing():
            raise ModelError(
                f"llm_backend is llama but llama-cpp-python does not load ({missing}): "
                "install it (pip install llama-cpp-python) or set llm_backend to auto"
            )
        return backend
    if gguf is None:
        return "transformers"
    if missing := llama_cpp_missing():
        log.warning(
            "llama-cpp-python does not load (%s): running %s with transformers", missing, model
        )
        return "transformers"
    return "llama"


def load_generator(
    model: str,
    url: str = "",
    timeout: float = 60.0,
    *,
    backend: str = "auto",
    threads: int | None = None,
    context: int | None = None,
    api_key: str | None = None,
    cache_dir: Path | None = None,
) -> Generator:
    """Return the generator the settings ask for.

    Args:
        model: The chat model: an id, folder or ``.gguf`` file for a local model, or
            the server-side name when ``url`` is set.
        url: An OpenAI-compatible server; "" means run ``model`` in this process.
        timeout: Seconds an HTTP server may stay silent.
        backend: ``auto``, ``llama`` or ``transformers`` for a local model
            (:func:`pick_backend`).
        threads: CPU threads of a local model; None means the back end's default.
        context: Context window of a llama.cpp model; None means
            :data:`~rag.llm.llama.DEFAULT_CONTEXT`.
        api_key: Bearer token for the server, if it wants one.
        cache_dir: Where converted GGUF models go.

    Raises:
        ModelError: If a local model is missing or cannot be loaded, or ``backend`` does
            not fit it.
        GeneratorError: If ``url`` is not an http(s) URL.
        ValueError: If ``backend`` is unknown.
    """
    if url.strip():
        from rag.llm.http import OpenAIGenerator

        return OpenAIGenerator(url, model, timeout=timeout, api_key=api_key)
    if pick_backend(model, backend) == "llama":
        from rag.llm.llama import DEFAULT_CONTEXT, LlamaCppGenerator

        return LlamaCppGenerator(model, threads=threads, context=context or DEFAULT_CONTEXT)
    from rag.llm.local import TransformersGenerator

    return TransformersGenerator(model, threads=threads, cache_dir=cache_dir)


__all__ = ["BACKENDS", "Generator", "Judge", "load_generator", "pick_backend"]
