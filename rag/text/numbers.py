"""Numbers, amounts and dates in Korean and English text, as comparable values.

``9090억원``, ``9,090억 원`` and ``909 billion won`` all become the quantity
909,000,000,000 of kind ``money``; ``2월 10~11일`` becomes the dates 2-10 and
2-11; ``세 번째`` and ``third`` become the ordinal 3. The answer checker uses
:func:`unsupported_numbers` to find figures an answer states that its sources
do not.

Kinds:
    ``money``: an amount with a currency (``unit`` is ``KRW``, ``CNY``, ...)
    ``percent``: ``20%``, ``20 percent``, ``20퍼센트``
    ``date``: a month and day; ``value`` is ``month * 100 + day``
    ``month``: a month without a day
    ``day``: a day of the month without a month (``29일``)
    ``year``: ``2024년``, a bare four-digit year, the year of a full date
    ``count``: a number with a counter (``70여명``, ``3∼5개``, ``3만 명``, ``다섯 가지``)
    ``ordinal``: ``세 번째``, ``third``, ``23rd``
    ``number``: anything else, including ``909 billion`` without a currency

:func:`render_en` and :func:`render_ko` (from :mod:`rag.text.render`) write a
quantity out again (``909 billion won``, ``9090억원``) so that it parses back the same.

Not numbers: citation markers (``[1]``, ``【2】``, ``(출처 1)``), list
enumerators at the start of a line (``1.``, ``(2)``) and digits glued to
Latin letters (``G3``, ``GPT-4``, ``AI2XL``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from rag.text.render import render_en, render_ko

__all__ = [
    "COUNTRY_COUNTER",
    "KO_NUMBER_WRITTEN",
    "Quantity",
    "find_quantities",
    "quantities",
    "render_en",
    "render_ko",
    "same_quantity",
    "unsupported_numbers",
]

# Relative difference above which two amounts never count as the same, however
# the answer rounded (``about 1 trillion`` is not 909 billion).
MAX_ROUNDING = 0.05

_NUM = r"\d{1,3}(?:[,，]\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
_RANGE = r"\s?[~∼〜～\-–—]\s?"
# Hedges that make trailing zeros approximate: before the number, inside it, after it.
_HEDGE_BEFORE = re.compile(
    r"(?:약|대략|최대|최소|about|approximately|approx\.|around|roughly|nearly|almost|some|"
    r"over|more than|less than|under|up to|at least|close to)\s?$",
    re.IGNORECASE,
)
_HEDGE_INSIDE = re.compile(r"\d\s?(?:[천백조억만]\s?)*(?:여|남짓)")
_HEDGE_AFTER = re.compile(r"\s?(?:가량|정도|쯤|남짓|안팎|내외|이상|여)")

_KO_CURRENCY = {
    "원": "KRW",
    "위안": "CNY",
    "달러": "USD",
    "엔": "JPY",
    "유로": "EUR",
    "파운드": "GBP",
}
_EN_CURRENCY = {
    "won": "KRW",
    "krw": "KRW",
    "₩": "KRW",
    "yuan": "CNY",
    "renminbi": "CNY",
    "rmb": "CNY",
    "cny": "CNY",
    "dollar": "USD",
    "dollars": "USD",
    "usd": "USD",
    "$": "USD",
    "us$": "USD",
    "yen": "JPY",
    "jpy": "JPY",
    "¥": "JPY",
    "euro": "EUR",
    "euros": "EUR",
    "eur": "EUR",
    "€": "EUR",
    "pound": "GBP",
    "pounds": "GBP",
    "gbp": "GBP",
    "£": "GBP",
}
_KO_MAGNITUDE = {"조": 1e12, "억": 1e8, "만": 1e4, "천": 1e3, "백": 1e2}
_EN_MAGNITUDE = {
    "thousand": 1e3,
    "million": 1e6,
    "mn": 1e6,
    "billion": 1e9,
    "bn": 1e9,
    "trillion": 1e12,
    "tn": 1e12,
}
_MONTHS = {
    name: i + 1
    for i, names in enumerate(
        [
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ]
    )
    for name in names
}
_EN_WORDS = {
    w: i + 2
    for i, w in enumerate(
        "two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen"
        " sixteen seventeen eighteen nineteen twenty".split()
    )
}
_EN_ORDINALS = {
    w: i + 2
    for i, w in enumerate(
        "second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth thirteenth"
        " fourteenth fifteenth sixteenth seventeenth eighteenth nineteenth twentieth".split()
    )
}
_KO_NATIVE = {
    "두": 2,
    "둘": 2,
    "세": 3,
    "셋": 3,
    "네": 4,
    "넷": 4,
    "다섯": 5,
    "여섯": 6,
    "일곱": 7,
    "여덟": 8,
    "아홉": 9,
    "열": 10,
    "스무": 20,
    "스물": 20,
}
# A Korean number as written before its counter, anchored where a quantity starts:
# digits or a native numeral, a range, magnitudes, a hedge (3∼5, 다섯, 3만, 2만여, 70여).
KO_NUMBER_WRITTEN = (
    rf"(?:(?:{_NUM})(?:{_RANGE}(?:{_NUM}))?|{'|'.join(sorted(_KO_NATIVE, key=len, reverse=True))})"
    r"\s?(?:[천백조억만]\s?)*(?:여|남짓)?\s?"
)
# 국 counts countries ("15국"), except as the first syllable of a word (국민, 국가, 국내).
COUNTRY_COUNTER = "국(?![가민내제회정립])"
# Counters after a number that make it a count (``년`` only for spans of years).
_KO_COUNTERS = (
    "개국|개사|개월|개|명|건|곳|회|차례|차|단계|가지|종|편|배|위|대|번째|번|호|기|년간|년|주|"
    f"시간|분|초|세|살|권|층|{COUNTRY_COUNTER}|팀|인|일차|일(?![차간째])"
)

_MONTH_NAMES = "|".join(sorted((m.capitalize() for m in _MONTHS), key=len, reverse=True))

_MARKER = re.compile(
    r"[\[【［〔]\s*\^?\s*(?:(?:출처|source|sources|src|ref|참고|근거|자료|문서|기사|passage|doc)"
    r"\s*[:：]?\s*){0,2}"
    r"#?[0-9０-９]+(?:\s*(?:[,，、;]|-|–|~|and|및)\s*#?[0-9０-９]+)*\s*[\]】］〕]"
    r"|[(（]\s*(?:출처|source|sources|ref|참고|근거)\s*[:：]?\s*[0-9０-９]+"
    r"(?:\s*(?:[,，、;]|-|–|~|and|및)\s*[0-9０-９]+)*\s*[)）]"
    r"|\^[0-9０-９]+",
    re.IGNORECASE,
)
_ENUMERATOR = re.compile(r"(?m)^\s*(?:\d{1,2}[.)]|\(\d{1,2}\))(?=\s)|\(\d{1,2}\)(?=\s)")

_FULL_DATE = re.compile(
    r"(?<![\d.])(\d{4})\s?([./-])\s?(\d{1,2})\2\s?(\d{1,2})(?!\d)"
    r"|(?<!\d)(\d{4})\s?년\s?(\d{1,2})\s?월\s?(\d{1,2})\s?일"
)
_KO_DATE = re.compile(
    rf"(?<![\d.])(\d{{1,2}})\s?월\s?(\d{{1,2}})(?:{_RANGE}(\d{{1,2}}))?\s?일(?![차간째])"
)
_EN_DATE = re.compile(
    rf"\b({_MONTH_NAMES})\.?\s(\d{{1,2}})(?:st|nd|rd|th)?(?:{_RANGE}(\d{{1,2}})(?:st|nd|rd|th)?)?"
    r"(?:,?\s(\d{4}))?\b(?![,.]\d)"
    rf"|\b(\d{{1,2}})(?:st|nd|rd|th)?(?:{_RANGE}(\d{{1,2}})(?:st|nd|rd|th)?)?\s(?:of\s)?"
    rf"({_MONTH_NAMES})\b\.?(?:,?\s(\d{{4}}))?"
)
_EN_MONTH_YEAR = re.compile(rf"\b({_MONTH_NAMES})\.?,?\s(\d{{4}})\b")
# Month names are capitalised ("this may help" is no month); the word before is not.
_MONTH_CUES = ("in ", "of ", "since ", "from ", "until ", "till ", "by ", "last ", "this ")
_EN_MONTH = re.compile(
    "(?:"
    + "|".join(rf"(?<=\b(?i:{cue}))" for cue in (*_MONTH_CUES, "next ", "early ", "late ", "mid-"))
    + rf")({_MONTH_NAMES})\b"
)
_KO_MONTH = re.compile(r"(?<![\d.])(\d{1,2})(?:" + _RANGE + r"(\d{1,2}))?\s?월(?!\s?\d)")
# A Korean magnitude (9090억, 1조 2,000억, 2천, 5백) and what follows it: a currency
# makes it money, a counter a count (3만 명, 2천개) or an ordinal.
_KO_AMOUNT = re.compile(
    rf"(?<![\d.,])((?:(?:{_NUM})\s?[천백]?\s?(?:여\s?)?[조억만]\s?)+(?:\d+\s?[천백])?"
    rf"|(?:{_NUM})(?:천|백(?![신서화과악]))(?![조억만]))"
    r"\s?(여|남짓)?(?:\s?(원(?!칙|장|인|래|격|론|리|천)|위안|달러|엔(?!진|터)|유로|파운드)"
    rf"|\s?({_KO_COUNTERS}))?"
)
_EN_AMOUNT = re.compile(
    r"(?:(US\$|\$|₩|€|£|¥|\b(?:KRW|USD|CNY|RMB|EUR|JPY|GBP))\s?)?"
    rf"(?<![A-Za-z\d.,])((?>{_NUM}))(?:{_RANGE}({_NUM}))?\s?"
    r"(thousand|million|billion|trillion|bn|mn|tn)\b"
    r"(?:\s(?:(?:South\s)?Korean\s|Chinese\s|US\s|U\.S\.\s|American\s|Japanese\s)?"
    r"(won|yuan|renminbi|RMB|dollars?|USD|KRW|CNY|yen|JPY|euros?|EUR|pounds?|GBP)\b)?",
    re.IGNORECASE,
)
_PLAIN = re.compile(
    r"(US\$|\$|₩|€|£|¥)?"
    rf"(?<![A-Za-z\d.,])(?<![A-Za-z]-)((?>{_NUM}))(?:{_RANGE}((?>{_NUM})))?"
    r"(?:(st|nd|rd|th)\b)?"
    r"(\s?(?:여|남짓))?"
    r"(?:\s?(%p|%|％|퍼센트포인트|퍼센트|%포인트|포인트|(?:per\s?cent|percent)(?:age points?)?\b)"
    r"|\s?(원(?!칙|장|인|래|격|론|리|천)|위안|달러|엔(?!진|터)|유로|파운드)"
    r"|\s?(KRW|won|yuan|renminbi|RMB|CNY|dollars?|USD|yen|JPY|euros?|EUR|pounds?|GBP)\b"
    rf"|\s?({_KO_COUNTERS}))?"
    r"(?![A-Za-z\d])",
    re.IGNORECASE,
)
# What makes a number a place in a sequence, not a count: a counter (2일차, 2차 회의,
# 3위), 제 before it (제23회, 제14기), or an English word before it (day 2, phase 1).
_KO_ORDINAL_COUNTERS = frozenset({"번째", "차", "일차", "위"})
_ORDINAL_BEFORE = re.compile(
    r"(?:제|\b(?:day|phase|stage|round|session|step|term|edition|no\.)\s?)$", re.IGNORECASE
)
_KO_NATIVE_RE = re.compile(
    r"(?<![가-힣])(" + "|".join(sorted(_KO_NATIVE, key=len, reverse=True)) + r")\s?"
    r"(번째|가지|개국|개사|개|명|곳|건|차례|단계|번)"
)
_KO_TWO_DAYS = re.compile(r"양일|이틀|사흘")
_EN_WORD_RE = re.compile(r"\b(" + "|".join(_EN_WORDS) + r")\b(?!-?(?:fold|thirds?)\b)", re.I)
_EN_ORDINAL_RE = re.compile(r"\b(" + "|".join(_EN_ORDINALS) + r")\b", re.IGNORECASE)
_COMMA_AFTER = re.compile(r"\s?,")
# Before an ordinal that a comma follows, the words that make it a rank ("the world's
# second, after …"); without one it is a step of a list ("Second, the plan …").
_RANKED = re.compile(r"(?:\b(?:the|its|their|his|her|our)|['’]s)\s+$", re.IGNORECASE)


@dataclass(frozen=True)
class Quantity:
    """A number found in text, comparable across languages and notations.

    Two quantities are equal (and hash alike) when kind, value and unit are:
    ``text``, ``start``, ``step`` and ``approx`` only describe where and how
    precisely it was written. Use :func:`same_quantity` to compare with a
    tolerance for rounding.

    Attributes:
        kind: See the module docstring.
        value: The number; a date is ``month * 100 + day``.
        unit: Currency code for money (``KRW``, ``CNY``, ``USD`` ...), else "".
        text: The surface string, as written (a range gives both ends one text).
        start: Offset of ``text`` in the input.
        step: Size of the last written digit (``9090억`` -> 1e8,
            ``0.9 trillion`` -> 1e11), for rounding tolerance.
        approx: True when hedged (``약``, ``about``, ``1,000여``).
    """

    kind: str
    value: float
    unit: str = ""
    text: str = field(default="", compare=False)
    start: int = field(default=-1, compare=False)
    step: float = field(default=1.0, compare=False)
    approx: bool = field(default=False, compare=False)


def _to_float(number: str) -> float:
    return float(number.replace(",", "").replace("，", ""))


def _step(number: str, multiplier: float, approx: bool) -> float:
    """Size of the last written digit; trailing zeros count unless hedged."""
    digits = number.replace(",", "").replace("，", "")
    if "." in digits:
        return multiplier * 10.0 ** -len(digits.split(".", 1)[1])
    if approx:
        stripped = digits.rstrip("0")
        return multiplier * 10.0 ** (len(digits) - len(stripped)) if stripped else multiplier
    return multiplier


_Found = tuple[str, float, str, float]  # kind, value, unit, step
_Handler = Callable[[re.Match[str]], list[_Found]]


class _Scanner:
    """Collects quantities from text, never reading the same characters twice."""

    def __init__(self, text: str) -> None:
        self.original = text
        masked = _MARKER.sub(lambda m: " " * len(m.group()), text)
        self.text = _ENUMERATOR.sub(lambda m: " " * len(m.group()), masked)
        self.taken = [False] * len(text)
        self.found: list[Quantity] = []

    def free(self, match: re.Match[str]) -> bool:
        return not any(self.taken[match.start() : match.end()])

    def take(self, match: re.Match[str], quantities: Sequence[_Found]) -> None:
        """Claim a match's characters and record its quantities."""
        for i in range(match.start(), match.end()):
            self.taken[i] = True
        surface = self.original[match.start() : match.end()].strip()
        offset = match.start() + (len(match.group()) - len(match.group().lstrip()))
        approx = self.hedged(match)
        for kind, value, unit, step in quantities:
            self.found.append(Quantity(kind, float(value), unit, surface, offset, step, approx))

    def hedged(self, match: re.Match[str]) -> bool:
        """Whether the number is written as approximate (``약``, ``1,000여``, ``about``)."""
        before = self.text[max(0, match.start() - 16) : match.start()]
        return bool(
            _HEDGE_INSIDE.search(match.group())
            or _HEDGE_BEFORE.search(before)
            or _HEDGE_AFTER.match(self.text, match.end())
        )

    def numbers_a_place(self, match: re.Match[str]) -> bool:
        """Whether the word before a number makes it an ordinal (제23회, day 2)."""
        return bool(_ORDINAL_BEFORE.search(self.text[max(0, match.start() - 9) : match.start()]))

    def scan(self, pattern: re.Pattern[str], handler: _Handler) -> None:
        for match in pattern.finditer(self.text):
            if self.free(match):
                quantities = handler(match)
                if quantities:
                    self.take(match, quantities)


