"""`rag build` as a real process for the crash and lock tests, with the fake embedder.

    python -m tests.build_process [--pause POINT] build --corpus C --index I --embed-model fake

runs ``rag.cli.main`` on the arguments after the options, with ``make_embedder``
returning the fake embedder of :mod:`tests.fakes` (no torch, so the process starts
in about a second). With ``--pause POINT`` the build stops at that point, prints
``paused at POINT`` on stdout and waits for a line on stdin: the test then kills it
with SIGKILL, or lets it go on. The points, in the order a build reaches them:

    locked     the build lock is held; the corpus is not read yet
    embedding  the new passages are being embedded; nothing is written yet
    writing    vectors and chunks are in the temporary folder; BM25 not yet
    swap       the temporary folder is complete and flushed; the swap has not begun
    renamed    the old index is moved aside; the new one is not in place yet
    swapped    the new index is in place; the old one is not deleted yet

The production code has no hooks for this: the points are functions patched here.
"""

from __future__ import annotations

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import argparse
import sys
from pathlib import Path

POINTS = ("locked", "embedding", "writing", "swap", "renamed", "swapped")


def pause(point: str) -> None:
    print(f"paused at {point}", flush=True)
    sys.stdin.readline()


def install(point: str | None) -> None:
    """Patch the fake embedder in, and a pause at ``point``."""
    import rag.indexing.build as build
    import rag.indexing.store as store
    from rag.indexing.bm25 import Bm25
    from tests.fakes import FakeModel, fake_embedder

    build.make_embedder = lambda config: fake_embedder(config.embed_model)

    def before(owner, name: str, at: str) -> None:
        original = getattr(owner, name)

        def paused(*args, **kwargs):
            if point == at:
                pause(at)
            return original(*args, **kwargs)

        setattr(owner, name, paused)

    before(build, "remove_leftovers", "locked")
    before(FakeModel, "encode", "embedding")
    before(Bm25, "save", "writing")
    before(store, "_swap", "swap")
    rename = Path.rename

    def renamed(self: Path, target):
        done = rename(self, target)
        if point == "renamed" and str(target).endswith(".old"):
            pause(point)
        if point == "swapped" and ".tmp-" in self.name:
            pause(point)
        return done

    Path.rename = renamed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pause", choices=POINTS)
    args, rest = parser.parse_known_args()
    install(args.pause)
    from rag.cli import main as rag_main

    rag_main(rest)


if __name__ == "__main__":
    main()
