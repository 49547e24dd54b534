"""Assembling the final :class:`~rag.records.Answer`: refusals, timings, notes.

What :mod:`rag.answering.assistant` needs to turn one question's state (a
:class:`Turn`) into an answer, whichever way it ends.
"""

from __future__ import annotations

import re
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace

from rag.answering.answer_type import FIGURES, AnswerType
from rag.answering.cite.markers import strip_markers
from rag.answering.cite.verify import Verified, evidence_texts, verify
from rag.answering.evidence import Sentence, quote
from rag.answering.prompt import REFUSAL
from rag.errors import QueryError
from rag.records import Answer, Answered, Chunk, Claim, Event, Hit, Timings
from rag.text.english import named
from rag.text.korean import split_sentences
from rag.text.lang import detect, language, matches, other_language
from rag.text.numbers import find_quantities, unsupported_numbers

LANG_NAMES = {"ko": "Korean", "en": "English"}
EXTRACTIVE_NOTE = {
    "ko": "기사 문장을 그대로 인용한 답입니다 (언어 모델 없이).",
    "en": "Quoted from the articles (no language model), so the sentences are in Korean.",
}
QUOTED_NOTE = {
    "ko": "언어 모델의 답이 확인되지 않아 기사 문장을 그대로 인용했습니다.",
    "en": "The language model's answer did not hold up, so this quotes the articles.",
}
UNCALIBRATED = {
    "ko": "{model}의 판정 기준값이 없어 답변 가능성·근거 확인을 건너뛰었습니다 "
    "(`rag eval --calibrate`로 정하세요).",
    "en": "No thresholds are calibrated for {model}, so the answerability and faithfulness "
    "checks are off (run `rag eval --calibrate`).",
}
# What an English quoted answer says before its Korean quote.
LEAD_IN = "The articles say, in Korean:"
LEAD_IN_FIGURE = "The articles give {figure}, in Korean:"

# A run of this many words said this many times is a model stuck in a loop (:func:`loops`).
LOOP_WORDS, LOOP_TIMES = 6, 3
# Why a model's answer was not shown (:func:`unusable`).
UNGROUNDED = "no sentence of the model's answer was backed by its sources"
LOOPING = "the model repeated a phrase over and over"
UNSTATED_FIGURE = "a sentence gave {figure}, which no source the answer cites states"

NOT_ANSWERED = {
    "ko": "언어 모델이 검색된 기사로는 답할 수 없다고 판단했습니다 (P(예) {p:.3f} < {t:.3f}).",
    "en": "The language model judged that the passages found do not answer this "
    "(P(yes) {p:.3f} < {t:.3f}).",
}


def ms_since(since: float) -> float:
    """Milliseconds since a ``time.perf_counter()`` reading."""
    return (time.perf_counter() - since) * 1000


@dataclass
class Clock:
    """Collects the timings of one answer."""

    started: float
    retrieval: float = 0.0
    first_token: float = 0.0
    tokens: int = 0
    generating: float = 0.0
    check: float = 0.0

    def count(self, tokens: int) -> None:
        """Record a finished generation of ``tokens`` tokens."""
        self.tokens += tokens
        self.generating = max(0.0, ms_since(self.started) - self.first_token)

    def done(self) -> Timings:
        """Freeze the timings now."""
        rate = self.tokens / (self.generating / 1000) if self.generating > 0 else 0.0
        total = ms_since(self.started)
        return Timings(self.retrieval, self.first_token, total, self.tokens, rate, self.check)


OTHER_LANGUAGE_NOTE = (
    "This question looks {name}; answers are in Korean or English only, so this one is in English."
)


def answer_language(question: str, lang: str) -> str:
    """The language to answer in: forced ``ko``/``en``, or the question's for ``auto``.

    With ``auto``, a question in a third language (:func:`rag.text.lang.other_language`)
    gets an English answer (see :func:`language_notes`).

    Raises:
        QueryError: If ``lang`` is none of auto, ko, en.
    """
    if lang == "auto":
        return "en" if other_language(question) else detect(question)
    if lang not in LANG_NAMES:
        raise QueryError(f"lang must be auto, ko or en, got {lang!r}")
    return lang


def language_notes(question: str, lang: str) -> tuple[str, ...]:
    """A note for a question in a third language answered in English under ``auto``."""
    name = other_language(question) if lang == "auto" else None
    return (OTHER_LANGUAGE_NOTE.format(name=name),) if name else ()


def language_matches(text: str, lang: str) -> bool:
    """Whether the answer, citation markers aside, is in ``lang``."""
    return matches(strip_markers(text, " "), lang)


