"""An answerer that needs no language model: it quotes the best sentences.

Each sentence of the top passages is scored by embedding similarity to the
question and by shared content words; the best few, one idea each, are
returned in reading order with a ``[n]`` citation of their passage.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from rag.records import Hit
from rag.search.retrieve import jaccard, shingles
from rag.text.korean import split_sentences, tokenize

# Weight of embedding similarity against word overlap in a sentence's score.
DENSE_WEIGHT = 0.7
# A candidate this similar (character shingles) to a chosen sentence adds nothing.
REDUNDANT = 0.6
# Sentences scoring this far below the best one are off the question's point.
MARGIN = 0.15
# Sentences shorter than this (characters) are captions or fragments.
MIN_CHARS = 15


@dataclass(frozen=True)
class Candidate:
    """A sentence of a retrieved passage."""

    source: int  # 1-based position of the passage in the hits
    start: int
    end: int
    text: str


def candidates(hits: Sequence[Hit]) -> list[Candidate]:
    """Every sentence of the passages, long enough to carry a fact."""
    out = []
    for n, hit in enumerate(hits, start=1):
        text = hit.chunk.text
        for start, end in split_sentences(text):
            if end - start >= MIN_CHARS:
                out.append(Candidate(n, start, end, text[start:end]))
    return out


def overlap(question: str, sentence: str) -> float:
    """Share of the question's content words that the sentence contains."""
    wanted = set(tokenize(question))
    return len(wanted & set(tokenize(sentence))) / len(wanted) if wanted else 0.0


def extract(
    question: str,
    hits: Sequence[Hit],
    similarity: Callable[[list[str], list[str]], np.ndarray] | None = None,
    max_sentences: int = 3,
) -> str:
    """Return an answer made of quoted sentences, each ending with ``[n]``.

    Args:
        question: The question.
        hits: Retrieved passages, best first; ``[n]`` refers to ``hits[n - 1]``.
        similarity: Cosine matrix of questions x sentences; None for words only.
        max_sentences: Most sentences to quote.

    Returns:
        The answer text, or "" when there is no usable sentence.
    """
    pool = candidates(hits)
    if not pool:
        return ""
    lexical = np.array([overlap(question, c.text) for c in pool])
    scores = lexical
    if similarity is not None:
        dense = similarity([question], [c.text for c in pool])[0]
        scores = DENSE_WEIGHT * dense + (1 - DENSE_WEIGHT) * lexical
    scores = scores - 0.01 * np.array([c.source for c in pool])  # prefer better-ranked passages
    chosen: list[Candidate] = []
    order = np.argsort(-scores, kind="stable")
    for i in order:
        if scores[i] < scores[order[0]] - MARGIN:
            break
        grams = shingles(pool[i].text)
        if all(jaccard(grams, shingles(c.text)) < REDUNDANT for c in chosen):
            chosen.append(pool[i])
        if len(chosen) == max_sentences:
            break
    chosen.sort(key=lambda c: (c.source, c.start))
    return " ".join(f"{c.text} [{c.source}]" for c in chosen)
