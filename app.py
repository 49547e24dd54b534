"""Placeholder until the Gradio UI lands: a terminal search loop over the index.

python app.py
"""

from __future__ import annotations

import sys

from rag.config import load_config
from rag.errors import RagError


def main() -> int:
    """Read questions from stdin and print the best passages for each."""
    from rag.pipeline import Searcher

    try:
        searcher = Searcher(load_config())
    except RagError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print("Ask about the articles (Ctrl-D to quit).")
    for line in sys.stdin:
        try:
            hits = searcher.search(line)
        except RagError as exc:
            print(f"error: {exc}", file=sys.stderr)
            continue
        for rank, hit in enumerate(hits, start=1):
            print(f"{rank}. {hit.chunk.title} ({hit.chunk.chunk_id})\n   {hit.chunk.text[:200]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
