"""How well each passage supports each answer sentence: embedding, words, numbers.

Each answer sentence is scored against each passage, one passage sentence (or
two adjacent ones) at a time: embedding similarity when a ``similarity``
callable is given, content-word overlap (Kiwi morphemes weighted by rarity
among the passage sentences) and shared numbers. The best passage sentence is
the evidence span. :mod:`rag.answering.cite.verify` applies the thresholds.

Thresholds were calibrated with EmbeddingGemma-300M on hand-made cases
(``bench/citations.py``). They are per language pair: an English sentence
shares almost no words with a Korean passage (only Latin names, acronyms and
numbers), so there the embedding decides. "same" was calibrated on Korean
answers; English answers on English passages use it untested.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import TYPE_CHECKING

import numpy as np

from rag.answering.answer_type import bare_yes_no
from rag.answering.cite.markers import BOILERPLATE, is_refusal
from rag.records import Chunk
from rag.text.korean import kiwi, split_sentences, tokenize
from rag.text.lang import language
from rag.text.numbers import Quantity, find_quantities, same_quantity

if TYPE_CHECKING:
    from rag.indexing.embed import Embedder

Similarity = Callable[[list[str], list[str]], np.ndarray]
"""``similarity(answer_sentences, passage_sentences)`` -> cosine matrix, one row per answer."""


@dataclass(frozen=True)
class Thresholds:
    """Support scores for keeping, and adding, a citation.

    A cited passage is kept when its score is at least ``certain``, or at
    least ``keep`` and no other passage scores more than ``margin`` above it
    (then the model most likely cited the wrong one). A sentence citing
    several passages for several facts also keeps a passage scoring at least
    ``complement`` that adds evidence the kept ones lack (a number, or rare
    words worth :data:`COMPLEMENT_SHARE` of the matched word weight). An
    uncited claim gains a citation when exactly one passage scores ``add`` or
    more, or when one of several that do scores more than ``margin`` above the rest.
    """

    keep: float
    margin: float
    certain: float
    complement: float
    add: float


# Support score = EMBED_WEIGHT * cosine + LEXICAL_WEIGHT[pair] * overlap
#                 + NUMBER_WEIGHT * share of the sentence's numbers found;
# without a similarity callable, overlap + NUMBER_WEIGHT * share.
# "same": answer and passage in one language; "cross": an English answer on
# Korean passages, which share only Latin names, acronyms and numbers, so
# word overlap carries little weight there and the embedding decides.
EMBED_WEIGHT = 1.0
LEXICAL_WEIGHT = {"same": 0.5, "cross": 0.25}
NUMBER_WEIGHT = 0.1
# Calibrated with EmbeddingGemma-300M, query prompt for answer sentences and
# document prompt for passage sentences (bench/citations.py).
THRESHOLDS = {
    "same": Thresholds(keep=0.8, margin=0.15, certain=1.1, complement=0.6, add=0.9),
    "cross": Thresholds(keep=0.47, margin=0.05, certain=0.65, complement=0.4, add=0.55),
}
LEXICAL_THRESHOLDS = {
    "same": Thresholds(keep=0.4, margin=0.2, certain=0.7, complement=0.25, add=0.6),
    "cross": Thresholds(keep=0.05, margin=0.0, certain=0.15, complement=0.03, add=0.2),
}
# A co-cited passage adds evidence with a number the kept ones lack, or with
# rare words (in at most RARE_DF passage sentences: names, terms) making up
# this share of the sentence's matchable word weight.
COMPLEMENT_SHARE = 0.25
RARE_DF = 2
# A pair of adjacent passage sentences is the evidence only if it beats the
# best single sentence by this much; otherwise the shorter span wins.
PAIR_MARGIN = 0.05
# Fewer content words than this, and no number: not a claim, needs no citation.
MIN_CLAIM_TOKENS = 3
# Most words of an English answer sentence that is a bare phrase (is_fragment).
FRAGMENT_WORDS = 5


def _pair(answer_lang: str, passage_lang: str) -> str:
    return "same" if answer_lang == passage_lang else "cross"


def is_fragment(sentence: str) -> bool:
    """Whether an answer sentence is a bare phrase ("82개", "Zhongguancun"), not a statement.

    A Korean one has no sentence-final ending; an English one is at most
    :data:`FRAGMENT_WORDS` words. Only with its question does it say anything. A bare
    yes or no is none: it says nothing a source could state.
    """
    text = sentence.strip()
    if bare_yes_no(text):
        return False  # says nothing a source could state
    if language(text) == "ko":
        return not any(t.tag == "EF" for t in kiwi().tokenize(text))
    return len(text.split()) <= FRAGMENT_WORDS


def needs_citation(sentence: str) -> bool:
    """Whether a sentence states something a source must back (see module docstring)."""
    text = sentence.strip()
    if is_refusal(text) or text.endswith((":", "：")) or BOILERPLATE.search(text):
        return False
    return len(set(tokenize(text))) >= MIN_CLAIM_TOKENS or bool(find_quantities(text))


@dataclass(frozen=True)
class _Window:
    """One passage sentence, or two adjacent ones: a candidate evidence span."""

    start: int
    end: int
    sentences: tuple[int, ...]  # indices into the shared passage-sentence list
    tokens: frozenset[str]
    quantities: tuple[Quantity, ...]


@dataclass(frozen=True)
class _Passages:
    """The passages split into sentences, with token rarity across them."""

    chunks: tuple[Chunk, ...]
    languages: tuple[str, ...]
    sentences: tuple[str, ...]  # unique passage sentences, for the similarity callable
    windows: tuple[tuple[_Window, ...], ...]  # per passage
    idf: dict[str, float]
    unseen_idf: float
    rare: frozenset[str]


def _index_passages(chunks: Sequence[Chunk]) -> _Passages:
    unique: dict[str, int] = {}
    windows: list[tuple[_Window, ...]] = []
    for chunk in chunks:
        spans = split_sentences(chunk.text) or [(0, len(chunk.text))]
        singles = []
        for start, end in spans:
            text = chunk.text[start:end]
            ordinal = unique.setdefault(text, len(unique))
            singles.append(
                _Window(
                    start, end, (ordinal,), frozenset(tokenize(text)), tuple(find_quantities(text))
                )
            )
        pairs = [
            _Window(
                a.start,
                b.end,
                a.sentences + b.sentences,
                a.tokens | b.tokens,
                a.quantities + b.quantities,
            )
            for a, b in pairwise(singles)
        ]
        windows.append(tuple(singles + pairs))
    sentences = tuple(unique)
    df: dict[str, int] = {}
    for text in sentences:
        for token in set(tokenize(text)):
            df[token] = df.get(token, 0) + 1
    n = len(sentences)
    idf = {t: math.log(1 + n / d) for t, d in df.items()}
    return _Passages(
        chunks=tuple(chunks),
        languages=tuple(language(c.text) for c in chunks),
        sentences=sentences,
        windows=tuple(windows),
        idf=idf,
        unseen_idf=math.log(1 + n / 0.5) if n else 1.0,
        rare=frozenset(t for t, d in df.items() if d <= RARE_DF),
    )


@dataclass(frozen=True)
class Support:
    """How well one passage supports one answer sentence.

    Attributes:
        score: The combined support score the thresholds apply to.
        embedding: Best cosine between the sentence and the evidence span's
            sentences (None without a similarity callable).
        lexical: Rarity-weighted share of the sentence's content words in the span.
        numbers: Share of the sentence's numbers the span contains (None if it has none).
        span: ``(start, end)`` of the evidence in the passage text.
        matched: The sentence's words found in the span, with their rarity weight.
        matched_numbers: Positions of the sentence's numbers found in the span.
        matched_rare: Matched words found in at most :data:`RARE_DF` passage sentences.
    """

    score: float
    embedding: float | None
    lexical: float
    numbers: float | None
    span: tuple[int, int]
    matched: frozenset[tuple[str, float]] = frozenset()
    matched_numbers: frozenset[int] = frozenset()
    matched_rare: frozenset[str] = frozenset()


def _weights(tokens: frozenset[str], passages: _Passages) -> dict[str, float]:
    """Rarity (idf among the passage sentences) of each sentence word."""
    return {t: passages.idf.get(t, passages.unseen_idf) for t in tokens}


def _lexical(weights: dict[str, float], window: _Window) -> float:
    total = sum(weights.values())
    if not total:
        return 0.0
    return sum(w for t, w in weights.items() if t in window.tokens) / total


def _numbers_found(quantities: Sequence[Quantity], window: _Window) -> frozenset[int]:
    return frozenset(
        i for i, q in enumerate(quantities) if any(same_quantity(q, s) for s in window.quantities)
    )


def _combine(pair: str, embedding: float | None, lexical: float, numbers: float | None) -> float:
    number_part = 0.0 if numbers is None else NUMBER_WEIGHT * numbers
    if embedding is None:
        return lexical + number_part
    return EMBED_WEIGHT * embedding + LEXICAL_WEIGHT[pair] * lexical + number_part


@dataclass(frozen=True)
class _Features:
    """What scoring needs of one answer sentence, computed once."""

    weights: dict[str, float]
    quantities: tuple[Quantity, ...]
    lang: str


def _features(sentence: str, passages: _Passages) -> _Features:
    return _Features(
        weights=_weights(frozenset(tokenize(sentence)), passages),
        quantities=tuple(find_quantities(sentence)),
        lang=language(sentence),
    )


def _support(
    features: _Features, cosines: np.ndarray | None, passage: int, passages: _Passages
) -> Support:
    """Best-supporting window of one passage for one answer sentence.

    A two-sentence window must beat the single sentences by :data:`PAIR_MARGIN`,
    so the evidence span stays as short as the support allows.
    """
    pair = _pair(features.lang, passages.languages[passage])
    quantities = features.quantities
    best, best_key = None, -math.inf
    for window in passages.windows[passage]:
        embedding = None if cosines is None else max(float(cosines[i]) for i in window.sentences)
        lexical = _lexical(features.weights, window)
        found = _numbers_found(quantities, window)
        numbers = len(found) / len(quantities) if quantities else None
        score = _combine(pair, embedding, lexical, numbers)
        key = score - (PAIR_MARGIN if len(window.sentences) > 1 else 0.0)
        if key > best_key:
            matched = frozenset((t, w) for t, w in features.weights.items() if t in window.tokens)
            rare = frozenset(t for t, _ in matched if t in passages.rare)
            span = (window.start, window.end)
            best = Support(score, embedding, lexical, numbers, span, matched, found, rare)
            best_key = key
    if best is None:
        return Support(-math.inf, None, 0.0, None, (0, 0))
    return best


def score_support(
    sentences: Sequence[str],
    passages: Sequence[Chunk],
    similarity: Similarity | None = None,
) -> list[list[Support]]:
    """Score every answer sentence against every passage.

    Args:
        sentences: Answer sentences, markers removed.
        passages: The numbered sources, in order.
        similarity: Cosine matrix of answer sentences against passage
            sentences; None scores by words and numbers only.

    Returns:
        One row per sentence, one :class:`Support` per passage.
    """
    index = _index_passages(passages)
    cosines = None
    if similarity is not None and sentences and index.sentences:
        cosines = np.asarray(similarity(list(sentences), list(index.sentences)), dtype=np.float32)
    rows = []
    for i, sentence in enumerate(sentences):
        features = _features(sentence, index)
        row_cosines = None if cosines is None else cosines[i]
        rows.append([_support(features, row_cosines, p, index) for p in range(len(passages))])
    return rows


def thresholds_for(sentence: str, chunk: Chunk, lexical_only: bool) -> Thresholds:
    """The thresholds for one answer sentence against one passage, by language pair."""
    pair = _pair(language(sentence), language(chunk.text))
    return (LEXICAL_THRESHOLDS if lexical_only else THRESHOLDS)[pair]


def embedding_similarity(
    embedder: Embedder,
    cache_size: int = 4096,
    known: Mapping[str, np.ndarray] | None = None,
    questions: bool = False,
) -> Similarity:
    """A :data:`Similarity` over an :class:`rag.indexing.embed.Embedder`.

    Answer sentences are embedded with the query prompt and passage sentences
    with the document prompt (what ``bench/citations.py`` found to separate
    best). Passage sentences come from ``known`` (the index's, embedded at build
    time: :mod:`rag.indexing.sentences`) or are embedded and cached, since the same
    passages come back for related questions. With ``questions``, the texts on the left
    are questions, embedded to find the sentences that answer them
    (:meth:`rag.indexing.embed.Embedder.encode_questions`).
    """
    stored = known or {}
    cache: dict[str, np.ndarray] = {}
    encode = embedder.encode_questions if questions else embedder.encode_queries

    def similarity(answers: list[str], sentences: list[str]) -> np.ndarray:
        missing = [s for s in dict.fromkeys(sentences) if s not in stored and s not in cache]
        if missing:
            if len(cache) + len(missing) > cache_size:
                cache.clear()
            for text, vector in zip(missing, embedder.encode_documents(missing), strict=True):
                cache[text] = vector
        queries = encode(answers)
        documents = np.stack([stored[s] if s in stored else cache[s] for s in sentences])
        return queries @ documents.T

    return similarity
