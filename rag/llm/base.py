"""What every chat model back end shares: the interface, stop strings, the YES/NO share.

:class:`Generator` is the interface, :func:`check_request` the request check,
:func:`until_stop` the stop-string handling and :func:`yes_share` the reading of a
one-token yes/no judgement.

Back ends stream text pieces as they are generated and stop at ``max_new_tokens``, at
the end of the model's turn, or when the text contains a stop string (which is not
yielded). Closing the iterator early (``it.close()``, or leaving a ``for`` loop over
it) stops the generation too. Every failure is a :class:`~rag.errors.GeneratorError`
(or a :class:`~rag.errors.ModelError` while loading) with a one-line message.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Protocol, runtime_checkable

ROLES = ("system", "user", "assistant")
# First-token spellings of a yes/no judgement.
YES = ("YES", "Yes", "yes")
NO = ("NO", "No", "no")


@runtime_checkable
class Generator(Protocol):
    """A chat model that streams its answer.

    Attributes:
        name: The model as configured (id, path or server-side name).
        context_window: Tokens the model accepts, prompt and answer together.
    """

    name: str
    context_window: int

    def stream(
        self, messages: list[dict[str, str]], max_new_tokens: int, stop: Sequence[str] = ()
    ) -> Iterator[str]:
        """Yield the answer to chat ``messages`` piece by piece.

        Args:
            messages: ``{"role": "system" | "user" | "assistant", "content": str}`` dicts.
            max_new_tokens: At most this many tokens are generated.
            stop: Generation ends when the text contains one of these; it is not yielded.

        Raises:
            GeneratorError: If the model fails or cannot be reached.
        """
        ...

    def count_tokens(self, text: str) -> int:
        """Tokens ``text`` takes in a prompt, for budgeting (may be an estimate)."""
        ...


def check_request(messages: Sequence[dict[str, str]], max_new_tokens: int) -> None:
    """Reject malformed calls, which are bugs of the caller, not of the model.

    Raises:
        ValueError: If a message is not a role/content pair or ``max_new_tokens < 1``.
    """
    if not messages:
        raise ValueError("messages is empty")
    for message in messages:
        if (
            not isinstance(message, dict)
            or message.get("role") not in ROLES
            or not isinstance(message.get("content"), str)
        ):
            raise ValueError(f"not a chat message: {message!r}")
    if max_new_tokens < 1:
        raise ValueError(f"max_new_tokens must be at least 1, got {max_new_tokens}")


def stop_list(stop: Sequence[str] | str) -> list[str]:
    """The non-empty stop strings; a lone string is one stop, not one per character."""
    return [s for s in ([stop] if isinstance(stop, str) else stop) if s]


def _held_back(text: str, stops: Sequence[str]) -> int:
    """Length of the longest end of ``text`` that could be the start of a stop string."""
    for size in range(min(len(text), max(map(len, stops)) - 1), 0, -1):
        tail = text[-size:]
        if any(stop.startswith(tail) for stop in stops):
            return size
    return 0


def until_stop(pieces: Iterable[str], stop: Sequence[str]) -> Iterator[str]:
    """Pass ``pieces`` through, ending before the first stop string.

    Text that might be the beginning of a stop string is held back until the next piece
    shows it is not, so no part of a stop string is ever yielded.
    """
    stops = stop_list(stop)
    if not stops:
        yield from (piece for piece in pieces if piece)
        return
    pending = ""
    for piece in pieces:
        pending += piece
        found = [i for i in (pending.find(s) for s in stops) if i >= 0]
        if found:
            if min(found) > 0:
                yield pending[: min(found)]
            return
        keep = _held_back(pending, stops)
        if len(pending) > keep:
            yield pending[: len(pending) - keep]
            pending = pending[len(pending) - keep :]
    if pending:
        yield pending


@runtime_checkable
class Judge(Protocol):
    """A chat model that can weigh a yes/no question without generating."""

    def yes_probability(self, messages: list[dict[str, str]]) -> float | None:
        """P(YES) / (P(YES) + P(NO)) for the reply's first token; None if unknown.

        Raises:
            GeneratorError: If the model fails or cannot be reached.
        """
        ...


def yes_no_ids(tokenize: Callable[[str], Sequence[int]]) -> dict[int, bool]:
    """First-token ids of YES (True) and NO (False) spellings, with and without a space.

    Args:
        tokenize: The model's tokenizer: text to token ids, no special tokens.
    """
    found: dict[int, bool] = {}
    for words, label in ((YES, True), (NO, False)):
        for variant in (w for word in words for w in (word, " " + word)):
            ids = tokenize(variant)
            if ids and found.setdefault(ids[0], label) != label:
                del found[ids[0]]  # a first piece shared by a yes and a no spelling
    return found


def yes_share(labelled: Iterable[tuple[bool, float]]) -> float | None:
    """P(YES) / (P(YES) + P(NO)) from ``(is_yes, probability)`` pairs of first tokens.

    Returns:
        None when no YES or NO token is among them.
    """
    yes = no = 0.0
    for is_yes, p in labelled:
        yes, no = (yes + p, no) if is_yes else (yes, no + p)
    return yes / (yes + no) if yes + no > 0 else None


def label(token: str) -> bool | None:
    """True for a YES spelling, False for a NO one (spaces around ignored), else None."""
    word = token.strip()
    return True if word in YES else False if word in NO else None
