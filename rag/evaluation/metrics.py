"""Metrics for evaluating the system on a question set: pure functions, no I/O.

Retrieval metrics take a ranked list of ids and the set of relevant ids; the
same functions serve document level (``doc_id``) and passage level
(``chunk_id``). Conventions shared by every function here:

* A score that is undefined for a question (no relevant ids, no facts, no
  citations, ...) is ``None``, and :func:`mean` skips it, so such a question
  drops out of the average instead of counting as 0 or 1.
* A defined score with nothing found is ``0.0``.
* Repeated ids count once: a ranked list is reduced to the first occurrence of
  each id *before* it is cut at ``k`` (so the chunks of one document, mapped
  to their ``doc_id``, rank the document once, at its best chunk), and repeated
  citations of one id count as one citation.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from collections.abc import Collection, Iterable, Sequence
from difflib import SequenceMatcher

# Share of a gold quote a chunk must hold, as one unbroken run, to count as
# relevant when a chunk boundary cuts the quote.
MIN_QUOTE_SHARE = 0.6

_DIGIT_COMMA = re.compile(r"(?<=\d)[,，](?=\d)")
# A currency word after a magnitude is dropped, so 9090억원 and 9090억 compare equal.
_KO_UNIT = re.compile(r"(?<=[조억만천])\s*원")
_EN_UNIT = re.compile(r"(thousand|million|billion|trillion)\s*won\b")
_SPACE = re.compile(r"\s+")
_NON_WORD = re.compile(r"[\W_]+")
_EN_WORD = re.compile(r"\w+")


# Retrieval


def _top_k(ranked: Iterable[str], k: int) -> list[str]:
    """Return the first ``k`` distinct ids of ``ranked``, in order."""
    if k < 1:
        raise ValueError(f"k must be at least 1, got {k}")
    return list(dict.fromkeys(ranked))[:k]


def _cut(
    ranked: Sequence[str], relevant: Collection[str], k: int
) -> tuple[list[str], set[str]] | None:
    """The first ``k`` distinct ids and the gold set; None when there is no gold.

    Raises:
        ValueError: If ``k`` is below 1.
    """
    top = _top_k(ranked, k)
    return (top, set(relevant)) if relevant else None


def hit_at(ranked: Sequence[str], relevant: Collection[str], k: int) -> float | None:
    """Whether any relevant id is among the first ``k`` distinct ids (success@k).

    Args:
        ranked: Retrieved ids, best first. Repeats count once.
        relevant: The gold ids.
        k: Cutoff, at least 1. A list shorter than ``k`` is used whole.

    Returns:
        1.0 or 0.0; None when there are no relevant ids.

    Raises:
        ValueError: If ``k`` is below 1.
    """
    cut = _cut(ranked, relevant, k)
    if cut is None:
        return None
    top, gold = cut
    return 1.0 if any(i in gold for i in top) else 0.0


def recall_at(ranked: Sequence[str], relevant: Collection[str], k: int) -> float | None:
    """Share of the relevant ids found among the first ``k`` distinct ids.

    Args:
        ranked: Retrieved ids, best first. Repeats count once.
        relevant: The gold ids.
        k: Cutoff, at least 1.

    Returns:
        A share in [0, 1]; None when there are no relevant ids.

    Raises:
        ValueError: If ``k`` is below 1.
    """
    cut = _cut(ranked, relevant, k)
    if cut is None:
        return None
    top, gold = cut
    return sum(1 for i in top if i in gold) / len(gold)


def mrr_at(ranked: Sequence[str], relevant: Collection[str], k: int) -> float | None:
    """Reciprocal rank of the first relevant id within the first ``k`` distinct ids.

    Args:
        ranked: Retrieved ids, best first. Repeats count once.
        relevant: The gold ids.
        k: Cutoff, at least 1.

    Returns:
        ``1 / rank`` (1-based), 0.0 when no relevant id is in the top ``k``;
        None when there are no relevant ids.

    Raises:
        ValueError: If ``k`` is below 1.
    """
    cut = _cut(ranked, relevant, k)
    if cut is None:
        return None
    top, gold = cut
    return next((1.0 / rank for rank, i in enumerate(top, 1) if i in gold), 0.0)


def _discount(rank: int) -> float:
    """Return the nDCG gain of a relevant item at 1-based ``rank``."""
    return 1.0 / math.log2(rank + 1)


def ndcg_at(ranked: Sequence[str], relevant: Collection[str], k: int) -> float | None:
    """Normalised discounted cumulative gain at ``k``, with binary relevance.

    DCG sums ``1 / log2(rank + 1)`` over relevant ids in the top ``k``; the
    ideal DCG puts ``min(k, len(relevant))`` relevant ids at ranks 1, 2, ...

    Args:
        ranked: Retrieved ids, best first. Repeats count once.
        relevant: The gold ids.
        k: Cutoff, at least 1.

    Returns:
        A score in [0, 1]; None when there are no relevant ids.

    Raises:
        ValueError: If ``k`` is below 1.
    """
    cut = _cut(ranked, relevant, k)
    if cut is None:
        return None
    top, gold = cut
    dcg = sum(_discount(rank) for rank, i in enumerate(top, 1) if i in gold)
    ideal = sum(_discount(rank) for rank in range(1, min(k, len(gold)) + 1))
    return dcg / ideal


def _collapse(text: str) -> str:
    """Return ``text`` with runs of whitespace made one space, and stripped."""
    return _SPACE.sub(" ", text).strip()


def passage_relevant(chunk_text: str, quote: str, min_share: float = MIN_QUOTE_SHARE) -> bool:
    """Whether a chunk holds a gold quote, whole or as most of it.

    A chunk boundary can cut a quote, leaving part of it in each of two chunks;
    a chunk counts when the longest run of text it shares with the quote
    covers at least ``min_share`` of the quote (this includes a prefix or a
    suffix of the quote at the chunk's edge). Both sides are compared with
    whitespace collapsed.

    Args:
        chunk_text: The passage text.
        quote: The gold evidence quote.
        min_share: Share of the quote, in (0, 1], that must appear unbroken.

    Returns:
        True if the chunk holds the quote or at least ``min_share`` of it.

    Raises:
        ValueError: If the quote is empty or only whitespace.
    """
    chunk, gold = _collapse(chunk_text), _collapse(quote)
    if not gold:
        raise ValueError("empty gold quote")
    if gold in chunk:
        return True
    matcher = SequenceMatcher(None, chunk, gold, autojunk=False)
    match = matcher.find_longest_match(0, len(chunk), 0, len(gold))
    return match.size >= min_share * len(gold)


# Answers


def normalize_fact(text: str) -> str:
    """Normalise text for matching facts: one spelling for numbers and spacing.

    NFKC, lower case, no commas between digits, no currency word after a
    magnitude (``억 원`` → ``억``, ``billion won`` → ``billion``), and no
    whitespace at all, since Korean spacing varies. ``9,090억 원``,
    ``9090억원`` and ``9090억`` all become ``9090억``.
    """
    text = unicodedata.normalize("NFKC", text).lower()
    text = _DIGIT_COMMA.sub("", text)
    text = _KO_UNIT.sub("", text)
    text = _EN_UNIT.sub(r"\1", text)
    return _SPACE.sub("", text)


def _contains(haystack: str, needle: str) -> bool:
    """Whether normalised ``needle`` occurs in ``haystack`` as a whole number.

    A needle that starts or ends with a digit must not continue a longer
    number there, so ``909`` is not found in ``9090억``.
    """
    before = r"(?<![\d.])" if needle[0].isdigit() else ""
    after = r"(?!\d)" if needle[-1].isdigit() else ""
    return re.search(before + re.escape(needle) + after, haystack) is not None


def _alternatives(fact: str | Sequence[str]) -> list[str]:
    """Return the non-empty normalised alternatives of one fact."""
    options = (fact,) if isinstance(fact, str) else fact
    normal = [n for n in (normalize_fact(o) for o in options) if n]
    if not normal:
        raise ValueError(f"fact without a non-empty alternative: {fact!r}")
    return normal


def fact_recall(answer: str, facts: Sequence[str | Sequence[str]]) -> float | None:
    """Share of gold facts the answer states.

    Args:
        answer: The generated answer.
        facts: Gold facts; each is a tuple of alternative spellings (for
            example ``("9090억원", "909 billion")``), or a single string. A
            fact counts when any alternative occurs in the answer after
            :func:`normalize_fact` on both.

    Returns:
        A share in [0, 1] (0.0 for an empty answer); None when there are no facts.

    Raises:
        ValueError: If a fact has no non-empty alternative.
    """
    if not facts:
        return None
    text = normalize_fact(answer)
    found = sum(1 for f in facts if any(_contains(text, a) for a in _alternatives(f)))
    return found / len(facts)


def _f1_tokens(text: str, lang: str) -> list[str]:
    """Return the F1 tokens: Korean character bigrams or English words."""
    text = unicodedata.normalize("NFKC", text).lower()
    if lang == "en":
        return _EN_WORD.findall(text)
    if lang != "ko":
        raise ValueError(f"lang must be 'ko' or 'en', got {lang!r}")
    chars = _NON_WORD.sub("", text)
    if len(chars) == 1:
        return [chars]
    return [chars[i : i + 2] for i in range(len(chars) - 1)]


def token_f1(answer: str, reference: str, lang: str) -> float:
    """Token-overlap F1 between an answer and a reference answer.

    Korean is compared by character bigrams with whitespace and punctuation
    removed (spacing varies; a one-character text is its own token); English by
    lower-cased word tokens. Overlap counts repeated tokens as often as both
    sides have them.

    Args:
        answer: The generated answer.
        reference: The gold answer.
        lang: ``"ko"`` or ``"en"``.

    Returns:
        F1 in [0, 1]; 1.0 when both have no tokens, 0.0 when only one has none.

    Raises:
        ValueError: If ``lang`` is neither ``"ko"`` nor ``"en"``.
    """
    pred, gold = _f1_tokens(answer, lang), _f1_tokens(reference, lang)
    if not pred or not gold:
        return 1.0 if not pred and not gold else 0.0
    overlap = sum((Counter(pred) & Counter(gold)).values())
    if not overlap:
        return 0.0
    precision, recall = overlap / len(pred), overlap / len(gold)
    return 2 * precision * recall / (precision + recall)


# Refusals


def _share(part: int, whole: int) -> float | None:
    """Return ``part / whole``, or None when ``whole`` is 0."""
    return part / whole if whole else None


def refusal_scores(rows: Iterable[tuple[bool, bool]]) -> dict[str, float | None]:
    """Score refusals, treating "refuse" as the positive class.

    Args:
        rows: One ``(answerable, refused)`` pair per question.

    Returns:
        ``precision``: share of refusals that were on unanswerable questions
        (None when nothing was refused); ``recall``: share of unanswerable
        questions refused (None when every question is answerable);
        ``false_refusal_rate``: share of answerable questions refused (None
        when no question is answerable).
    """
    counts = Counter((bool(answerable), bool(refused)) for answerable, refused in rows)
    right = counts[False, True]
    wrong = counts[True, True]
    unanswerable = right + counts[False, False]
    answerable = wrong + counts[True, False]
    return {
        "precision": _share(right, right + wrong),
        "recall": _share(right, unanswerable),
        "false_refusal_rate": _share(wrong, answerable),
    }


# Citations


def citation_validity(cited_ids: Iterable[str], retrieved_ids: Collection[str]) -> float | None:
    """Share of distinct cited ids that are among the retrieved ids.

    Returns:
        A share in [0, 1]; None when the answer cites nothing.
    """
    cited = set(cited_ids)
    retrieved = set(retrieved_ids)
    return _share(len(cited & retrieved), len(cited))


def citation_precision(cited: Iterable[str], supporting: Collection[str]) -> float | None:
    """Share of distinct cited passages that are good citations.

    Args:
        cited: Ids the answer cites.
        supporting: The "good" ids: passages that hold gold evidence or
            support the sentence citing them.

    Returns:
        A share in [0, 1]; None when the answer cites nothing.
    """
    ids = set(cited)
    return _share(len(ids & set(supporting)), len(ids))


def citation_recall(claims_supported_flags: Sequence[bool]) -> float | None:
    """Share of answer sentences with at least one supporting citation.

    Args:
        claims_supported_flags: One flag per answer sentence (claim).

    Returns:
        A share in [0, 1]; None when there are no sentences.
    """
    return _share(sum(1 for f in claims_supported_flags if f), len(claims_supported_flags))


def cites_gold(cited_ids: Iterable[str], gold_ids: Collection[str]) -> bool:
    """Whether the answer cites at least one gold id."""
    gold = set(gold_ids)
    return any(i in gold for i in cited_ids)


# Speed and averages


def percentile(values: Sequence[float], q: float) -> float | None:
    """The ``q``-th percentile with linear interpolation (numpy's default).

    Args:
        values: Samples, in any order.
        q: Percentile in [0, 100].

    Returns:
        The percentile; None when there are no values.

    Raises:
        ValueError: If ``q`` is outside [0, 100].
    """
    if not 0 <= q <= 100:
        raise ValueError(f"q must be in [0, 100], got {q}")
    return _percentile(sorted(values), q) if values else None


def _percentile(ordered: Sequence[float], q: float) -> float:
    """Return the ``q``-th percentile of non-empty, sorted ``ordered``."""
    pos = (len(ordered) - 1) * q / 100
    low = math.floor(pos)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)


def summarize_latency(values: Sequence[float]) -> dict[str, float] | None:
    """Median and 95th percentile of latencies, keyed ``p50`` and ``p95``.

    Returns:
        The two percentiles; None when there are no values.
    """
    if not values:
        return None
    ordered = sorted(values)
    return {"p50": _percentile(ordered, 50), "p95": _percentile(ordered, 95)}


def mean(values: Iterable[float | None]) -> float | None:
    """Arithmetic mean of the values that are not None; None if none are left."""
    kept = [v for v in values if v is not None]
    return sum(kept) / len(kept) if kept else None
