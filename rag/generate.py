"""Chat models behind one small interface: local transformers weights or an HTTP server.

:class:`TransformersGenerator` runs a model in this process on the CPU, from a Hugging
Face id, a folder or a ``.gguf`` file (de-quantized once, then cached as safetensors).
:class:`OpenAIGenerator` talks to any OpenAI-compatible ``/v1/chat/completions`` server
(vLLM, llama.cpp's ``llama-server``, Ollama) with the standard library only.
:func:`load_generator` picks one from the settings.

Both stream text pieces as they are generated and stop at ``max_new_tokens``, at the end
of the model's turn, or when the text contains a stop string (which is not yielded).
Closing the iterator early (``it.close()``, or leaving a ``for`` loop over it) stops the
generation too. Every failure is a :class:`~rag.errors.GeneratorError` (or a
:class:`~rag.errors.ModelError` while loading) with a one-line message.
"""

from __future__ import annotations

import functools
import hashlib
import http.client
import json
import logging
import os
import shutil
import threading
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from rag.config import models_dir
from rag.errors import GeneratorError, ModelError
from rag.models import resolve_model

if TYPE_CHECKING:
    import torch

log = logging.getLogger(__name__)

# Longest context a local model is allowed to claim; configs of long-context models say
# 128k and more, which a 2-core CPU cannot process anyway.
MAX_CONTEXT = 32768
ROLES = ("system", "user", "assistant")
_THREAD_NAME = "rag-generate"


@runtime_checkable
class Generator(Protocol):
    """A chat model that streams its answer.

    Attributes:
        name: The model as configured (id, path or server-side name).
        context_window: Tokens the model accepts, prompt and answer together.
    """

    name: str
    context_window: int

    def stream(
        self, messages: list[dict[str, str]], max_new_tokens: int, stop: Sequence[str] = ()
    ) -> Iterator[str]:
        """Yield the answer to chat ``messages`` piece by piece.

        Args:
            messages: ``{"role": "system" | "user" | "assistant", "content": str}`` dicts.
            max_new_tokens: At most this many tokens are generated.
            stop: Generation ends when the text contains one of these; it is not yielded.

        Raises:
            GeneratorError: If the model fails or cannot be reached.
        """
        ...

    def count_tokens(self, text: str) -> int:
        """Tokens ``text`` takes in a prompt, for budgeting (may be an estimate)."""
        ...


def _check_request(messages: Sequence[dict[str, str]], max_new_tokens: int) -> None:
    """Reject malformed calls, which are bugs of the caller, not of the model.

    Raises:
        ValueError: If a message is not a role/content pair or ``max_new_tokens < 1``.
    """
    if not messages:
        raise ValueError("messages is empty")
    for message in messages:
        if (
            not isinstance(message, dict)
            or message.get("role") not in ROLES
            or not isinstance(message.get("content"), str)
        ):
            raise ValueError(f"not a chat message: {message!r}")
    if max_new_tokens < 1:
        raise ValueError(f"max_new_tokens must be at least 1, got {max_new_tokens}")


def _stop_list(stop: Sequence[str] | str) -> list[str]:
    """The non-empty stop strings; a lone string is one stop, not one per character."""
    return [s for s in ([stop] if isinstance(stop, str) else stop) if s]


def _held_back(text: str, stops: Sequence[str]) -> int:
    """Length of the longest end of ``text`` that could be the start of a stop string."""
    for size in range(min(len(text), max(map(len, stops)) - 1), 0, -1):
        tail = text[-size:]
        if any(stop.startswith(tail) for stop in stops):
            return size
    return 0


def _until_stop(pieces: Iterable[str], stop: Sequence[str]) -> Iterator[str]:
    """Pass ``pieces`` through, ending before the first stop string.

    Text that might be the beginning of a stop string is held back until the next piece
    shows it is not, so no part of a stop string is ever yielded.
    """
    stops = _stop_list(stop)
    if not stops:
        yield from (piece for piece in pieces if piece)
        return
    pending = ""
    for piece in pieces:
        pending += piece
        found = [i for i in (pending.find(s) for s in stops) if i >= 0]
        if found:
            if min(found) > 0:
                yield pending[: min(found)]
            return
        keep = _held_back(pending, stops)
        if len(pending) > keep:
            yield pending[: len(pending) - keep]
            pending = pending[len(pending) - keep :]
    if pending:
        yield pending


