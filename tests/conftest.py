"""Shared fixtures: offline mode and tiny real models built from the corpus."""

from __future__ import annotations

import os

# Set before anything imports huggingface_hub/transformers so nothing ever tries the network.
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
os.environ["HF_DATASETS_OFFLINE"] = "1"
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from pathlib import Path

import pytest

from tests.models import build_tiny_cross_encoder, build_tiny_sentence_transformer

REPO_ROOT = Path(__file__).resolve().parents[1]
CORPUS_DIR = REPO_ROOT / "corpus"
QUERY_PROMPTS = {"query": "query: ", "document": "passage: "}


@pytest.fixture(scope="session")
def corpus_texts() -> list[str]:
    """The five real articles (corpus/*.txt, sorted by name), read as UTF-8."""
    return [p.read_text(encoding="utf-8") for p in sorted(CORPUS_DIR.glob("*.txt"))]


@pytest.fixture(scope="session")
def tiny_embedder(tmp_path_factory: pytest.TempPathFactory, corpus_texts: list[str]) -> Path:
    """Folder of a tiny sentence-transformers model (dim 32) with query/passage prompts."""
    out = tmp_path_factory.mktemp("tiny_embedder")
    return build_tiny_sentence_transformer(out, corpus_texts, prompts=QUERY_PROMPTS, seed=0)


@pytest.fixture(scope="session")
def tiny_embedder_no_prompts(
    tmp_path_factory: pytest.TempPathFactory, corpus_texts: list[str]
) -> Path:
    """Folder of a tiny sentence-transformers model (dim 32) without saved prompts."""
    out = tmp_path_factory.mktemp("tiny_embedder_no_prompts")
    return build_tiny_sentence_transformer(out, corpus_texts, prompts=None, seed=1)


@pytest.fixture(scope="session")
def tiny_cross_encoder(tmp_path_factory: pytest.TempPathFactory, corpus_texts: list[str]) -> Path:
    """Folder of a tiny BertForSequenceClassification (1 label) loadable by CrossEncoder."""
    out = tmp_path_factory.mktemp("tiny_cross_encoder")
    return build_tiny_cross_encoder(out, corpus_texts, seed=0)


@pytest.fixture(scope="session")
def tiny_qwen(tmp_path_factory: pytest.TempPathFactory, corpus_texts: list[str]) -> Path:
    """Folder of a tiny random Qwen2ForCausalLM with a byte-level BPE and a ChatML template."""
    from tests.models import build_tiny_qwen

    return build_tiny_qwen(tmp_path_factory.mktemp("tiny_qwen"), corpus_texts, seed=0)


@pytest.fixture(scope="session")
def tiny_gguf(tiny_qwen: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny Qwen2 written as a Q8_0 GGUF file (loads in llama.cpp and transformers)."""
    from tests.models import write_tiny_qwen_gguf

    return write_tiny_qwen_gguf(tiny_qwen, tmp_path_factory.mktemp("gguf") / "tiny-qwen-q8_0.gguf")


@pytest.fixture(autouse=True)
def _no_rag_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests see only the settings they set: no RAG_* variable leaks in from the shell."""
    for key in [k for k in os.environ if k.startswith("RAG_")]:
        monkeypatch.delenv(key)


@pytest.fixture(scope="session")
def fake_index(tmp_path_factory: pytest.TempPathFactory):
    """A Config whose index holds the real corpus embedded by the fake model (read-only)."""
    import shutil

    from rag.config import Config
    from rag.indexing.build import build
    from tests.fakes import fake_embedder

    root = tmp_path_factory.mktemp("fake_index")
    shutil.copytree(CORPUS_DIR, root / "corpus")
    config = Config(
        corpus_dir=root / "corpus",
        index_dir=root / "index",
        embed_model="fake-model",
        chunk_tokens=80,
        refuse_below=0.0,
    )
    build(config, embedder=fake_embedder())
    return config