def _full_date(m: re.Match[str]) -> list[_Found]:
    if m.group(1):
        year, month, day = int(m.group(1)), int(m.group(3)), int(m.group(4))
    else:
        year, month, day = int(m.group(5)), int(m.group(6)), int(m.group(7))
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return []
    return [("year", year, "", 1.0), ("date", month * 100 + day, "", 1.0)]


def _ko_date(m: re.Match[str]) -> list[_Found]:
    month = int(m.group(1))
    days = [int(d) for d in (m.group(2), m.group(3)) if d]
    if not (1 <= month <= 12 and all(1 <= d <= 31 for d in days)):
        return []
    return [("date", month * 100 + d, "", 1.0) for d in days]


def _en_date(m: re.Match[str]) -> list[_Found]:
    if m.group(1):
        name, days, year = m.group(1), (m.group(2), m.group(3)), m.group(4)
    else:
        name, days, year = m.group(7), (m.group(5), m.group(6)), m.group(8)
    month = _MONTHS[name.lower()]
    found = [("date", month * 100 + int(d), "", 1.0) for d in days if d and 1 <= int(d) <= 31]
    if year:
        found.append(("year", int(year), "", 1.0))
    return found


def _en_month_year(m: re.Match[str]) -> list[_Found]:
    return [("month", _MONTHS[m.group(1).lower()], "", 1.0), ("year", int(m.group(2)), "", 1.0)]


