"""Chat models run in this process with transformers, greedy, on the CPU.

:class:`TransformersGenerator` loads a Hugging Face id, a folder or a ``.gguf`` file; a
GGUF file is de-quantized once and cached as safetensors in :func:`converted_dir`. It
streams through a background thread that stops on the end of the model's turn, a stop
string or a closed iterator. torch and transformers are imported on first use, so
importing this module stays cheap.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import os
import shutil
import threading
import uuid
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rag.answerable import NO, YES, yes_share
from rag.config import models_dir
from rag.errors import GeneratorError, ModelError
from rag.generate import check_request, first_line, stop_list, until_stop
from rag.models import resolve_model

if TYPE_CHECKING:
    import torch

log = logging.getLogger(__name__)

# Longest context a local model is allowed to claim; configs of long-context models say
# 128k and more, which a 2-core CPU cannot process anyway.
MAX_CONTEXT = 32768
_THREAD_NAME = "rag-generate"


def _cpu_has_bf16() -> bool:
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


def _compute_dtype() -> torch.dtype:
    """The dtype local models run in.

    bfloat16 where the CPU has bf16 instructions: measured on this project's 2-core
    Xeon (AVX512-BF16) with Qwen2.5-Coder-0.5B and a 993-token prompt, bfloat16 took
    1.8 s to read the prompt against 5.5 s in float32, and decoded 15 tokens/s against
    5-10, at half the memory. Without bf16 instructions torch emulates it, slower than
    float32, so float32 there.
    """
    import torch

    return torch.bfloat16 if _cpu_has_bf16() else torch.float32


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


def _load_gguf(gguf: Path, dtype: torch.dtype) -> tuple[Any, Any]:
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


def _save_converted(model: Any, tokenizer: Any, target: Path) -> None:
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


def _single_gguf(folder: Path) -> Path | None:
    """The ``.gguf`` file of a folder that holds one and no transformers config."""
    if (folder / "config.json").is_file():
        return None
    found = sorted(folder.glob("*.gguf"))
    if len(found) > 1:
        names = ", ".join(p.name for p in found)
        raise ModelError(f"{folder} holds several .gguf files ({names}): set RAG_LLM_MODEL to one")
    return found[0] if found else None


@functools.cache
def _hf_helpers() -> tuple[type, type]:
    """The streamer and stopping-criteria classes, built on first use (imports transformers)."""
    import torch
    from transformers import StoppingCriteria, TextIteratorStreamer

    class TokenStreamer(TextIteratorStreamer):
        """Queues text after every token, not every word; counts generated tokens.

        A Korean word is several tokens, and waiting for the space that ends it (what
        :class:`TextStreamer` does) delays every piece. Only a character whose bytes are
        not all generated yet (it decodes as U+FFFD) is held back.
        """

        generated = 0

        def put(self, value: torch.Tensor) -> None:
            if value.dim() > 1:
                value = value[0]
            if self.skip_prompt and self.next_tokens_are_prompt:
                self.next_tokens_are_prompt = False
                return
            self.generated += value.numel()
            self.token_cache.extend(value.tolist())
            text = self.tokenizer.decode(self.token_cache, **self.decode_kwargs)
            end = len(text.rstrip("\ufffd"))
            if end > self.print_len:
                self.on_finalized_text(text[self.print_len : end])
                self.print_len = end
            if end == len(text) and text.endswith("\n"):  # keep decoding cheap
                self.token_cache, self.print_len = [], 0

    class Control(StoppingCriteria):
        """Ends generation when asked to (the consumer left) or on a stop string.

        The stop check decodes only the last generated tokens: enough of them to hold
        the longest stop string even at one byte per token.
        """

        def __init__(self, tokenizer: Any, prompt_len: int, stops: Sequence[str]) -> None:
            self.tokenizer = tokenizer
            self.prompt_len = prompt_len
            self.stops = stop_list(stops)
            self.window = max((len(s.encode("utf-8")) for s in self.stops), default=0) + 2
            self.cancel = threading.Event()

        def _done(self, ids: torch.Tensor) -> bool:
            if self.cancel.is_set():
                return True
            if not self.stops:
                return False
            tail = ids[max(self.prompt_len, ids.shape[-1] - self.window) :]
            text = self.tokenizer.decode(tail, skip_special_tokens=True)
            return any(stop in text for stop in self.stops)

        def __call__(self, input_ids: torch.Tensor, scores: Any, **kwargs: Any) -> torch.Tensor:
            done = [self._done(row) for row in input_ids]
            return torch.tensor(done, dtype=torch.bool, device=input_ids.device)

    return TokenStreamer, Control


class TransformersGenerator:
    """A chat model run in this process with transformers, greedy, on the CPU.

    Args:
        model: A Hugging Face id, a local folder or a ``.gguf`` file. A GGUF file is
            de-quantized on first use (30-40 s for Qwen2.5 0.5B/1.5B on 2 cores) and saved as
            safetensors in :func:`converted_dir`; later starts load that folder.
        threads: CPU threads for torch; None means all cores. This is process-wide.
        cache_dir: Where converted GGUF models go; None means
            ``$RAG_MODELS_DIR/.converted``.

    Attributes:
        last_tokens: Tokens generated by the most recent stream (end-of-turn included).

    Raises:
        ModelError: If the model is missing or cannot be loaded.
    """

    def __init__(
        self, model: str, threads: int | None = None, cache_dir: Path | None = None
    ) -> None:
        import torch
        from transformers.utils import logging as hf_logging

        self.name = model
        self.threads = threads or os.cpu_count() or 1
        torch.set_num_threads(self.threads)
        hf_logging.disable_progress_bar()
        path = resolve_model(model, "chat model", "RAG_LLM_MODEL")
        gguf = path if path.is_file() and path.suffix == ".gguf" else None
        if path.is_dir():
            gguf = _single_gguf(path)
        self.path = path
        self.model, self.tokenizer = self._load(path, gguf, cache_dir)
        self.model.eval()
        self.last_tokens = 0
        positions = getattr(self.model.config, "max_position_embeddings", None) or 2048
        self.context_window = min(int(positions), MAX_CONTEXT)
        self._eos = self._eos_ids()
        pad = self.tokenizer.pad_token_id
        self._pad = pad if pad is not None else (self._eos[0] if self._eos else None)
        template = self.tokenizer.chat_template
        self._template_kwargs = (
            {"enable_thinking": False}
            if isinstance(template, str) and "enable_thinking" in template
            else {}
        )

    def _load(self, path: Path, gguf: Path | None, cache_dir: Path | None) -> tuple[Any, Any]:
        from transformers import AutoModelForCausalLM, AutoTokenizer

        dtype = _compute_dtype()
        folder = path
        try:
            if gguf is not None:
                folder = converted_dir(gguf, cache_dir)
            if gguf is not None and not (folder / "config.json").is_file():
                log.info("converting %s to safetensors in %s (once)", gguf, folder)
                model, tokenizer = _load_gguf(gguf, dtype)
                _save_converted(model, tokenizer, folder)
            else:
                tokenizer = AutoTokenizer.from_pretrained(str(folder), local_files_only=True)
                model = AutoModelForCausalLM.from_pretrained(
                    str(folder), dtype=dtype, local_files_only=True
                )
        except Exception as exc:
            raise ModelError(
                f"cannot load chat model {gguf or folder}: {first_line(exc)}; "
                "point RAG_LLM_MODEL at a causal LM folder or a .gguf file"
            ) from exc
        if not tokenizer.chat_template:
            raise ModelError(
                f"chat model {gguf or folder} has no chat template: use an instruct model"
            )
        return model, tokenizer

    def _eos_ids(self) -> list[int]:
        """End-of-turn ids: the generation config's and the tokenizer's."""
        ids = self.model.generation_config.eos_token_id
        found = list(ids) if isinstance(ids, (list, tuple)) else [] if ids is None else [ids]
        if self.tokenizer.eos_token_id is not None and self.tokenizer.eos_token_id not in found:
            found.append(self.tokenizer.eos_token_id)
        return found

    def count_tokens(self, text: str) -> int:
        """Tokens of ``text`` with the model's tokenizer, no special tokens."""
        return len(self.tokenizer(text, add_special_tokens=False)["input_ids"])

    def prompt_ids(self, messages: list[dict[str, str]]) -> torch.Tensor:
        """Token ids of ``messages`` in the chat template, ending with the assistant cue."""
        encoded = self.tokenizer.apply_chat_template(
            messages,
            add_generation_prompt=True,
            tokenize=True,
            return_dict=True,
            return_tensors="pt",
            **self._template_kwargs,
        )
        return encoded["input_ids"]

    def yes_probability(self, messages: list[dict[str, str]]) -> float | None:
        """P(YES) / (P(YES) + P(NO)) for the first token of the reply (one forward pass).

        Raises:
            GeneratorError: If the prompt does not fit or the model fails.
        """
        import torch

        check_request(messages, 1)
        ids, _ = self._fitting_ids(messages)
        candidates = self._yes_no_ids
        try:
            torch.set_num_threads(self.threads)
            with torch.inference_mode():
                logits = self.model(input_ids=ids).logits[0, -1].float()
        except Exception as exc:
            raise GeneratorError(f"chat model {self.name} failed: {first_line(exc)}") from exc
        probs = torch.softmax(logits, dim=-1)
        return yes_share((label, float(probs[i])) for i, label in candidates.items())

    @functools.cached_property
    def _yes_no_ids(self) -> dict[int, bool]:
        """First-token ids of YES (True) and NO (False) spellings, with and without a space."""
        found: dict[int, bool] = {}
        for words, label in ((YES, True), (NO, False)):
            for variant in (w for word in words for w in (word, " " + word)):
                ids = self.tokenizer(variant, add_special_tokens=False)["input_ids"]
                if ids and found.setdefault(ids[0], label) != label:
                    del found[ids[0]]  # a first piece shared by a yes and a no spelling
        return found

    def stream(
        self, messages: list[dict[str, str]], max_new_tokens: int, stop: Sequence[str] = ()
    ) -> Iterator[str]:
        """Yield the answer piece by piece (about one piece per token).

        The prompt is built here; generation starts in a background thread when the
        first piece is requested, and stops when the returned iterator is closed.
        Closing waits for the step under way: one token, or the whole prompt if it is
        still being read (about 1.5 s per 1000 tokens for a 0.5B model on 2 cores).

        Raises:
            ValueError: If a message is malformed or ``max_new_tokens < 1``.
            GeneratorError: If the prompt does not fit the context window, or generation
                fails (raised while iterating).
        """
        check_request(messages, max_new_tokens)
        ids, room = self._fitting_ids(messages)
        return self._generate(ids, min(max_new_tokens, room), stop)

    def _fitting_ids(self, messages: list[dict[str, str]]) -> tuple[torch.Tensor, int]:
        """The prompt's token ids and the room left after them in the context window.

        Raises:
            GeneratorError: If the chat template fails or the prompt leaves no room.
        """
        try:
            ids = self.prompt_ids(messages)
        except Exception as exc:
            raise GeneratorError(
                f"cannot apply the chat template of {self.name}: {first_line(exc)}"
            ) from exc
        room = self.context_window - ids.shape[-1]
        if room < 1:
            raise GeneratorError(
                f"the prompt is {ids.shape[-1]} tokens but {self.name} accepts "
                f"{self.context_window}: lower top_k or chunk_tokens"
            )
        return ids, room

    def _generate(
        self, ids: torch.Tensor, max_new_tokens: int, stop: Sequence[str]
    ) -> Iterator[str]:
        import torch
        from transformers import StoppingCriteriaList

        streamer_class, control_class = _hf_helpers()
        streamer = streamer_class(self.tokenizer, skip_prompt=True, skip_special_tokens=True)
        control = control_class(self.tokenizer, ids.shape[-1], stop)
        failure: list[BaseException] = []

        def run() -> None:
            try:
                torch.set_num_threads(self.threads)  # OpenMP settings are per thread
                self.model.generate(
                    input_ids=ids,
                    attention_mask=torch.ones_like(ids),
                    max_new_tokens=max_new_tokens,
                    do_sample=False,
                    # A model's own penalty (Qwen2.5-Instruct ships 1.05) would push it away
                    # from copying names and numbers out of the sources.
                    repetition_penalty=1.0,
                    eos_token_id=self._eos or None,
                    pad_token_id=self._pad,
                    streamer=streamer,
                    stopping_criteria=StoppingCriteriaList([control]),
                )
            except BaseException as exc:  # noqa: BLE001 - re-raised in the consumer
                failure.append(exc)
                streamer.end()

        torch.set_num_threads(self.threads)
        self.last_tokens = 0
        thread = threading.Thread(target=run, name=_THREAD_NAME, daemon=True)
        thread.start()
        try:
            yield from until_stop(streamer, stop)
        finally:
            control.cancel.set()
            thread.join()
            self.last_tokens = streamer.generated
        if failure:
            raise GeneratorError(
                f"chat model {self.name} failed while generating: {first_line(failure[0])}"
            ) from failure[0]


__all__ = ["MAX_CONTEXT", "TransformersGenerator", "converted_dir"]
