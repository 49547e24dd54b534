"""What every command shares: the settings from flags, and warnings on stderr."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from rag.config import Config, load_config


def config_from(args: argparse.Namespace, path: Path | None = None, **extra: Any) -> Config:
    """The settings: defaults, rag.toml (or ``path``), RAG_* variables, then the flags.

    Raises:
        ConfigError: If a setting is invalid.
    """
    keys = ("corpus_dir", "index_dir", "embed_model", "top_k", "mode", "answer_mode", "lang")
    flags = {k: getattr(args, k, None) for k in keys}
    return load_config(path or args.config, overrides={**flags, **extra})


def warn(lines: Sequence[str]) -> None:
    """Print one ``warning:`` line on stderr per message."""
    for line in lines:
        print(f"warning: {line}", file=sys.stderr)
