"""Bad questions get a clear answer or one line, never a traceback: the check, Assistant, CLI.

The same through the app's /ask is in tests/test_api.py.
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from rag.answering.assistant import Assistant
from rag.config import Config, validate
from rag.errors import ConfigError, QueryError
from rag.records import answer_json
from rag.search.searcher import Searcher, check_query, clean_question
from rag.text.lang import other_language
from tests.fakes import FakeGenerator, fake_embedder

ROOT = Path(__file__).resolve().parents[1]
LONG = "2024년 전국민 인공지능 일상화 예산은 얼마인가? " * 4000  # about 110,000 characters
NOTHING = [
    ("", "the question is empty"),
    (" \t\n\r ", "the question is empty"),
    ("\x00\x07\u200b\ufeff\ud800", "the question is empty"),  # controls, format, a lone half
    ("🤖🚀🔥", "the question has no words"),
    ("?!... ---", "the question has no words"),
]
THIRD = [
    ("2024年の韓国のAI予算はいくらですか？", "Japanese"),
    ("韩国2024年人工智能预算是多少？", "Chinese"),
    ("Какой бюджет у Кореи на ИИ?", "Russian"),
]


@pytest.mark.parametrize(("question", "message"), NOTHING)
def test_the_check_refuses_a_question_with_nothing_to_ask_in_one_line(question, message):
    with pytest.raises(QueryError, match=message) as info:
        check_query(question, 5)
    assert "\n" not in str(info.value)


def test_the_check_cuts_a_long_question_at_a_space_and_says_how_much():
    query = check_query(LONG, 5, max_chars=1000)
    assert 900 <= len(query.text) <= 1000 and LONG.startswith(query.text)
    assert not query.text.endswith(" ") and LONG[len(query.text)] == " "  # a whole word
    assert "cut to its first" in query.notes[0] and f"{len(LONG.strip()):,}" in query.notes[0]
    assert check_query("짧은 질문?", 5, max_chars=1000).notes == ()
    with pytest.raises(ConfigError, match="max_question_chars"):
        validate(Config(max_question_chars=0))


def test_cleaning_keeps_words_tabs_and_newlines_and_drops_what_no_question_needs():
    assert (
        clean_question("예산\x00은\u200b얼마\ud800?\r\n다음\t줄\u202e") == "예산 은얼마?\n다음\t줄"
    )
    assert clean_question("\u1100\u1161") == "가"  # NFC: jamo compose
    assert clean_question("What is the 예산?") == "What is the 예산?"


@pytest.mark.parametrize(
    ("text", "name"), [*THIRD, ("中 AI 정책의 예산은?", None), ("What is the budget?", None)]
)
def test_a_third_language_is_named_by_its_script(text, name):
    assert other_language(text) == name


@pytest.fixture
def make(fake_index):
    def make(**changes) -> Assistant:
        config = replace(fake_index, answerable_below=0.0, **changes)
        searcher = Searcher(config, embedder=fake_embedder())
        return Assistant(config, searcher=searcher, generator=FakeGenerator())

    return make


@pytest.mark.parametrize(("question", "message"), NOTHING)
def test_the_assistant_refuses_before_anything_runs(make, question, message):
    with pytest.raises(QueryError, match=message):
        make().stream(question)


def test_the_assistant_answers_a_long_question_cut_to_the_budget_with_a_note(make):
    answer = make(max_question_chars=300, answer_mode="extractive").ask(LONG)
    assert len(answer.question) <= 300 and "cut to its first" in answer.notes[0]
    assert "(max_question_chars = 300)" in answer.notes[0] and answer.text


def test_the_assistant_answers_around_controls_and_lone_surrogates(make):
    answer = make(answer_mode="extractive").ask("2024년\x00 예산은\ud800 얼마\u202e인가?")
    assert answer.question == "2024년  예산은 얼마인가?"
    json.dumps(answer_json(answer), ensure_ascii=False).encode("utf-8")  # no lone half left


@pytest.mark.parametrize(("question", "name"), THIRD)
def test_a_third_language_question_is_answered_in_english_with_a_note(make, question, name):
    a = make(english_answers="direct")  # the prompt itself asks for English
    a._generator = FakeGenerator("The government will invest 909 billion won [1].")
    answer = a.ask(question)
    assert answer.lang == "en" and f"looks {name}" in answer.notes[0]
    assert a._generator.prompts and "English" in json.dumps(a._generator.prompts[0])
    forced = make(answer_mode="extractive").ask(question, lang="ko")
    assert forced.lang == "ko" and not any("looks" in note for note in forced.notes)


def run(capsys, *argv):
    from rag.cli import main

    with pytest.raises(SystemExit) as done:
        main(list(argv))
    out, err = capsys.readouterr()
    return done.value.code, out, err


@pytest.fixture
def where(fake_index, monkeypatch):
    monkeypatch.setenv("RAG_CHUNK_TOKENS", "80")
    monkeypatch.setenv("RAG_REFUSE_BELOW", "0")
    args = ["--corpus", str(fake_index.corpus_dir), "--index", str(fake_index.index_dir)]
    return [*args, "--embed-model", "fake-model"]


@pytest.mark.parametrize(("question", "message"), NOTHING)
def test_the_cli_says_one_line_for_a_question_with_nothing_to_ask(capsys, where, question, message):
    for command in ("search", "ask"):
        code, _, err = run(capsys, command, question, *where)
        assert code == 1 and message in err and err.count("\n") == 1


def test_the_cli_searches_and_answers_a_long_or_foreign_question_with_notes(
    capsys, where, monkeypatch
):
    import rag.search.searcher

    monkeypatch.setattr(rag.search.searcher, "make_embedder", lambda config: fake_embedder())
    code, out, err = run(capsys, "search", LONG, "--mode", "bm25", "--json", *where)
    assert code == 0 and json.loads(out) and "note: 질문이 길어" in err
    code, out, err = run(capsys, "ask", LONG, "--mode", "extractive", "--json", *where)
    assert code == 0, err
    assert len(json.loads(out)["question"]) <= 1000
    assert "cut to its first" in json.loads(out)["notes"][0]
    code, out, err = run(capsys, "ask", THIRD[0][0], "--mode", "extractive", *where)
    assert code == 0 and "note: This question looks Japanese" in out


def test_undecodable_bytes_on_a_real_command_line_are_one_line():
    done = subprocess.run(
        [sys.executable, "-m", "rag", "search", b"\xff\xfe\x80"],  # not UTF-8: lone halves
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 1 and done.stderr == "error: the question is empty: type a question\n"
