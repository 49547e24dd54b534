"""One typed config: defaults here, then ``rag.toml``, then ``RAG_*``, then flags.

Every field below is a setting. Its ``RAG_*`` variable is its name in upper
case (``embed_model`` -> ``RAG_EMBED_MODEL``) and its ``rag.toml`` key is its
name as is, at the top level of the file.
"""

from __future__ import annotations

import os
import tomllib
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from rag.errors import ConfigError

MODES = ("hybrid", "dense", "bm25")
PROMPT_EVIDENCE = ("sentences", "passages")
ENGLISH_ANSWERS = ("translate", "direct")
THRESHOLD_NAMES = ("answerable_below", "faithful_below")
ANSWER_MODES = ("generate", "extractive")
LANG_CHOICES = ("auto", "ko", "en")
LLM_BACKENDS = ("auto", "llama", "transformers")


@dataclass(frozen=True)
class Config:
    """All settings. Defaults are what a fresh install uses."""

    # Where the article files live (.txt, .md, .html) and the metadata sidecar.
    corpus_dir: Path = Path("corpus")
    # Where `rag build` writes the index folder.
    index_dir: Path = Path("index")
    # Where the chat UI keeps what users leave behind: answer feedback (feedback.jsonl),
    # removed articles (trash/) and evaluation runs (eval/).
    data_dir: Path = Path("data")
    # Embedding model: a Hugging Face id or a local sentence-transformers folder.
    # Ids are looked up in $RAG_MODELS_DIR first, then in the Hugging Face cache.
    embed_model: str = "google/embeddinggemma-300m"
    # Prompts put before queries and passages; "" means the model's own
    # ("query"/"document" in its config), or e5-style prefixes for e5 models.
    query_prompt: str = ""
    document_prompt: str = ""
    # Texts per embedding batch.
    embed_batch_size: int = 16
    # Target passage length in tokens of the embedder's tokenizer.
    chunk_tokens: int = 200
    # Whole sentences repeated from the end of one passage at the start of the next.
    chunk_overlap: int = 1
    # Passages returned by a search.
    top_k: int = 5
    # Retrieval legs: hybrid (dense + BM25, fused), dense or bm25.
    mode: str = "hybrid"
    # Candidates each leg hands to fusion.
    candidates: int = 50
    # Reciprocal rank fusion: score = sum(weight / (rrf_k + rank)).
    rrf_k: int = 60
    dense_weight: float = 1.0
    bm25_weight: float = 1.0
    # At most this many passages from one article in a result list.
    max_per_doc: int = 3
    # Drop a passage whose word-shingle overlap with a better one is this high.
    near_duplicate: float = 0.9
    # Optional cross-encoder (id or folder) that reorders the fused list; "" = off.
    rerank_model: str = ""
    # How many fused candidates the reranker sees.
    rerank_depth: int = 20
    # Seconds a build waits for another build of the same index (another `rag build`,
    # an article added in the app) before giving up with a message; 0 = do not wait.
    lock_timeout: float = 600.0
    # Embed every passage sentence at build time (sentences.npy), so that an answer does
    # not wait 1-3 s to score them; one more vector per sentence on the disk.
    index_sentences: bool = True
    # Passages above which the FAISS index is HNSW instead of exact flat search.
    hnsw_threshold: int = 100_000
    # HNSW graph degree and search breadth.
    hnsw_m: int = 32
    hnsw_ef_search: int = 128
    # Chat model: a Hugging Face id, a local folder or a .gguf file.
    llm_model: str = "Qwen/Qwen2.5-1.5B-Instruct"
    # What runs a local chat model: auto (llama.cpp for a .gguf file, or a folder holding
    # one, when llama-cpp-python is installed; transformers for everything else), llama
    # (llama.cpp; GGUF only) or transformers (also .gguf, de-quantized once).
    llm_backend: str = "auto"
    # CPU threads of a local chat model; 0 = the back end's default. llama.cpp: every
    # core reads the prompt, and decoding uses the cores other work leaves free, judged
    # while the prompt is read (rag/llm/cpu.py); transformers: every core. On the 2-core
    # EPYC, 1.5B Q4_K_M, a ~1,000-token prompt (bench/threads.py): idle, 2 threads read
    # it in half the time of 1 and decode at 18 tokens/s against 10; with one other busy
    # process, 2 decoding threads collapse to ~4 tokens/s while 1 keeps ~10, and 2
    # threads still read the prompt about as fast as 1. A number > 0 fixes both.
    llm_threads: int = 0
    # Tokens a llama.cpp model's KV cache holds, prompt and answer together (memory is
    # allocated for all of it; the model's trained context bounds it).
    llm_context: int = 4096
    # Base URL of an OpenAI-compatible server (vLLM, llama.cpp, Ollama) to use
    # instead of running llm_model here; "" = run it here.
    llm_url: str = ""
    # Seconds to wait for the server before giving up.
    llm_timeout: float = 120.0
    # generate (chat model, cited and checked) or extractive (quoted sentences, no model).
    answer_mode: str = "generate"
    # Longest question, in characters; a longer one is cut to this, with a note saying so.
    max_question_chars: int = 1000
    # Answer language: auto (the question's), ko or en.
    lang: str = "auto"
    # Most tokens generated per answer.
    max_new_tokens: int = 256
    # Most prompt tokens: rules, sources and question. Prefill dominates CPU latency.
    prompt_tokens: int = 1536
    # Sentences of the retrieved passages the model answers from (rag/answering/evidence.py).
    evidence_sentences: int = 5
    # What the prompt shows: "sentences" (the evidence sentences of each passage) or
    # "passages" (whole passages, fitted to prompt_tokens).
    prompt_evidence: str = "sentences"
    # An English question over Korean articles: "translate" (the model answers in Korean,
    # the answer is checked in Korean, then translated sentence by sentence and kept
    # only if the figures and Latin names survive; rag/answering/translate.py) or
    # "direct" (the model answers in English from the Korean sources).
    english_answers: str = "translate"
    # Refuse without calling the model when the best passage's dense similarity is
    # below this and that passage is in the question's language (across languages the
    # similarity runs lower; rag.answering.compose.refusal_score). Calibrate with
    # `rag eval --calibrate`; 0 = never.
    # 0.3765: calibrated on eval/questions.jsonl with the 0.5B (whose check is off).
    refuse_below: float = 0.3765
    # Refuse when the chat model, asked "do these sources state the answer?", gives YES a
    # probability below this (rag/answering/answerable.py); 0 = skip the check. Unset:
    # the chat model's own calibrated value from `thresholds`.
    answerable_below: float | None = None
    # Drop the citation of an answer sentence when the chat model, asked "does the source
    # state this sentence?", gives YES a probability below this (rag/answering/faithful.py);
    # 0 = rule checks only. Unset: the chat model's calibrated value from `thresholds`.
    faithful_below: float | None = None
    # Calibrated thresholds per chat model, keyed by model_key(llm_model) (the file or id's
    # last part, lower case, without .gguf); `rag eval --calibrate` writes them as
    # [thresholds."<key>"] tables of rag.toml, over the values shipped in CALIBRATED.
    # A chat model with no entry runs with both checks off, and its answers say so.
    thresholds: Mapping[str, Mapping[str, float]] = field(default_factory=dict)


