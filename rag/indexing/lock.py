"""File locks beside the index folder: builds take turns, readers never see half a swap.

Two lock files sit next to the index folder (``index/`` has ``.index.build.lock``
and ``.index.lock``). Both are ``flock`` locks, which the kernel releases when the
holder exits, even on ``kill -9``, so a lock is never left stale.

- The **build lock** is held by one build from reading the corpus to the swap
  (``rag build``, or the app adding or removing an article). A second build waits,
  saying so, and gives up with :class:`~rag.errors.IndexBusyError` after a timeout.
- The **swap lock** is held exclusively for the few renames that swap a new index
  in, and shared while a reader loads the files, so a reader never mixes files of
  the old index with files of the new one. Readers on a read-only disk, where no
  lock file can be made, read without it: nothing can swap there either.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from rag.errors import IndexBusyError, IndexWriteError
from rag.files import write_hint

# Seconds between two attempts to take a busy build lock.
POLL = 0.2


def build_lock_path(folder: Path) -> Path:
    """The build lock file of an index folder."""
    return folder.with_name(f".{folder.name}.build.lock")


def swap_lock_path(folder: Path) -> Path:
    """The swap lock file of an index folder."""
    return folder.with_name(f".{folder.name}.lock")


def _open(path: Path) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    return os.open(path, os.O_RDWR | os.O_CREAT, 0o644)


def _open_to_read(path: Path) -> int | None:
    """The lock file opened for a shared lock, or None where none can be made."""
    for flags in (os.O_RDWR | os.O_CREAT, os.O_RDONLY):
        with contextlib.suppress(OSError):
            return os.open(path, flags, 0o644)
    return None


def _holder(fd: int) -> str:
    """Who holds a lock, as its holder wrote it (``rag build (pid 123)``)."""
    try:
        text = os.pread(fd, 200, 0).decode("utf-8", errors="replace").strip()
    except OSError:
        text = ""
    return text or "another process"


@contextlib.contextmanager
def build_lock(
    folder: Path,
    timeout: float,
    notify: Callable[[str], None] | None = None,
    holder: str = "rag build",
) -> Iterator[None]:
    """Hold the build lock of ``folder``, waiting up to ``timeout`` seconds for it.

    Args:
        folder: The index folder.
        timeout: Seconds to wait for another build to finish; 0 = do not wait.
        notify: Told once, in one line, that this build waits and for whom.
        holder: What this process is, for the message another build shows.

    Raises:
        IndexBusyError: If another build still holds the lock after ``timeout``.
        IndexWriteError: If the lock file cannot be made (read-only, no space).
    """
    path = build_lock_path(folder)
    try:
        fd = _open(path)
    except OSError as exc:
        raise IndexWriteError(
            f"cannot write the index {folder} (its lock file {path.name}): {write_hint(exc)}"
        ) from exc
    try:
        _acquire(fd, folder, timeout, notify)
        with contextlib.suppress(OSError):  # only the message of a waiting build needs it
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"{holder} (pid {os.getpid()})\n".encode(), 0)
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def _acquire(fd: int, folder: Path, timeout: float, notify: Callable[[str], None] | None) -> None:
    deadline = time.monotonic() + timeout
    told = False
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            pass
        who = _holder(fd)
        if time.monotonic() >= deadline:
            raise IndexBusyError(
                f"{folder} is still being updated by {who} after {timeout:.0f} s: "
                "try again when it has finished (or raise lock_timeout)"
            )
        if not told and notify is not None:
            notify(f"waiting for {who} to finish updating {folder} (up to {timeout:.0f} s)")
            told = True
        time.sleep(min(POLL, max(0.0, deadline - time.monotonic())))


@contextlib.contextmanager
def swap_lock(folder: Path, shared: bool) -> Iterator[None]:
    """Hold the swap lock of ``folder``: shared to read the index, exclusive to swap it.

    Raises:
        OSError: If an exclusive lock's file cannot be made (a shared one then
            goes without the lock).
    """
    fd = _open_to_read(swap_lock_path(folder)) if shared else _open(swap_lock_path(folder))
    if fd is None:
        yield  # a read-only or missing folder: no writer can swap here either
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_SH if shared else fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
