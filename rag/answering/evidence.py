"""Evidence sentences: the few sentences of the retrieved passages that answer the question.

A weak chat model answers better from three sentences than from five passages, and
reads them faster. Every sentence of the passages is scored against the question by
the embedder (strongly cross-lingual, so an English question finds its Korean
sentence) and by shared content words; the best few, one idea each, go into the
prompt, the answerability check and every quoted fallback.

A sentence in another language than the question shares no words with it but its
Latin acronyms (every sentence with "AI" gained), so it is scored by the embedder alone,
with the embedder's question-answering prompt where it has one: on the English
questions of eval/ that put the gold sentence higher for 6 (4 of them to the top) and
lower for none (bench/HISTORY.md, stop 34).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from rag.records import Hit
from rag.search.retrieve import jaccard, shingles
from rag.text.korean import split_sentences, tokenize
from rag.text.lang import language

# Weight of embedding similarity against word overlap in a sentence's score.
DENSE_WEIGHT = 0.7
# Score taken off per rank of the passage a sentence comes from (prefer better passages).
RANK_PENALTY = 0.01
# A candidate this similar (character shingles) to a chosen sentence adds nothing.
REDUNDANT = 0.6
# Sentences scoring this far below the best one are off the question's point.
MARGIN = 0.15
# The same for the prompt's sentences when the best is in another language than the
# question. Scored by the cosine alone, such sentences lie closer together: MARGIN kept 4.7
# on average for the 28 English questions of eval/questions.jsonl (2.8 for the Korean
# ones); this keeps 3.1, the gold sentence as often (27 of 28), and a shorter prompt to
# read before the first token (bench/evidence_rank.py; bench/HISTORY.md, stop 35).
PROMPT_MARGIN_ACROSS = 0.08
# Sentences shorter than this (characters) are captions or fragments.
MIN_CHARS = 15

Similarity = Callable[[list[str], list[str]], np.ndarray]


@dataclass(frozen=True)
class Sentence:
    """A sentence of a retrieved passage, scored against the question.

    Attributes:
        source: 1-based position of its passage among the hits.
        start: Start of the sentence in the passage text.
        end: End of the sentence in the passage text.
        text: ``passage.text[start:end]``.
        score: Relevance to the question (higher is better).
    """

    source: int
    start: int
    end: int
    text: str
    score: float = 0.0


def sentences_of(hits: Sequence[Hit]) -> list[Sentence]:
    """Every sentence of the passages that is long enough to carry a fact."""
    out = []
    for n, hit in enumerate(hits, start=1):
        text = hit.chunk.text
        for start, end in split_sentences(text):
            if end - start >= MIN_CHARS:
                out.append(Sentence(n, start, end, text[start:end]))
    return out


def overlap(question: str, sentence: str) -> float:
    """Share of the question's content words that the sentence contains."""
    wanted = set(tokenize(question))
    return len(wanted & set(tokenize(sentence))) / len(wanted) if wanted else 0.0


def rank(
    question: str,
    hits: Sequence[Hit],
    similarity: Similarity | None,
    answering: Similarity | None = None,
) -> list[Sentence]:
    """Every sentence of the passages with its score, best first.

    A sentence in the question's language scores ``DENSE_WEIGHT`` of its embedding
    similarity plus the rest of its word overlap; one in another language the same
    share of its embedding similarity alone (by ``answering`` if given), so that the
    relevance margin of :func:`select` keeps its meaning.

    Args:
        question: The (standalone) question.
        hits: Retrieved passages, best first; ``Sentence.source`` indexes them from 1.
        similarity: Cosine matrix of questions x sentences; None scores by words only.
        answering: The same with the question embedded to find its answer
            (:meth:`rag.indexing.embed.Embedder.encode_questions`), for sentences in
            another language.
    """
    pool = sentences_of(hits)
    if not pool:
        return []
    texts = [s.text for s in pool]
    scores = np.array([overlap(question, t) for t in texts])
    if similarity is not None:
        asked = language(question)
        across = np.array([language(t) != asked for t in texts])
        dense = np.zeros(len(pool))
        for mask, measure in ((~across, similarity), (across, answering or similarity)):
            if mask.any():
                dense[mask] = measure([question], [texts[i] for i in np.flatnonzero(mask)])[0]
        scores = DENSE_WEIGHT * dense + (1 - DENSE_WEIGHT) * np.where(across, 0.0, scores)
    scores = scores - RANK_PENALTY * np.array([s.source for s in pool])
    order = np.argsort(-scores, kind="stable")
    return [
        Sentence(pool[i].source, pool[i].start, pool[i].end, pool[i].text, float(scores[i]))
        for i in order
    ]


def select(ranked: Sequence[Sentence], limit: int, margin: float = MARGIN) -> list[Sentence]:
    """The best ``limit`` sentences, dropping repeats and those far below the best.

    A sentence that overlapping passages both hold, or a near copy of one already
    chosen, is kept once.
    """
    chosen: list[Sentence] = []
    for sentence in ranked:
        if chosen and sentence.score < chosen[0].score - margin:
            break
        grams = shingles(sentence.text)
        if all(jaccard(grams, shingles(c.text)) < REDUNDANT for c in chosen):
            chosen.append(sentence)
        if len(chosen) == limit:
            break
    return chosen


def prompt_margin(question: str, ranked: Sequence[Sentence]) -> float:
    """The margin for the prompt's sentences: narrower when the best is in another language.

    Only the prompt's: which sentences are on the question's point at all (what
    :mod:`rag.answering.fallback` reads a refusal from) keeps :data:`MARGIN`.
    """
    across = bool(ranked) and language(ranked[0].text) != language(question)
    return PROMPT_MARGIN_ACROSS if across else MARGIN


def in_reading_order(sentences: Sequence[Sentence]) -> list[Sentence]:
    """Sentences ordered by passage, then by position in it."""
    return sorted(sentences, key=lambda s: (s.source, s.start))


def quote(sentences: Sequence[Sentence]) -> str:
    """The sentences as an answer, each ending with its ``[n]`` citation, in reading order."""
    return " ".join(f"{s.text} [{s.source}]" for s in in_reading_order(sentences))
