"""Changes from one figure to another, and which way they go.

"예산은 77억원에서 4억원으로 늘었어" holds both figures of its source, "지난해 4억원 규모의
예산을 올해 77억원으로 대폭 늘렸다", so a figure check passes it and a similarity score
likes it; it still says the opposite. :func:`reversed_change` finds a sentence that
gives a change ``from A to B`` where its source makes A the figure something went *to*.

Only explicit markers count, so a sentence that merely names two figures is never
flagged:

- a change in a sentence: Korean ``A에서 B(으)로``, English ``from A to B``, or
  ``A → B``;
- where a source's change went: Korean ``B(으)로`` right after the figure (a word such
  as 규모 or 수준 may come between), English ``to B``, or ``→ B``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from rag.text.numbers import Quantity, find_quantities, same_quantity

# Between a figure and its case ending: "4억원 규모로", "20% 수준으로".
_FILLER = r"(?:\s*(?:규모|가량|수준|정도|남짓|안팎))?"
_KO_FROM = re.compile(_FILLER + r"\s*(?:에서|부터)(?![가-힣])")
_KO_TO = re.compile(_FILLER + r"\s*(?:으로|로)(?![가-힣])")
_ARROW = r"(?:→|->|⇒)"
_ARROW_AFTER = re.compile(r"\s*" + _ARROW)
_ARROW_BEFORE = re.compile(_ARROW + r"\s*$")
_EN_FROM = re.compile(r"\bfrom\s+(?:about\s+|around\s+|some\s+)?$", re.I)
_EN_TO = re.compile(r"\b(?:to|into)\s+(?:about\s+|around\s+|some\s+)?$", re.I)


def _after(text: str, q: Quantity) -> str:
    return text[q.start + len(q.text) :]


def _before(text: str, q: Quantity) -> str:
    return text[: q.start][-20:]


def _is_from(text: str, q: Quantity) -> bool:
    rest = _after(text, q)
    return bool(
        _KO_FROM.match(rest) or _ARROW_AFTER.match(rest) or _EN_FROM.search(_before(text, q))
    )


def _is_to(text: str, q: Quantity) -> bool:
    before = _before(text, q)
    return bool(
        _KO_TO.match(_after(text, q)) or _EN_TO.search(before) or _ARROW_BEFORE.search(before)
    )


def changes(text: str) -> list[tuple[Quantity, Quantity]]:
    """The changes a text states: ``(from, to)`` pairs of figures of one kind.

    The end is the next figure of the start's kind ("from 400 million won in 2023 to 7.7
    billion won"); the two ends of a range (``2024∼2025년``) are no change.

    >>> [(a.text, b.text) for a, b in changes("예산이 4억원에서 77억원으로 늘었다.")]
    [('4억원', '77억원')]
    """
    found = find_quantities(text)
    pairs = []
    for i, start in enumerate(found):
        if not _is_from(text, start):
            continue
        end = next((q for q in found[i + 1 :] if q.kind == start.kind), None)
        if end is not None and end.text != start.text and _is_to(text, end):
            pairs.append((start, end))
    return pairs


def targets(text: str, found: Sequence[Quantity] | None = None) -> list[Quantity]:
    """The figures a text marks as where something went: ``77억원으로``, ``to 7.7 billion``.

    Args:
        text: The text.
        found: Its quantities, if already found (:func:`rag.text.numbers.find_quantities`).
    """
    return [q for q in (find_quantities(text) if found is None else found) if _is_to(text, q)]


def reversed_change(claim: str, sources: Sequence[str]) -> str:
    """A change the claim gives the other way round from a source, or "".

    Reversed means: a source holds both figures, marks the claim's starting figure as
    the one the change went to, and does not mark the claim's end figure so.

    Returns:
        ``"77억원 -> 4억원"`` as the claim wrote it, or "" when no change is reversed.
    """
    pairs = changes(claim)
    if not pairs:
        return ""
    for source in sources:
        found = find_quantities(source)
        went_to = targets(source, found)
        for start, end in pairs:
            holds_end = any(same_quantity(end, q) for q in found)
            to_start = any(same_quantity(start, q) for q in went_to)
            to_end = any(same_quantity(end, q) for q in went_to)
            if holds_end and to_start and not to_end:
                return f"{start.text} -> {end.text}"
    return ""


__all__ = ["changes", "reversed_change", "targets"]