def _field_types() -> dict[str, type]:
    hints = typing.get_type_hints(Config)
    return {f.name: hints[f.name] for f in fields(Config)}


def _coerce(name: str, kind: type, value: Any, origin: str) -> Any:
    """Convert a raw value from TOML or the environment to the field's type.

    Raises:
        ConfigError: If the value cannot be converted.
    """
    if kind == float | None:
        if value is None or (isinstance(value, str) and value.strip() in ("", "auto")):
            return None
        kind = float
    if typing.get_origin(kind) is Mapping:
        return _thresholds(name, value, origin)
    try:
        if kind is Path:
            if not isinstance(value, (str, os.PathLike)):
                raise TypeError
            return Path(value)
        if kind is int:
            if isinstance(value, (bool, float)):
                raise TypeError
            return int(value)
        if kind is float:
            if isinstance(value, bool):
                raise TypeError
            return float(value)
        if kind is str:
            if not isinstance(value, str):
                raise TypeError
            return value
    except (TypeError, ValueError):
        pass
    raise ConfigError(f"{origin}: {name} must be {kind.__name__}, got {value!r}")


def _thresholds(name: str, value: Any, origin: str) -> dict[str, dict[str, float]]:
    """Read ``[thresholds."<model>"]`` tables: a table of tables of numbers.

    Raises:
        ConfigError: If the value is not such a table, or names an unknown threshold.
    """
    if not isinstance(value, Mapping):
        raise ConfigError(f'{origin}: {name} must be tables like [{name}."<model>"]')
    out: dict[str, dict[str, float]] = {}
    for model, table in value.items():
        if not isinstance(table, Mapping):
            raise ConfigError(f'{origin}: [{name}."{model}"] must be a table')
        for key, number in table.items():
            if key not in THRESHOLD_NAMES or isinstance(number, bool):
                raise ConfigError(
                    f'{origin}: [{name}."{model}"] {key} is not one of {", ".join(THRESHOLD_NAMES)}'
                )
            out.setdefault(model, {})[key] = _coerce(key, float, number, origin)
    return out


