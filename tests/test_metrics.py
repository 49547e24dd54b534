from __future__ import annotations

import math
import random

import numpy as np
import pytest
import pytrec_eval  # a test dependency: the cross-check must run, never skip

from rag.evaluation.metrics import (
    citation_precision,
    citation_recall,
    citation_validity,
    cites_gold,
    fact_recall,
    hit_at,
    mean,
    mrr_at,
    ndcg_at,
    normalize_fact,
    passage_relevant,
    percentile,
    recall_at,
    refusal_scores,
    summarize_latency,
    token_f1,
)

RETRIEVAL = [hit_at, recall_at, mrr_at, ndcg_at]


# Retrieval: hand-computed values


def test_hit_at_is_one_only_when_a_relevant_id_is_within_k() -> None:
    ranked = ["a", "b", "c", "d"]
    assert hit_at(ranked, {"c"}, 3) == 1.0
    assert hit_at(ranked, {"c"}, 2) == 0.0
    assert hit_at(ranked, {"d", "a"}, 1) == 1.0


def test_recall_at_counts_share_of_relevant_ids_found() -> None:
    ranked = ["a", "b", "c", "d"]
    assert recall_at(ranked, {"a", "c", "z"}, 4) == pytest.approx(2 / 3)
    assert recall_at(ranked, {"a", "c", "z"}, 2) == pytest.approx(1 / 3)


def test_mrr_at_uses_first_relevant_rank_and_ignores_later_ones() -> None:
    ranked = ["a", "b", "c", "d"]
    assert mrr_at(ranked, {"c", "d"}, 4) == pytest.approx(1 / 3)
    assert mrr_at(ranked, {"a"}, 4) == 1.0
    assert mrr_at(ranked, {"d"}, 3) == 0.0


def test_ndcg_at_matches_hand_computed_log2_discounts() -> None:
    ranked = ["a", "b", "c", "d"]
    # relevant at ranks 2 and 4; ideal puts two relevant at ranks 1 and 2
    dcg = 1 / math.log2(3) + 1 / math.log2(5)
    ideal = 1 + 1 / math.log2(3)
    assert ndcg_at(ranked, {"b", "d"}, 4) == pytest.approx(dcg / ideal)


def test_ndcg_ideal_is_capped_at_k_when_more_relevant_than_k() -> None:
    # three relevant, k=2, both top ranks relevant: perfect score, not 2/3 of ideal
    assert ndcg_at(["a", "b", "x"], {"a", "b", "c"}, 2) == pytest.approx(1.0)


def test_ndcg_ideal_uses_number_of_relevant_when_fewer_than_k() -> None:
    # one relevant at rank 1, k=10: ideal is a single relevant at rank 1
    assert ndcg_at(["a", "x", "y"], {"a"}, 10) == pytest.approx(1.0)


@pytest.mark.parametrize("metric", RETRIEVAL)
def test_no_relevant_ids_gives_none_so_question_is_skipped(metric) -> None:
    assert metric(["a", "b"], set(), 5) is None
    assert metric([], set(), 5) is None


@pytest.mark.parametrize("metric", RETRIEVAL)
def test_no_hits_gives_zero_not_none(metric) -> None:
    assert metric(["a", "b", "c"], {"z"}, 3) == 0.0
    assert metric([], {"z"}, 3) == 0.0


@pytest.mark.parametrize("metric", RETRIEVAL)
def test_k_larger_than_the_list_uses_the_whole_list(metric) -> None:
    assert metric(["x", "a"], {"a"}, 50) == metric(["x", "a"], {"a"}, 2)
    assert metric(["x", "a"], {"a"}, 50) > 0


@pytest.mark.parametrize("metric", RETRIEVAL)
def test_duplicates_in_ranking_count_once_and_take_no_rank(metric) -> None:
    # doc-level ranking from chunks: d1 d1 d1 d2 is the ranking d1 d2
    assert metric(["d1", "d1", "d1", "d2"], {"d2"}, 2) == metric(["d1", "d2"], {"d2"}, 2)
    assert metric(["d1", "d1", "d2", "d2"], {"d1", "d2"}, 4) == metric(
        ["d1", "d2"], {"d1", "d2"}, 4
    )


def test_duplicate_relevant_id_does_not_push_recall_or_ndcg_above_one() -> None:
    ranked = ["a", "a", "a"]
    assert recall_at(ranked, {"a"}, 3) == 1.0
    assert ndcg_at(ranked, {"a"}, 3) == pytest.approx(1.0)


@pytest.mark.parametrize("metric", RETRIEVAL)
def test_k_below_one_is_rejected(metric) -> None:
    with pytest.raises(ValueError, match="k must be"):
        metric(["a"], {"a"}, 0)


