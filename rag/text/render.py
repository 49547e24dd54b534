"""Quantities written out again, in English or Korean, so that they parse back the same.

``render_en`` of the amount in ``9090억원`` is ``909 billion won``; ``render_ko`` of
the one in ``909 billion won`` is ``9090억원``. :func:`rag.text.numbers.find_quantities`
reads either back as the same kind, unit and value (the fuzz tests check it). Both
are importable from :mod:`rag.text.numbers`.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Protocol


class Quantity(Protocol):
    """What rendering reads of a :class:`rag.text.numbers.Quantity`."""

    kind: str
    value: float
    unit: str


_EN_UNITS = {
    "KRW": "won",
    "USD": "dollars",
    "CNY": "yuan",
    "JPY": "yen",
    "EUR": "euros",
    "GBP": "pounds",
}
_KO_UNITS = {"KRW": "원", "USD": "달러", "CNY": "위안", "JPY": "엔", "EUR": "유로", "GBP": "파운드"}
_EN_SCALE = ((10**12, "trillion"), (10**9, "billion"), (10**6, "million"))
_KO_SCALE = ((10**12, "조"), (10**8, "억"), (10**4, "만"))
_MONTHS = (
    "January February March April May June July August September October November December"
).split()


def _decimal(value: float) -> Decimal:
    """The value as the shortest decimal that reads back as the same float."""
    return Decimal(repr(float(value)))


def _digits(value: Decimal) -> str:
    """``1,234,567.5``: digits with thousands separators, no exponent, no trailing zeros."""
    text = f"{value:,f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _en_amount(value: float) -> str:
    """``909 billion``, ``1.5 trillion``, ``2,024``, ``0.5``."""
    exact = _decimal(value)
    for size, word in _EN_SCALE:
        mantissa = (exact / size).normalize()
        if mantissa >= 1 and int(mantissa.as_tuple().exponent) >= -3:  # 3 decimals at most
            return f"{_digits(mantissa)} {word}"
    return _digits(exact)


def _ko_amount(value: float) -> str:
    """``9090억``, ``1조 2000억``, ``12,345``, ``0.5``."""
    exact = _decimal(value)
    if exact < 10**4 or exact != exact.to_integral_value() or int(exact) % 10**4:
        return _digits(exact)
    rest, parts = int(exact), []
    for size, word in _KO_SCALE:
        if rest >= size:
            parts.append(f"{rest // size}{word}")
            rest %= size
    return " ".join(parts)


def render_en(quantity: Quantity) -> str:
    """The quantity in English: ``909 billion won``, ``20%``, ``February 10``, ``2024``.

    Counts and ordinals are written as numbers (``70``, ``3rd``), a day of the month
    as its ordinal (``15일`` -> ``the 15th``: "2024 and 15" reads as two counts); a
    plain number that could read as a year is written with a comma (``2,024``).
    """
    kind, value, unit = quantity.kind, quantity.value, quantity.unit
    if kind == "money":
        words = _en_amount(value)
        return f"{words} {_EN_UNITS[unit]}" if unit in _EN_UNITS else words
    if kind == "percent":
        return f"{_digits(_decimal(value))}%"
    if kind == "date":
        return f"{_MONTHS[int(value) // 100 - 1]} {int(value) % 100}"
    if kind == "month":
        return f"in {_MONTHS[int(value) - 1]}"
    if kind == "year":
        return str(int(value))
    if kind == "ordinal":
        return _ordinal(int(value))
    if kind == "day":
        return f"the {_ordinal(int(value))}"
    return _en_amount(value)


def _ordinal(n: int) -> str:
    """``1st``, ``2nd``, ``3rd``, ``11th``, ``23rd``."""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def render_ko(quantity: Quantity) -> str:
    """The quantity in Korean: ``9090억원``, ``20%``, ``2월 10일``, ``2024년``."""
    kind, value, unit = quantity.kind, quantity.value, quantity.unit
    if kind == "money":
        return _ko_amount(value) + _KO_UNITS.get(unit, "")
    if kind == "percent":
        return f"{_digits(_decimal(value))}%"
    if kind == "date":
        return f"{int(value) // 100}월 {int(value) % 100}일"
    if kind == "month":
        return f"{int(value)}월"
    if kind == "year":
        return f"{int(value)}년"
    if kind == "day":
        return f"{int(value)}일"
    if kind == "ordinal":
        return f"{int(value)}번째"
    return _ko_amount(value)
