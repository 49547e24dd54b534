"""Check every citation of a generated answer against the passages it cites.

The model sees the retrieved passages numbered ``[1]..[n]`` and is told to cite
them with ``[n]``. Small models break the format and cite the wrong source, so
after generation:

1. :func:`rag.answering.cite.markers.parse` splits the answer into sentences and
   reads each sentence's citation markers, in any style small models produce.
2. :mod:`rag.answering.cite.score` scores each sentence against each passage.
3. :func:`verify` decides:

   - a cited passage that does not support its sentence is removed, and so is
     one that another passage clearly beats (the model cited the wrong one);
     a second citation stays if it backs a part the first does not;
   - a claim left without a citation gains one when exactly one passage
     clearly supports it (a stricter bar than keeping one), or when one of
     several clearly beats the others;
   - a claim is unsupported when no citation survives, or when it states a
     number, amount or date that no surviving cited passage (text, title or
     year of publication) contains: ``reason="number not in sources: 9000억원"``;
   - citations are renumbered ``[1]..[k]`` in order of first use and put at
     the end of their sentence.

Which sentences need a citation: see :func:`rag.answering.cite.score.needs_citation`.
Non-claims keep a citation only if it supports them, never gain one and are never
flagged.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from rag.answering.cite.markers import Layout, split_answer, tidy, with_markers
from rag.answering.cite.score import (
    COMPLEMENT_SHARE,
    Similarity,
    Support,
    Thresholds,
    is_fragment,
    needs_citation,
    score_support,
    thresholds_for,
)
from rag.records import Chunk, Citation, Claim
from rag.text.numbers import unsupported_numbers


@dataclass(frozen=True)
class Verified:
    """A checked answer.

    Attributes:
        text: The answer with markers renumbered in order of first use and put
            at the end of each sentence (``…투입한다.[1][2]``).
        claims: Each sentence with its surviving citations and verdict.
        citations: The cited sources, ``citations[i].n == i + 1``.
    """

    text: str
    claims: tuple[Claim, ...]
    citations: tuple[Citation, ...]


@dataclass(frozen=True)
class _Decision:
    """Which passages (0-based) a sentence keeps, and its verdict."""

    passages: tuple[int, ...]
    supported: bool
    reason: str
    faithful: bool | None = None


def _adds_evidence(support: Support, kept: Sequence[Support], row: Sequence[Support]) -> bool:
    """Whether a co-cited passage backs part of the sentence the kept ones do not."""
    if support.matched_numbers - frozenset().union(*(k.matched_numbers for k in kept)):
        return True
    others = frozenset().union(*(k.matched for k in kept))
    if not support.matched_rare - frozenset(t for t, _ in others):
        return False
    matchable = sum(w for _, w in frozenset().union(*(s.matched for s in row)))
    unique = sum(w for _, w in support.matched - others)
    return unique / matchable >= COMPLEMENT_SHARE


def keep_cited(
    row: Sequence[Support], cited: Sequence[int], thresholds: Sequence[Thresholds]
) -> tuple[int, ...]:
    """The cited passages (0-based) whose support passes :class:`Thresholds`.

    Args:
        row: Support of one sentence by each passage.
        cited: 0-based passages the sentence cites, in order.
        thresholds: Thresholds per passage (they depend on its language).
    """
    best = max((s.score for s in row), default=-math.inf)
    kept = [
        p
        for p in cited
        if row[p].score >= thresholds[p].certain
        or (row[p].score >= thresholds[p].keep and row[p].score >= best - thresholds[p].margin)
    ]
    main = [row[p] for p in kept]
    return tuple(
        p
        for p in cited
        if p in kept
        or (main and row[p].score >= thresholds[p].complement and _adds_evidence(row[p], main, row))
    )


def sole_support(
    row: Sequence[Support], thresholds: Sequence[Thresholds], chunks: Sequence[Chunk]
) -> int | None:
    """The one passage (0-based) that clearly supports a sentence, if one does.

    A passage clearly supports it at a score of ``add`` or more. When several do,
    the best of them counts only if it beats each other one by more than ``margin``
    (the model copied a sentence of [2] and cited [1]); overlapping passages whose
    evidence spans overlap in the article count as one, the best of them.
    """
    clear: list[tuple[int, str, int, int]] = []
    for p in sorted(range(len(row)), key=lambda p: -row[p].score):
        if row[p].score < thresholds[p].add:
            continue
        chunk, support = chunks[p], row[p]
        start, end = chunk.start + support.span[0], chunk.start + support.span[1]
        if not any(d == chunk.doc_id and start < e and s < end for _, d, s, e in clear):
            clear.append((p, chunk.doc_id, start, end))
    if not clear:
        return None
    best, *others = (p for p, *_ in clear)
    beaten = all(row[best].score - row[p].score > thresholds[p].margin for p in others)
    return best if beaten else None


def evidence_texts(chunk: Chunk) -> list[str]:
    """What a cited passage vouches for: its text, title and the year it came out.

    The year, because the article's 올해 is that year. Not the day: no prompt shows it,
    and an answer that gives the day the article came out as the day of what it reports
    (h-en-04's "July 29, 2024" for a speech of 5 March) is wrong, not cited.
    """
    year = chunk.published[:4] if chunk.published else ""
    return [t for t in (chunk.text, chunk.title, year if year.isdigit() else "") if t]


Check = Callable[[str, tuple[int, ...]], tuple[bool, str]]
"""``check(sentence, passages)`` -> ``(stated, reason)``: a further test of a sentence
against the 0-based passages that support it (:mod:`rag.answering.faithful`)."""


def _decide(
    sentence: str,
    cited: tuple[int, ...],
    row: Sequence[Support],
    chunks: Sequence[Chunk],
    lexical_only: bool,
    check: Check | None = None,
    answers: str = "",
) -> _Decision:
    """Which passages a sentence keeps; ``answers`` is the question + sentence of a fragment."""
    thresholds = [thresholds_for(answers or sentence, chunk, lexical_only) for chunk in chunks]
    kept = keep_cited(row, [i - 1 for i in cited], thresholds)
    if not answers and not needs_citation(sentence):
        return _Decision(kept, True, "")
    if not kept:
        added = sole_support(row, thresholds, chunks)
        kept = () if added is None else (added,)
    if not kept:
        reason = "no cited source supports it" if cited else "no source cited"
        return _Decision((), False, reason)
    evidence = [t for p in kept for t in evidence_texts(chunks[p])]
    missing = unsupported_numbers(sentence, evidence)
    if missing:
        return _Decision(kept, False, f"number not in sources: {', '.join(missing)}")
    if check is not None:
        stated, reason = check(sentence, kept)
        return _Decision(kept, True, "", True) if stated else _Decision((), False, reason, False)
    return _Decision(kept, True, "")


def _renumber(decisions: Sequence[_Decision]) -> dict[int, int]:
    """Passage index -> new citation number, in order of first use."""
    numbers: dict[int, int] = {}
    for decision in decisions:
        for p in decision.passages:
            numbers.setdefault(p, len(numbers) + 1)
    return numbers


def _citations(
    numbers: dict[int, int],
    decisions: Sequence[_Decision],
    rows: Sequence[Sequence[Support]],
    chunks: Sequence[Chunk],
) -> tuple[Citation, ...]:
    """One Citation per cited passage; its evidence is the best-scoring span it backs."""
    best: dict[int, Support] = {}
    for decision, row in zip(decisions, rows, strict=True):
        for p in decision.passages:
            if p not in best or row[p].score > best[p].score:
                best[p] = row[p]
    out = []
    for p, n in sorted(numbers.items(), key=lambda item: item[1]):
        chunk, (start, end) = chunks[p], best[p].span
        out.append(
            Citation(
                n=n,
                chunk_id=chunk.chunk_id,
                doc_id=chunk.doc_id,
                title=chunk.title,
                outlet=chunk.outlet,
                published=chunk.published,
                span=(start, end),
                evidence=chunk.text[start:end],
            )
        )
    return tuple(out)


def _gap(text: str) -> str:
    """Whitespace and list bullets between sentences, tidied."""
    text = re.sub(r"[ \t\u00a0]+", " ", text)
    text = re.sub(r" *\n *", "\n", text)
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text if "\n" in text or text.strip() else " "


def _render(layout: Layout, sentences: Sequence[str], markers: Sequence[tuple[int, ...]]) -> str:
    parts: list[str] = []
    cursor = 0
    for i, (span, sentence, numbers) in enumerate(
        zip(layout.sentences, sentences, markers, strict=True)
    ):
        gap = layout.text[cursor : span.start]
        parts.append(_gap(gap).lstrip(" \n") if i == 0 else _gap(gap))
        parts.append(with_markers(sentence, numbers))
        cursor = span.end
    return "".join(parts).strip()


def verify(
    answer: str,
    passages: Sequence[Chunk],
    similarity: Similarity | None = None,
    check: Check | None = None,
    question: str = "",
) -> Verified:
    """Check, repair and renumber the citations of a generated answer.

    An answer sentence that is a bare phrase ("82개", :func:`is_fragment`) states
    only with its question ("…몇 개인가? 82개"), so with ``question`` it is scored as
    the question followed by it, and needs a citation like any claim.

    Args:
        answer: The model's answer, citing ``passages`` as ``[1]..[n]``.
        passages: The numbered sources the model saw, in order.
        similarity: ``similarity(answer_sentences, passage_sentences)`` ->
            cosine matrix (see :func:`embedding_similarity`); None checks by
            words and numbers only.
        check: A last test of each claim against the passages that support it; a
            claim that fails loses its citations and is marked unsupported.
        question: The question answered ("" to check each sentence on its own).

    Returns:
        The answer with checked citations renumbered ``[1]..[k]`` in order of
        first use, a Claim per sentence and a Citation per cited passage.
    """
    chunks = tuple(passages)
    layout = split_answer(answer, len(chunks))
    sentences = [tidy(layout.text[s.start : s.end]) for s in layout.sentences]
    answers = [f"{question} {s}" if question and is_fragment(s) else "" for s in sentences]
    scored = [a or s for s, a in zip(sentences, answers, strict=True)]
    rows = score_support(scored, chunks, similarity) if chunks else [[] for _ in sentences]
    lexical_only = similarity is None
    decisions = [
        _decide(sentence, s.ids, row, chunks, lexical_only, check, answer)
        if chunks
        else _uncheckable(sentence)
        for sentence, s, row, answer in zip(sentences, layout.sentences, rows, answers, strict=True)
    ]
    numbers = _renumber(decisions)
    markers = [tuple(sorted(numbers[p] for p in d.passages)) for d in decisions]
    claims = tuple(
        Claim(sentence, marks, d.supported, d.reason, d.faithful)
        for sentence, marks, d in zip(sentences, markers, decisions, strict=True)
    )
    return Verified(
        text=_render(layout, sentences, markers),
        claims=claims,
        citations=_citations(numbers, decisions, rows, chunks),
    )


def _uncheckable(sentence: str) -> _Decision:
    """Verdict when there are no passages at all."""
    if needs_citation(sentence):
        return _Decision((), False, "no source cited")
    return _Decision((), True, "")


__all__ = ["Verified", "evidence_texts", "keep_cited", "sole_support", "verify"]
