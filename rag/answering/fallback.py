"""When the model's answer can't be used: quote the evidence that answers best.

At most two evidence sentences, cited, the one that gives what the question asks for
first. For an English question over Korean articles, the quote is introduced in English
before the Korean sentences, with the figures it gives of the kind asked for
(:func:`rag.answering.compose.lead_in`).

The quote is not machine-translated. Translating whole article sentences was tried
before: in the stored evaluations (bench/results/, 181 English quotes in 13 runs, 1.5B
and 0.5B) no translation passed the checks of :mod:`rag.answering.translate` (an
invented year, a misspelled name, a ministry the sentence does not name), and the tries
cost up to four generations and four judge calls per answer.
"""

from __future__ import annotations

from collections.abc import Sequence

from rag.answering import evidence
from rag.answering.answer_type import AnswerType, missing
from rag.answering.compose import Turn, quoted, quoted_text, refusal
from rag.answering.counting import states
from rag.answering.evidence import quote
from rag.records import Answer

# Most evidence sentences a quoted answer gives.
QUOTED = 2
# What a question may ask for that the articles must state in one phrase: a figure, a
# place or a name (a list, a yes or no, a reason can be put together or inferred).
STATED: tuple[AnswerType, ...] = ("amount", "count", "date", "place", "name")
_KIND_NAMES = {
    "ko": {
        "amount": "금액이",
        "count": "수가",
        "date": "날짜나 시기가",
        "place": "장소가",
        "name": "이름이",
    },
    "en": {k: k for k in STATED},
}
NOT_STATED = {
    "ko": "질문에 관한 기사 문장 어디에도 묻는 {kind} 없습니다.",
    "en": "No sentence of the articles on the question's point gives the {kind} it asks for.",
}


def on_point(turn: Turn) -> list[evidence.Sentence]:
    """The evidence sentences on the question's point: within ``MARGIN`` of the best."""
    return evidence.select(turn.ranked, len(turn.ranked))


def holders(turn: Turn, kinds: Sequence[AnswerType]) -> list[evidence.Sentence]:
    """The best evidence sentences on the question's point that give what it asks for.

    One sentence if one gives every kind asked for; else, for a question that asks two
    things ("where was it held and how many came?"), the best sentence giving each kind,
    as long as each has one (at most :data:`QUOTED`). On its point means
    within :data:`rag.answering.evidence.MARGIN` of the best sentence. Empty when the
    question asks for nothing a sentence can be checked for (only amounts, counts,
    dates, places, names, lists, yes/no and reasons can), or nothing gives it.
    """
    if set(kinds) <= {"other"}:
        return []
    point = on_point(turn)
    both = next((s for s in point if all(states(s.text, k, turn.query) for k in kinds)), None)
    if both is not None:
        return [both]
    each = [next((s for s in point if states(s.text, k, turn.query)), None) for k in kinds]
    givers = [s for s in each if s is not None]
    return list(dict.fromkeys(givers))[:QUOTED] if len(givers) == len(kinds) else []


def unstated(turn: Turn) -> str:
    """Why the articles do not answer: a figure, place or name asked for and not given.

    A sentence gives it as :func:`rag.answering.counting.states` reads it: a count only
    of the thing counted ("4개 공간" is no count of 세션, "8개 과제" none of researchers).

    Only the sentences on the question's point count (within
    :data:`rag.answering.evidence.MARGIN` of the best): a near-miss question asks for
    what the articles leave out ("when can it be used?" over a passage on its budget),
    and the nearest sentence with a date is then about something else. On eval/, four
    near-misses' best sentence giving the kind scored 0.197-0.486 below the best
    sentence (or there was none); every answerable question's, at most 0.121 below.

    Returns:
        The note saying what is missing, or "" when each kind is given or none asked.
    """
    asked = [k for k in turn.kinds if k in STATED]
    if not asked:
        return ""
    point = on_point(turn)
    lacking = [k for k in asked if not any(states(s.text, k, turn.query) for s in point)]
    if not lacking:
        return ""
    return NOT_STATED[turn.lang].format(kind=_KIND_NAMES[turn.lang][lacking[0]])


def quote_answer(turn: Turn, why: str, had_model: bool) -> Answer:
    """Quote at most two relevant evidence sentences, cited.

    Args:
        turn: The question, its passages and ranked evidence sentences.
        why: Why the model's answer was not used ("" for none).
        had_model: Whether a chat model answered first (which note to show).
    """
    chosen = evidence.select(turn.ranked, QUOTED)
    if missing(quote(chosen), turn.kinds, turn.query):
        first = holders(turn, turn.kinds)
        chosen = [*first, *(s for s in chosen if s not in first)][:QUOTED]
    if not chosen:
        return refusal(turn)
    return quoted(turn, quoted_text(turn, chosen), why, had_model)


__all__ = ["NOT_STATED", "QUOTED", "STATED", "holders", "quote_answer", "unstated"]
