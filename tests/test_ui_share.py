"""The chat app's plain logic added for issues 11 and 13, without a browser.

Copy and export (nothing escaped away, no citation lost), the waiting stage and
elapsed time, the two interface languages, and the Evaluate tab's run history.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

from rag.records import Answer, Citation, Claim, Reset, Stage, Token
from rag.ui import chat, evaluation, history, render, share
from rag.ui import text as t
from rag.ui.service import Service
from tests.fakes import fake_embedder
from tests.test_ui import QUESTION, assistant
from tests.ui_support import CitingGenerator

TRICKY_TITLE = "[속보] *AI* 기본법_2024 <script>alert(1)</script> & `코드` #1"
NOW = datetime(2025, 3, 4, 5, 6, 7, tzinfo=UTC)


def citation(n, title=TRICKY_TITLE, outlet="디지털데일리", published="2024-07-29", evidence=None):
    return Citation(
        n, f"d{n}#0", f"d{n}", title, outlet, published, (0, 4), evidence or f"근거 {n} [x]*"
    )


def cited_answer() -> Answer:
    citations = (
        citation(1),
        citation(2, title=None, outlet=None, published="2024-01-02", evidence="둘째\n줄바꿈"),
        citation(3, title="세 번째 | 표", outlet="연합뉴스", published=None),
    )
    claims = (
        Claim("정부는 9090억원을 투입한다.", (1,)),
        Claim("예산은 5000억원이다.", (2,), False, "5000억 not in [2]"),
        Claim("연구소는 세 곳이다.", (3,)),
    )
    text = "정부는 9090억원을 투입한다 [1]. 예산은 5000억원이다 [2]. 연구소는 세 곳이다 [3]."
    return Answer(QUESTION, QUESTION, text, "ko", False, "generate", claims, citations)


class _Text(HTMLParser):
    """The text of rendered HTML, and every tag it has."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.tags: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        if tag == "br":
            self.parts.append("\n")

    def handle_data(self, data):
        self.parts.append(data)


def rendered(markdown: str) -> _Text:
    html = MarkdownIt("commonmark").enable(["table", "strikethrough"]).render(markdown)
    parser = _Text()
    parser.feed(html)
    return parser


def squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


# Copy


def test_clipboard_text_is_the_answer_then_each_source_with_its_quoted_evidence():
    text = share.clipboard_text(cited_answer(), "en")
    answer, flags, first, second, third = text.rstrip("\n").split("\n\n")
    assert answer == cited_answer().text
    assert flags == "⚠ Unsupported: 예산은 5000억원이다. (5000억 not in [2])"
    assert first == f"[1] {TRICKY_TITLE} — 디지털데일리, 2024-07-29\n    “근거 1 [x]*”"
    assert second == "[2] d2 — 2024-01-02\n    “둘째\n    줄바꿈”"  # no title: the article id
    assert third.startswith("[3] 세 번째 | 표 — 연합뉴스\n")
    assert "⚠ 근거 부족" in share.clipboard_text(cited_answer(), "ko")


def test_every_citation_of_the_answer_has_its_source_on_the_clipboard(fake_index):
    answer = assistant(fake_index).ask(QUESTION)
    text = share.clipboard_text(answer, "ko")
    markers = set(re.findall(r"\[(\d+)\]", answer.text))
    assert markers and markers == {str(c.n) for c in answer.citations}
    for c in answer.citations:
        assert share.source_line(c) in text and c.evidence.strip() in text


def test_copy_button_carries_exactly_the_clipboard_text():
    html = render.answer_html(cited_answer(), 1, "en")
    found = {}

    class Button(HTMLParser):
        def handle_starttag(self, tag, attrs):
            if tag == "button":
                found.update(attrs)

    Button().feed(html)
    assert found["class"] == "rag-copy"
    assert found["data-copy"] == share.clipboard_text(cited_answer(), "en")
    assert "<script>" not in html


