from __future__ import annotations

from pathlib import Path

import pytest

from rag.config import Config, load_config
from rag.errors import ConfigError


def test_defaults_apply_without_file_env_or_flags(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert load_config(env={}) == Config()


def test_toml_then_env_then_flags_override_in_that_order(tmp_path):
    toml = tmp_path / "rag.toml"
    toml.write_text('top_k = 7\nmode = "dense"\nindex_dir = "from-toml"\nchunk_tokens = 99\n')
    env = {"RAG_TOP_K": "9", "RAG_INDEX_DIR": "from-env"}
    config = load_config(toml, env=env, overrides={"top_k": 3, "mode": None})
    assert config.top_k == 3  # flag beats env beats toml
    assert config.index_dir == Path("from-env")  # env beats toml
    assert config.mode == "dense"  # a None flag leaves the toml value
    assert config.chunk_tokens == 99


def test_rag_config_env_names_the_toml_file(tmp_path):
    toml = tmp_path / "other.toml"
    toml.write_text('embed_model = "/models/e5"\n')
    assert load_config(env={"RAG_CONFIG": str(toml)}).embed_model == "/models/e5"


def test_unknown_toml_key_is_an_error_naming_it(tmp_path):
    toml = tmp_path / "rag.toml"
    toml.write_text("topk = 3\n")
    with pytest.raises(ConfigError, match="topk"):
        load_config(toml, env={})


def test_bad_env_value_is_an_error_naming_the_setting(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigError, match="top_k must be int"):
        load_config(env={"RAG_TOP_K": "many"})


def test_invalid_toml_is_one_clear_error(tmp_path):
    toml = tmp_path / "rag.toml"
    toml.write_text("top_k = = 3\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(toml, env={})


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("mode", "fuzzy"),
        ("top_k", 0),
        ("near_duplicate", 0.0),
        ("chunk_overlap", -1),
        ("llm_backend", "vllm"),
        ("llm_threads", -1),
        ("llm_context", 100),
    ],
)
def test_out_of_range_values_are_rejected(tmp_path, monkeypatch, key, value):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigError, match=key):
        load_config(env={}, overrides={key: value})


def test_bool_is_not_accepted_as_a_number(tmp_path):
    toml = tmp_path / "rag.toml"
    toml.write_text("top_k = true\n")
    with pytest.raises(ConfigError, match="top_k"):
        load_config(toml, env={})


def test_llm_backend_threads_and_context_come_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    env = {"RAG_LLM_BACKEND": "llama", "RAG_LLM_THREADS": "2", "RAG_LLM_CONTEXT": "8192"}
    config = load_config(env=env)
    assert (config.llm_backend, config.llm_threads, config.llm_context) == ("llama", 2, 8192)
    defaults = load_config(env={})
    assert (defaults.llm_backend, defaults.llm_threads, defaults.llm_context) == ("auto", 0, 4096)
