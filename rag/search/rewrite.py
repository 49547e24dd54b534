"""Turn a follow-up question into a standalone query, by rules (no model call).

"그럼 예산은 얼마야?" after "한국 AI 도약방안이 뭐야?" becomes
"한국 AI 도약방안 예산은 얼마야?": the earlier question's content words that the
follow-up lacks are put in front of it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from rag.text.korean import NOUN_TAGS, content_words, tokenize

# Words that open or make a question lean on the one before.
_KO_CUES = re.compile(
    r"^(?:그럼|그러면|그렇다면|그리고|또|또한|그건|그것은|그거|이건|이거|저건|거기|그때|그중|그 중|"
    r"그래서|근데|그런데|한편)|(?:그|이|저)\s*(?:예산|계획|사업|정책|회의|법|기관|사람|내용|금액)"
)
_EN_CUES = re.compile(
    r"^(?:and|so|then|what about|how about|also|and what|but)\b|\b(?:it|its|they|them|their|that|"
    r"those|these|this|there|he|she|his|her)\b",
    re.IGNORECASE,
)
# A leading connective that only links to the turn before; dropped from the query.
_OPENER = re.compile(
    r"^(?:그럼|그러면|그렇다면|그리고|또|근데|그런데|and|so|then|also|but)\b[,\s]*", re.I
)
# A question with this many content words or fewer is too thin to stand alone.
THIN = 2


def needs_context(question: str) -> bool:
    """Whether a question reads as a follow-up: a cue word or too few content words."""
    return bool(_KO_CUES.search(question) or _EN_CUES.search(question)) or (
        len(set(tokenize(question))) <= THIN
    )


def _last_user_turn(history: Sequence[dict[str, str]]) -> str | None:
    for turn in reversed(history):
        if turn.get("role") == "user" and turn.get("content", "").strip():
            return turn["content"]
    return None


def rewrite(question: str, history: Sequence[dict[str, str]]) -> str:
    """Return a standalone query for retrieval; the question itself if it stands alone.

    Args:
        question: The new question.
        history: Earlier turns, ``{"role": "user"|"assistant", "content": ...}``.
    """
    question = question.strip()
    previous = _last_user_turn(history)
    if not previous or not needs_context(question):
        return question
    have = set(tokenize(question))
    carried: list[str] = []
    for word in content_words(previous, NOUN_TAGS):
        if not set(tokenize(word)) <= have and word not in carried:
            carried.append(word)
    if not carried:
        return question
    rest = _OPENER.sub("", question).strip() or question
    return f"{' '.join(carried)} {rest}"