def _en_month(m: re.Match[str]) -> list[_Found]:
    return [("month", _MONTHS[m.group(1).lower()], "", 1.0)]


def _ko_month(m: re.Match[str]) -> list[_Found]:
    months = [int(x) for x in (m.group(1), m.group(2)) if x]
    return [("month", x, "", 1.0) for x in months if 1 <= x <= 12]


def _ko_amount_value(expr: str, approx: bool) -> tuple[float, float]:
    """Value and step of ``1조 2,000억``, ``2천억``, ``9090억``, ``5천여만``."""
    total, step = 0.0, 1.0
    for m in re.finditer(rf"({_NUM})\s?([천백])?\s?(?:여\s?)?([조억만])?", expr):
        multiplier = 1.0
        for unit in (m.group(2), m.group(3)):
            if unit:
                multiplier *= _KO_MAGNITUDE[unit]
        total += _to_float(m.group(1)) * multiplier
        step = _step(m.group(1), multiplier, approx)
    return total, step


def _ko_amount(scanner: _Scanner) -> _Handler:
    def handle(m: re.Match[str]) -> list[_Found]:
        value, step = _ko_amount_value(m.group(1), bool(m.group(2)) or scanner.hedged(m))
        if m.group(3):
            return [("money", value, _KO_CURRENCY[m.group(3)], step)]
        if m.group(4) in _KO_ORDINAL_COUNTERS:
            return [("ordinal", value, "", 1.0)]
        return [("count" if m.group(4) else "number", value, "", step)]

    return handle


