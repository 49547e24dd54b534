"""The tiny test models load offline through the real sentence-transformers code paths."""

from __future__ import annotations

import os
import re

import numpy as np
import pytest
from sentence_transformers import CrossEncoder, SentenceTransformer
from transformers import AutoTokenizer

from tests.models import train_tokenizer

KOREAN = "과기정통부는 2024년 9090억원 규모 예산을 투입해 전국민 인공지능 일상화를 추진한다."


def test_offline_env_is_set():
    for var in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_DATASETS_OFFLINE"):
        assert os.environ[var] == "1"


def test_embedder_encodes_korean_to_normalized_dim32(tiny_embedder):
    model = SentenceTransformer(str(tiny_embedder), device="cpu")
    assert model.get_embedding_dimension() == 32
    assert model.max_seq_length == 256
    emb = model.encode([KOREAN, "베이징시 AI 네이티브 도시 청사진"], convert_to_numpy=True)
    assert emb.shape == (2, 32)
    assert emb.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(emb, axis=1), 1.0, atol=1e-5)
    assert not np.allclose(emb[0], emb[1])


def test_embedder_is_deterministic_across_loads(tiny_embedder):
    a = SentenceTransformer(str(tiny_embedder), device="cpu").encode(KOREAN)
    b = SentenceTransformer(str(tiny_embedder), device="cpu").encode(KOREAN)
    np.testing.assert_allclose(a, b, atol=1e-6)


def test_embedder_prompts_are_applied(tiny_embedder):
    model = SentenceTransformer(str(tiny_embedder), device="cpu")
    assert model.prompts["query"] == "query: "
    assert model.prompts["document"] == "passage: "
    q = model.encode_query(KOREAN)
    d = model.encode_document(KOREAN)
    plain = model.encode(KOREAN)
    assert not np.allclose(q, d, atol=1e-4)
    assert not np.allclose(q, plain, atol=1e-4)
    np.testing.assert_allclose(q, model.encode(KOREAN, prompt="query: "), atol=1e-6)
    np.testing.assert_allclose(d, model.encode(KOREAN, prompt="passage: "), atol=1e-6)


def test_embedder_without_prompts(tiny_embedder_no_prompts):
    model = SentenceTransformer(str(tiny_embedder_no_prompts), device="cpu")
    assert all(v == "" for v in model.prompts.values())
    q = model.encode_query(KOREAN)
    np.testing.assert_allclose(q, model.encode_document(KOREAN), atol=1e-6)
    np.testing.assert_allclose(q, model.encode(KOREAN), atol=1e-6)
    assert q.shape == (32,)


def test_cross_encoder_predicts_one_float_per_pair(tiny_cross_encoder):
    model = CrossEncoder(str(tiny_cross_encoder), device="cpu")
    pairs = [
        ("2024년 예산은 얼마인가?", "2024년 9090억원 규모 예산을 투입해"),
        ("베이징시 계획은?", "AI 네이티브 도시 구축을 위한 청사진"),
        ("What is the budget?", "올해 77억원으로 대폭 늘렸다."),
    ]
    scores = model.predict(pairs)
    assert scores.shape == (3,)
    assert np.issubdtype(scores.dtype, np.floating)
    assert np.all(np.isfinite(scores))
    ranked = model.rank("예산", [p[1] for p in pairs])
    assert sorted(r["corpus_id"] for r in ranked) == [0, 1, 2]


@pytest.mark.parametrize("fixture", ["tiny_embedder", "tiny_cross_encoder"])
def test_tokenizer_round_trips_corpus_without_unk(request, fixture, corpus_texts):
    tok = AutoTokenizer.from_pretrained(str(request.getfixturevalue(fixture)))
    assert tok.unk_token == "[UNK]"
    assert tok.cls_token == "[CLS]"
    assert tok.sep_token == "[SEP]"
    assert tok.pad_token_id == 0
    for text in [*corpus_texts, "What is Korea's AI budget for 2024?"]:
        ids = tok(text, add_special_tokens=False)["input_ids"]
        assert tok.unk_token_id not in ids
        decoded = tok.decode(ids)
        assert re.sub(r"\s+", "", decoded) == re.sub(r"\s+", "", text)


def test_tokenizer_pairs_have_token_types(tiny_cross_encoder):
    tok = AutoTokenizer.from_pretrained(str(tiny_cross_encoder))
    enc = tok("예산", "9090억원")
    ids = enc["input_ids"]
    assert ids[0] == tok.cls_token_id
    assert ids.count(tok.sep_token_id) == 2
    assert set(enc["token_type_ids"]) == {0, 1}


def test_train_tokenizer_standalone(tmp_path):
    train_tokenizer(["인공지능 기본법 제정", "AI Basic Act"], tmp_path, vocab_size=100)
    tok = AutoTokenizer.from_pretrained(str(tmp_path))
    ids = tok("인공지능 기본법")["input_ids"]
    assert tok.unk_token_id not in ids
    assert tok.decode(ids, skip_special_tokens=True).replace(" ", "") == "인공지능기본법"
