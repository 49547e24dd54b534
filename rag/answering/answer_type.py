"""What a question asks for, and whether an answer gives it.

"2024년 전국민 인공지능 일상화 예산은 얼마인가?" asks for an amount; an answer
that quotes the minister's speech without one does not answer it, however well
its citation checks out. :func:`expected_types` reads the kinds of answer a
question wants, in Korean or English, and :func:`gives` tells whether a text
holds a phrase of that kind: an amount, a count, a date, a place or a name, a
list of at least two items, a yes or no, or a reason or purpose (a word that gives
one: 위해, 때문, -도록, because, to). Descriptions and anything else are not
checked (``"other"``).
"""

from __future__ import annotations

import re
from typing import Literal

from rag.text.korean import kiwi
from rag.text.lang import hangul_share
from rag.text.numbers import Quantity, find_quantities, same_quantity
from rag.text.romanize import holds_words, rendered

AnswerType = Literal["amount", "count", "date", "place", "name", "list", "yesno", "reason", "other"]
TYPES: tuple[AnswerType, ...] = (
    "amount",
    "count",
    "date",
    "place",
    "name",
    "list",
    "yesno",
    "reason",
    "other",
)

# Question cues: a question asks for every kind whose cue it holds ("어디서 열렸고 몇 명이나
# 왔어?" asks for a place and a count).
_CUES: tuple[tuple[AnswerType, re.Pattern[str]], ...] = (
    (
        "amount",
        re.compile(
            r"얼마|금액|예산은|예산이|비용|"
            r"how much|budget|spend|cost|funding|how big is the \w+ fund",
            re.I,
        ),
    ),
    (
        "count",
        re.compile(
            r"몇\s?(?:개|명|건|곳|개국|가지|나라|차례|번|회|배|%)|몇이|개수|how many|number of",
            re.I,
        ),
    ),
    (
        "date",
        re.compile(
            r"언제|몇\s?(?:년|월|일)|며칠|날짜|시기|\bwhen\b|what (?:year|date|month|day)|"
            r"which (?:year|month|day)|by when",
            re.I,
        ),
    ),
    (
        "place",
        re.compile(
            r"어디서|어디에서|어디였|어디에|(?<!어디)어디(?:야|예요|에요|인가|인지|일까)|장소|"
            r"어느 (?:지역|도시|곳)|\bwhere\b|what venue|"
            r"which (?:city|region|venue|district|province)",
            re.I,
        ),
    ),
    (
        "name",
        re.compile(
            r"누구|누가|누굴|이름|어느 (?:기관|회사|기업|부처|나라|국가|단체)|"
            r"어떤 (?:기관|회사|기업|부처)|"
            r"\bwho\b|\bwhom\b|which (?:agency|company|organi[sz]ation|ministry|country|body)\b",
            re.I,
        ),
    ),
    (
        "list",
        re.compile(
            r"어디어디|무엇무엇|뭐뭐|어떤 (?:\w+ )?\w+들|분야는|분야가|종류|항목|나열|목록|"
            r"which (?:\w+ )?(?:companies|fields|areas|sectors|services|countries|policies|"
            r"projects|categories)|what (?:\w+ )?(?:fields|areas|sectors|services|categories)|"
            r"\blist\b|\bname the\b",
            re.I,
        ),
    ),
    (
        "reason",
        re.compile(
            r"왜(?!곡|소)|목적(?!지)|이유|취지|까닭|어째서|(?:뭘|무엇을|무얼) 위해|"
            r"\bwhy\b|\bpurpose\b|\breasons?\b|\bwhat for\b|\bfor what\b",
            re.I,
        ),
    ),
)
# A yes/no question opens with an auxiliary (English) or has no question word (Korean).
_EN_YESNO = re.compile(
    r"^(?:is|are|was|were|do|does|did|will|would|can|could|has|have|had|should)\b", re.I
)
# Spoken forms too: 뭘 (뭐를), 무얼 (무엇을), 뭣, 누굴 (누구를), 어째서, 어떡해.
_KO_QUESTION_WORD = re.compile(
    r"무엇|무얼|뭐|뭘|뭔|뭣|무슨|어떤|어떻|어떡|어느|어디|언제|누구|누가|누굴|몇|얼마|왜(?!곡|소)|"
    r"어째서"
)
_KO_YESNO_END = re.compile(
    r"(?:나요|까요|습니까|ㅂ니까|니|냐|야|지|죠|어|아|맞아|맞나요)\s*\??\s*$"
)