def korean_sources(hits: Sequence[Hit]) -> bool:
    """Whether any passage found is in Korean (an English answer then reads across)."""
    return any(language(h.chunk.text) == "ko" for h in hits)


def refusal_score(hits: Sequence[Hit], lang: str) -> float | None:
    """What ``refuse_below`` acts on: the best passage's dense cosine with the question.

    None when no passage has one (BM25-only results), or when the best passage is in
    another language than the question. Across languages the cosine runs lower for the
    same relevance: over the Korean articles, at every cut the 60 English questions of
    eval/ put more answerable questions below it than unanswerable ones. Such a question
    is left to the answerability check.
    """
    dense = [h for h in hits if h.dense_score is not None]
    if not dense:
        return None
    best = max(dense, key=lambda h: h.dense_score or 0.0)
    return best.dense_score if language(best.chunk.text) == lang else None


def weak_evidence(hits: Sequence[Hit], threshold: float, lang: str) -> bool:
    """True when nothing was retrieved or :func:`refusal_score` is below ``threshold``."""
    if not hits:
        return True
    score = refusal_score(hits, lang)
    return score is not None and score < threshold


@dataclass
class Turn:
    """One question on its way to an answer: what was asked, searched and found."""

    question: str
    query: str
    lang: str
    hits: list[Hit]
    clock: Clock
    # The language the model writes in: ``lang``, or Korean for an English answer that
    # is translated (rag.answering.translate).
    writes: str = ""
    answerability: float | None = None
    # Every sentence of the passages, scored against the query, best first.
    ranked: list[Sentence] = field(default_factory=list)
    # What the question asks for (rag.answering.answer_type).
    kinds: tuple[AnswerType, ...] = ("other",)
    # Notes every ending of this turn carries (an uncalibrated model).
    notes: list[str] = field(default_factory=list)


def refusal(turn: Turn, said: str = "", notes: Sequence[str] = ()) -> Answer:
    """The "not in the articles" answer; the nearest passages still come with it.

    Args:
        turn: The question, its query, language, passages and clock.
        said: What the model said when it declined (kept as the text), or ""
            for the standard sentence.
        notes: Why, for the user.
    """
    text = strip_markers(said).strip() or REFUSAL[turn.lang]
    mode = "generate" if said else "refusal"
    return Answer(
        turn.question,
        turn.query,
        text,
        turn.lang,
        True,
        mode,
        hits=tuple(turn.hits),
        notes=(*turn.notes, *notes),
        timings=turn.clock.done(),
        answerability=turn.answerability,
    )


def uncalibrated_note(model: str, lang: str) -> str:
    """The note an answer carries when its chat model has no calibrated thresholds."""
    return UNCALIBRATED[lang].format(model=model.rstrip("/").rsplit("/", 1)[-1])


def lead_in(
    sentences: Sequence[Sentence],
    kinds: Sequence[AnswerType] = ("amount",),
    hits: Sequence[Hit] = (),
) -> str:
    """What an English answer says before quoting Korean sentences: the figures they give.

    Only figures of the kind the question asks for (sums for "how much", counts for "how
    many", dates for "when"), and every one of them, in the order quoted: naming only the
    first would pass off another plan's or another year's figure as the answer. Other
    questions get a plain lead-in. A date the article gives relative to its own
    ("지난해 9월") is named with its year when ``hits`` (the passages the sentences'
    ``source`` numbers point into) carry the article's date.
    """
    # An English question that asks "how many" wants no ordinal (세 번째 is not a count).
    wanted = frozenset().union(*(FIGURES.get(kind, frozenset()) for kind in kinds)) - {"ordinal"}
    figures: list[str] = []
    for sentence in sentences:
        published = hits[sentence.source - 1].chunk.published if hits else None
        for found in find_quantities(sentence.text):
            shown = named(sentence.text, found, published) if found.kind in wanted else ""
            if shown and shown not in figures:
                figures.append(shown)
    if not figures:
        return LEAD_IN
    listed = figures[0] if len(figures) == 1 else f"{', '.join(figures[:-1])} and {figures[-1]}"
    return LEAD_IN_FIGURE.format(figure=listed)


def quoted_text(turn: Turn, sentences: Sequence[Sentence]) -> Verified:
    """Evidence sentences quoted with their citations, checked.

    An English answer over Korean sentences first says, in English, what it quotes
    (:func:`lead_in`).
    """
    text = quote(sentences)
    if turn.lang == "en" and language(text) == "ko":
        text = f"{lead_in(sentences, turn.kinds, turn.hits)}\n{text}"
    return verify(text, [h.chunk for h in turn.hits], None)