def test_retrieval_metrics_work_on_chunk_ids() -> None:
    ranked = ["doc1#0", "doc2#3", "doc1#1"]
    assert mrr_at(ranked, {"doc1#1"}, 5) == pytest.approx(1 / 3)
    assert recall_at(ranked, {"doc1#1", "doc2#3", "doc9#0"}, 2) == pytest.approx(1 / 3)


# Retrieval: cross-check against trec_eval (pytrec_eval)


def _random_runs(seed: int = 20240611, n: int = 40) -> list[tuple[list[str], set[str], set[str]]]:
    """Return (ranked, relevant, judged non-relevant) triples."""
    rng = random.Random(seed)
    pool = [f"d{i:02d}" for i in range(30)]
    runs = []
    for _ in range(n):
        ranked = rng.sample(pool, rng.randint(1, 15))
        judged = rng.sample(pool, rng.randint(1, 8))
        relevant = set(judged[: rng.randint(1, len(judged))])
        runs.append((ranked, relevant, set(judged) - relevant))
    return runs


def _trec_scores(ranked: list[str], relevant: set[str], nonrelevant: set[str], k: int) -> dict:
    qrels = {"q": {**{d: 1 for d in relevant}, **{d: 0 for d in nonrelevant}}}
    # strictly decreasing scores so trec_eval keeps our order
    run = {"q": {d: float(len(ranked) - i) for i, d in enumerate(ranked)}}
    measures = {f"success.{k}", f"recall.{k}", f"ndcg_cut.{k}"}
    full = pytrec_eval.RelevanceEvaluator(qrels, measures).evaluate(run)["q"]
    # trec_eval's recip_rank has no cutoff: evaluate the run cut at k instead
    cut = {"q": {d: s for d, s in list(run["q"].items())[:k]}}
    rr = pytrec_eval.RelevanceEvaluator(qrels, {"recip_rank"}).evaluate(cut)["q"]
    return {
        hit_at: full[f"success_{k}"],
        recall_at: full[f"recall_{k}"],
        ndcg_at: full[f"ndcg_cut_{k}"],
        mrr_at: rr["recip_rank"],
    }


@pytest.mark.parametrize("k", [1, 5, 10])
def test_retrieval_metrics_agree_with_trec_eval_on_random_runs(k: int) -> None:
    runs = _random_runs()
    # the generator must produce both hits and misses at every k for this to mean much
    hits = [hit_at(r, rel, k) for r, rel, _ in runs]
    assert 0.0 in hits
    assert 1.0 in hits
    for ranked, relevant, nonrelevant in runs:
        expected = _trec_scores(ranked, relevant, nonrelevant, k)
        for metric, value in expected.items():
            ours = metric(ranked, relevant, k)
            assert ours == pytest.approx(value, abs=1e-4), (metric.__name__, k, ranked, relevant)


# Passage relevance


def test_chunk_containing_the_whole_quote_is_relevant() -> None:
    chunk = (
        "과기정통부는 10일 발표했다. 정부는 내년 AI 예산으로 9090억원을 편성했다. 이는 역대 최대다."
    )
    assert passage_relevant(chunk, "정부는 내년 AI 예산으로 9090억원을 편성했다.")


def test_quote_matches_across_different_whitespace() -> None:
    chunk = "정부는  내년 AI\n예산으로 9090억원을   편성했다."
    assert passage_relevant(chunk, "정부는 내년 AI 예산으로\t9090억원을 편성했다.")


def test_quote_cut_by_chunk_end_counts_when_most_of_it_is_present() -> None:
    quote = "정부는 내년 AI 예산으로 9090억원을 편성했다."
    head = "앞 문장이다. " + quote[: int(len(quote) * 0.7)]
    tail = quote[int(len(quote) * 0.7) :] + " 다음 문장이다."
    assert passage_relevant(head, quote)
    assert not passage_relevant(tail, quote)