# Export


def conversation() -> list[chat.Turn]:
    done = chat.Turn(QUESTION, answer=cited_answer())
    stopped = chat.Turn("멈춘 질문\n둘째 줄 *강조* [링크](http://x)", text="부분 답변 [1]")
    stopped.notice = "stopped"
    failed = chat.Turn("# 실패한 질문", error="model crashed <b>")
    return [done, stopped, failed]


def test_markdown_export_renders_every_answer_and_source_as_written():
    markdown = share.conversation_markdown(conversation(), "en", NOW)
    page = rendered(markdown)
    text = squash("".join(page.parts))
    forbidden = {"strong", "a", "script", "img", "code", "table", "del", "ul", "ol", "hr"}
    assert not forbidden & set(page.tags), page.tags
    assert page.tags.count("em") == 2  # ours: the export time and "unfinished"
    for c in cited_answer().citations:
        assert squash(share.source_line(c)) in text
        assert squash(c.evidence) in text
    for n in (1, 2, 3):
        assert f"[{n}]" in text
    assert squash(cited_answer().text) in text
    assert "Unsupported: 예산은 5000억원이다. (5000억 not in [2])" in text
    assert "멈춘 질문 둘째 줄 *강조* [링크](http://x)" in text and "Unfinished answer" in text
    assert "부분 답변 [1]" in text and "Stopped" in text
    assert "# 실패한 질문" in text and "model crashed <b>" in text
    assert page.tags.count("h2") == 3 and page.tags.count("blockquote") == 3
    assert "2025-03-04 05:06 UTC" in text


def test_markdown_export_labels_follow_the_interface_language():
    korean = share.conversation_markdown(conversation(), "ko", NOW)
    assert "## 질문 1" in korean and "#### 출처" in korean and "Question" not in korean
    assert "## Question 1" in share.conversation_markdown(conversation(), "en", NOW)


@pytest.mark.parametrize(
    "text",
    [
        TRICKY_TITLE,
        "- 목록 아님\n1. 번호 아님\n> 인용 아님\n    코드 아님\n---\n===",
        "a ~~b~~ | c | ![i](y) [l](http://x) \\ 끝\\",
        "2024.07.29 9090억원 [1]. [2][3]",
        "[1]: http://evil.example",
        "첫 줄\n\n셋째 줄\n넷째 줄",
    ],
)
def test_md_escape_renders_as_the_same_text(text):
    page = rendered(share.md_escape(text))
    lines = "".join(page.parts).strip().splitlines()
    assert [line.strip() for line in lines if line.strip()] == [
        line.strip() for line in text.splitlines() if line.strip()
    ]
    assert set(page.tags) <= {"p", "br"}


def test_export_file_is_a_markdown_file_and_none_for_an_empty_chat(tmp_path):
    path = share.export_file(conversation(), "en", tmp_path, NOW)
    assert path.name == "rag-conversation-20250304-050607.md" and path.parent.parent == tmp_path
    expected = share.conversation_markdown(conversation(), "en", NOW)
    assert path.read_text(encoding="utf-8") == expected
    assert share.export_file([], "en", tmp_path) is None


# Waiting: the stage and the elapsed time


def test_stage_and_elapsed_time_show_until_the_first_token(fake_index):
    stages, pending_views = [], []
    steps = chat.run_turn(assistant(fake_index), [], QUESTION, chat.Settings())
    for turns in steps:
        turn = turns[-1]
        html = render.turn_html(turn, 1, "en", now=turn.started + 2.5)
        if turn.text or turn.answer:
            assert "rag-stage" not in html
            continue
        stages.append(turn.stage)
        pending_views.append(html)
    assert next(s for s in stages if s) == "searching" and stages[-1] == "writing"
    assert 'data-stage="writing"' in pending_views[-1] and "Writing the answer" in pending_views[-1]
    assert 'data-elapsed="2500"' in pending_views[-1] and ">2.5 s<" in pending_views[-1]
    final = render.conversation_html(turns, "en")
    assert "rag-pending" not in final and "rag-stage" not in final


