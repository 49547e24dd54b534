"""The models and index one app process shares between its users.

Loaded once, reused by every handler; a corpus change rebuilds the index
incrementally and swaps in a new searcher under a lock.
"""

from __future__ import annotations

import threading
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

    def build(self, progress: bool = False) -> BuildReport:
        """Build or update the index, then point the assistant at it.

        Raises:
            CorpusError: If there are no readable articles.
            ModelError: If the embedding model is missing.
        """
        from rag.indexing.build import build
        from rag.search.searcher import Searcher

        with self._lock:
            report = build(self.config, embedder=self.embedder(), progress=progress)
            if self._assistant is not None and report.written:
                self._assistant.searcher = Searcher(self.config, embedder=self.embedder())
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
                searcher = Searcher(self.config, embedder=self.embedder())
                self._assistant = Assistant(self.config, searcher, self._generator)
            return self._assistant
