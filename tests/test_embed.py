from __future__ import annotations

import numpy as np
import pytest

from rag.errors import ModelError
from rag.indexing.embed import Embedder
from rag.models import resolve_model


def test_real_sentence_transformer_folder_loads_and_gives_normalized_vectors(tiny_embedder):
    embedder = Embedder(str(tiny_embedder), batch_size=2)
    vectors = embedder.encode_documents(["정부가 예산을 투입한다", "베이징 AI 계획", "서울"])
    assert vectors.shape == (3, embedder.dimension) and vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, rtol=1e-5)
    assert embedder.count_tokens(["정부가 예산을 투입한다"])[0] > 0
    assert embedder.max_tokens == 256


def test_models_own_prompts_are_used_for_queries_and_documents(tiny_embedder):
    embedder = Embedder(str(tiny_embedder))
    assert (embedder.query_prompt, embedder.document_prompt) == ("query: ", "passage: ")
    text = "인공지능 예산"
    q, d = embedder.encode_queries([text])[0], embedder.encode_documents([text])[0]
    assert not np.allclose(q, d)
    direct = embedder.model.encode([text], prompt="query: ", normalize_embeddings=True)[0]
    np.testing.assert_allclose(q, direct, rtol=1e-5)


def test_configured_prompts_override_the_models_own(tiny_embedder):
    embedder = Embedder(str(tiny_embedder), query_prompt="search_query: ", document_prompt="doc: ")
    assert embedder.describe().query_prompt == "search_query: "
    assert embedder.describe().document_prompt == "doc: "


def test_e5_family_gets_query_and_passage_prefixes_when_its_config_has_none(
    tiny_embedder_no_prompts,
):
    model = Embedder(str(tiny_embedder_no_prompts)).model
    e5 = Embedder("intfloat/multilingual-e5-base", model=model)
    assert (e5.query_prompt, e5.document_prompt) == ("query: ", "passage: ")
    plain = Embedder("some/other-model", model=model)
    assert (plain.query_prompt, plain.document_prompt) == ("", "")


def test_questions_get_the_question_answering_prompt_where_the_family_has_one(
    tiny_embedder_no_prompts,
):
    model = Embedder(str(tiny_embedder_no_prompts)).model
    gemma = Embedder("google/embeddinggemma-300m", model=model)
    assert gemma.question_prompt == "task: question answering | query: "
    text = "What is the budget?"
    direct = model.encode([text], prompt=gemma.question_prompt, normalize_embeddings=True)[0]
    np.testing.assert_allclose(gemma.encode_questions([text])[0], direct, rtol=1e-5)
    e5 = Embedder("intfloat/multilingual-e5-base", model=model)
    assert e5.question_prompt == e5.query_prompt == "query: "  # none of its own: the query one


def test_missing_model_id_says_how_to_fetch_it_or_point_at_a_folder(tmp_path):
    env = {"RAG_MODELS_DIR": str(tmp_path)}
    with pytest.raises(ModelError) as info:
        resolve_model("nobody/no-such-model", "embedding model", "RAG_EMBED_MODEL", env=env)
    message = str(info.value)
    assert "get-models" in message and "RAG_EMBED_MODEL" in message and "\n" not in message


def test_model_id_resolves_to_the_models_dir_by_its_last_part(tmp_path):
    (tmp_path / "embeddinggemma-300m").mkdir()
    found = resolve_model(
        "google/EmbeddingGemma-300m", "m", "X", env={"RAG_MODELS_DIR": str(tmp_path)}
    )
    assert found == tmp_path / "embeddinggemma-300m"


def test_missing_local_path_or_gguf_is_named(tmp_path):
    with pytest.raises(ModelError, match="does not exist"):
        resolve_model(str(tmp_path / "gone"), "embedding model", "RAG_EMBED_MODEL")
    with pytest.raises(ModelError, match="does not exist"):
        resolve_model("weights.gguf", "chat model", "RAG_LLM_MODEL")


def test_folder_that_is_not_a_model_gives_a_model_error(tmp_path):
    (tmp_path / "junk.txt").write_text("not a model")
    with pytest.raises(ModelError, match="cannot load embedding model"):
        Embedder(str(tmp_path))