def test_a_korean_draft_gives_way_to_the_translating_stage():
    turn = chat.Turn("How much?", started=100.0)
    for event in (Stage("writing"), Token("정부는 9090억원을")):
        chat.apply(turn, event)
    assert "정부는" in render.turn_html(turn, 1, "en")
    chat.apply(turn, Reset("translating it into English"))
    chat.apply(turn, Stage("translating"))
    html = render.turn_html(turn, 1, "en", now=104.0)
    assert "정부는" not in html and 'data-stage="translating"' in html
    assert "Translating the answer into English" in html and ">4.0 s<" in html
    assert "영어로 옮기는 중" in render.turn_html(turn, 1, "ko", now=104.0)


def test_pending_stopped_and_failed_turns_look_different():
    turn = chat.Turn("질문", started=100.0)
    turn.stage = "checking"
    waiting = render.turn_html(turn, 1, "ko", now=101.25)
    assert "rag-pending" in waiting and "확인하는 중" in waiting and ">1.2초<" in waiting
    turn.text = "부분"
    assert "rag-cursor" in render.turn_html(turn, 1, "ko")
    chat.stop([turn])
    stopped = render.turn_html(turn, 1, "en")
    assert turn.notice == "stopped" and "⛔ Stopped" in stopped
    assert "rag-pending" not in stopped and "rag-cursor" not in stopped and "부분" in stopped


# One language at a time


def test_labels_exist_in_both_languages_and_pages_use_one():
    both = t.translations()
    assert set(both["ko"]) == set(both["en"]) == set(t.LABELS)
    assert all(both["ko"][k] and both["en"][k] for k in t.LABELS)
    assert t.norm("ko-KR") == "ko" and t.norm("en-GB") == "en" and t.norm("fr") == "en"
    assert t.norm(None) == "en"
    turns = [chat.Turn(QUESTION, answer=cited_answer())]
    english = render.conversation_html(turns, "en") + render.sources_html(turns, "en")
    korean = render.conversation_html(turns, "ko") + render.sources_html(turns, "ko")
    for key in ("cited", "timings", "copy", "total", "first_token"):
        assert t.say(key, "en") in english and t.say(key, "ko") not in english
        assert t.say(key, "ko") in korean and t.say(key, "en") not in korean


# Evaluate: run history and comparison


def summary(hit: float, ko: float, en: float) -> dict:
    block = lambda v: {"questions": 2, "doc_hit@5": v, "fact_recall": v / 2}  # noqa: E731
    return {"all": block(hit), "ko": block(ko), "en": block(en)}


def write_run(root: Path, name: str, summary_: dict, rows: list, info: dict | None = None):
    folder = root / name
    folder.mkdir(parents=True)
    report = {"summary": summary_, "rows": rows}
    (folder / "report.json").write_text(json.dumps(report), encoding="utf-8")
    (folder / "report.html").write_text("<html></html>", encoding="utf-8")
    if info is not None:
        history.write_run_info(folder, info)
    return folder


def test_history_reads_new_and_old_run_folders(tmp_path):
    info = history.run_info("my <set>.jsonl", "citing-llm", "fake-model", False, "hybrid", NOW)
    write_run(tmp_path, "20250304T050607000000", summary(0.9, 1.0, 0.8), [{"mode": "g"}], info)
    write_run(tmp_path, "20240101T000000000000", summary(0.5, 0.4, 0.6), [{"mode": ""}])
    (tmp_path / "20250305T000000000000").mkdir()  # still running: rows only
    (tmp_path / "20250305T000000000000" / "rows.jsonl").write_text("", encoding="utf-8")
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "report.json").write_text("{not json", encoding="utf-8")
    runs, notes = history.read_runs(tmp_path)
    new, old = runs
    assert (new.key, new.question_set, new.mode, new.model) == (
        "20250304T050607000000",
        "my <set>.jsonl",
        "answers",
        "citing-llm",
    )
    assert new.time == NOW and new.questions == 2
    assert old.time == datetime(2024, 1, 1, tzinfo=UTC)
    assert (old.question_set, old.model, old.mode) == ("", "", "retrieval")
    assert len(notes) == 2 and any("no report.json" in n for n in notes)
    assert history.read_runs(tmp_path / "missing") == ([], [])