def quoted(turn: Turn, checked: Verified, why: str, had_model: bool) -> Answer:
    """An answer that quotes evidence sentences (:func:`quoted_text`).

    Args:
        turn: The question and its passages.
        checked: The checked quote.
        why: Why the model's answer was not used ("" for none).
        had_model: Whether a chat model answered first (which note to show).
    """
    shown = [(QUOTED_NOTE if had_model else EXTRACTIVE_NOTE)[turn.lang]]
    shown += [f"{why}: quoted the articles instead"] if why else []
    return checked_answer(turn, checked, "extractive", shown)


def loops(text: str) -> bool:
    """Whether the same run of ``LOOP_WORDS`` words comes ``LOOP_TIMES`` times or more.

    A small model that loses its way repeats a phrase until the token limit cuts it
    ("the chairman of the board in Singapore, the chairman of the board in Singapore,
    ..."). Such text drops no figure or name, so the other checks let it through.
    """
    words = re.findall(r"\w+", text.lower())
    runs = Counter(tuple(words[i : i + LOOP_WORDS]) for i in range(len(words) - LOOP_WORDS + 1))
    return any(n >= LOOP_TIMES for n in runs.values())


def drop_repeats(text: str) -> str:
    """Remove sentences a looping model repeats, keeping the first of each."""
    seen: set[str] = set()
    out, cursor = [], 0
    for start, end in split_sentences(text):
        key = re.sub(r"\W+", "", strip_markers(text[start:end]))
        if key and key in seen:
            out.append(text[cursor:start].rstrip(" "))
            cursor = end
        seen.add(key)
    out.append(text[cursor:])
    return re.sub(r"\n\s*\n\s*", "\n\n", "".join(out)).strip()


def grounded(claims: Sequence[Claim]) -> bool:
    """Whether at least one sentence is supported by a source it cites."""
    return any(c.supported and c.citations for c in claims)


def unstated_figures(checked: Verified, passages: Sequence[Chunk]) -> list[str]:
    """The figures and dates of unsupported sentences that no passage the answer cites states.

    Such a sentence is a confident detail the answer's own sources do not give ("held
    on February 10-11, 2023", the date of another article's event); a flag beside it
    is easily read past. A figure a cited passage does give (a sentence the checks
    found too loose, "organizes 14 meetings" of "총 14회 간담회") is left flagged.
    """
    cited = {c.chunk_id for c in checked.citations}
    texts = [t for p in passages if p.chunk_id in cited for t in evidence_texts(p)]
    return [
        f for c in checked.claims if not c.supported for f in unsupported_numbers(c.text, texts)
    ]


def unusable(checked: Verified, lacking: Sequence[str], passages: Sequence[Chunk]) -> str:
    """Why a checked answer can't be shown ("" if it can).

    No sentence backed by its sources; a sentence giving a figure or date that none of
    the ``passages`` the answer cites states (:func:`unstated_figures`); the model
    looping on a phrase within its sentences (whole repeated sentences are gone
    already, :func:`drop_repeats`); or no phrase of a kind the question asks for.
    """
    if not grounded(checked.claims):
        return UNGROUNDED
    figures = unstated_figures(checked, passages)
    if figures:
        return UNSTATED_FIGURE.format(figure=figures[0])
    if loops(checked.text):
        return LOOPING
    return f"the answer gave no {lacking[0]}" if lacking else ""


def checked_answer(
    turn: Turn, checked: Verified, mode: str = "generate", notes: Sequence[str] = ()
) -> Answer:
    """An answer whose citations :func:`rag.answering.cite.verify.verify` has checked."""
    return Answer(
        question=turn.question,
        query=turn.query,
        text=checked.text,
        lang=turn.lang,
        refused=False,
        mode=mode,
        claims=tuple(checked.claims),
        citations=tuple(checked.citations),
        hits=tuple(turn.hits),
        notes=(*turn.notes, *notes),
        timings=turn.clock.done(),
        answerability=turn.answerability,
    )


def with_notes(events: Iterator[Event], notes: tuple[str, ...]) -> Iterator[Event]:
    """The events, with ``notes`` put first on the final answer's notes.

    Closing this iterator closes ``events`` at once (and so stops generation).
    """
    try:
        for event in events:
            if isinstance(event, Answered):
                event = Answered(replace(event.answer, notes=(*notes, *event.answer.notes)))
            yield event
    finally:
        events.close()  # type: ignore[attr-defined]
