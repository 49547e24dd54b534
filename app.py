"""The chat app: ``python app.py [--host H] [--port P]`` (same as ``rag serve``).

Thin on purpose: the settings come from rag.toml / RAG_* as for the CLI, and
everything else lives in :mod:`rag.ui`.
"""

from __future__ import annotations

import sys

from rag.cli import main

if __name__ == "__main__":
    main(["serve", *sys.argv[1:]])
