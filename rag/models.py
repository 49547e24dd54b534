"""Find model weights on disk from a Hugging Face id, a folder or a ``.gguf`` file.

Nothing here downloads: the product runs offline once models are on disk. An
id such as ``google/embeddinggemma-300m`` is looked up, in order, as a path, in
``$RAG_MODELS_DIR`` (by its last part, lower-cased, the way
``tools/get-models`` lays files out) and in the Hugging Face cache.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from rag.config import models_dir
from rag.errors import ModelError, first_line


def _hf_cache(name: str) -> Path | None:
    """Return the cached snapshot folder of a hub id, without any network."""
    try:
        from huggingface_hub import snapshot_download

        return Path(snapshot_download(name, local_files_only=True))
    except Exception:  # noqa: BLE001 - any failure means "not cached"
        return None


def resolve_model(name: str, what: str, hint: str, env: Mapping[str, str] | None = None) -> Path:
    """Return the local path of a model named by id, folder or ``.gguf`` file.

    Args:
        name: A Hugging Face id, a folder or a ``.gguf`` path.
        what: What the model is for, e.g. ``"embedding model"``, for the message.
        hint: The setting that selects it, e.g. ``"RAG_EMBED_MODEL"``.
        env: The environment, for ``$RAG_MODELS_DIR``.

    Raises:
        ModelError: If the model is not on disk; the message says how to fetch
            it or point the setting at a local copy.
    """
    env = os.environ if env is None else env
    if not name.strip():
        raise ModelError(f"no {what} is set: set {hint} to a Hugging Face id or a local path")
    path = Path(name).expanduser()
    if path.exists():
        return path
    if path.is_absolute() or name.startswith((".", "~")) or name.endswith(".gguf"):
        raise ModelError(f"{what} {name} does not exist: check {hint}")
    local = models_dir(env) / name.rsplit("/", 1)[-1].lower()
    if local.exists():
        return local
    cached = _hf_cache(name)
    if cached is not None:
        return cached
    raise ModelError(
        f"{what} {name!r} is not on disk and no model hub is reachable: run "
        f"../shared/tools/get-models (it fills {models_dir(env)}), or set {hint} to a local folder"
    )


def load_failed(what: str, path: Path | str, exc: BaseException, fix: str) -> ModelError:
    """The one-line error for a model that is on disk but does not load.

    Args:
        what: What the model is for, e.g. ``"embedding model"``.
        path: Where it was loaded from.
        exc: What the loading library raised.
        fix: What to do, e.g. ``"point RAG_EMBED_MODEL at a sentence-transformers folder"``.
    """
    return ModelError(f"cannot load {what} {path}: {first_line(exc)}; {fix}")
