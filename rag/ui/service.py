"""The models and index one app process shares between its users.

Loaded once, reused by every handler; a corpus change rebuilds the index
incrementally and swaps in a new searcher under a lock. An index rebuilt by
another process (``rag build``) is picked up before the next question.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rag.config import Config
from rag.errors import IndexCorruptError, IndexMissingError
from rag.indexing.incremental import BuildReport


class Service:
    """Config, embedder, chat model and assistant, created on first use.

    Args:
        config: Settings.
        embedder: A loaded embedder (tests pass a fake); loaded from the config if None.
        generator: A chat model (tests pass a fake); loaded from the config if None.
    """

    def __init__(self, config: Config, embedder: Any = None, generator: Any = None) -> None:
        self.config = config
        self._embedder = embedder
        self._generator = generator
        self._assistant: Any = None
        self._lock = threading.RLock()
        self._loaded: tuple[int, int] | None = None  # the manifest the searcher was loaded from

    def embedder(self) -> Any:
        """The embedding model, loaded on first use.

        Raises:
            ModelError: If it is missing.
        """
        from rag.indexing.build import make_embedder

        with self._lock:
            if self._embedder is None:
                self._embedder = make_embedder(self.config)
            return self._embedder

    def model_names(self) -> tuple[str, str]:
        """The chat model and the embedder as an evaluation run records them.

        Named from the loaded models where the app was given them, else from the
        settings (a ``.gguf`` path by its file name), without loading anything.
        """
        c = self.config
        chat = getattr(self._generator, "name", "") or c.llm_url or c.llm_model
        if chat.endswith(".gguf"):
            chat = Path(chat).name
        return chat, c.embed_model

    def has_index(self) -> bool:
        """Whether a readable index exists."""
        from rag.indexing.store import read_manifest

        try:
            read_manifest(self.config.index_dir)
        except (IndexMissingError, IndexCorruptError):
            return False
        return True

    def build(
        self, progress: bool = False, notify: Callable[[str], None] | None = None
    ) -> BuildReport:
        """Build or update the index, then point the assistant at it.

        Waits (telling ``notify``) while another process builds the same index.

        Raises:
            CorpusError: If there are no readable articles.
            ModelError: If the embedding model is missing.
            IndexBusyError: If another build holds the index past ``lock_timeout``.
            IndexWriteError: If the index cannot be written; the old one stays.
        """
        from rag.indexing.build import build

        with self._lock:
            report = build(
                self.config,
                embedder=self.embedder(),
                progress=progress,
                notify=notify,
                holder="the chat app (rag serve)",
            )
            if self._assistant is not None:
                self._refresh()
            return report

    def assistant(self) -> Any:
        """The assistant, building the index first if there is none.

        Raises:
            RagError: If the index cannot be built or loaded.
        """
        from rag.answering.assistant import Assistant
        from rag.search.searcher import Searcher

        with self._lock:
            if self._assistant is None:
                if not self.has_index():
                    self.build()
                self._loaded = self._stamp()
                searcher = Searcher(self.config, embedder=self.embedder())
                self._assistant = Assistant(self.config, searcher, self._generator)
            else:
                self._refresh()
            return self._assistant

    def _stamp(self) -> tuple[int, int] | None:
        """Which manifest is on disk now: a swap puts a new file (inode) in place."""
        from rag.indexing.store import MANIFEST_FILE

        try:
            stat = (Path(self.config.index_dir) / MANIFEST_FILE).stat()
        except OSError:
            return None
        return stat.st_ino, stat.st_mtime_ns

    def _refresh(self) -> None:
        """Load the index again if a build (here or in another process) replaced it."""
        from rag.search.searcher import Searcher

        stamp = self._stamp()
        if stamp is not None and stamp != self._loaded:
            self._assistant.searcher = Searcher(self.config, embedder=self.embedder())
            self._loaded = stamp