def _en_amount(scanner: _Scanner) -> _Handler:
    def handle(m: re.Match[str]) -> list[_Found]:
        multiplier = _EN_MAGNITUDE[m.group(4).lower()]
        currency = m.group(1) or m.group(5) or ""
        unit = _EN_CURRENCY.get(currency.lower(), "")
        kind = "money" if unit else "number"
        approx = scanner.hedged(m)
        return [
            (kind, _to_float(n) * multiplier, unit, _step(n, multiplier, approx))
            for n in (m.group(2), m.group(3))
            if n
        ]

    return handle


def _plain(scanner: _Scanner) -> _Handler:
    def handle(m: re.Match[str]) -> list[_Found]:
        numbers = [n for n in (m.group(2), m.group(3)) if n]
        approx = bool(m.group(5)) or scanner.hedged(m)
        symbol, suffix, percent = m.group(1), m.group(4), m.group(6)
        currency = m.group(7) or m.group(8) or symbol
        counter = m.group(9)
        found = []
        for n in numbers:
            value = _to_float(n)
            if percent:
                found.append(("percent", value, "", _step(n, 1.0, approx)))
            elif currency:
                unit = _KO_CURRENCY.get(currency) or _EN_CURRENCY.get(currency.lower(), "")
                found.append(("money", value, unit, _step(n, 1.0, approx)))
            elif suffix or counter in _KO_ORDINAL_COUNTERS or scanner.numbers_a_place(m):
                found.append(("ordinal", value, "", 1.0))
            elif counter == "년" and len(n) == 4:
                found.append(("year", value, "", 1.0))
            elif counter and counter.startswith("일") and counter != "일차":
                found.append(("day", value, "", 1.0))
            elif counter:
                found.append(("count", value, "", _step(n, 1.0, approx)))
            elif len(n) == 4 and n.isdigit() and 1900 <= value <= 2100:
                found.append(("year", value, "", 1.0))
            else:
                found.append(("number", value, "", _step(n, 1.0, approx)))
        return found

    return handle