# --------------------------------------------------------------------------- local models


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


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


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
        log.warning("could not cache the converted model in %s: %s", target, _first_line(exc))
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
            self.stops = _stop_list(stops)
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
                f"cannot load chat model {gguf or folder}: {_first_line(exc)}; "
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
        _check_request(messages, max_new_tokens)
        try:
            ids = self.prompt_ids(messages)
        except Exception as exc:
            raise GeneratorError(
                f"cannot apply the chat template of {self.name}: {_first_line(exc)}"
            ) from exc
        room = self.context_window - ids.shape[-1]
        if room < 1:
            raise GeneratorError(
                f"the prompt is {ids.shape[-1]} tokens but {self.name} accepts "
                f"{self.context_window}: lower top_k or chunk_tokens"
            )
        return self._generate(ids, min(max_new_tokens, room), stop)

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
            yield from _until_stop(streamer, stop)
        finally:
            control.cancel.set()
            thread.join()
            self.last_tokens = streamer.generated
        if failure:
            raise GeneratorError(
                f"chat model {self.name} failed while generating: {_first_line(failure[0])}"
            ) from failure[0]


# --------------------------------------------------------------------------- HTTP servers


def _endpoint(base_url: str) -> str:
    """``.../v1/chat/completions`` from a server address with or without ``/v1``."""
    url = base_url.strip().rstrip("/")
    if url.endswith("/chat/completions"):
        return url
    if not url.endswith("/v1"):
        url += "/v1"
    return url + "/chat/completions"


def _sse_data(lines: Iterable[bytes]) -> Iterator[str]:
    """The ``data`` payloads of a Server-Sent Events stream, one per event.

    Multi-line data fields are joined with newlines; comments (``: ping``), ``event:``
    and ``id:`` lines are skipped; an event not closed by a blank line at the end of the
    stream still counts.
    """
    data: list[str] = []
    for raw in lines:
        line = raw.decode("utf-8", errors="replace").rstrip("\r\n")
        if line.startswith("data:"):
            data.append(line[5:].removeprefix(" "))
        elif not line and data:
            yield "\n".join(data)
            data = []
    if data:
        yield "\n".join(data)


def _server_message(body: bytes) -> str:
    """The error text of a server's JSON error body, else the start of the body."""
    text = body.decode("utf-8", errors="replace").strip()
    try:
        data = json.loads(text)
    except ValueError:
        return " ".join(text.split())[:200]
    if isinstance(data, dict):
        error = data.get("error", data)
        if isinstance(error, dict):
            error = error.get("message") or error.get("detail") or error
        if isinstance(error, str):
            return " ".join(error.split())
        for key in ("message", "detail"):
            if isinstance(data.get(key), str):
                return " ".join(data[key].split())
    return " ".join(text.split())[:200]


