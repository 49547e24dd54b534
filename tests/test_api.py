"""The app's /ask API under stress: bad questions, and a client that hangs up mid-answer.

The app runs in this process on a free port with the fake embedder and a chat model
that counts the streams it has closed (tests/ui_support.py).
"""

from __future__ import annotations

import json
import shutil
import time

import httpx
import pytest

from tests.fakes import fake_embedder
from tests.ui_support import SLOW, CitingGenerator, app_config, free_port

LONG = "2024년 전국민 인공지능 일상화 예산은 얼마인가? " * 4000  # about 110,000 characters
WAIT = 60


@pytest.fixture(scope="module")
def generator():
    return CitingGenerator(delay=0.01)


@pytest.fixture(scope="module")
def app(tmp_path_factory, generator, fake_index):
    from gradio_client import Client

    from rag.ui import launch

    config = app_config(tmp_path_factory.mktemp("api"))
    shutil.copytree(fake_index.index_dir, config.index_dir)  # same corpus: nothing to build
    port = free_port()
    demo = launch(config, port=port, block=False, embedder=fake_embedder(), generator=generator)
    url = f"http://127.0.0.1:{port}/"
    yield url, Client(url, verbose=False)
    demo.close()


@pytest.mark.parametrize(
    ("question", "message"),
    [
        ("", "the question is empty"),
        ("  \t\n ", "the question is empty"),
        ("\x00\u200b\x1b", "the question is empty"),  # NUL, zero-width space, escape
        ("🤖🤖🤖", "the question has no words"),
        ("?!…", "the question has no words"),
    ],
)
def test_a_question_with_nothing_to_ask_is_one_line(app, question, message):
    from gradio_client.exceptions import AppError

    with pytest.raises(AppError) as info:
        app[1].predict(question=question, api_name="/ask")
    assert message in str(info.value) and "\n" not in str(info.value)


def test_a_100000_character_question_is_cut_to_the_budget_and_says_so(app):
    result = app[1].predict(question=LONG, api_name="/ask")
    assert len(result["question"]) <= 1000 < len(LONG)
    assert "cut to its first" in result["notes"][0] and "max_question_chars" in result["notes"][0]
    assert "9090억원" in result["answer"]  # still answered


def call(url: str, question: str) -> tuple[str, object]:
    """POST /ask as raw JSON (ASCII-escaped, as a browser sends a lone surrogate).

    Returns:
        The last server-sent event's name (``complete`` or ``error``) and its data.
    """
    body = json.dumps(
        {"data": [question, "auto", "hybrid", 5, "generate", 256]}
    )  # "\\ud800" stays an escape, as in JavaScript
    headers = {"content-type": "application/json"}
    post = httpx.post(f"{url}gradio_api/call/ask", content=body, headers=headers)
    name, data = "", None
    with httpx.stream("GET", f"{url}gradio_api/call/ask/{post.json()['event_id']}") as stream:
        for line in stream.iter_lines():
            if line.startswith("event:"):
                name = line.split(":", 1)[1].strip()
            elif line.startswith("data:"):
                data = json.loads(line.split(":", 1)[1])
    return name, data


def test_control_characters_and_lone_surrogates_are_dropped_and_the_rest_answered(app):
    name, data = call(app[0], "\udfff\ud800")  # two lone halves (the other order is a pair)
    assert name == "error" and "the question is empty" in json.dumps(data)
    name, data = call(app[0], "2024년\x00 예산은\ud800 \u202e얼마인가?\x1b")
    assert name == "complete", data
    result = data[0]
    assert result["question"] == "2024년  예산은 얼마인가?"
    assert "9090억원" in result["answer"] and result["citations"]


@pytest.mark.parametrize(
    ("question", "name"),
    [
        ("2024年の韓国のAI予算はいくらですか？", "Japanese"),
        ("韩国2024年人工智能预算是多少？", "Chinese"),
    ],
)
def test_a_question_in_a_third_language_is_answered_in_english_with_a_note(app, question, name):
    result = app[1].predict(question=question, api_name="/ask")
    assert result["lang"] == "en"
    assert f"looks {name}" in result["notes"][0] and "Korean or English only" in result["notes"][0]


def test_ask_streams_partial_updates_then_the_answer(app):
    job = app[1].submit(question="2024년 전국민 인공지능 일상화 예산은?", api_name="/ask")
    final = job.result(timeout=WAIT)
    updates = job.outputs()
    assert updates[-1] == final and "citations" in final
    partial = [u for u in updates[:-1] if u.get("partial")]
    assert partial and {u["stage"] for u in partial} >= {"searching", "writing"}


def test_a_client_that_hangs_up_mid_answer_frees_the_generator_at_once(app, generator):
    url = app[0]
    closed = generator.closed
    data = [f"{SLOW} 예산을 설명해 줘", "auto", "hybrid", 5, "generate", 256]
    post = httpx.post(f"{url}gradio_api/call/ask", json={"data": data})
    event_id = post.json()["event_id"]
    with httpx.stream("GET", f"{url}gradio_api/call/ask/{event_id}", timeout=WAIT) as stream:
        for line in stream.iter_lines():
            update = json.loads(line[5:])[0] if line.startswith("data:") else {}
            if "예산은 예산은" in update.get("answer", ""):
                break  # generating (400 words at 0.1 s: 40 s to the end)
    hung_up = time.monotonic()  # the connection is closed here
    while generator.closed == closed and time.monotonic() - hung_up < WAIT:
        time.sleep(0.05)
    freed = time.monotonic() - hung_up
    assert generator.closed == closed + 1
    assert freed < 10, f"the generator ran on for {freed:.1f} s after the client left"
    result = app[1].predict(question="2024년 전국민 인공지능 일상화 예산은?", api_name="/ask")
    assert "9090억원" in json.dumps(result, ensure_ascii=False)  # the queue moved on
