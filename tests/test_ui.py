"""The chat app's handlers, without a browser: fake models, real pipeline."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from rag.answering.assistant import Assistant
from rag.errors import ConfigError, CorpusError, QueryError, QuestionSetError
from rag.indexing.ingest import MAX_FILE_BYTES, read_corpus
from rag.records import Answer, Citation, Claim, Timings
from rag.search.searcher import Searcher
from rag.ui import chat, corpus, evaluation, render
from rag.ui import text as t
from rag.ui.service import Service
from tests.fakes import FakeGenerator, fake_embedder
from tests.ui_support import BUDGET, CitingGenerator, app_config

XSS = "<script>alert(1)</script><img src=x onerror=alert(2)>"
QUESTION = "2024년 전국민 인공지능 일상화 예산은 얼마인가?"


def assistant(config, generator=None, **changes):
    config = replace(config, **changes)
    searcher = Searcher(config, embedder=fake_embedder())
    return Assistant(config, searcher=searcher, generator=generator or CitingGenerator(0))


def ask(a, question=QUESTION, turns=(), **settings):
    return list(chat.run_turn(a, list(turns), question, chat.Settings(**settings)))


# Chat turns


def test_sources_are_shown_before_the_first_token(fake_index):
    steps = chat.run_turn(assistant(fake_index), [], QUESTION, chat.Settings())
    # The turn is updated in place: look at it as each step is shown.
    views = [(bool(s[-1].hits), s[-1].text, render.sources_html(s, "en")) for s in steps]
    first_hits = next(i for i, (hits, _, _) in enumerate(views) if hits)
    first_text = next(i for i, (_, text, _) in enumerate(views) if text)
    assert first_hits < first_text
    panel = views[first_hits][2]
    assert "rag-source" in panel and t.say("retrieved", "en") in panel


def test_final_answer_has_citation_links_to_highlighted_sources(fake_index):
    turns = ask(assistant(fake_index))[-1]
    answer = turns[-1].answer
    assert answer is not None and answer.citations and answer.mode == "generate"
    page = render.conversation_html(turns, "en")
    assert 'href="#src-1-1"' in page and 'data-target="src-1-1"' in page
    panel = render.sources_html(turns, "en")
    assert 'id="src-1-1"' in panel
    marked = re.search(r'id="src-1-1".*?<mark>(.*?)</mark>', panel, re.S)
    assert marked and "9090억원" in marked.group(1)
    assert t.say("others", "en") in panel and "<details" in panel


def test_stream_is_closed_when_the_turn_is_abandoned(fake_index):
    generator = CitingGenerator(0)
    steps = chat.run_turn(assistant(fake_index, generator), [], QUESTION, chat.Settings())
    for turn_list in steps:
        if turn_list[-1].text:
            break
    steps.close()
    assert generator.closed == 1
    assert turn_list[-1].answer is None


def test_a_stopped_turn_takes_no_more_tokens_and_closes_the_stream(fake_index):
    # Stop runs in another thread while the answer streams: what it showed stays.
    generator = CitingGenerator(0)
    steps = chat.run_turn(assistant(fake_index, generator), [], QUESTION, chat.Settings())
    turns = next(s for s in steps if s[-1].text)
    shown = turns[-1].text
    chat.stop(turns)
    assert list(steps) == []  # the next token is not taken, nothing more is yielded
    assert generator.closed == 1
    assert turns[-1].text == shown and turns[-1].answer is None
    assert turns[-1].notice == "stopped" and not turns[-1].pending


def test_follow_up_shows_the_rewritten_query(fake_index):
    a = assistant(fake_index)
    first = ask(a)[-1]
    second = ask(a, "그럼 2025년은?", first)[-1]
    assert second[-1].query and second[-1].query != "그럼 2025년은?"
    assert t.say("searching_for", "en") in render.turn_html(second[-1], 2, "en")
    panel = render.sources_html(second, "en")
    assert "src-2-" in panel and t.say("earlier", "en") in panel


def test_empty_question_is_an_error_line_and_a_query_error(fake_index):
    steps = chat.run_turn(assistant(fake_index), [], "   ", chat.Settings())
    shown = next(steps)
    assert shown[-1].notice == "type_a_question" and not shown[-1].pending
    with pytest.raises(QueryError):
        next(steps)
    assert "rag-error" in render.conversation_html(shown, "ko")


def test_settings_reach_the_assistant(fake_index):
    turns = ask(assistant(fake_index), mode="extractive", k=3, retrieval="bm25", lang="en")[-1]
    answer = turns[-1].answer
    assert answer.mode == "extractive" and answer.lang == "en" and len(answer.hits) <= 3
    with pytest.raises(ConfigError):
        chat.Settings(retrieval="magic")
    with pytest.raises(ConfigError):
        chat.Settings(k=0)


# The three answer states look distinct


def _answer(**fields):
    base = dict(question="q", query="q", text="t", lang="ko", refused=False, mode="generate")
    return Answer(**{**base, **fields})


def test_unsupported_refusal_and_extractive_render_differently():
    claims = (Claim("맞는 문장.", (1,)), Claim("틀린 5000억원.", (1,), False, "5000억 not in [1]"))
    generated = render.answer_html(_answer(claims=claims), 1, "en")
    assert "rag-unsupported" in generated and "5000억 not in [1]" in generated
    assert generated.count("rag-unsupported") == 1
    refused = render.answer_html(_answer(refused=True, mode="refusal", text="없음"), 1, "en")
    extractive = render.answer_html(_answer(mode="extractive", notes=("quoted",)), 1, "en")
    kinds = [re.search(r'data-kind="(\w+)"', h).group(1) for h in (generated, refused, extractive)]
    assert kinds == ["generate", "refusal", "extractive"]
    assert t.say("refusal", "en") in refused and t.say("extractive", "en") in extractive
    assert "quoted" in extractive


def test_refusal_still_lists_the_nearest_passages(fake_index):
    a = assistant(fake_index, FakeGenerator(), refuse_below=0.99)
    turns = ask(a, "양자 암호 규제는?")[-1]
    assert turns[-1].answer.refused and turns[-1].answer.mode == "refusal"
    panel = render.sources_html(turns, "en")
    assert t.say("nearest", "en") in panel and panel.count('class="rag-source"') == len(
        turns[-1].hits
    )


def test_timings_line_is_collapsible():
    html = render.timings_html(
        Timings(retrieval=12, first_token=340, total=900, tokens_per_s=9.5), "en"
    )
    assert html.startswith("<details") and "12 ms" in html and "340 ms" in html and "9.5" in html


# Safety: everything is escaped


def test_article_answer_and_question_text_are_escaped():
    citation = Citation(1, "d#0", "d", XSS, XSS, "2024-01-01", (0, 8), "<script>")
    answer = _answer(text=XSS, claims=(Claim(XSS, (1,)),), citations=(citation,))
    turn = chat.Turn(question=XSS, query=XSS + "?", answer=answer, notes=[XSS], error=XSS)
    for html in (render.conversation_html([turn], "ko"), render.sources_html([turn], "ko")):
        assert "<script>" not in html and "<img" not in html
        assert "&lt;script&gt;" in html
    assert "<script>" not in render.table_html([XSS], [[XSS]])


def test_highlight_ignores_a_span_outside_the_passage():
    assert render.highlighted("abc<", (2, 99)) == "abc&lt;"
    assert render.highlighted("a<b>c", (1, 4)) == "a<mark>&lt;b&gt;</mark>c"


# Feedback


def test_votes_are_appended_as_jsonl(fake_index, tmp_path):
    turns = ask(assistant(fake_index))[-1]
    for vote in ("up", "down"):
        record = chat.feedback_record(chat.last_answered(turns), vote)
        chat.append_feedback(tmp_path / "data", record)
    lines = (tmp_path / "data" / chat.FEEDBACK_FILE).read_text(encoding="utf-8").splitlines()
    records = [json.loads(line) for line in lines]
    assert [r["vote"] for r in records] == ["up", "down"]
    assert records[0]["question"] == QUESTION and BUDGET in records[0]["answer"]
    assert records[0]["citations"][0]["n"] == 1 and records[0]["time"]
    with pytest.raises(QueryError):
        chat.feedback_record(chat.Turn("q"), "up")
    with pytest.raises(QueryError):
        chat.feedback_record(chat.last_answered(turns), "meh")


def test_api_answer_is_json_with_citations(fake_index):
    answer = assistant(fake_index).ask(QUESTION)
    data = json.loads(json.dumps(chat.api_answer(answer), ensure_ascii=False))
    assert BUDGET in data["answer"] and data["citations"][0]["evidence"]


# Corpus: upload checks, atomic add, remove


@pytest.mark.parametrize(
    "name",
    ["../evil.txt", "/etc/passwd.txt", "a/b.txt", "a\\b.txt", ".hidden.txt", "x.exe", "x.txt.sh",
     "metadata.toml", "", "..", "x..txt", "a<b>.txt"],
)  # fmt: skip
def test_bad_names_are_refused(name):
    with pytest.raises(CorpusError, match="refused"):
        corpus.check_name(name)


def test_good_names_pass():
    for name in ("기사_1.txt", "news-2024 (1).md", "page.html"):
        assert corpus.check_name(name) == name


def test_oversized_undecodable_and_empty_uploads_are_refused(tmp_path):
    config = app_config(tmp_path)
    before = sorted(config.corpus_dir.iterdir())
    with pytest.raises(CorpusError, match="limit"):
        corpus.preview(config, "big.txt", b"a" * (MAX_FILE_BYTES + 1))
    with pytest.raises(CorpusError, match=r"refused 'bin\.txt'"):
        corpus.preview(config, "bin.txt", b"\x00\x01\x02" * 100)
    with pytest.raises(CorpusError, match="empty"):
        corpus.preview(config, "empty.txt", b"   ")
    assert sorted(config.corpus_dir.iterdir()) == before


def test_oversized_file_in_the_corpus_is_skipped_with_one_line(tmp_path):
    (tmp_path / "huge.txt").write_bytes(b"a " * (MAX_FILE_BYTES // 2 + 1))
    sources, warnings = read_corpus(tmp_path)
    assert not sources and len(warnings) == 1 and "limit" in warnings[0]
    assert "\n" not in warnings[0]


def test_preview_shows_clean_text_and_metadata_without_storing(tmp_path):
    config = app_config(tmp_path)
    data = f"{XSS} 제목\n\n[테스트뉴스 홍길동 기자] 양자컴퓨터 특별법이 시행된다.\n".encode()
    doc = corpus.preview(config, "new.txt", data)
    assert doc.doc_id == "new" and "양자컴퓨터" in doc.text
    assert "outlet: 테스트뉴스" in corpus.describe(doc)
    assert not (config.corpus_dir / "new.txt").exists()


def test_save_is_atomic_and_never_overwrites(tmp_path):
    config = app_config(tmp_path)
    data = "양자컴퓨터 특별법이 2025년부터 시행된다.".encode()
    path = corpus.save(config, "new.txt", data)
    assert path.read_bytes() == data
    assert not [p for p in config.corpus_dir.iterdir() if p.name.startswith(".")]
    with pytest.raises(CorpusError, match="already"):
        corpus.save(config, "new.txt", b"other text here")
    with pytest.raises(CorpusError, match="already"):
        corpus.save(config, "new.md", b"same id, other suffix")
    assert path.read_bytes() == data


def test_remove_moves_the_file_to_the_trash(tmp_path):
    config = app_config(tmp_path)
    original = next(config.corpus_dir.glob("000_*.txt"))
    content = original.read_bytes()
    moved = corpus.remove(config, original.stem)
    assert not original.exists() and moved.read_bytes() == content
    assert moved.parent == config.data_dir / "trash"
    for bad in ("nope", "../corpus", ".hidden", ""):
        with pytest.raises(CorpusError):
            corpus.remove(config, bad)


def test_service_builds_a_missing_index_then_adds_and_removes_incrementally(tmp_path):
    config = app_config(tmp_path)
    service = Service(config, embedder=fake_embedder(), generator=CitingGenerator(0))
    assert not service.has_index()
    first = service.assistant()
    assert service.has_index() and len(corpus.listing(config).rows) == 5
    corpus.save(config, "quantum.txt", "양자컴퓨터 특별법이 2025년부터 시행된다.".encode())
    report = service.build()
    assert report.added == ["quantum"] and report.unchanged
    rows = {r[0]: r for r in corpus.listing(config).rows}
    assert rows["quantum"][-1] == 1
    hits = service.assistant().searcher.search("양자컴퓨터 특별법")
    assert service.assistant() is first and hits[0].chunk.doc_id == "quantum"
    corpus.remove(config, "quantum")
    assert service.build().removed == ["quantum"]
    assert all(h.chunk.doc_id != "quantum" for h in first.searcher.search("양자컴퓨터 특별법"))


# Evaluation


def test_evaluation_run_gives_tables_plot_and_files(fake_index, tmp_path):
    questions = tmp_path / "q.jsonl"
    shipped = evaluation.SHIPPED.read_text(encoding="utf-8").splitlines()
    questions.write_text("\n".join(shipped[:4]) + "\n", encoding="utf-8")
    seen = []

    def progress(items):
        seen.extend(items)
        return seen

    result = evaluation.run(assistant(fake_index), questions, tmp_path / "out", True, progress)
    assert len(seen) == 4
    assert result.summary.headers[:2] == ["metric", "all"]
    assert any(row[0] == "doc_hit@1" for row in result.summary.rows)
    assert len(result.rows.rows) == 4 and "doc_hit@1" in result.rows.headers
    assert result.plot.startswith("<svg") and "doc_hit@5" in result.plot
    assert {Path(f).name for f in result.files} >= {"report.html", "report.json"}


def test_question_file_choice():
    assert evaluation.question_file(True, None) == evaluation.SHIPPED
    assert evaluation.question_file(False, "/x/set.csv") == Path("/x/set.csv")
    with pytest.raises(QuestionSetError):
        evaluation.question_file(False, None)
    with pytest.raises(QuestionSetError):
        evaluation.question_file(False, "/x/set.pdf")


# Entry points stay light


def test_importing_rag_and_the_ui_package_does_not_import_gradio():
    code = "import sys, rag, rag.cli, rag.ui; print('gradio' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_serve_has_host_and_port_flags():
    from rag.cli import make_parser

    args = make_parser().parse_args(["serve", "--port", "7999"])
    assert (args.host, args.port) == ("127.0.0.1", 7999)
