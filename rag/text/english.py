"""English renderings of the figures in a Korean sentence, for English answers.

A small chat model asked in English about "2024년 9090억원 규모 예산" has to turn
9090억 into 909 billion itself, and often gets it wrong. :func:`with_english_figures`
writes the English form after each amount and date instead:
``9090억원`` -> ``9090억원 (909 billion won)``, ``2월 10~11일`` -> ``2월 10~11일
(February 10-11)``, so the model can copy it.
"""

from __future__ import annotations

from rag.text.numbers import Quantity, find_quantities

_CURRENCY = {"KRW": "won", "CNY": "yuan", "USD": "dollars", "JPY": "yen", "EUR": "euros"}
_SCALES = ((1e12, "trillion"), (1e9, "billion"), (1e6, "million"))
_MONTHS = (
    "January February March April May June July August September October November December"
).split()


def _number(value: float) -> str:
    """``909.0`` -> ``909``; ``7.7`` -> ``7.7``; ``1500`` -> ``1,500``."""
    rounded = round(value, 1)
    return f"{rounded:,.0f}" if rounded == int(rounded) else f"{rounded:,.1f}"


def money(value: float, unit: str) -> str:
    """An amount in English words of scale: ``909e9, "KRW"`` -> ``909 billion won``."""
    name = _CURRENCY.get(unit, unit.lower())
    for scale, word in _SCALES:
        if value >= scale:
            return f"{_number(value / scale)} {word} {name}".strip()
    return f"{_number(value)} {name}".strip()


def render(found: Quantity) -> str:
    """A quantity in English, or "" when its digits read the same in English."""
    if found.kind == "money":
        return ("about " if found.approx else "") + money(found.value, found.unit)
    if found.kind == "date":
        month, day = divmod(int(found.value), 100)
        return f"{_MONTHS[month - 1]} {day}" if 1 <= month <= 12 else ""
    if found.kind == "month" and 1 <= found.value <= 12:
        return _MONTHS[int(found.value) - 1]
    return ""


def with_english_figures(text: str) -> str:
    """``text`` with the English form of each amount and date in parentheses after it.

    A range of dates (``2월 10~11일``) gets one parenthesis with both ends.
    """
    spans: dict[tuple[int, str], list[str]] = {}
    for found in find_quantities(text):
        english = render(found)
        if english and found.start >= 0 and found.text:
            spans.setdefault((found.start, found.text), []).append(english)
    out, cursor = [], 0
    for (start, surface), renderings in sorted(spans.items()):
        end = start + len(surface)
        if start < cursor:
            continue
        forms = list(dict.fromkeys(renderings))
        if len(forms) == 2 and all(f.split()[0] == forms[0].split()[0] for f in forms):
            forms = [f"{forms[0]}-{forms[1].split()[-1]}"]
        out.append(f"{text[cursor:end]} ({', '.join(forms)})")
        cursor = end
    out.append(text[cursor:])
    return "".join(out)
