"""Writing a text file so that a reader sees the old file or the new one, never half."""

from __future__ import annotations

import contextlib
from pathlib import Path

from rag.errors import RagError


def write_atomic(path: Path, text: str, error: type[RagError] = RagError) -> None:
    """Write ``text`` to a temporary file beside ``path``, then rename it over ``path``.

    Raises:
        RagError: (``error``) If the file cannot be written; ``path`` is then unchanged.
    """
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
        raise error(
            f"cannot write {path}: {exc.strerror}; check the folder exists and is writable"
        ) from exc