def validate(config: Config) -> Config:
    """Check ranges and choices.

    Raises:
        ConfigError: If a value is out of range.
    """
    if config.mode not in MODES:
        raise ConfigError(f"mode must be one of {', '.join(MODES)}, got {config.mode!r}")
    for name in ("top_k", "chunk_tokens", "embed_batch_size", "candidates", "max_per_doc"):
        if getattr(config, name) < 1:
            raise ConfigError(f"{name} must be at least 1, got {getattr(config, name)}")
    if config.answer_mode not in ANSWER_MODES:
        raise ConfigError(f"answer_mode must be one of {', '.join(ANSWER_MODES)}")
    if config.lang not in LANG_CHOICES:
        raise ConfigError(f"lang must be one of {', '.join(LANG_CHOICES)}, got {config.lang!r}")
    for name in ("max_new_tokens", "prompt_tokens", "max_question_chars"):
        if getattr(config, name) < 1:
            raise ConfigError(f"{name} must be at least 1, got {getattr(config, name)}")
    if config.evidence_sentences < 1:
        raise ConfigError(f"evidence_sentences must be at least 1, got {config.evidence_sentences}")
    if config.prompt_evidence not in PROMPT_EVIDENCE:
        raise ConfigError(f"prompt_evidence must be one of {', '.join(PROMPT_EVIDENCE)}")
    if config.english_answers not in ENGLISH_ANSWERS:
        raise ConfigError(f"english_answers must be one of {', '.join(ENGLISH_ANSWERS)}")
    for name in THRESHOLD_NAMES:
        value = getattr(config, name)
        if value is not None and not 0 <= value <= 1:
            raise ConfigError(f"{name} must be between 0 and 1, got {value}")
    if config.llm_backend not in LLM_BACKENDS:
        raise ConfigError(
            f"llm_backend must be one of {', '.join(LLM_BACKENDS)}, got {config.llm_backend!r}"
        )
    if config.llm_threads < 0:
        raise ConfigError(f"llm_threads must be 0 (the default) or more, got {config.llm_threads}")
    if config.llm_context < 256:
        raise ConfigError(f"llm_context must be at least 256 tokens, got {config.llm_context}")
    if config.chunk_overlap < 0:
        raise ConfigError(f"chunk_overlap must be 0 or more, got {config.chunk_overlap}")
    if config.lock_timeout < 0:
        raise ConfigError(f"lock_timeout must be 0 or more, got {config.lock_timeout}")
    if config.dense_weight < 0 or config.bm25_weight < 0:
        raise ConfigError("dense_weight and bm25_weight must be 0 or more")
    if not 0 < config.near_duplicate <= 1:
        raise ConfigError(f"near_duplicate must be in (0, 1], got {config.near_duplicate}")
    return config


def _apply(config: Config, values: Mapping[str, Any], origin: str, strict: bool) -> Config:
    types_ = _field_types()
    changes: dict[str, Any] = {}
    for key, value in values.items():
        if key not in types_:
            if strict:
                raise ConfigError(f"{origin}: unknown setting {key!r}")
            continue
        changes[key] = _coerce(key, types_[key], value, origin)
    return replace(config, **changes)


def read_toml(path: Path) -> dict[str, Any]:
    """Read a ``rag.toml`` file.

    Raises:
        ConfigError: If the file is unreadable or not valid TOML.
    """
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except OSError as exc:
        raise ConfigError(f"cannot read config {path}: {exc.strerror}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path} is not valid TOML: {exc}") from exc


