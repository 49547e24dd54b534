"""When the model's answer can't be used: quote the evidence that answers best.

At most two evidence sentences, cited, the one that gives what the question asks for
first. For an English answer the model wrote in Korean, the quote is translated and
checked like the answer would have been (:mod:`rag.answering.translate`), or else
introduced in English before the Korean sentences.
"""

from __future__ import annotations

from collections.abc import Sequence

from rag.answering import evidence
from rag.answering.answer_type import AnswerType, gives, missing
from rag.answering.compose import Turn, quoted, quoted_text, refusal
from rag.answering.evidence import quote
from rag.answering.translate import QUOTE_NOTE, try_translate
from rag.llm.base import Generator
from rag.records import Answer

# Most evidence sentences a quoted answer gives.
QUOTED = 2


def holder(turn: Turn, kinds: Sequence[AnswerType]) -> evidence.Sentence | None:
    """The best evidence sentence that gives what the question asks for.

    None when the question asks for nothing a sentence can be checked for (only
    amounts, counts, dates, places, names, lists and yes/no can), or none gives it.
    """
    if set(kinds) <= {"other"}:
        return None
    candidates = evidence.select(turn.ranked, len(turn.ranked), margin=1.0)
    return next((s for s in candidates if all(gives(s.text, k, turn.query) for k in kinds)), None)


def quote_answer(
    turn: Turn, why: str, generator: Generator | None, threshold: float = 0.0
) -> Answer:
    """Quote at most two relevant evidence sentences, cited.

    Args:
        turn: The question, its passages and ranked evidence sentences.
        why: Why the model's answer was not used ("" for none).
        generator: The chat model that answered first, which also translates the
            quote when it wrote in Korean for an English question; None for none.
        threshold: The faithfulness cut a translation must pass (0: rules only).
    """
    chosen = evidence.select(turn.ranked, QUOTED)
    first = holder(turn, turn.kinds) if missing(quote(chosen), turn.kinds, turn.query) else None
    if first is not None:
        chosen = [first, *(s for s in chosen if s != first)][:QUOTED]
    if not chosen:
        return refusal(turn)
    if turn.writes != turn.lang and generator is not None:
        english = try_translate(generator, quoted_text(turn, chosen, english=False), threshold)
        if english is not None:
            return quoted(turn, english, why, True, [QUOTE_NOTE])
    return quoted(turn, quoted_text(turn, chosen), why, generator is not None)


__all__ = ["QUOTED", "holder", "quote_answer"]
