"""What a count question counts, and whether an article sentence counts that.

"올해는 몇 건이 목표야?" after "사례를 70건 만들었다던데" counts 사례, and "3개 분야로
나눠 추진한다" gives a number but not of 사례; "How many researchers will Korea send
abroad?" counts people, and "8개 과제" is no count of them. :func:`states` is
:func:`rag.answering.answer_type.gives` with that check added for counts; it reads the
articles only (an answer may say "100건" without repeating what it counts).
"""

from __future__ import annotations

import re
from functools import lru_cache

from rag.answering.answer_type import _DATE_WORDS, AnswerType, gives
from rag.text.korean import kiwi
from rag.text.numbers import COUNTRY_COUNTER, KO_NUMBER_WRITTEN, find_quantities

# Korean counters of things ("몇 개", "몇 건", "몇 곳"), which leave what is counted to a
# noun; 명, 개국, 개사, 번, 회 say it themselves (people, countries, companies, times).
_THING_COUNTERS = frozenset({"개", "건", "곳", "가지", "종", "군데"})
# Nouns that place a count in time or scope, not what it counts ("올해는 몇 건").
_NOT_COUNTED = frozenset({"이번", "다음", "그다음", "전체", "모두", "총", "합계"})
# Tags a look back from 몇 passes over to reach the noun: particles, adverbs, endings,
# verbs and their suffixes, numbers, counters, symbols.
_PASSED = ("J", "E", "MA", "MM", "V", "XS", "SN", "NNB", "NR", "S")
# Counters that name what they count: "8개사" counts companies, "60개국" countries.
_COUNTERS_OF = {"기업": "개사", "회사": "개사", "업체": "개사", "국가": "개국", "나라": "개국"}
# Most tokens the look back from 몇 reads: "사례를 70건 만들었다던데, 올해는 몇 건".
_LOOK_BACK = 12


@lru_cache(maxsize=64)  # read once per question, not once per evidence sentence
def counted(question: str) -> str:
    """The noun a Korean question counts things of, or "" if it names none.

    "몇 개 분야로" counts 분야, "세션은 모두 몇 개" counts 세션, and "사례를 70건
    만들었다던데, 올해는 몇 건이 목표야?" counts 사례: the noun right after the counter,
    else the nearest one before 몇 that is not a time (올해) or a scope (모두). A counter
    that says what it counts (명, 개국, 번), a proper noun met first ("베이징은 몇 개를
    추진해?": the one who counts) and an English question name none.
    """
    if "몇" not in question:
        return ""
    tokens = kiwi().tokenize(question)
    for i, token in enumerate(tokens[:-1]):
        if token.form != "몇" or tokens[i + 1].form not in _THING_COUNTERS:
            continue
        after = tokens[i + 2] if i + 2 < len(tokens) else None
        if after is not None and after.tag == "NNG":
            return after.form
        for back in reversed(tokens[max(0, i - _LOOK_BACK) : i]):
            if back.tag == "NNG":
                if back.form not in _NOT_COUNTED and not _DATE_WORDS.fullmatch(back.form):
                    return back.form
            elif not back.tag.startswith(_PASSED):
                break  # a name ("베이징은 몇 개를…") is who counts, not what is counted
    return ""