class OpenAIGenerator:
    """A client of an OpenAI-compatible chat server (vLLM, llama.cpp server, Ollama).

    Streams ``/v1/chat/completions`` with ``temperature: 0``, using only the standard
    library. Stop strings are sent to the server and also enforced here.

    Args:
        base_url: The server, e.g. ``http://127.0.0.1:8080`` or ``http://host:8000/v1``.
        model: The model name the server knows it by.
        timeout: Seconds to wait to connect and, during the answer, for each next piece
            (not for the whole answer).
        api_key: Sent as ``Authorization: Bearer ...`` if given.
        context_window: Tokens the served model accepts; the server does not say, so it
            is a setting.

    Attributes:
        last_tokens: Content pieces of the most recent stream (servers send about one
            per token).

    Raises:
        GeneratorError: If ``base_url`` is not an http(s) URL.
    """

    def __init__(
        self,
        base_url: str,
        model: str,
        timeout: float = 60.0,
        api_key: str | None = None,
        context_window: int = 8192,
    ) -> None:
        if urllib.parse.urlsplit(base_url.strip()).scheme not in ("http", "https"):
            raise GeneratorError(
                f"chat server address {base_url!r} is not a URL: set RAG_LLM_URL to "
                "http://host:port (an OpenAI-compatible server)"
            )
        self.name = model
        self.base_url = base_url
        self.url = _endpoint(base_url)
        self.timeout = timeout
        self.api_key = api_key
        self.context_window = context_window
        self.last_tokens = 0

    def count_tokens(self, text: str) -> int:
        """Estimate tokens of ``text``, erring high: no tokenizer is at hand.

        One token per non-ASCII character and one per three ASCII characters. Measured
        with the Qwen2.5 tokenizer on the corpus articles (about 0.7 tokens per
        character of Korean news, 0.22 per character of English) this overestimates by
        about 4% for Korean and 40% for English; tokenizers with more Korean in their
        vocabulary (Gemma, EXAONE) need fewer tokens still.
        """
        ascii_chars = sum(1 for c in text if c.isascii())
        return (len(text) - ascii_chars) + -(-ascii_chars // 3)

    def _request(
        self, messages: list[dict[str, str]], max_new_tokens: int, stop: Sequence[str]
    ) -> urllib.request.Request:
        body: dict[str, Any] = {
            "model": self.name,
            "messages": messages,
            "stream": True,
            "temperature": 0,
            "max_tokens": max_new_tokens,
        }
        if _stop_list(stop):
            body["stop"] = _stop_list(stop)
        headers = {"Content-Type": "application/json", "Accept": "text/event-stream"}
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        return urllib.request.Request(
            self.url, data=json.dumps(body).encode("utf-8"), headers=headers, method="POST"
        )

    def _open(self, request: urllib.request.Request) -> http.client.HTTPResponse:
        """Send the request.

        Raises:
            GeneratorError: On a refused or failed connection, a timeout or an HTTP error.
        """
        # A proxy from the environment never serves this machine's own ports.
        local = urllib.parse.urlsplit(self.url).hostname in ("localhost", "127.0.0.1", "::1")
        opener = urllib.request.build_opener(*([urllib.request.ProxyHandler({})] if local else []))
        try:
            return opener.open(request, timeout=self.timeout)
        except urllib.error.HTTPError as exc:
            try:
                detail = _server_message(exc.read())
            except (OSError, http.client.HTTPException):
                detail = ""
            message = f"chat server {self.url} answered HTTP {exc.code}: {detail or exc.reason}"
            if exc.code in (404, 405):
                message += "; check RAG_LLM_URL (an OpenAI-compatible server) and the model name"
            elif exc.code in (401, 403):
                message += "; check the API key"
            raise GeneratorError(message) from exc
        except urllib.error.URLError as exc:
            reason = exc.reason
            if isinstance(reason, TimeoutError):
                raise self._timeout() from exc
            if isinstance(reason, ConnectionRefusedError):
                raise GeneratorError(
                    f"cannot reach the chat server at {self.url}: connection refused; "
                    "start the server or fix RAG_LLM_URL"
                ) from exc
            raise GeneratorError(
                f"cannot reach the chat server at {self.url}: {reason}; "
                "check that it runs and RAG_LLM_URL"
            ) from exc
        except TimeoutError as exc:
            raise self._timeout() from exc
        except (OSError, http.client.HTTPException) as exc:
            raise GeneratorError(
                f"connection to the chat server at {self.url} failed: {_first_line(exc)}; "
                "check that it runs and RAG_LLM_URL"
            ) from exc

    def _timeout(self) -> GeneratorError:
        return GeneratorError(
            f"chat server {self.url} did not answer within {self.timeout:g} s; check that it "
            "is running and not overloaded, or raise the timeout"
        )

    def _malformed(self, what: str) -> GeneratorError:
        return GeneratorError(
            f"chat server {self.url} sent a malformed stream ({what}); "
            "is RAG_LLM_URL an OpenAI-compatible server?"
        )

    def _pieces(self, response: http.client.HTTPResponse) -> Iterator[str]:
        """Content pieces of the stream; a JSON (non-streamed) answer is one piece.

        Raises:
            GeneratorError: If the stream is malformed, reports an error, or ends before
                ``[DONE]`` or a ``finish_reason``.
        """
        if "application/json" in response.headers.get("Content-Type", ""):
            yield self._whole_answer(response.read())
            return
        finished = False
        for payload in _sse_data(response):
            if payload.strip() == "[DONE]":
                return
            try:
                chunk = json.loads(payload)
            except ValueError:
                raise self._malformed(f"not JSON: {payload[:60]!r}") from None
            if not isinstance(chunk, dict):
                raise self._malformed(f"not an object: {payload[:60]!r}")
            if "error" in chunk or chunk.get("object") == "error":  # OpenAI / vLLM style
                message = _server_message(payload.encode("utf-8"))
                raise GeneratorError(f"chat server {self.url} failed: {message}")
            choices = chunk.get("choices")
            if not isinstance(choices, list):
                raise self._malformed("a chunk without choices")
            if not choices or not isinstance(choices[0], dict):  # e.g. a usage-only chunk
                continue
            delta = choices[0].get("delta")
            content = delta.get("content") if isinstance(delta, dict) else None
            if isinstance(content, str) and content:
                self.last_tokens += 1
                yield content
            finished = finished or bool(choices[0].get("finish_reason"))
        if not finished:
            raise GeneratorError(
                f"chat server {self.url} closed the stream before the answer ended"
            )

    def _whole_answer(self, body: bytes) -> str:
        try:
            return json.loads(body)["choices"][0]["message"]["content"] or ""
        except (ValueError, KeyError, IndexError, TypeError):
            raise self._malformed("a JSON answer without choices[0].message.content") from None

    def stream(
        self, messages: list[dict[str, str]], max_new_tokens: int, stop: Sequence[str] = ()
    ) -> Iterator[str]:
        """Yield the server's answer piece by piece.

        The request is sent when the first piece is requested; closing the iterator
        closes the connection, which makes vLLM and llama.cpp stop generating.

        Raises:
            ValueError: If a message is malformed or ``max_new_tokens < 1``.
            GeneratorError: On connection, timeout, HTTP or stream errors (while iterating).
        """
        _check_request(messages, max_new_tokens)
        return self._stream(self._request(messages, max_new_tokens, stop), stop)

    def _stream(self, request: urllib.request.Request, stop: Sequence[str]) -> Iterator[str]:
        self.last_tokens = 0
        response = self._open(request)
        try:
            yield from _until_stop(self._pieces(response), stop)
        except TimeoutError as exc:
            raise self._timeout() from exc
        except (OSError, http.client.HTTPException) as exc:
            raise GeneratorError(
                f"lost the connection to the chat server at {self.url}: {_first_line(exc)}"
            ) from exc
        finally:
            response.close()


def load_generator(
    model: str,
    url: str = "",
    timeout: float = 60.0,
    *,
    threads: int | None = None,
    api_key: str | None = None,
    cache_dir: Path | None = None,
) -> Generator:
    """Return the generator the settings ask for.

    Args:
        model: The chat model: an id, folder or ``.gguf`` file for a local model, or
            the server-side name when ``url`` is set.
        url: An OpenAI-compatible server; "" means run ``model`` in this process.
        threads: CPU threads of a local model.
        timeout: Seconds an HTTP server may stay silent.
        api_key: Bearer token for the server, if it wants one.
        cache_dir: Where converted GGUF models go.

    Raises:
        ModelError: If a local model is missing or cannot be loaded.
        GeneratorError: If ``url`` is not an http(s) URL.
    """
    if url.strip():
        return OpenAIGenerator(url, model, timeout=timeout, api_key=api_key)
    return TransformersGenerator(model, threads=threads, cache_dir=cache_dir)


__all__ = [
    "MAX_CONTEXT",
    "Generator",
    "OpenAIGenerator",
    "TransformersGenerator",
    "converted_dir",
    "load_generator",
]