def load_config(
    path: Path | None = None,
    env: Mapping[str, str] | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> Config:
    """Build the config from defaults, a TOML file, the environment and flags.

    Args:
        path: A ``rag.toml``. None means ``$RAG_CONFIG`` or ``./rag.toml`` if present.
        env: The environment; defaults to ``os.environ``.
        overrides: Values from CLI flags; None values are ignored.

    Raises:
        ConfigError: On an unknown key, a bad value or an unreadable file.
    """
    env = os.environ if env is None else env
    config = Config()
    if path is None and env.get("RAG_CONFIG"):
        path = Path(env["RAG_CONFIG"])
    if path is None and Path("rag.toml").is_file():
        path = Path("rag.toml")
    if path is not None:
        config = _apply(config, read_toml(path), str(path), strict=True)
    from_env = {
        f.name: env[f"RAG_{f.name.upper()}"]
        for f in fields(Config)
        if f"RAG_{f.name.upper()}" in env
    }
    config = _apply(config, from_env, "environment", strict=True)
    flags = {k: v for k, v in (overrides or {}).items() if v is not None}
    config = _apply(config, flags, "command line", strict=True)
    return validate(config)


# Thresholds calibrated with `rag eval --calibrate` for the chat models get-models provides
# (README: Evaluation). A rag.toml [thresholds."<key>"] table overrides them.
CALIBRATED: Mapping[str, Mapping[str, float]] = {
    # faithful_below: eval/faithfulness.jsonl, 140 claims (bench/results/faithfulness-*).
    # answerable_below: eval/questions.jsonl, the best refusal recall within 5% false
    # refusals (bench/results/eval-*); 0 for the 0.5B, whose P(YES) does not separate
    # answerable questions from unanswerable ones, so its check is off.
    "qwen2.5-coder-1.5b-instruct-q4_k_m": {"answerable_below": 0.4731, "faithful_below": 0.4705},
    "qwen2.5-coder-0.5b-instruct-q5_0": {"answerable_below": 0.0, "faithful_below": 0.6007},
}


def model_key(model: str) -> str:
    """The key of a chat model in ``thresholds``: its file or id's last part.

    Lower case, without ``.gguf``: ``~/m/Qwen2.5-1.5B-Q4_K_M.gguf`` -> ``qwen2.5-1.5b-q4_k_m``.
    """
    name = model.strip().rstrip("/").replace("\\", "/").rsplit("/", 1)[-1].lower()
    return name.removesuffix(".gguf")


@dataclass(frozen=True)
class Checks:
    """The thresholds of the model checks for one chat model.

    Attributes:
        answerable_below: Refuse below this P(YES) that the sources answer; 0 = off.
        faithful_below: Drop a citation below this P(YES) that its source states the
            sentence; 0 = rule checks only.
        calibrated: False when nothing was calibrated or set for this model, so both
            checks are off (answers carry a note saying so).
    """

    answerable_below: float = 0.0
    faithful_below: float = 0.0
    calibrated: bool = False


def checks(config: Config) -> Checks:
    """The check thresholds for the configured chat model.

    A threshold set at the top level applies to every model; otherwise the model's
    entry in ``thresholds`` (rag.toml), then in :data:`CALIBRATED`, is used.
    """
    key = model_key(config.llm_model)
    table = {**CALIBRATED.get(key, {}), **config.thresholds.get(key, {})}
    found = {
        name: getattr(config, name) if getattr(config, name) is not None else table.get(name)
        for name in THRESHOLD_NAMES
    }
    known = any(value is not None for value in found.values())
    return Checks(found["answerable_below"] or 0.0, found["faithful_below"] or 0.0, known)


def models_dir(env: Mapping[str, str] | None = None) -> Path:
    """Return ``$RAG_MODELS_DIR`` or ``~/.cache/rag-models``."""
    env = os.environ if env is None else env
    return Path(env.get("RAG_MODELS_DIR") or Path.home() / ".cache" / "rag-models")


__all__ = [
    "ANSWER_MODES",
    "CALIBRATED",
    "LANG_CHOICES",
    "LLM_BACKENDS",
    "MODES",
    "Checks",
    "Config",
    "checks",
    "load_config",
    "model_key",
    "models_dir",
    "read_toml",
    "validate",
]