def test_history_table_shows_each_run_with_headline_metrics_and_its_report(tmp_path):
    info = history.run_info("<b>set</b>.jsonl", "citing-llm", "fake-model", True, "hybrid")
    write_run(tmp_path, "20250304T050607000000", summary(0.9, 1.0, 0.8), [], info)
    write_run(tmp_path, "20240101T000000000000", summary(0.5, 0.4, 0.6), [])
    runs, _ = history.read_runs(tmp_path)
    html = history.history_html(runs, "en")
    assert html.count("<tr>") == 3 and "&lt;b&gt;set&lt;/b&gt;.jsonl" in html
    assert "0.900 / 1.000 / 0.800" in html and "0.500 / 0.400 / 0.600" in html
    assert "fake-model" in html and "retrieval only" in html and "(not recorded)" in html
    links = re.findall(r'href="([^"]+)"', html)
    assert len(links) == 2 and all(u.startswith("gradio_api/file=/") for u in links)
    assert links[0].endswith("20250304T050607000000/report.html")
    assert "기록이 없습니다" in history.history_html([], "ko")


def test_comparison_shows_both_runs_and_signed_deltas_per_language(tmp_path):
    write_run(tmp_path, "20240101T000000000000", summary(0.5, 0.4, 0.6), [])
    write_run(tmp_path, "20250101T000000000000", summary(0.9, 0.3, 0.6), [])
    runs, _ = history.read_runs(tmp_path)
    newer, older = (r.key for r in runs)
    html = history.compare(runs, older, newer, "en")
    assert "Δ (B − A)" in html and html.count("<table>") == 3
    assert '<span class="rag-delta-up">+0.400</span>' in html  # all: 0.5 -> 0.9
    assert '<span class="rag-delta-down">-0.100</span>' in html  # ko: 0.4 -> 0.3
    assert "<td>0.000</td>" in html  # en unchanged
    assert "Pick two runs" in history.compare(runs, older, None, "en")
    assert "Pick two runs" in history.compare(runs, older, "gone", "en")


def test_lower_false_refusal_rate_counts_as_better():
    cell = history._delta_cell("false_refusal_rate", "-0.100")
    assert 'class="rag-delta-up"' in cell


def test_an_evaluation_started_from_the_ui_records_its_run(fake_index, tmp_path):
    questions = tmp_path / "four.jsonl"
    shipped = evaluation.SHIPPED.read_text(encoding="utf-8").splitlines()
    questions.write_text("\n".join(shipped[:4]) + "\n", encoding="utf-8")
    service = Service(fake_index, embedder=fake_embedder(), generator=CitingGenerator(0))
    chat_model, embedder = service.model_names()
    assert (chat_model, embedder) == ("citing-llm", "fake-model")
    info = history.run_info(evaluation.set_name(questions), chat_model, embedder, True, "hybrid")
    folder = tmp_path / "eval" / "20250304T050607000000"
    evaluation.run(assistant(fake_index), questions, folder, True, iter, info)
    (run,) = history.read_runs(tmp_path / "eval")[0]
    assert (run.question_set, run.mode, run.model, run.questions) == (
        "four.jsonl",
        "retrieval",
        "fake-model",
        4,
    )
    assert evaluation.set_name(evaluation.SHIPPED) == "eval/questions.jsonl"
