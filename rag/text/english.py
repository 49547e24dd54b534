"""English renderings of the figures in a Korean sentence, for English answers.

A small chat model asked in English about "2024년 9090억원 규모 예산" has to turn
9090억 into 909 billion itself, and often gets it wrong. :func:`with_english_figures`
writes the English form after each amount and date instead:
``9090억원`` -> ``9090억원 (909 billion won)``, ``2월 10~11일`` -> ``2월 10~11일
(February 10-11)``, so the model can copy it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import NamedTuple

from rag.text.numbers import Quantity, find_quantities, render_en

# Years named relative to the article's date, and their English names.
RELATIVE_YEARS = {
    "내년": "next year",
    "올해": "this year",
    "금년": "this year",
    "지난해": "last year",
    "작년": "last year",
    "올": "this year",  # only before a date: 올 3월
}
# How many years after the article's own each relative year is.
_YEAR_OFFSET = {"next year": 1, "this year": 0, "last year": -1}
# Korean words a phrase of figures may hold besides them: a hedge, a relative year.
_NOT_WORDS = re.compile("|".join(["약", *sorted(RELATIVE_YEARS, key=len, reverse=True)]))
_RELATIVE = re.compile("|".join(y for y in RELATIVE_YEARS if len(y) > 1))
# A relative year right before a date, which then reads "in March this year".
_YEAR_BEFORE = re.compile(rf"({'|'.join(RELATIVE_YEARS)})\s*(?=$)")
# Kinds whose English form differs from the Korean one; counts and years read the same.
_RENDERED = frozenset({"money", "date", "month"})
_DATED = frozenset({"date", "month"})


class _Span(NamedTuple):
    """A stretch of a Korean sentence and the English that goes in or after it."""

    start: int
    end: int
    english: str
    dated: bool = False  # a date or a month, which a relative year before it belongs to


def render(found: Quantity) -> str:
    """A quantity's English form for an English reader, or "" when its digits read the same.

    ``9090억원`` -> ``909 billion won``; a hedged amount (``약 47조원``) -> ``about 47
    trillion won``; ``2월 10일`` -> ``February 10``.
    """
    if found.kind not in _RENDERED:
        return ""
    return ("about " if found.approx and found.kind == "money" else "") + render_en(found)


def _english_spans(text: str) -> list[_Span]:
    """Each amount and date of ``text`` with its English form, in order.

    A range of dates (``2월 10~11일``) gets one English form with both ends.
    """
    spans: dict[tuple[int, str], list[str]] = {}
    dated: set[int] = set()
    for found in find_quantities(text):
        english = render(found)
        if english and found.start >= 0 and found.text:
            spans.setdefault((found.start, found.text), []).append(english)
            if found.kind in _DATED:
                dated.add(found.start)
    out: list[_Span] = []
    for (start, surface), renderings in sorted(spans.items()):
        if out and start < out[-1].end:
            continue
        forms = list(dict.fromkeys(renderings))
        if len(forms) == 2 and all(f.split()[0] == forms[0].split()[0] for f in forms):
            forms = [f"{forms[0]}-{forms[1].split()[-1]}"]
        out.append(_Span(start, start + len(surface), ", ".join(forms), start in dated))
    return out


def _rewrite(text: str, spans: list[_Span], form: Callable[[str, str], str]) -> str:
    """``text`` with each span replaced by ``form(surface, english)``."""
    out, cursor = [], 0
    for span in spans:
        out.append(text[cursor : span.start] + form(text[span.start : span.end], span.english))
        cursor = span.end
    out.append(text[cursor:])
    return "".join(out)


def with_english_figures(text: str) -> str:
    """``text`` with the English form of each amount and date in parentheses after it."""
    return _rewrite(text, _english_spans(text), lambda surface, en: f"{surface} ({en})")


def _year_before(text: str, start: int) -> re.Match[str] | None:
    """A relative year right before ``text[start:]`` (``지난해`` of ``지난해 9월``)."""
    return _YEAR_BEFORE.search(text, max(0, start - 6), start)


def _with_year(text: str, span: _Span) -> _Span:
    """A date span, widened over a relative year just before it (``지난해 9월``)."""
    m = _year_before(text, span.start) if span.dated else None
    if m is None:
        return span
    return _Span(m.start(), span.end, f"{span.english} {RELATIVE_YEARS[m.group(1)]}", True)


def named(text: str, found: Quantity, published: str | None = None) -> str:
    """A quantity of ``text`` in English as a list names it, with its relative year.

    ``지난해 9월`` -> ``September last year``, ``올 3월`` -> ``March this year``,
    ``9090억원`` -> ``909 billion won``, ``70건`` -> ``70``: without its year, "in
    September" reads as this year's. Given the article's date (ISO, ``2023-09-13``),
    the year is named instead: ``지난해 9월`` -> ``September 2022``, for a reader who
    does not know when "last year" was.
    """
    english = (render(found) or render_en(found)).removeprefix("in ")
    m = _year_before(text, found.start) if found.kind in _DATED else None
    if m is None:
        return english
    relative = RELATIVE_YEARS[m.group(1)]
    year = published[:4] if published and published[:4].isdigit() else ""
    return f"{english} {int(year) + _YEAR_OFFSET[relative]}" if year else f"{english} {relative}"


def only_figures(text: str) -> str | None:
    """The English of a phrase that holds only figures (``70건`` -> ``70``), else None.

    ``2024년 9090억원`` -> ``2024, 909 billion won``; ``3∼5개`` -> ``3-5``; ``작년 9월`` ->
    ``September last year``; ``약 47조원`` -> ``about 47 trillion won``. A phrase with any
    other Korean word (``8개 과제``) is None: the chat model translates it.
    """
    found = find_quantities(text)
    rest = text
    for q in found:
        rest = rest.replace(q.text, " ")
    if not found or re.search(r"[가-힣]", _NOT_WORDS.sub(" ", rest)):
        return None
    by_start: dict[int, list[str]] = {}
    for q in found:
        english = named(text, q)
        hedged = q.approx and not english.startswith("about ")
        by_start.setdefault(q.start, []).append(f"about {english}" if hedged else english)
    return ", ".join(_range(list(dict.fromkeys(n))) for n in by_start.values())


def _range(forms: list[str]) -> str:
    """One English form of a range's ends: ``3-5``, ``February 10-11``."""
    if len(forms) != 2:
        return ", ".join(forms)
    first, last = forms
    shared = first.split()[:-1] == last.split()[:-1] and " " in first
    return f"{first}-{last.split()[-1]}" if shared else f"{first}-{last}"


def for_translation(text: str) -> str:
    """``text`` with each amount and date in English in its place, relative years glossed.

    ``5대 분야에 383억원을`` -> ``5대 분야에 38.3 billion won을``: given both forms, the
    small models copy both ("383 billion won (38.3 billion won)"). A year named
    relative to the article gets its English name (``지난해 9월`` -> ``in September
    last year``, ``내년`` -> ``내년 (next year)``); left alone, the model writes a
    calendar year the article does not give.
    """
    spans = [_with_year(text, span) for span in _english_spans(text)]
    taken = [(s.start, s.end) for s in spans]
    for m in _RELATIVE.finditer(text):
        if not any(a < m.end() and m.start() < b for a, b in taken):
            spans.append(_Span(m.start(), m.end(), RELATIVE_YEARS[m.group()]))
    spans.sort()
    relative = set(RELATIVE_YEARS)
    return _rewrite(text, spans, lambda s, en: f"{s} ({en})" if s in relative else en)
