"""The HTTP back end against a real OpenAI-compatible server: llama-cpp-python's own.

``python -m llama_cpp.server`` serves the tiny GGUF the tests write on a free loopback
port; :class:`~rag.llm.http.OpenAIGenerator` streams from it, reads the judge's
log-probabilities, and turns a server killed mid-answer into a one-line error.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from rag.errors import GeneratorError
from rag.llm.http import OpenAIGenerator
from rag.llm.llama import render_template
from tests.models import write_tiny_qwen_gguf

MESSAGES = [
    {"role": "system", "content": "출처를 밝혀 답하세요."},
    {"role": "user", "content": "과기정통부의 2024년 AI 예산은 얼마인가?"},
]
READY_WITHIN = 90.0  # seconds; the server imports FastAPI and loads the model


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(url: str, timeout: float = 2.0) -> bytes:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(url, timeout=timeout) as response:
        return response.read()


class LlamaServer:
    """``python -m llama_cpp.server`` on a free loopback port, started and killed here."""

    def __init__(self, model: Path, log: Path, n_ctx: int = 512) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        command = [
            sys.executable, "-m", "llama_cpp.server", "--model", str(model),
            "--host", "127.0.0.1", "--port", str(self.port), "--n_ctx", str(n_ctx),
            "--n_threads", "1", "--n_threads_batch", "1",
        ]  # fmt: skip
        with log.open("wb") as out:
            self.process = subprocess.Popen(
                command, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
            )
        self._wait_ready()

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + READY_WITHIN
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                tail = self.log.read_text(errors="replace")[-2000:]
                raise RuntimeError(
                    f"llama_cpp.server exited with {self.process.returncode}:\n{tail}"
                )
            try:
                if json.loads(_get(f"{self.url}/v1/models")).get("data"):
                    return
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"llama_cpp.server did not answer within {READY_WITHIN:g} s")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)


@pytest.fixture(scope="module")
def server(tiny_gguf: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LlamaServer]:
    running = LlamaServer(tiny_gguf, tmp_path_factory.mktemp("server") / "server.log")
    yield running
    running.stop()


def _whole_answer(server: LlamaServer, max_tokens: int) -> str:
    """The same request as the client's, not streamed, straight from the server."""
    body = {"model": "m", "messages": MESSAGES, "temperature": 0, "max_tokens": max_tokens}
    request = urllib.request.Request(
        f"{server.url}/v1/chat/completions",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
    )
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(request, timeout=30) as response:
        return json.loads(response.read())["choices"][0]["message"]["content"]


def test_real_server_streams_the_greedy_answer_piece_by_piece(server):
    gen = OpenAIGenerator(server.url, "tiny", timeout=30)
    pieces = list(gen.stream(MESSAGES, max_new_tokens=16))
    assert len(pieces) > 1
    assert gen.last_tokens == len(pieces) <= 16
    assert list(gen.stream(MESSAGES, max_new_tokens=16)) == pieces  # temperature 0: greedy
    # The same answer unstreamed holds every piece, in order. (The server's stream drops a
    # token whose bytes do not decode on their own, as the tiny model's noise has some.)
    whole, at = _whole_answer(server, 16), 0
    for piece in pieces:
        at = whole.index(piece, at) + len(piece)


def test_real_server_stop_string_never_leaks(server):
    gen = OpenAIGenerator(server.url, "tiny", timeout=30)
    full = "".join(gen.stream(MESSAGES, max_new_tokens=24))
    stop = next(
        full[i : i + 2]
        for i in range(len(full) // 3, len(full) - 2)
        if full[i : i + 2].isprintable()
        and "\ufffd" not in full[i : i + 2]
        and full[i : i + 2].strip()
    )
    pieces = list(gen.stream(MESSAGES, max_new_tokens=24, stop=[stop]))
    assert "".join(pieces) == full[: full.index(stop)]


def _judge_gguf(tiny_qwen: Path, folder: Path) -> tuple[Path, list[int]]:
    """The tiny model with two rare tokens renamed YES and NO, tied to its two likeliest
    first replies to MESSAGES, so that the server's top_logprobs hold both words."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    shutil.copytree(tiny_qwen, folder)
    tokenizer = AutoTokenizer.from_pretrained(str(folder))
    model = AutoModelForCausalLM.from_pretrained(str(folder), dtype=torch.float32)
    prompt = tokenizer.apply_chat_template(MESSAGES, add_generation_prompt=True, tokenize=False)
    ids = tokenizer(prompt, add_special_tokens=False, return_tensors="pt")["input_ids"]
    with torch.no_grad():
        top = model(ids).logits[0, -1].topk(2).indices.tolist()
    data = json.loads((folder / "tokenizer.json").read_text(encoding="utf-8"))
    vocab, merges = data["model"]["vocab"], data["model"]["merges"]
    used = set(ids[0].tolist()) | set(top)
    rare = [i for text, i in sorted(vocab.items(), key=lambda kv: -kv[1]) if i not in used][:2]
    names = {i: text for text, i in vocab.items()}
    for token, word in zip(rare, ("YES", "NO"), strict=True):
        old = names[token]
        del vocab[old]
        vocab[word] = token
        merges[:] = [m for m in merges if "".join(m.split(" ") if isinstance(m, str) else m) != old]
    (folder / "tokenizer.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    with torch.no_grad():
        model.lm_head.weight[rare] = model.lm_head.weight[top].clone()
    model.save_pretrained(str(folder))
    return write_tiny_qwen_gguf(folder, folder / "judge.gguf"), rare


def test_real_server_gives_the_judge_its_first_token_logprobs(tiny_qwen, tmp_path):
    import llama_cpp
    import numpy as np

    gguf, (yes, no) = _judge_gguf(tiny_qwen, tmp_path / "judge")
    judge = LlamaServer(gguf, tmp_path / "server.log")
    try:
        p = OpenAIGenerator(judge.url, "tiny", timeout=30).yes_probability(MESSAGES)
    finally:
        judge.stop()
    # llama-cpp-python 0.3.36 sends top_logprobs, so the client gets a number: the same
    # share llama.cpp's own logits give on that prompt
    reference = llama_cpp.Llama(str(gguf), n_ctx=512, logits_all=True, verbose=False)
    text = render_template(reference.metadata["tokenizer.chat_template"], MESSAGES)
    prompt = reference.tokenize(text.encode(), add_bos=False, special=True)
    reference.eval(prompt)
    logits = reference.scores[reference.n_tokens - 1].astype(np.float64)
    assert p is not None
    assert p == pytest.approx(1 / (1 + math.exp(logits[no] - logits[yes])), abs=1e-4)


def test_a_server_killed_mid_answer_is_a_one_line_generator_error(tiny_gguf, tmp_path):
    doomed = LlamaServer(tiny_gguf, tmp_path / "server.log", n_ctx=4096)
    try:
        gen = OpenAIGenerator(doomed.url, "tiny", timeout=10)
        stream = gen.stream(MESSAGES, max_new_tokens=4000)
        assert next(stream)
        os.kill(doomed.process.pid, signal.SIGKILL)
        doomed.process.wait(timeout=10)
        with pytest.raises(GeneratorError) as info:
            for _ in stream:
                pass
        message = str(info.value)
        assert "\n" not in message
        assert doomed.url in message
        assert "lost the connection" in message or "closed the stream" in message
        with pytest.raises(GeneratorError, match="connection refused"):
            list(gen.stream(MESSAGES, max_new_tokens=4))
    finally:
        doomed.stop()