# English words of a count question after which its noun phrase has ended: verbs,
# auxiliaries and prepositions ("How many GPUs will …", "how many people attended").
_EN_PHRASE_END = frozenset(
    "did do does will would were was are is have has had can could should took take "
    "came come attended participated joined signed got in at on from under to by for per "
    "with across out there been be".split()
)
# What an English count asks after, by the head noun of its phrase, and the Korean
# counters (regular expressions) that count it: people in 명, companies in 개사 or 곳,
# countries in 개국, "개 국가" or 국 (not 국민).
_EN_COUNTERS = (
    (
        frozenset(
            "people persons attendees participants researchers experts students officials "
            "workers employees visitors members delegates leaders staff scientists "
            "engineers teachers doctors farmers inspectors speakers".split()
        ),
        ("명",),
    ),
    (
        frozenset("companies firms startups start-ups businesses enterprises".split()),
        ("개사", "곳"),
    ),
    (frozenset("countries nations".split()), ("개국", r"개\s?국가", COUNTRY_COUNTER)),
)
# A possessive modifies the head noun of a count ("master's and PhD-level researchers").
_POSSESSIVE = ("'s", "’s")
# An acronym in the plural ("GPUs"): the articles write it in Latin letters too.
_ACRONYM = re.compile(r"^([A-Z][A-Z0-9]+)s?$")
_EN_COUNT = re.compile(r"\b(?:how many|number of)\s+(?:of\s+)?((?:[\w'’-]+\s*,?\s*){1,8})", re.I)


@lru_cache(maxsize=64)
def english_counted(question: str) -> tuple[str, ...]:
    """The head nouns of the phrase an English question counts.

    "How many countries and attendees took part?" -> ("countries", "attendees"): the
    phrase after "how many" up to a verb or preposition, each of its coordinated parts'
    last word, unless that is a possessive ("master's and PhD-level researchers" ->
    ("researchers",)). A Korean question, or one with no such phrase, gives ().
    """
    found = _EN_COUNT.search(question)
    if not found:
        return ()
    phrase: list[str] = []
    for word in re.findall(r"[\w'’-]+|,", found.group(1)):
        if word.lower() in _EN_PHRASE_END:
            break
        phrase.append(word)
    parts = " ".join(phrase).replace(",", " and ").split(" and ")
    heads = [p.split()[-1] for p in parts if p.split()]
    return tuple(h for h in heads if not h.endswith(_POSSESSIVE))


def _counts_english(text: str, heads: tuple[str, ...]) -> bool:
    """Whether a Korean sentence holds a count of one of the heads an English question counts.

    A head with no known counter (projects, models, cases) can be counted by any; so a
    sentence counts them unless every head has one and the sentence uses none of them.
    """
    for head in heads:
        acronym = _ACRONYM.match(head)
        counters = next((c for words, c in _EN_COUNTERS if head.lower() in words), None)
        if acronym:
            if acronym.group(1) in text:
                return True
        elif counters is None or _in_counter(text, counters):
            return True
    return False


def _in_counter(text: str, counters: tuple[str, ...]) -> bool:
    """Whether a number of the text is written with one of the counters.

    ``counters`` are regular expressions, matched after the number, its magnitude and
    its hedge: 70여명, 3만 명, 3∼5개사, 60개 국가.
    """
    pattern = re.compile(KO_NUMBER_WRITTEN + "(?:" + "|".join(counters) + ")")
    return any(pattern.match(text, q.start) for q in find_quantities(text))


def states(text: str, kind: AnswerType, question: str = "") -> bool:
    """Whether an article sentence states what a question asks for (:func:`gives`).

    A count must also be of the thing counted (:func:`counted`): "3개 분야로 나눠
    추진한다" gives a number, but not of the 사례 that "올해는 몇 건이 목표야?" asks
    after, nor "4개 공간에서" of the 세션 a question counts; "8개사" counts 기업 by its
    counter. In English (:func:`english_counted`), a count of people must be in 명, of
    companies in 개사 or 곳, of countries in 개국 or "개 국가", and of an acronym
    ("GPUs") must name it. Only the articles are read this way; an answer may say
    "100건" without repeating what it counts.
    """
    if not gives(text, kind, question):
        return False
    if kind != "count":
        return True
    heads = english_counted(question)
    if heads:
        return _counts_english(text, heads)
    noun = counted(question)
    if not noun or noun in text:
        return True
    counter = _COUNTERS_OF.get(noun)
    return bool(counter) and _in_counter(text, (counter,))


__all__ = ["counted", "english_counted", "states"]
