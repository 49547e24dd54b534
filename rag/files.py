"""Writing files so that a reader, or the disk after a crash, sees the old file or the new one.

A rename is atomic, but without ``fsync`` a power cut can leave the new name
pointing at a file whose data never reached the disk. So: write a temporary
file, ``fsync`` it, rename it over the target, then ``fsync`` the folder that
holds the name (:func:`fsync_dir`).
"""

from __future__ import annotations

import contextlib
import errno
import os
from pathlib import Path

from rag.errors import RagError

# What a failed write most often means, said as the fix.
_HINTS = {
    errno.ENOSPC: "the disk is full: free some space",
    errno.EDQUOT: "the disk quota is used up: free some space",
    errno.EROFS: "the file system is read-only: use a writable folder",
    errno.EACCES: "permission denied: use a folder you can write to",
    errno.EPERM: "permission denied: use a folder you can write to",
    errno.ENOTDIR: "a file stands where a folder should be: move it away",
    errno.EEXIST: "a file stands where a folder should be: move it away",
}


def write_hint(exc: OSError) -> str:
    """The cause of a failed write and what to do, in a few words."""
    hint = _HINTS.get(exc.errno or 0)
    if hint:
        return hint
    reason = exc.strerror or str(exc) or type(exc).__name__
    return f"{reason}; check the folder exists and is writable"


def fsync_file(path: Path) -> None:
    """Flush a written file's data to the disk.

    Raises:
        OSError: If the file cannot be opened or flushed.
    """
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_dir(path: Path) -> None:
    """Flush a folder's entries (a rename or a new name in it) to the disk.

    Raises:
        OSError: If the folder cannot be opened or flushed.
    """
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_atomic(path: Path, text: str, error: type[RagError] = RagError) -> None:
    """Write ``text`` to a temporary file beside ``path``, then rename it over ``path``.

    The file is flushed to the disk before the rename and the folder after it, so
    after a crash at any point ``path`` holds the old text or the new, whole.

    Raises:
        RagError: (``error``) If the file cannot be written (disk full, read-only,
            no folder); ``path`` is then unchanged, unless only the last flush of
            the folder failed.
    """
    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        with tmp.open("w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        tmp.replace(path)
        fsync_dir(path.parent)
    except OSError as exc:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
        raise error(f"cannot write {path}: {write_hint(exc)}") from exc
