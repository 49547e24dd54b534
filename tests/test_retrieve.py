from __future__ import annotations

import numpy as np
import pytest

from rag.config import Config
from rag.errors import QueryError
from rag.indexing.bm25 import Bm25
from rag.indexing.store import Index
from rag.records import Chunk, Hit
from rag.search.retrieve import diversify, fuse, retrieve
from rag.search.searcher import check_query
from rag.text.korean import tokenize
from tests.fakes import fake_embedder


def _index(texts, docs=None):
    embedder = fake_embedder()
    docs = docs or [f"d{i}" for i in range(len(texts))]
    chunks = [
        Chunk(f"{d}#{i}", d, i, 0, len(t), t)
        for i, (d, t) in enumerate(zip(docs, texts, strict=True))
    ]
    import faiss

    vectors = embedder.encode_documents(texts)
    flat = faiss.IndexFlatIP(vectors.shape[1])
    flat.add(vectors)
    bm25 = Bm25.build([tokenize(t) for t in texts])
    return Index(None, {}, chunks, flat, bm25), embedder


def test_rrf_fuses_ranks_with_weights_and_keeps_each_legs_rank_and_score():
    dense = [(1, 0.9), (2, 0.8)]
    lexical = [(2, 7.0), (3, 5.0)]
    fused = fuse(dense, lexical, Config(rrf_k=60, dense_weight=1.0, bm25_weight=2.0))
    scores = {row: score for row, score, _ in fused}
    assert scores[2] == pytest.approx(1 / 62 + 2 / 61)
    assert scores[1] == pytest.approx(1 / 61)
    assert scores[3] == pytest.approx(2 / 62)
    assert [row for row, _, _ in fused] == [2, 3, 1]
    legs = dict((row, info) for row, _, info in fused)
    assert legs[2] == {"dense_rank": 2, "dense_score": 0.8, "bm25_rank": 1, "bm25_score": 7.0}
    assert "dense_rank" not in legs[3]


def test_single_leg_mode_scores_with_that_legs_own_score():
    fused = fuse([], [(4, 3.5), (1, 1.0)], Config(mode="bm25"))
    assert [(row, score) for row, score, _ in fused] == [(4, 3.5), (1, 1.0)]


def _hit(doc, text, score):
    return Hit(Chunk(f"{doc}#{score}", doc, 0, 0, len(text), text), score)


def test_at_most_n_chunks_per_document():
    hits = [_hit("a", f"문장 {i} 내용이 서로 다르다 {i * 7}", 10 - i) for i in range(5)] + [
        _hit("b", "다른 기사", 1)
    ]
    kept = diversify(hits, Config(top_k=5, max_per_doc=2))
    assert [h.chunk.doc_id for h in kept] == ["a", "a", "b"]


def test_near_duplicate_chunks_are_dropped_keeping_the_better_one():
    text = "정부는 올해 인공지능 예산으로 9090억원을 투입한다고 밝혔다"
    hits = [_hit("a", text, 3), _hit("b", text + ".", 2), _hit("c", "전혀 다른 내용의 문장", 1)]
    kept = diversify(hits, Config(top_k=5, near_duplicate=0.9))
    assert [h.chunk.doc_id for h in kept] == ["a", "c"]


@pytest.mark.parametrize("mode", ["hybrid", "dense", "bm25"])
def test_each_mode_finds_the_passage_that_matches(mode):
    texts = [
        "서울은 한국의 수도이다",
        "부산 날씨가 맑다",
        "정부는 9090억원을 투입한다",
        "베이징 AI 계획",
    ]
    index, embedder = _index(texts)
    hits = retrieve("9090억 투입", index, embedder, Config(top_k=2, mode=mode))
    assert hits[0].chunk.text == texts[2]
    if mode == "bm25":
        assert hits[0].dense_rank is None and hits[0].bm25_rank == 1
    if mode == "dense":
        assert hits[0].bm25_rank is None and hits[0].dense_rank == 1
    if mode == "hybrid":
        assert hits[0].dense_rank == 1 and hits[0].bm25_rank == 1


def test_bm25_mode_needs_no_embedder():
    index, _ = _index(["서울은 한국의 수도이다", "부산 날씨"])
    assert retrieve("서울의 인구", index, None, Config(mode="bm25"))[0].chunk.doc_id == "d0"


@pytest.mark.parametrize(("question", "k"), [("", 5), ("   ", 5), ("서울", 0)])
def test_empty_question_or_k_below_one_is_a_query_error(question, k):
    with pytest.raises(QueryError):
        check_query(question, k)


class ReverseReranker:
    def score(self, question, passages):
        return [
            float(len(passages) - i) * (1 if "부산" in p else 0.1) for i, p in enumerate(passages)
        ]


def test_reranker_reorders_candidates_and_records_its_score():
    texts = ["서울은 한국의 수도이다", "부산은 항구 도시이다", "서울과 부산"]
    index, embedder = _index(texts)
    hits = retrieve("서울", index, embedder, Config(top_k=3), reranker=ReverseReranker())
    assert "부산" in hits[0].chunk.text
    assert all(h.rerank_score is not None for h in hits)
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)


def test_real_cross_encoder_loads_and_scores(tiny_cross_encoder):
    from rag.search.rerank import Reranker

    scores = Reranker(str(tiny_cross_encoder)).score("예산", ["정부 예산", "날씨"])
    assert len(scores) == 2 and all(np.isfinite(scores))


def test_lexical_leg_counts_less_when_few_question_words_occur_in_the_corpus():
    texts = ["AI AI AI 인공지능 행사 안내", "서울시 예산 계획 발표", "부산 항구 물류"]
    index, embedder = _index(texts)
    assert index.bm25.coverage("서울시 예산 계획") == 1.0
    english = "AI budget plan for Seoul"
    assert index.bm25.coverage(english) == 0.25  # only "ai" occurs in the corpus
    hits = retrieve(english, index, embedder, Config(top_k=3, mode="hybrid", rrf_k=60))
    row0 = next(h for h in hits if h.chunk.doc_id == "d0")
    assert row0.bm25_rank == 1
    expected = 0.25**2 / (60 + 1) + (1 / (60 + row0.dense_rank) if row0.dense_rank else 0)
    assert row0.score == pytest.approx(expected)