def _ko_native(m: re.Match[str]) -> list[_Found]:
    kind = "ordinal" if m.group(2) == "번째" else "count"
    return [(kind, _KO_NATIVE[m.group(1)], "", 1.0)]


def _ko_two_days(m: re.Match[str]) -> list[_Found]:
    return [("count", {"양일": 2, "이틀": 2, "사흘": 3}[m.group()], "", 1.0)]


def _en_word(m: re.Match[str]) -> list[_Found]:
    return [("number", _EN_WORDS[m.group(1).lower()], "", 1.0)]


def _en_ordinal(m: re.Match[str]) -> list[_Found]:
    comma = _COMMA_AFTER.match(m.string, m.end())
    if comma and not _RANKED.search(m.string[max(0, m.start() - 12) : m.start()]):
        return []
    return [("ordinal", _EN_ORDINALS[m.group(1).lower()], "", 1.0)]


def find_quantities(text: str) -> list[Quantity]:
    """Return every number, amount and date in ``text``, in order of position.

    A range (``3∼5개``, ``2월 10~11일``) gives one quantity per end, both
    with the range as their text; a full date gives its year and its date.
    """
    scanner = _Scanner(text)
    scanner.scan(_FULL_DATE, _full_date)
    scanner.scan(_KO_DATE, _ko_date)
    scanner.scan(_EN_DATE, _en_date)
    scanner.scan(_EN_MONTH_YEAR, _en_month_year)
    scanner.scan(_KO_AMOUNT, _ko_amount(scanner))
    scanner.scan(_EN_AMOUNT, _en_amount(scanner))
    scanner.scan(_KO_MONTH, _ko_month)
    scanner.scan(_PLAIN, _plain(scanner))
    scanner.scan(_EN_MONTH, _en_month)
    scanner.scan(_KO_NATIVE_RE, _ko_native)
    scanner.scan(_KO_TWO_DAYS, _ko_two_days)
    scanner.scan(_EN_ORDINAL_RE, _en_ordinal)
    scanner.scan(_EN_WORD_RE, _en_word)
    return sorted(scanner.found, key=lambda q: q.start)


