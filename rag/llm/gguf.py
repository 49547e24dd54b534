"""GGUF chat models for transformers: de-quantize once, cache as safetensors.

transformers reads a ``.gguf`` file only by de-quantizing it (30-40 s for Qwen2.5
0.5B/1.5B on 2 cores), so the result is saved under :func:`converted_dir` and later
starts load that folder in seconds. torch and transformers load on first use.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rag.config import models_dir
from rag.errors import ModelError, first_line

if TYPE_CHECKING:
    import torch

log = logging.getLogger(__name__)


def cpu_has_bf16() -> bool:
    """Whether the CPU computes bfloat16 natively (AVX512-BF16 or AMX on x86, BF16 on Arm)."""
    try:
        info = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False
    for line in info.splitlines():
        if line.startswith(("flags", "Features")):
            flags = set(line.split(":", 1)[-1].split())
            return bool(flags & {"avx512_bf16", "amx_bf16", "bf16"})
    return False


def compute_dtype() -> torch.dtype:
    """The dtype local models run in.

    bfloat16 where the CPU has bf16 instructions: measured on this project's 2-core
    Xeon (AVX512-BF16) with Qwen2.5-Coder-0.5B and a 993-token prompt, bfloat16 took
    1.8 s to read the prompt against 5.5 s in float32, and decoded 15 tokens/s against
    5-10, at half the memory. Without bf16 instructions torch emulates it, slower than
    float32, so float32 there.
    """
    import torch

    return torch.bfloat16 if cpu_has_bf16() else torch.float32


def converted_dir(gguf: Path, cache_dir: Path | None = None) -> Path:
    """Folder the de-quantized weights of ``gguf`` are cached in.

    Keyed by the file's name, size and modification time, so a replaced file gets a
    fresh conversion: ``<cache_dir>/<stem>-<12 hex digits>``, where ``cache_dir``
    defaults to ``$RAG_MODELS_DIR/.converted``.
    """
    stat = gguf.stat()
    key = hashlib.sha256(f"{gguf.name}\0{stat.st_size}\0{stat.st_mtime_ns}".encode()).hexdigest()
    root = cache_dir if cache_dir is not None else models_dir() / ".converted"
    return root / f"{gguf.stem}-{key[:12]}"


def load_gguf(gguf: Path, dtype: torch.dtype) -> tuple[Any, Any]:
    """De-quantize a ``.gguf`` file into a transformers model and tokenizer (slow)."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    kwargs: dict[str, Any] = {}
    try:  # transformers >= 5.x: ask for plain tensors, so the model can be saved
        from transformers import GgufConfig

        kwargs["quantization_config"] = GgufConfig(dequantize=True)
    except ImportError:  # older releases always de-quantize
        pass
    folder, name = str(gguf.parent), gguf.name
    tokenizer = AutoTokenizer.from_pretrained(folder, gguf_file=name)
    model = AutoModelForCausalLM.from_pretrained(folder, gguf_file=name, dtype=dtype, **kwargs)
    quantizer = getattr(model, "hf_quantizer", None)
    if quantizer is not None:
        quantizer.remove_quantization_config(model)
    return model, tokenizer


def save_converted(model: Any, tokenizer: Any, target: Path) -> None:
    """Write model and tokenizer to ``target`` atomically: a temporary folder, then a rename.

    Two processes converting at once both succeed; the second rename loses and its copy
    is dropped. Failing to write (read-only disk, full disk) only logs a warning: the
    model is in memory anyway and the next start converts again.
    """
    tmp = target.parent / f".{target.name}.tmp-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    try:
        tmp.mkdir(parents=True)
        model.save_pretrained(str(tmp))
        tokenizer.save_pretrained(str(tmp))
        for file in tmp.iterdir():  # safetensors writes 0600; the cache is shared like the .gguf
            file.chmod(file.stat().st_mode | 0o044)
        try:
            tmp.rename(target)
        except OSError:
            if not (target / "config.json").is_file():
                raise
    except Exception as exc:  # noqa: BLE001 - caching is an optimisation, never fatal
        log.warning("could not cache the converted model in %s: %s", target, first_line(exc))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def single_gguf(folder: Path) -> Path | None:
    """The ``.gguf`` file of a folder that holds one and no transformers config."""
    if (folder / "config.json").is_file():
        return None
    found = sorted(folder.glob("*.gguf"))
    if len(found) > 1:
        names = ", ".join(p.name for p in found)
        raise ModelError(f"{folder} holds several .gguf files ({names}): set RAG_LLM_MODEL to one")
    return found[0] if found else None