_DATE_WORDS = re.compile(
    r"올해|지난해|작년|내년|금년|상반기|하반기|연내|연말|분기|이날|당일|"
    r"\b(?:this|last|next) (?:year|month|week)\b|\b(?:january|february|march|april|may|june|"
    r"july|august|september|october|november|december)\b|\b(?:19|20)\d\d\b",
    re.I,
)
_YES_NO = re.compile(r"^\W*(?:yes|no|네|예|아니(?:요|오)?|아닙니다|맞습니다|그렇습니다)\b", re.I)
_LIST_SEPARATORS = re.compile(r"\s*(?:[,、·ㆍ▲/]|\band\b|\bor\b|및|와|과|그리고)\s*")
_CAPITALISED = re.compile(r"\b[A-Z][A-Za-z0-9&.'-]+")
# Capitalised words that are not a name: sentence openers, and the field's generic
# acronyms ("AI" names no place or body).
_NOT_NAMES = frozenset(
    "a an the it its this that these those there they he she we our their in on at by for "
    "from with under according after before as while to of and but also yes no both all "
    "each some many most what which who when where how ai it ict sw".split()
)
_MONEY = frozenset({"money"})
_COUNTS = frozenset({"count", "number", "ordinal", "percent"})
_DATES = frozenset({"date", "month", "day", "year"})
# The quantity kinds (rag.text.numbers) that are a figure of each answer type.
FIGURES: dict[str, frozenset[str]] = {"amount": _MONEY, "count": _COUNTS, "date": _DATES}


def bare_yes_no(text: str) -> bool:
    """Whether ``text`` is a yes or a no and nothing more ("Yes.", "아니요"): no claim."""
    m = _YES_NO.match(text)
    return bool(m) and not re.search(r"\w", text[m.end() :])


def expected_types(question: str, lang: str) -> tuple[AnswerType, ...]:
    """The kinds of answer a question asks for, in a fixed order; ``("other",)`` if none.

    Args:
        question: The question (or the standalone query of a follow-up).
        lang: ``"ko"`` or ``"en"``, the question's language.
    """
    kinds = tuple(kind for kind, cue in _CUES if cue.search(question))
    if "reason" in kinds:  # "Why did the budget grow?" asks for no amount
        return ("reason",)
    if kinds:
        return kinds
    if lang == "en" and _EN_YESNO.match(question.strip()):
        return ("yesno",)
    asks = question.rstrip().endswith("?") or _KO_YESNO_END.search(question)
    if lang == "ko" and asks and not _KO_QUESTION_WORD.search(question):
        return ("yesno",)
    return ("other",)


def _proper_nouns(text: str) -> list[str]:
    """Names in a text: Kiwi's Hangul proper nouns, and capitalised Latin words.

    A capitalised word that merely opens a sentence ("The", "According") is not one,
    nor a generic acronym ("AI").
    """
    found = [t.form for t in kiwi().tokenize(text) if t.tag == "NNP" and len(t.form) > 1]
    words = (w.rstrip(".'-") for w in _CAPITALISED.findall(text))
    found += [w for w in words if w and w.lower() not in _NOT_NAMES]
    return found


def list_items(text: str) -> list[str]:
    """The items of the longest enumeration in a text (``A, B 및 C`` -> three items)."""
    best: list[str] = []
    for clause in re.split(r"[.!?。\n]|(?<=[다요])\s", text):
        items = [i for i in _LIST_SEPARATORS.split(clause) if re.search(r"\w", i)]
        if len(items) > len(best):
            best = items
    return best


def missing(text: str, kinds: tuple[AnswerType, ...], question: str = "") -> list[AnswerType]:
    """The kinds a question asks for that a text does not give (see :func:`gives`).

    A question the text asks (a small model may echo the user's, "…뭘 위해서야?") gives
    nothing: it is left out first.
    """
    text = _QUESTION_SENTENCE.sub(" ", text)
    return [kind for kind in kinds if not gives(text, kind, question)]