def quantities(text: str) -> set[Quantity]:
    """Return the distinct quantities in ``text`` (see :func:`find_quantities`)."""
    return set(find_quantities(text))


_PLAIN_KINDS = frozenset({"count", "ordinal", "number", "year", "day"})
_ROUNDED_KINDS = frozenset({"money", "number", "percent", "count"})


def _close(claim: Quantity, source: Quantity) -> bool:
    """Equal, or equal after rounding the source to the claim's precision."""
    if claim.value == source.value:
        return True
    if claim.kind not in _ROUNDED_KINDS:
        return False
    diff = abs(claim.value - source.value)
    return diff <= claim.step / 2 * (1 + 1e-9) and diff <= MAX_ROUNDING * abs(source.value)


def same_quantity(claim: Quantity, source: Quantity) -> bool:
    """Whether ``source`` backs ``claim``: compatible kinds, equal up to rounding.

    A bare number matches any amount, percentage or count of the same value
    (``909 billion`` backs ``9090억원``); a count, ordinal, year or day
    matches any of those, but a cardinal never an ordinal (``3 countries`` is not
    ``세 번째``) unless both end in the same counter; money needs the same currency;
    a date matches the same month and day (a bare day of the month backs it only in
    :func:`unsupported_numbers`, when the evidence also gives the month).
    """
    a, b = claim, source
    if a.kind == "date":
        return b.kind == "date" and a.value == b.value
    if a.kind == "month":
        return (b.kind == "month" and a.value == b.value) or (
            b.kind == "date" and b.value // 100 == a.value
        )
    if a.kind == "day":
        return (b.kind == "date" and b.value % 100 == a.value) or (
            b.kind in _PLAIN_KINDS and a.value == b.value
        )
    if a.kind == "money":
        same_unit = b.kind == "money" and (a.unit == b.unit or not a.unit or not b.unit)
        return (same_unit or b.kind == "number") and _close(a, b)
    if a.kind == "percent":
        return b.kind in ("percent", "number") and _close(a, b)
    if a.kind in ("number", "count") and b.kind == "ordinal" and not _either(a, b):
        return False  # "3 countries" is not backed by 세 번째 (the third)
    if a.kind == "number":
        return b.kind not in ("date", "month") and _close(a, b)
    return (b.kind in _PLAIN_KINDS or (b.kind == "money" and not b.unit)) and _close(a, b)


