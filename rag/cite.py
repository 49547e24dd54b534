"""Check every citation of a generated answer against the passages it cites.

The model sees the retrieved passages numbered ``[1]..[n]`` and is told to cite
them with ``[n]``. Small models break the format and cite the wrong source, so
after generation:

1. :func:`rag.markers.parse` splits the answer into sentences and reads each
   sentence's citation markers, in any of the styles small models produce.
2. :func:`verify` scores each answer sentence against each passage, one
   passage sentence (or two adjacent ones) at a time: embedding similarity
   when a ``similarity`` callable is given, content-word overlap (Kiwi
   morphemes weighted by rarity among the passage sentences) and shared
   numbers. The best passage sentence is the evidence span. Then:

   - a cited passage that does not support its sentence is removed, and so is
     one that another passage clearly beats (the model cited the wrong one);
     a second citation stays if it backs a part the first does not;
   - a claim left without a citation gains one when exactly one passage
     clearly supports it (a stricter bar than keeping one);
   - a claim is unsupported when no citation survives, or when it states a
     number, amount or date that no surviving cited passage (text, title or
     date) contains: ``reason="number not in sources: 9000억원"``;
   - citations are renumbered ``[1]..[k]`` in order of first use and put at
     the end of their sentence.
3. :func:`rag.markers.is_dont_know` tells the caller the model declined to answer.

Which sentences need a citation: a sentence is a *claim* unless it is a
refusal ("기사에서 찾을 수 없습니다"), introduces a list (ends with ``:``),
is boilerplate ("다음과 같습니다", "Here is what the articles say", "도움이
되셨길 바랍니다"), or has fewer than :data:`MIN_CLAIM_TOKENS` content words and
no number ("네.", "요약하면:"). Non-claims keep a citation only if it supports
them, never gain one and are never flagged.

Thresholds were calibrated with EmbeddingGemma-300M on hand-made cases
(``bench/citations.py``). They are per language pair: an English sentence
shares almost no words with a Korean passage (only Latin names, acronyms and
numbers), so there the embedding decides. "same" was calibrated on Korean
answers; English answers on English passages use it untested.

Not caught: a claim that reuses a passage's words with the opposite meaning
("인도 총리는 차기 정상회의 개최를 거절했다"); similarity and word overlap both
rate it as supported.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import TYPE_CHECKING

import numpy as np

from rag.korean import split_sentences, tokenize
from rag.markers import BOILERPLATE, Layout, is_dont_know, is_refusal, parse, split_answer, tidy
from rag.numbers import Quantity, find_quantities, same_quantity, unsupported_numbers
from rag.records import Chunk, Citation, Claim

if TYPE_CHECKING:
    from rag.embed import Embedder

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
    more.
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
# A text is Korean when at least this share of its letters are Hangul.
HANGUL_SHARE = 0.3
_HANGUL = re.compile(r"[가-힣ㄱ-ㅎㅏ-ㅣ]")
_LATIN = re.compile(r"[A-Za-z]")


# ---------------------------------------------------------------- scoring


def language(text: str) -> str:
    """``"ko"`` when at least :data:`HANGUL_SHARE` of the letters are Hangul, else ``"en"``."""
    hangul = len(_HANGUL.findall(text))
    latin = len(_LATIN.findall(text))
    return "ko" if hangul and hangul >= HANGUL_SHARE * (hangul + latin) else "en"


def _pair(answer_lang: str, passage_lang: str) -> str:
    return "same" if answer_lang == passage_lang else "cross"


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


def _thresholds(sentence: str, chunk: Chunk, lexical_only: bool) -> Thresholds:
    pair = _pair(language(sentence), language(chunk.text))
    return (LEXICAL_THRESHOLDS if lexical_only else THRESHOLDS)[pair]


# ---------------------------------------------------------------- verification


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
    """The one passage (0-based) that clearly supports a sentence, if exactly one does.

    Overlapping passages whose evidence spans overlap in the article count as
    one; the first of them is returned.
    """
    clear: list[tuple[int, str, int, int]] = []
    for p, support in enumerate(row):
        if support.score < thresholds[p].add:
            continue
        chunk = chunks[p]
        start, end = chunk.start + support.span[0], chunk.start + support.span[1]
        if not any(d == chunk.doc_id and start < e and s < end for _, d, s, e in clear):
            clear.append((p, chunk.doc_id, start, end))
    return clear[0][0] if len(clear) == 1 else None


def _evidence_texts(chunk: Chunk) -> list[str]:
    """What a cited passage vouches for: its text, title and date."""
    return [t for t in (chunk.text, chunk.title, chunk.published) if t]


def _decide(
    sentence: str,
    cited: tuple[int, ...],
    row: Sequence[Support],
    chunks: Sequence[Chunk],
    lexical_only: bool,
) -> _Decision:
    thresholds = [_thresholds(sentence, chunk, lexical_only) for chunk in chunks]
    kept = keep_cited(row, [i - 1 for i in cited], thresholds)
    if not needs_citation(sentence):
        return _Decision(kept, True, "")
    if not kept:
        added = sole_support(row, thresholds, chunks)
        kept = () if added is None else (added,)
    if not kept:
        reason = "no cited source supports it" if cited else "no source cited"
        return _Decision((), False, reason)
    evidence = [t for p in kept for t in _evidence_texts(chunks[p])]
    missing = unsupported_numbers(sentence, evidence)
    if missing:
        return _Decision(kept, False, f"number not in sources: {', '.join(missing)}")
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
        parts.append(sentence + "".join(f"[{n}]" for n in numbers))
        cursor = span.end
    return "".join(parts).strip()


def verify(
    answer: str,
    passages: Sequence[Chunk],
    similarity: Similarity | None = None,
) -> Verified:
    """Check, repair and renumber the citations of a generated answer.

    Args:
        answer: The model's answer, citing ``passages`` as ``[1]..[n]``.
        passages: The numbered sources the model saw, in order.
        similarity: ``similarity(answer_sentences, passage_sentences)`` ->
            cosine matrix (see :func:`embedding_similarity`); None checks by
            words and numbers only.

    Returns:
        The answer with checked citations renumbered ``[1]..[k]`` in order of
        first use, a Claim per sentence and a Citation per cited passage.
    """
    chunks = tuple(passages)
    layout = split_answer(answer, len(chunks))
    sentences = [tidy(layout.text[s.start : s.end]) for s in layout.sentences]
    rows = score_support(sentences, chunks, similarity) if chunks else [[] for _ in sentences]
    lexical_only = similarity is None
    decisions = [
        _decide(sentence, s.ids, row, chunks, lexical_only) if chunks else _uncheckable(sentence)
        for sentence, s, row in zip(sentences, layout.sentences, rows, strict=True)
    ]
    numbers = _renumber(decisions)
    markers = [tuple(sorted(numbers[p] for p in d.passages)) for d in decisions]
    claims = tuple(
        Claim(sentence, marks, d.supported, d.reason)
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


def embedding_similarity(embedder: Embedder, cache_size: int = 4096) -> Similarity:
    """A :data:`Similarity` over an :class:`rag.embed.Embedder`.

    Answer sentences are embedded with the query prompt and passage sentences
    with the document prompt (what ``bench/citations.py`` found to separate
    best). Passage sentence vectors are cached, since the same passages come
    back for related questions.
    """
    cache: dict[str, np.ndarray] = {}

    def similarity(answers: list[str], sentences: list[str]) -> np.ndarray:
        missing = [s for s in dict.fromkeys(sentences) if s not in cache]
        if missing:
            if len(cache) + len(missing) > cache_size:
                cache.clear()
            for text, vector in zip(missing, embedder.encode_documents(missing), strict=True):
                cache[text] = vector
        queries = embedder.encode_queries(answers)
        documents = np.stack([cache[s] for s in sentences])
        return queries @ documents.T

    return similarity


__all__ = [
    "LEXICAL_THRESHOLDS",
    "THRESHOLDS",
    "Similarity",
    "Support",
    "Thresholds",
    "Verified",
    "embedding_similarity",
    "is_dont_know",
    "keep_cited",
    "language",
    "needs_citation",
    "parse",
    "score_support",
    "sole_support",
    "verify",
]