# A sentence that ends in a question mark.
_QUESTION_SENTENCE = re.compile(r"[^.!?。\n]*[?？]")
# What gives a reason or purpose: Kiwi's morphemes of Korean (위하-, 때문, the endings -도록,
# -려고, -고자, -므로, -기에; 목적 or 이유 only where the question does not say it already:
# "목적은 예산을 늘리는 것" restates "목적이 뭐야?"), and English words (an infinitive's "to").
_KO_REASON_WORDS = frozenset({"위하", "때문", "덕분", "탓"})
_KO_REASON_NOUNS = frozenset({"목적", "취지", "이유", "까닭"})
_KO_REASON_ENDINGS = frozenset({"도록", "려고", "으려고", "고자", "므로", "으므로", "기에"})
# An infinitive's "to" is followed by a verb, not by an article, a number or a name ("to
# various industries" gives no purpose).
_EN_REASON = re.compile(
    r"(?i:\b(?:because|since|so that|in order|due to|aims?|aimed|purpose|reason|as part of)\b)|"
    r"\b[Tt]o (?!(?:the|a|an|its|their|his|her|our|this|that|these|those|various|all|each|"
    r"every|some|many|more|most|other|public|private|local|global)\b)[a-z]{2,}"
)


def _unasked(pattern: re.Pattern[str], text: str, question: str) -> bool:
    """Whether ``pattern`` matches something in ``text`` that the question does not say."""
    said = {m.group().lower() for m in pattern.finditer(question)}
    return any(m.group().lower() not in said for m in pattern.finditer(text))


def gives_reason(text: str, question: str = "") -> bool:
    """Whether a text states a reason or purpose (``…를 위해``, ``… 때문에``, ``to …``).

    A word for "purpose" or "reason" that the question holds too is only its echo.
    """
    if _unasked(_EN_REASON, text, question):
        return True
    if hangul_share(text) == 0:
        return False
    tokens = kiwi().tokenize(text)
    forms = {t.form for t in tokens}
    endings = {t.form for t in tokens if t.tag == "EC"}
    if forms & _KO_REASON_WORDS or endings & _KO_REASON_ENDINGS:
        return True
    nouns = forms & _KO_REASON_NOUNS  # the question is read only when it could echo one
    return bool(nouns - {t.form for t in kiwi().tokenize(question)}) if nouns else False


def _asked(name: str, question: str) -> bool:
    """Whether the question already holds a name: as a word, or romanised if in Hangul."""
    if hangul_share(name) > 0:
        return name in question or rendered(name, question)
    return holds_words(question, name, ignore_case=True)


def gives(text: str, kind: AnswerType, question: str = "") -> bool:
    """Whether a text holds a phrase of the kind a question asks for.

    An amount is a sum of money; a count any number; a date a year, month, day
    or a relative date (올해, last year); a place or a name a proper noun. Of
    these, only a phrase that ``question`` does not already hold counts: "Which
    district anchors Beijing's IT scene?" is not answered by Beijing, nor "작년엔
    70건이었는데 올해 목표는 몇 건?" by 70건. A list is at least two items; a yes/no
    answer opens with yes or no; a reason or purpose is :func:`gives_reason`. ``other``
    always passes.
    """
    if kind == "other":
        return True
    if kind == "yesno":
        return bool(_YES_NO.match(text))
    if kind == "list":
        return len(list_items(text)) >= 2
    if kind == "reason":
        return gives_reason(text, question)
    if kind in ("place", "name"):
        return any(not _asked(name, question) for name in _proper_nouns(text))
    asked = find_quantities(question)
    found = {q.kind for q in find_quantities(text) if not _repeats(q, asked)}
    if kind == "amount":
        return bool(found & _MONEY)
    if kind == "count":
        return bool(found & (_COUNTS | _MONEY))
    return bool(found & _DATES) or _unasked(_DATE_WORDS, text, question)


def _repeats(quantity: Quantity, asked: list[Quantity]) -> bool:
    """Whether a figure of an answer is one the question already states."""
    return any(same_quantity(quantity, q) and same_quantity(q, quantity) for q in asked)


__all__ = [
    "FIGURES",
    "TYPES",
    "AnswerType",
    "bare_yes_no",
    "expected_types",
    "gives",
    "gives_reason",
    "list_items",
    "missing",
]