def _either(a: Quantity, b: Quantity) -> bool:
    """Whether a count may stand for an ordinal.

    So it may when both end in the same Korean counter (14기 and 제14기's 14기), or in
    one that is either (2단계 is stage 2; 3단계로 나눠, three stages).
    """
    counter = re.search(r"[가-힣]+$", a.text)
    return a.text.endswith("단계") or (bool(counter) and b.text.endswith(counter.group()))


def _dated_day(claim: Quantity, sources: Sequence[Quantity]) -> bool:
    """Whether a date is backed by its day of the month and, elsewhere, its month.

    ``15일 발표했다`` backs "May 15" only if the evidence also gives May (``5월``, or a
    date in May such as the article's own ``2024-05-15``): a day alone does not say
    which month, and a model that writes one has guessed it.
    """
    if claim.kind != "date":
        return False
    month, day = divmod(int(claim.value), 100)
    months = {int(q.value) for q in sources if q.kind == "month"}
    months |= {int(q.value) // 100 for q in sources if q.kind == "date"}
    return month in months and any(q.kind == "day" and q.value == day for q in sources)


def unsupported_numbers(sentence: str, evidence: Sequence[str]) -> list[str]:
    """Return the numbers of ``sentence`` that none of the ``evidence`` texts contain.

    Args:
        sentence: One answer sentence (citation markers are ignored).
        evidence: The texts the sentence cites.

    Returns:
        Surface strings as written in the sentence, in order, without repeats.
        A range is reported whole when either end is missing.
    """
    claims = find_quantities(sentence)
    if not claims:
        return []
    sources = [q for text in evidence for q in find_quantities(text)]
    missing: list[str] = []
    for claim in claims:
        ok = any(same_quantity(claim, source) for source in sources) or _dated_day(claim, sources)
        if not ok and claim.text not in missing:
            missing.append(claim.text)
    return missing
