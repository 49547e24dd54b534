"""The Gradio chat app: chat with cited sources, the articles, the evaluation.

``import rag.ui`` stays light; gradio is imported by :func:`launch` only (through
:mod:`rag.ui.app`, the ``tab_*`` modules and :mod:`rag.ui.common`). Handler logic lives
in plain modules (:mod:`rag.ui.chat`, :mod:`rag.ui.render`, :mod:`rag.ui.share`,
:mod:`rag.ui.history`, :mod:`rag.ui.corpus`, :mod:`rag.ui.evaluation`,
:mod:`rag.ui.text`) that tests call without a browser.
"""

from __future__ import annotations

import os
from typing import Any

from rag.config import Config

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 7860


def launch(
    config: Config,
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    block: bool = True,
    embedder: Any = None,
    generator: Any = None,
) -> Any:
    """Start the app; build the index first (with progress) if there is none.

    Args:
        config: Settings.
        host: Interface to bind; 127.0.0.1 keeps the app on this machine.
        port: Port to listen on.
        block: Serve until interrupted; False returns the running app at once.
        embedder: A loaded embedder to use instead of ``config.embed_model``.
        generator: A chat model to use instead of ``config.llm_model``.

    Returns:
        The running ``gradio.Blocks`` (``close()`` stops it).

    Raises:
        RagError: If the app cannot start.
    """
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    from rag.ui.app import launch as start
    from rag.ui.service import Service

    return start(Service(config, embedder, generator), host, port, block)
