"""Generators: a tiny real Qwen2 (folder and GGUF) and a local OpenAI-compatible server.

The tiny model's output is noise; these tests check the plumbing around it: chat template,
streaming, token caps, stop strings, cancellation, threads, the GGUF conversion cache and
every error path of the HTTP client.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import socket
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import torch

import rag.llm.local as llm_local
from rag.errors import GeneratorError, ModelError
from rag.llm import load_generator
from rag.llm.base import Generator, until_stop
from rag.llm.gguf import converted_dir
from rag.llm.http import OpenAIGenerator
from rag.llm.local import TransformersGenerator
from tests.models import ANSWER, JUDGE

MESSAGES = [
    {"role": "system", "content": "출처를 밝혀 답하세요."},
    {"role": "user", "content": "과기정통부의 2024년 AI 예산은 얼마인가?"},
]


@pytest.fixture(scope="module")
def generator(tiny_qwen: Path) -> Iterator[TransformersGenerator]:
    threads = torch.get_num_threads()
    yield TransformersGenerator(str(tiny_qwen), threads=1)
    torch.set_num_threads(threads)


def _worker_alive() -> bool:
    return any(t.name == "rag-generate" and t.is_alive() for t in threading.enumerate())


# ----------------------------------------------------------------------------- stop strings


def test_until_stop_never_yields_any_part_of_a_stop_split_across_pieces():
    out = list(until_stop(["ab", "c<", "/s", ">tail"], ["</s>"]))
    assert "".join(out) == "abc"
    assert all("<" not in piece for piece in out)


def test_until_stop_releases_held_back_text_that_was_not_a_stop():
    assert "".join(until_stop(["ab<", "x", "y<"], ["</s>"])) == "ab<xy<"
    assert list(until_stop(["", "a", ""], [])) == ["a"]


def test_until_stop_picks_the_earliest_of_several_stops():
    assert "".join(until_stop(["one\n\ntwo [끝] three"], ["[끝]", "\n\n"])) == "one"


# ----------------------------------------------------------------------------- local model


def test_transformers_generator_satisfies_the_protocol(generator):
    assert isinstance(generator, Generator)
    assert generator.context_window == 512  # max_position_embeddings of the tiny config
    assert generator.count_tokens("과기정통부 예산") > 0


def test_chat_template_is_applied_with_the_assistant_cue(generator):
    ids = generator.prompt_ids(MESSAGES)
    text = generator.tokenizer.decode(ids[0])
    assert text == (
        "<|im_start|>system\n출처를 밝혀 답하세요.<|im_end|>\n"
        "<|im_start|>user\n과기정통부의 2024년 AI 예산은 얼마인가?<|im_end|>\n"
        "<|im_start|>assistant\n"
    )


def test_qwen3_style_template_gets_enable_thinking_false(tiny_qwen, tmp_path):
    folder = tmp_path / "thinking"
    shutil.copytree(tiny_qwen, folder)
    template_file = folder / "chat_template.jinja"
    template = template_file.read_text(encoding="utf-8")
    template_file.write_text(
        template.replace(
            "{{ '<|im_start|>assistant\\n' }}",
            "{{ '<|im_start|>assistant\\n' }}"
            "{% if enable_thinking is defined and enable_thinking is false %}"
            "{{ '<think>\\n\\n</think>\\n\\n' }}{% endif %}",
        ),
        encoding="utf-8",
    )
    gen = TransformersGenerator(str(folder), threads=torch.get_num_threads())
    text = gen.tokenizer.decode(gen.prompt_ids(MESSAGES)[0])
    assert text.endswith("<|im_start|>assistant\n<think>\n\n</think>\n\n")


def test_stream_yields_several_pieces_equal_to_plain_greedy_generate(generator):
    pieces = list(generator.stream(MESSAGES, max_new_tokens=16))
    assert len(pieces) > 1
    assert all(pieces)
    ids = generator.prompt_ids(MESSAGES)
    out = generator.model.generate(
        input_ids=ids,
        attention_mask=torch.ones_like(ids),
        max_new_tokens=16,
        do_sample=False,
        pad_token_id=generator.tokenizer.pad_token_id,
    )
    expected = generator.tokenizer.decode(out[0, ids.shape[-1] :], skip_special_tokens=True)
    assert "".join(pieces) == expected


@pytest.mark.parametrize("cap", [1, 5, 12])
def test_max_new_tokens_caps_the_generated_tokens(generator, cap):
    text = "".join(generator.stream(MESSAGES, max_new_tokens=cap))
    assert generator.last_tokens == cap
    longer = "".join(generator.stream(MESSAGES, max_new_tokens=cap + 8))
    assert generator.last_tokens == cap + 8
    assert longer.startswith(text.rstrip("\ufffd"))


def test_max_new_tokens_is_cut_to_what_the_context_window_leaves(generator):
    long_question = {"role": "user", "content": "예산 " * 240}
    prompt = generator.prompt_ids([long_question]).shape[-1]
    assert 400 < prompt < 512
    list(generator.stream([long_question], max_new_tokens=200))
    assert generator.last_tokens == 512 - prompt


def test_prompt_longer_than_the_context_window_is_a_generator_error(generator):
    with pytest.raises(GeneratorError, match="top_k"):
        generator.stream([{"role": "user", "content": "예산 " * 600}], max_new_tokens=10)


def test_stop_string_ends_generation_and_is_not_yielded(generator):
    full = "".join(generator.stream(MESSAGES, max_new_tokens=40))
    assert generator.last_tokens == 40
    # a two-character stop from the middle of the noise, without undecodable bytes
    middle = range(len(full) // 3, len(full) - 2)
    stop = next(
        full[i : i + 2]
        for i in middle
        if full[i : i + 2].isprintable()
        and "\ufffd" not in full[i : i + 2]
        and full[i : i + 2].strip()
    )
    expected = full[: full.index(stop)]

    ids = generator.prompt_ids(MESSAGES)
    out = generator.model.generate(
        input_ids=ids,
        attention_mask=torch.ones_like(ids),
        max_new_tokens=40,
        do_sample=False,
        pad_token_id=generator.tokenizer.pad_token_id,
    )[0, ids.shape[-1] :]
    needed = next(n for n in range(1, 41) if stop in generator.tokenizer.decode(out[:n].tolist()))

    pieces = list(generator.stream(MESSAGES, max_new_tokens=40, stop=["never-there", stop]))
    assert "".join(pieces) == expected
    assert stop not in "".join(pieces)
    # generation itself stopped on the very token that completed the stop string
    assert generator.last_tokens == needed < 40


def test_decoding_is_plain_greedy_whatever_the_generation_config_says(
    generator, tiny_qwen, tmp_path
):
    folder = tmp_path / "sampling"
    shutil.copytree(tiny_qwen, folder)
    config_file = folder / "generation_config.json"
    config = json.loads(config_file.read_text(encoding="utf-8"))
    config.update(do_sample=True, temperature=0.7, top_p=0.8, top_k=20, repetition_penalty=100.0)
    config_file.write_text(json.dumps(config), encoding="utf-8")
    sampling = TransformersGenerator(str(folder), threads=1)
    expected = list(generator.stream(MESSAGES, max_new_tokens=40))
    assert list(sampling.stream(MESSAGES, max_new_tokens=40)) == expected


def test_a_lone_stop_string_is_not_split_into_characters():
    assert "".join(until_stop(["a-b", "--c"], "---")) == "a-b--c"


def test_end_of_turn_token_ends_the_stream(generator, monkeypatch):
    ids = generator.prompt_ids(MESSAGES)
    first = generator.model.generate(
        input_ids=ids,
        attention_mask=torch.ones_like(ids),
        max_new_tokens=1,
        do_sample=False,
        pad_token_id=generator.tokenizer.pad_token_id,
    )[0, -1].item()
    monkeypatch.setattr(generator, "_eos", [first])
    list(generator.stream(MESSAGES, max_new_tokens=30))
    assert generator.last_tokens == 1


def test_closing_the_stream_early_stops_the_background_thread(generator):
    stream = generator.stream(MESSAGES, max_new_tokens=400)
    assert not _worker_alive()  # nothing starts before the first piece is asked for
    first = next(stream)
    assert first
    stream.close()
    assert not _worker_alive()
    assert generator.last_tokens < 400


def test_breaking_out_of_a_for_loop_stops_the_background_thread(generator):
    def consume() -> str:
        for piece in generator.stream(MESSAGES, max_new_tokens=400):
            return piece
        return ""

    assert consume()
    assert not _worker_alive()
    assert generator.last_tokens < 400


def test_threads_are_set(tiny_qwen):
    before = torch.get_num_threads()
    try:
        gen = TransformersGenerator(str(tiny_qwen), threads=1)
        assert gen.threads == 1
        assert torch.get_num_threads() == 1
        torch.set_num_threads(2)
        list(gen.stream(MESSAGES, max_new_tokens=2))
        assert torch.get_num_threads() == 1
        assert TransformersGenerator(str(tiny_qwen)).threads == (os.cpu_count() or 1)
        assert torch.get_num_threads() == (os.cpu_count() or 1)
    finally:
        torch.set_num_threads(before)


def test_failure_during_generation_is_a_generator_error(generator, monkeypatch):
    def boom(**kwargs: Any) -> None:
        raise RuntimeError("out of memory while generating")

    monkeypatch.setattr(generator.model, "generate", boom)
    with pytest.raises(GeneratorError, match="out of memory while generating"):
        list(generator.stream(MESSAGES, max_new_tokens=5))
    assert not _worker_alive()


def test_malformed_messages_are_rejected_before_anything_runs(generator):
    with pytest.raises(ValueError, match="chat message"):
        generator.stream([{"role": "robot", "content": "hi"}], max_new_tokens=5)
    with pytest.raises(ValueError, match="max_new_tokens"):
        generator.stream(MESSAGES, max_new_tokens=0)
    with pytest.raises(ValueError, match="empty"):
        generator.stream([], max_new_tokens=5)


def test_missing_model_is_a_model_error(tmp_path):
    with pytest.raises(ModelError, match="RAG_LLM_MODEL"):
        TransformersGenerator(str(tmp_path / "nope.gguf"))


def test_unloadable_model_is_a_one_line_model_error(tmp_path):
    (tmp_path / "config.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(ModelError, match="cannot load chat model") as info:
        TransformersGenerator(str(tmp_path))
    assert "\n" not in str(info.value)


def test_model_without_chat_template_is_a_model_error(tiny_qwen, tmp_path):
    folder = tmp_path / "base"
    shutil.copytree(tiny_qwen, folder)
    (folder / "chat_template.jinja").unlink()
    with pytest.raises(ModelError, match="no chat template"):
        TransformersGenerator(str(folder))


# ----------------------------------------------------------------------------- GGUF


def test_gguf_is_converted_once_then_loaded_from_the_cache(
    tiny_gguf, tiny_qwen, generator, tmp_path, monkeypatch
):
    cache = tmp_path / "converted"
    first = TransformersGenerator(str(tiny_gguf), threads=1, cache_dir=cache)
    folder = converted_dir(tiny_gguf, cache)
    assert folder.parent == cache
    assert folder.name.startswith("tiny-qwen-q8_0-")
    names = {p.name for p in folder.iterdir()}
    assert {"config.json", "model.safetensors", "tokenizer.json"} <= names
    assert [p.name for p in cache.iterdir()] == [folder.name]  # no temporary folder left
    assert (folder / "model.safetensors").stat().st_mode & 0o044 == 0o044  # shared cache
    config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    assert "quantization_config" not in config
    # same tokenizer and chat template as the model the file was written from
    assert first.prompt_ids(MESSAGES).tolist() == generator.prompt_ids(MESSAGES).tolist()
    assert first.context_window == 512
    expected = list(first.stream(MESSAGES, max_new_tokens=12))
    assert len(expected) > 1

    def no_dequantizing(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("the GGUF file was read again")

    monkeypatch.setattr(llm_local, "load_gguf", no_dequantizing)
    second = TransformersGenerator(str(tiny_gguf), threads=1, cache_dir=cache)
    assert list(second.stream(MESSAGES, max_new_tokens=12)) == expected


def test_gguf_weights_survive_the_conversion(tiny_gguf, tiny_qwen, tmp_path):
    gen = TransformersGenerator(str(tiny_gguf), threads=1, cache_dir=tmp_path)
    original = TransformersGenerator(str(tiny_qwen), threads=1)
    ids = original.prompt_ids(MESSAGES)
    with torch.no_grad():
        a = gen.model(ids).logits.float()
        b = original.model(ids).logits.float()
    # Q8_0 blocks and bf16: close, not equal
    assert torch.allclose(a, b, atol=0.05)


def test_gguf_cache_key_follows_the_file(tiny_gguf, tmp_path):
    copy = tmp_path / tiny_gguf.name
    shutil.copy2(tiny_gguf, copy)
    before = converted_dir(copy, tmp_path)
    assert converted_dir(copy, tmp_path) == before
    os.utime(copy, (time.time() + 10, time.time() + 10))
    assert converted_dir(copy, tmp_path) != before


def test_gguf_cache_defaults_to_the_models_dir(tiny_gguf, tmp_path, monkeypatch):
    monkeypatch.setenv("RAG_MODELS_DIR", str(tmp_path))
    assert converted_dir(tiny_gguf).parent == tmp_path / ".converted"


def test_unwritable_cache_only_warns(tiny_gguf, tmp_path, caplog):
    blocker = tmp_path / "a-file"
    blocker.write_text("", encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger="rag.llm.gguf"):
        gen = TransformersGenerator(str(tiny_gguf), threads=1, cache_dir=blocker)
    assert "could not cache" in caplog.text
    assert len(list(gen.stream(MESSAGES, max_new_tokens=3))) >= 1


def test_folder_holding_one_gguf_loads_it(tiny_gguf, tmp_path):
    folder = tmp_path / "models"
    folder.mkdir()
    shutil.copy2(tiny_gguf, folder / tiny_gguf.name)
    gen = TransformersGenerator(str(folder), threads=1, cache_dir=tmp_path / "cache")
    assert gen.context_window == 512
    shutil.copy2(tiny_gguf, folder / "other.gguf")
    with pytest.raises(ModelError, match=r"several \.gguf"):
        TransformersGenerator(str(folder), threads=1, cache_dir=tmp_path / "cache")


# ----------------------------------------------------------------------------- HTTP server


class _Server:
    """A local HTTP server whose POST answer is ``respond(handler, body)``."""

    def __init__(self, respond: Callable[[BaseHTTPRequestHandler, dict], None]) -> None:
        self.requests: list[tuple[str, dict, dict]] = []
        self.release = threading.Event()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                body = json.loads(self.rfile.read(length))
                server.requests.append((self.path, dict(self.headers), body))
                respond(self, body)

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        # the client hanging up mid-stream (a stop string, a timeout) is expected here
        self.httpd.handle_error = lambda request, address: None
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def close(self) -> None:
        self.release.set()
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def serve() -> Iterator[Callable[..., _Server]]:
    servers: list[_Server] = []

    def start(respond: Callable[[BaseHTTPRequestHandler, dict], None]) -> _Server:
        servers.append(_Server(respond))
        return servers[-1]

    yield start
    for server in servers:
        server.close()


def _sse(handler: BaseHTTPRequestHandler, events: list[str], status: int = 200) -> None:
    handler.send_response(status)
    handler.send_header("Content-Type", "text/event-stream")
    handler.send_header("Connection", "close")
    handler.end_headers()
    for event in events:
        handler.wfile.write(f"data: {event}\n\n".encode())
        handler.wfile.flush()
    handler.close_connection = True


def _chunk(content: str | None = None, finish: str | None = None) -> str:
    delta = {} if content is None else {"content": content}
    return json.dumps(
        {
            "id": "x",
            "object": "chat.completion.chunk",
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
        },
        ensure_ascii=False,
    )


def _answer(*pieces: str) -> Callable[[BaseHTTPRequestHandler, dict], None]:
    role = json.dumps({"choices": [{"index": 0, "delta": {"role": "assistant"}}]})
    events = [role, *(_chunk(p) for p in pieces), _chunk(finish="stop"), "[DONE]"]
    return lambda handler, body: _sse(handler, events)


def test_openai_streams_pieces_and_sends_a_greedy_streaming_request(serve):
    server = serve(_answer("예산은 ", "9090억원", "입니다 [1]."))
    gen = OpenAIGenerator(server.url, "qwen2.5-1.5b-instruct", api_key="secret")
    assert isinstance(gen, Generator)
    pieces = list(gen.stream(MESSAGES, max_new_tokens=64))
    assert pieces == ["예산은 ", "9090억원", "입니다 [1]."]
    assert gen.last_tokens == 3
    path, headers, body = server.requests[0]
    assert path == "/v1/chat/completions"
    assert headers["Authorization"] == "Bearer secret"
    assert body == {
        "model": "qwen2.5-1.5b-instruct",
        "messages": MESSAGES,
        "stream": True,
        "temperature": 0,
        "max_tokens": 64,
    }


@pytest.mark.parametrize("suffix", ["", "/", "/v1", "/v1/", "/v1/chat/completions"])
def test_openai_base_url_may_or_may_not_end_in_v1(serve, suffix):
    server = serve(_answer("ok"))
    gen = OpenAIGenerator(server.url + suffix, "m")
    assert list(gen.stream(MESSAGES, max_new_tokens=4)) == ["ok"]
    assert server.requests[0][0] == "/v1/chat/completions"
    assert "Authorization" not in server.requests[0][1]


def test_openai_stop_is_sent_and_enforced_on_the_text(serve):
    server = serve(_answer("Hello", " wor", "ld. [", "끝] and more"))
    gen = OpenAIGenerator(server.url, "m")
    pieces = list(gen.stream(MESSAGES, max_new_tokens=10, stop=["[끝]"]))
    assert "".join(pieces) == "Hello world. "
    assert server.requests[0][2]["stop"] == ["[끝]"]


def test_openai_http_500_with_json_error_is_a_generator_error_with_its_message(serve):
    def fail(handler: BaseHTTPRequestHandler, body: dict) -> None:
        payload = json.dumps({"error": {"message": "model is overloaded", "code": 500}}).encode()
        handler.send_response(500)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(payload)))
        handler.end_headers()
        handler.wfile.write(payload)

    server = serve(fail)
    with pytest.raises(GeneratorError, match="HTTP 500: model is overloaded") as info:
        list(OpenAIGenerator(server.url, "m").stream(MESSAGES, max_new_tokens=4))
    assert "\n" not in str(info.value)


def test_openai_http_404_says_to_check_the_url(serve):
    def missing(handler: BaseHTTPRequestHandler, body: dict) -> None:
        handler.send_error(404, "Not Found")

    server = serve(missing)
    with pytest.raises(GeneratorError, match=r"HTTP 404.*RAG_LLM_URL"):
        list(OpenAIGenerator(server.url, "m").stream(MESSAGES, max_new_tokens=4))


def test_openai_connection_refused_names_the_url():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    with pytest.raises(GeneratorError, match="connection refused") as info:
        list(OpenAIGenerator(url, "m", timeout=2).stream(MESSAGES, max_new_tokens=4))
    assert f"{url}/v1/chat/completions" in str(info.value)
    assert "RAG_LLM_URL" in str(info.value)


def test_openai_server_that_never_answers_times_out(serve):
    server = serve(lambda handler, body: server.release.wait(10))
    gen = OpenAIGenerator(server.url, "m", timeout=0.3)
    start = time.monotonic()
    with pytest.raises(GeneratorError, match=r"did not answer within 0\.3 s"):
        list(gen.stream(MESSAGES, max_new_tokens=4))
    assert time.monotonic() - start < 5


def test_openai_server_that_stalls_mid_stream_times_out(serve):
    def stall(handler: BaseHTTPRequestHandler, body: dict) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", "text/event-stream")
        handler.end_headers()
        handler.wfile.write(f"data: {_chunk('첫 ')}\n\n".encode())
        handler.wfile.flush()
        server.release.wait(10)

    server = serve(stall)
    stream = OpenAIGenerator(server.url, "m", timeout=0.3).stream(MESSAGES, max_new_tokens=4)
    assert next(stream) == "첫 "
    with pytest.raises(GeneratorError, match="did not answer"):
        next(stream)


def test_openai_closing_the_stream_early_hangs_up_on_the_server(serve):
    hung_up = threading.Event()

    def endless(handler: BaseHTTPRequestHandler, body: dict) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", "text/event-stream")
        handler.end_headers()
        try:
            for _ in range(500):
                handler.wfile.write(f"data: {_chunk('토큰 ')}\n\n".encode())
                handler.wfile.flush()
                time.sleep(0.01)
        except OSError:  # the client went away: a real server stops generating here
            hung_up.set()

    server = serve(endless)
    stream = OpenAIGenerator(server.url, "m").stream(MESSAGES, max_new_tokens=500)
    assert next(stream) == "토큰 "
    stream.close()
    assert hung_up.wait(5)


@pytest.mark.parametrize(
    ("events", "message"),
    [
        (["this is not json"], "malformed stream"),
        ([json.dumps({"object": "chat.completion.chunk"})], "malformed stream"),
        ([json.dumps({"error": {"message": "context length exceeded"}})], "context length"),
        ([json.dumps({"object": "error", "message": "bad stop", "code": 400})], "bad stop"),
        ([_chunk("partial")], "closed the stream before the answer ended"),
    ],
)
def test_openai_bad_streams_are_generator_errors(serve, events, message):
    server = serve(lambda handler, body: _sse(handler, events))
    with pytest.raises(GeneratorError, match=message):
        list(OpenAIGenerator(server.url, "m").stream(MESSAGES, max_new_tokens=4))


def test_openai_non_streamed_json_answer_is_one_piece(serve):
    def whole(handler: BaseHTTPRequestHandler, body: dict) -> None:
        payload = json.dumps(
            {"choices": [{"message": {"role": "assistant", "content": "전체 답"}}]}
        ).encode()
        handler.send_response(200)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(payload)))
        handler.end_headers()
        handler.wfile.write(payload)

    server = serve(whole)
    assert list(OpenAIGenerator(server.url, "m").stream(MESSAGES, max_new_tokens=4)) == ["전체 답"]


@pytest.mark.parametrize("url", ["localhost:8080", "127.0.0.1:8080/v1", "", "ftp://host"])
def test_openai_address_without_http_is_a_generator_error(url):
    with pytest.raises(GeneratorError, match="RAG_LLM_URL"):
        OpenAIGenerator(url, "m")


def test_openai_count_tokens_errs_high_for_korean_and_english():
    gen = OpenAIGenerator("http://127.0.0.1:1", "m")
    korean = "과기정통부는 2024년 9090억원 규모 예산을 투입해 전국민 인공지능 일상화를 추진한다."
    assert gen.count_tokens(korean) >= len(korean) // 2
    assert gen.count_tokens("the budget") == 4
    assert gen.count_tokens("") == 0


# ----------------------------------------------------------------------------- load_generator


def test_load_generator_picks_http_when_a_url_is_set(tiny_qwen):
    remote = load_generator("served-name", "http://127.0.0.1:8080", 5)
    assert isinstance(remote, OpenAIGenerator)
    assert remote.name == "served-name"
    assert remote.timeout == 5
    local = load_generator(str(tiny_qwen), "", threads=torch.get_num_threads())
    assert isinstance(local, TransformersGenerator)
    assert local.name == str(tiny_qwen)


# ----------------------------------------------------------------------------- yes/no judge


def test_local_model_weighs_yes_against_no_in_one_forward_pass(generator):
    import math

    from rag.llm.base import Judge

    assert isinstance(generator, Judge)
    p = generator.yes_probability(MESSAGES)
    assert p is not None and 0.0 < p < 1.0
    ids = generator._yes_no_ids
    assert True in ids.values() and False in ids.values()
    # The same number straight from the logits of the first reply token.
    with torch.inference_mode():
        logits = generator.model(input_ids=generator.prompt_ids(MESSAGES)).logits[0, -1]
    probs = torch.softmax(logits.float(), dim=-1)
    yes = sum(float(probs[i]) for i, label in ids.items() if label)
    no = sum(float(probs[i]) for i, label in ids.items() if not label)
    assert math.isclose(p, yes / (yes + no), rel_tol=1e-4)


def _json_reply(payload: dict) -> Callable[[BaseHTTPRequestHandler, dict], None]:
    def respond(handler: BaseHTTPRequestHandler, body: dict) -> None:
        data = json.dumps(payload).encode()
        handler.send_response(200)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        handler.wfile.write(data)

    return respond


def test_chat_server_judges_from_the_first_token_logprobs(serve):
    import math

    top = [
        {"token": "YES", "logprob": math.log(0.6)},
        {"token": " No", "logprob": math.log(0.2)},
        {"token": "Maybe", "logprob": math.log(0.1)},
    ]
    content = [{"token": "YES", "logprob": math.log(0.6), "top_logprobs": top}]
    reply = {"choices": [{"message": {"content": "YES"}, "logprobs": {"content": content}}]}
    server = serve(_json_reply(reply))
    p = OpenAIGenerator(server.url, "m").yes_probability(MESSAGES)
    assert math.isclose(p, 0.75)
    sent = server.requests[0][2]
    assert sent["stream"] is False and sent["logprobs"] is True and sent["max_tokens"] == 1


def test_chat_server_without_logprobs_cannot_judge(serve):
    server = serve(_json_reply({"choices": [{"message": {"content": "YES"}}]}))
    assert OpenAIGenerator(server.url, "m").yes_probability(MESSAGES) is None


# ----------------------------------------------------------------------------- prefix reuse


def test_local_answer_after_the_judge_reads_only_what_follows_the_shared_prefix(tiny_qwen):
    from rag.llm.prefix import common_prefix

    gen = TransformersGenerator(str(tiny_qwen), threads=1)
    cold = TransformersGenerator(str(tiny_qwen), threads=1)
    judge_ids = gen.prompt_ids(JUDGE)[0].tolist()
    answer_ids = gen.prompt_ids(ANSWER)[0].tolist()
    shared = common_prefix(judge_ids, answer_ids)
    assert 20 < shared < len(answer_ids)
    read: list[int] = []  # tokens each forward pass embeds
    gen.model.model.embed_tokens.register_forward_pre_hook(
        lambda module, args: read.append(args[0].shape[-1])
    )

    p = gen.yes_probability(JUDGE)
    assert read == [len(judge_ids)] and gen.last_prefill == len(judge_ids)
    read.clear()
    pieces = list(gen.stream(ANSWER, max_new_tokens=12))
    assert read[0] == gen.last_prefill == len(answer_ids) - shared
    assert read[1:] == [1] * (len(read) - 1)  # then one token per step
    # byte-identical to a model that read the whole prompt at once
    assert pieces == list(cold.stream(ANSWER, max_new_tokens=12))

    read.clear()
    assert gen.yes_probability(JUDGE) == pytest.approx(cold.yes_probability(JUDGE), abs=1e-5)
    assert read == [len(judge_ids) - shared]
    read.clear()
    assert gen.yes_probability(JUDGE) == pytest.approx(p, abs=1e-5)
    assert read == [1]  # the same prompt again: its last token, for fresh logits


def test_local_failure_forgets_the_kept_prefix(tiny_qwen, monkeypatch):
    gen = TransformersGenerator(str(tiny_qwen), threads=1)
    gen.yes_probability(JUDGE)

    def boom(**kwargs: Any) -> None:
        raise RuntimeError("out of memory")

    monkeypatch.setattr(gen.model, "generate", boom)
    with pytest.raises(GeneratorError):
        list(gen.stream(ANSWER, max_new_tokens=4))
    monkeypatch.undo()
    gen.yes_probability(JUDGE)
    assert gen.last_prefill == len(gen.prompt_ids(JUDGE)[0])
