"""The one error family of the package.

Every failure a user can cause or fix derives from :class:`RagError`. The CLI
prints ``error: <message>`` on one line and exits with code 1; the UI shows
the message. Messages say what went wrong and what to do about it.
"""

from __future__ import annotations


class RagError(Exception):
    """Base class for every error the user should see as one line."""


class ConfigError(RagError):
    """A setting in ``rag.toml``, a ``RAG_*`` variable or a flag is invalid."""


class CorpusError(RagError):
    """The corpus folder or its metadata sidecar cannot be read."""


class ModelError(RagError):
    """A model is missing from disk or cannot be loaded."""


class IndexMissingError(RagError):
    """There is no index where the config says it is."""


class IndexMismatchError(RagError):
    """The index on disk was built with other settings than the config has."""


class IndexCorruptError(RagError):
    """The index folder exists but its files are unreadable or inconsistent."""


class IndexWriteError(RagError):
    """The index cannot be written (disk full, read-only); the old one is unchanged."""


class IndexBusyError(RagError):
    """Another build holds the index's lock for longer than the wait allows."""


class QueryError(RagError):
    """A question or a search parameter is invalid (empty text, k below 1)."""


class GeneratorError(RagError):
    """The chat model failed or is unreachable."""


class QuestionSetError(RagError):
    """An evaluation question set (JSONL or CSV) is unreadable or malformed."""


def first_line(exc: BaseException) -> str:
    """The first line of an exception's message, or its type when it has none."""
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