def test_quote_cut_by_chunk_start_counts_when_most_of_it_is_present() -> None:
    quote = "The ministry will spend 909 billion won on AI next year."
    assert passage_relevant(quote[len(quote) // 4 :] + " Next sentence.", quote)


def test_scattered_quote_words_do_not_make_a_chunk_relevant() -> None:
    quote = "정부는 내년 AI 예산으로 9090억원을 편성했다."
    chunk = "정부는 어제 발표했다. 내년 계획은 미정이다. AI 예산으로 논란이 일었다. 편성했다."
    assert not passage_relevant(chunk, quote)


def test_share_threshold_is_adjustable() -> None:
    quote = "abcdefghij"
    assert passage_relevant("xxabcdefyy", quote, min_share=0.6)
    assert not passage_relevant("xxabcdefyy", quote, min_share=0.9)


def test_empty_quote_is_an_error_not_a_match_everywhere() -> None:
    with pytest.raises(ValueError, match="empty gold quote"):
        passage_relevant("any text", "   ")


# Facts


@pytest.mark.parametrize(
    "spelling", ["9,090억원", "9090억 원", "9090억", "9,090 억 원", "9090 억원"]
)
def test_spellings_of_9090_eok_normalize_alike(spelling: str) -> None:
    assert normalize_fact(spelling) == "9090억"


@pytest.mark.parametrize("fact", ["9,090억원", "9090억 원", "9090억"])
@pytest.mark.parametrize(
    "answer",
    ["정부는 9,090억원을 투입한다.", "정부는 9090억 원을 투입한다.", "정부는 9090억을 투입한다."],
)
def test_fact_matches_any_spelling_of_9090_eok(fact: str, answer: str) -> None:
    assert fact_recall(answer, [(fact,)]) == 1.0


def test_english_answer_matches_909_billion_through_alternatives() -> None:
    facts = [("9090억원", "909 billion")]
    assert fact_recall("The government will spend 909 Billion won on AI.", facts) == 1.0
    assert fact_recall("The government will spend 909 billion KRW.", facts) == 1.0
    assert fact_recall("The government will spend 1 trillion won.", facts) == 0.0


def test_fact_matching_ignores_korean_spacing() -> None:
    facts = [("인공지능 기본법",), ("과학기술정보통신부",)]
    assert fact_recall("인공지능기본법은 과학기술 정보통신부가 담당한다.", facts) == 1.0


def test_fact_matching_ignores_english_case() -> None:
    assert fact_recall("the eu ai act applies from august", [("EU AI Act",)]) == 1.0


def test_number_fact_does_not_match_inside_a_longer_number() -> None:
    assert fact_recall("예산은 9090억원이다.", [("909억",)]) == 0.0
    assert fact_recall("예산은 19090억원이다.", [("9090억",)]) == 0.0
    assert fact_recall("성장률은 1.5%다.", [("5%",)]) == 0.0


def test_fact_recall_is_share_of_facts_found() -> None:
    facts = [("9090억",), ("2026년",), ("과기정통부", "과학기술정보통신부")]
    assert fact_recall("과학기술정보통신부는 9090억원을 쓴다.", facts) == pytest.approx(2 / 3)


def test_plain_string_fact_is_one_alternative_not_its_characters() -> None:
    assert fact_recall("9가 있다", ["9090억"]) == 0.0
    assert fact_recall("9090억 원", ["9090억"]) == 1.0


def test_empty_facts_give_none_and_empty_answer_gives_zero() -> None:
    assert fact_recall("아무 답", []) is None
    assert fact_recall("", [("9090억",)]) == 0.0


def test_fact_with_only_empty_alternatives_is_an_error() -> None:
    with pytest.raises(ValueError, match="non-empty alternative"):
        fact_recall("답", [("", " ")])


# Token F1


def test_identical_answers_have_f1_one() -> None:
    assert token_f1("9090억원을 투입한다", "9090억원을 투입한다", "ko") == 1.0
    assert token_f1("The Act applies.", "the act applies", "en") == 1.0


def test_korean_f1_ignores_spacing_and_punctuation() -> None:
    assert token_f1("인공지능 기본법.", "인공지능기본법", "ko") == 1.0


def test_korean_f1_uses_character_bigrams() -> None:
    # 가나다 -> {가나, 나다}; 가나라 -> {가나, 나라}: overlap 1 of 2 each side
    assert token_f1("가나다", "가나라", "ko") == pytest.approx(0.5)


def test_english_f1_uses_lowercased_words() -> None:
    # pred: the act applies now (4); gold: the act applies (3); overlap 3
    precision, recall = 3 / 4, 3 / 3
    expected = 2 * precision * recall / (precision + recall)
    assert token_f1("The Act applies now", "the act applies", "en") == pytest.approx(expected)


def test_repeated_tokens_overlap_only_as_often_as_both_have_them() -> None:
    # pred: a a a (3), gold: a b (2), overlap 1
    assert token_f1("a a a", "a b", "en") == pytest.approx(2 * (1 / 3) * (1 / 2) / (1 / 3 + 1 / 2))


def test_f1_empty_cases() -> None:
    assert token_f1("", "", "ko") == 1.0
    assert token_f1("", "", "en") == 1.0
    assert token_f1("", "답", "ko") == 0.0
    assert token_f1("answer", "", "en") == 0.0
    assert token_f1("가나", "다라", "ko") == 0.0


def test_single_korean_character_is_its_own_token() -> None:
    assert token_f1("네", "네", "ko") == 1.0
    assert token_f1("네", "아니", "ko") == 0.0


def test_unknown_language_is_rejected() -> None:
    with pytest.raises(ValueError, match="lang"):
        token_f1("a", "a", "ja")


# Refusals


def test_refusal_precision_recall_and_false_refusal_rate() -> None:
    rows = [
        (False, True),  # unanswerable, refused: right
        (False, False),  # unanswerable, answered: missed
        (True, True),  # answerable, refused: false refusal
        (True, False),
        (True, False),
        (True, False),
    ]
    assert refusal_scores(rows) == {
        "precision": pytest.approx(1 / 2),
        "recall": pytest.approx(1 / 2),
        "false_refusal_rate": pytest.approx(1 / 4),
    }


def test_no_refusals_leaves_precision_undefined() -> None:
    scores = refusal_scores([(True, False), (False, False)])
    assert scores == {"precision": None, "recall": 0.0, "false_refusal_rate": 0.0}


def test_all_refused_gives_full_recall_and_full_false_refusal_rate() -> None:
    scores = refusal_scores([(True, True), (False, True), (False, True)])
    assert scores == {
        "precision": pytest.approx(2 / 3),
        "recall": 1.0,
        "false_refusal_rate": 1.0,
    }


def test_refusal_scores_without_unanswerable_or_answerable_questions() -> None:
    assert refusal_scores([(True, False)])["recall"] is None
    assert refusal_scores([(False, True)])["false_refusal_rate"] is None
    assert refusal_scores([]) == {"precision": None, "recall": None, "false_refusal_rate": None}


# Citations


def test_citation_validity_is_share_of_cited_ids_that_were_retrieved() -> None:
    assert citation_validity(["a#0", "b#1", "z#9"], ["a#0", "b#1", "c#2"]) == pytest.approx(2 / 3)
    assert citation_validity(["a#0", "a#0", "z#9"], ["a#0"]) == pytest.approx(1 / 2)


def test_citation_validity_without_citations_is_none() -> None:
    assert citation_validity([], ["a#0"]) is None


def test_citation_precision_is_share_of_good_cited_passages() -> None:
    assert citation_precision(["a", "b", "c", "d"], {"a", "c"}) == pytest.approx(1 / 2)
    assert citation_precision(["a", "a"], {"a"}) == 1.0
    assert citation_precision(["x"], set()) == 0.0
    assert citation_precision([], {"a"}) is None


def test_citation_recall_is_share_of_supported_sentences() -> None:
    assert citation_recall([True, False, True, True]) == pytest.approx(3 / 4)
    assert citation_recall([False, False]) == 0.0
    assert citation_recall([]) is None


def test_cites_gold_needs_one_overlapping_id() -> None:
    assert cites_gold(["x", "g"], {"g", "h"}) is True
    assert cites_gold(["x"], {"g"}) is False
    assert cites_gold([], {"g"}) is False
    assert cites_gold(["x"], set()) is False


# Speed


@pytest.mark.parametrize("q", [0, 5, 25, 50, 73.5, 95, 99, 100])
def test_percentile_matches_numpy_linear_interpolation(q: float) -> None:
    rng = random.Random(7)
    for n in (1, 2, 3, 10, 101):
        values = [rng.uniform(0.05, 30.0) for _ in range(n)]
        assert percentile(values, q) == pytest.approx(float(np.percentile(values, q)))


def test_percentile_interpolates_between_neighbours() -> None:
    assert percentile([4.0, 1.0, 2.0, 3.0], 50) == pytest.approx(2.5)
    assert percentile([1.0, 2.0], 95) == pytest.approx(1.95)


def test_percentile_of_nothing_is_none_and_out_of_range_q_is_an_error() -> None:
    assert percentile([], 50) is None
    with pytest.raises(ValueError, match="q must be"):
        percentile([1.0], 101)
    with pytest.raises(ValueError, match="q must be"):
        percentile([1.0], -1)


def test_summarize_latency_reports_p50_and_p95() -> None:
    values = [float(v) for v in range(1, 21)]
    assert summarize_latency(values) == {
        "p50": pytest.approx(10.5),
        "p95": pytest.approx(float(np.percentile(values, 95))),
    }
    assert summarize_latency([]) is None


# Mean


def test_mean_skips_none() -> None:
    assert mean([1.0, None, 0.0, None, 0.5]) == pytest.approx(0.5)


def test_mean_of_only_none_or_nothing_is_none() -> None:
    assert mean([None, None]) is None
    assert mean([]) is None


def test_mean_keeps_zeros() -> None:
    assert mean([0.0, 0.0]) == 0.0


def test_mean_accepts_a_generator() -> None:
    assert mean(v for v in [2.0, None, 4.0]) == pytest.approx(3.0)
