"""The chat app end to end in real headless Chromium (Debian's /usr/bin/chromium).

The app runs in this process on a free 127.0.0.1 port with the fake embedder and
a fake chat model that cites the passage holding the 2024 budget, so citation
clicks are deterministic. Every wait is for a condition on the page (or a file),
never a fixed sleep. Screenshots go to a temporary folder (printed) and are copied
to /tmp/ui-shots/. No test reads a glyph: CI has no CJK font, so Hangul is checked
as text, never as pixels. Without /usr/bin/chromium these tests fail: install it with
`apt-get install chromium`.
"""

from __future__ import annotations

import json
import re
import shutil
import time
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

from tests.fakes import fake_embedder
from tests.ui_support import SLOW, CitingGenerator, app_config, free_port

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
SHOTS = Path("/tmp/ui-shots")
XSS_TITLE = "<script>alert('xss')</script> 양자컴퓨터 특별법"
XSS_ARTICLE = f"""{XSS_TITLE}

입력 2024.08.01

[테스트뉴스 홍길동 기자] 정부는 양자컴퓨터 특별법을 통해 양자 연구소 세 곳을 새로 짓는다고 밝혔다. \
<img src=x onerror="window.__xss=2;alert('body')"> 양자컴퓨터 특별법은 2025년부터 시행된다.

양자 연구소는 대전, 광주, 부산에 들어선다. 양자컴퓨터 인력 1000명을 양성하는 것이 목표다.
"""
BUDGET_Q = "2024년 전국민 인공지능 일상화 예산은 얼마인가?"
# Generous: a cold machine shared with other work loads Gradio's assets and builds
# the index before the first page is ready.
WAIT = 90_000
READY = 180_000


def eventually(check, timeout: float = WAIT / 1000, what: str = "condition"):
    """Poll ``check`` until it returns something truthy (for files the app writes)."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


@pytest.fixture(scope="module")
def generator():
    return CitingGenerator(delay=0.15)


@pytest.fixture(scope="module")
def app(tmp_path_factory, generator):
    from rag.ui import launch

    config = app_config(tmp_path_factory.mktemp("app"))
    port = free_port()
    demo = launch(config, port=port, block=False, embedder=fake_embedder(), generator=generator)
    yield f"http://127.0.0.1:{port}/", config
    demo.close()


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.is_file():
        pytest.fail(f"{CHROMIUM} is missing: `apt-get install -y chromium` (never skipped)")
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=WAIT)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def shots(tmp_path_factory):
    folder = tmp_path_factory.mktemp("screenshots")
    print(f"\nscreenshots: {folder} (copied to {SHOTS})")

    def take(page, name: str, full_page: bool = True) -> Path:
        path = folder / f"{name}.png"
        page.screenshot(path=path, full_page=full_page)
        SHOTS.mkdir(parents=True, exist_ok=True)
        shutil.copy(path, SHOTS / path.name)
        return path

    return take


@pytest.fixture
def open_page(browser, app):
    """Open the app in a fresh browser context (its own storage, locale and permissions)."""
    opened = []

    def open_(locale="en-US", width=1400, height=1000, permissions=()):
        context = browser.new_context(
            locale=locale,
            viewport={"width": width, "height": height},
            permissions=list(permissions),
            accept_downloads=True,
        )
        context.set_default_timeout(WAIT)
        page = context.new_page()
        page.dialogs = []
        page.on("dialog", lambda d: (page.dialogs.append(d.message), d.dismiss()))
        page.goto(app[0])
        page.wait_for_selector("#rag-status :text('✅')", timeout=READY)
        opened.append((context, page))
        return page

    yield open_
    for context, page in opened:
        assert page.dialogs == [], f"a dialog opened: {page.dialogs}"
        assert page.evaluate("window.__xss") is None
        context.close()


@pytest.fixture
def page(open_page):
    return open_page()


def ask(page, question, enter=False):
    box = page.locator("#rag-question textarea")
    box.fill(question)
    if enter:
        box.press("Enter")
    else:
        page.click("#rag-ask")


def answered(page, turn: int = 1):
    """Wait for turn ``turn`` to have its final answer; return that answer's element."""
    answer = page.locator(f"#turn-{turn} .rag-answer[data-kind]")
    answer.wait_for()
    return answer


def test_enter_sends_a_question_and_the_answer_streams_after_its_sources(page, app, shots):
    from playwright.sync_api import expect

    ask(page, BUDGET_Q, enter=True)
    # The sources are on screen while the answer is still being written.
    page.wait_for_function(
        "document.querySelector('#rag-sources .rag-source') !== null"
        " && document.querySelector('#rag-conversation .rag-pending .rag-text') !== null"
    )
    expect(page.locator("#rag-question textarea")).to_have_value("")
    shots(page, "1-streaming")
    final = answered(page)
    expect(final).to_contain_text("9090억원")
    expect(page.locator("#rag-conversation .rag-user")).to_have_text(BUDGET_Q)
    page.click("#rag-conversation a.rag-cite >> nth=0")
    source = page.locator("#src-1-1")
    expect(source).to_have_class(re.compile(r"\brag-highlight\b"))
    expect(page.locator(".rag-highlight")).to_have_count(1)
    expect(source.locator("mark")).to_contain_text("9090억원")
    expect(source).to_be_visible()
    shots(page, "2-citation-clicked")
    page.click("#rag-good")
    feedback = app[1].data_dir / "feedback.jsonl"

    def whole_lines():
        text = feedback.read_text(encoding="utf-8") if feedback.is_file() else ""
        return text if text.endswith("\n") else ""

    text = eventually(whole_lines, what="a whole line in feedback.jsonl")
    record = json.loads(text.splitlines()[-1])
    assert record["vote"] == "up" and "9090억원" in record["answer"] and record["citations"]


def test_shift_enter_keeps_a_newline_and_enter_then_sends_both_lines(page):
    from playwright.sync_api import expect

    box = page.locator("#rag-question textarea")
    box.fill("2024년 예산은")
    box.press("Shift+Enter")
    box.type("얼마인가?")
    expect(box).to_have_value("2024년 예산은\n얼마인가?")
    expect(page.locator("#rag-conversation .rag-empty")).to_be_visible()
    assert page.locator("#rag-conversation .rag-turn").count() == 0
    box.press("Enter")
    expect(page.locator("#turn-1 .rag-user")).to_have_text("2024년 예산은\n얼마인가?")
    answered(page)


def test_enter_while_answering_keeps_the_question_and_stop_cancels(page, shots, generator):
    from playwright.sync_api import expect

    closed = generator.closed
    ask(page, f"{SLOW} 예산을 설명해 줘", enter=True)
    streaming = page.locator("#rag-conversation .rag-streaming")
    expect(streaming).to_contain_text("예산은 예산은")
    ask(page, BUDGET_Q, enter=True)  # while the first answer streams
    note = page.locator("#rag-busy")
    expect(note).to_be_visible()
    expect(note).to_contain_text("Still answering")
    expect(page.locator("#rag-question textarea")).to_have_value(BUDGET_Q)
    expect(page.locator("#rag-conversation .rag-turn")).to_have_count(1)
    shots(page, "3-busy-note")
    page.click("#rag-stop")
    expect(page.locator("#rag-conversation .rag-error")).to_contain_text("Stopped")
    expect(note).to_be_hidden()
    before = streaming.inner_text()
    eventually(lambda: generator.closed > closed, what="generation to stop")
    page.wait_for_timeout(1000)  # nothing may arrive after Stop: look again a second later
    assert streaming.inner_text() == before
    expect(page.locator("#rag-conversation .rag-error")).to_contain_text("Stopped")
    expect(page.locator("#rag-conversation .rag-cursor")).to_have_count(0)
    shots(page, "4-stopped")
    page.locator("#rag-question textarea").press("Enter")  # the kept question, sent now
    expect(page.locator("#turn-2 .rag-user")).to_have_text(BUDGET_Q)
    answered(page, 2)


def test_stage_and_elapsed_time_show_before_the_first_token(page, shots, generator):
    from playwright.sync_api import expect

    generator.first_delay = 4.0
    try:
        ask(page, BUDGET_Q, enter=True)
        stage = page.locator("#rag-conversation .rag-pending .rag-stage[data-stage=writing]")
        expect(stage).to_contain_text("Writing the answer")
        # The seconds keep counting in the page between the server's updates.
        page.wait_for_function(
            "parseFloat(document.querySelector('#rag-conversation .rag-elapsed')"
            "?.textContent) >= 1.5"
        )
        expect(page.locator("#rag-conversation .rag-pending .rag-text")).to_have_count(0)
        shots(page, "5-waiting-stage")
    finally:
        generator.first_delay = 0.0
    final = answered(page)
    expect(final).to_contain_text("9090억원")
    expect(page.locator("#rag-conversation .rag-stage")).to_have_count(0)
    expect(page.locator("#rag-conversation .rag-elapsed")).to_have_count(0)


def test_the_language_switch_changes_the_labels(open_page, shots):
    from playwright.sync_api import expect

    page = open_page(locale="ko-KR")
    expect(page.locator("#rag-ask")).to_have_text("묻기")
    expect(page.get_by_role("tab", name="대화")).to_be_visible()
    expect(page.locator("#rag-ui-lang input[value=ko]")).to_be_checked()
    ask(page, BUDGET_Q, enter=True)
    answer = answered(page)
    expect(answer.locator(".rag-copy")).to_have_text("📋 복사")
    expect(page.locator("#rag-sources")).to_contain_text("인용된 문단")
    shots(page, "6-korean-ui")

    page.locator("#rag-ui-lang").get_by_text("English").click()
    expect(page.locator("#rag-ask")).to_have_text("Ask")
    expect(page.get_by_role("tab", name="Chat")).to_be_visible()
    expect(page.locator("#rag-question textarea")).to_have_attribute(
        "placeholder", re.compile("press Enter")
    )
    expect(answer.locator(".rag-copy")).to_have_text("📋 Copy")
    expect(page.locator("#rag-sources")).to_contain_text("Cited passages")
    expect(page.locator("#rag-status")).to_contain_text("Ready")
    shown = page.locator("body").inner_text()
    for korean in ("묻기", "인용된 문단", "준비됨", "새 대화", "·  Ask"):
        assert korean not in shown
    assert "2024년 전국민 인공지능" in shown  # the answer keeps the question's language
    shots(page, "7-english-ui")
    page.reload()
    expect(page.locator("#rag-ask")).to_have_text("Ask")  # the choice is remembered


def test_copy_puts_the_answer_and_its_sources_on_the_clipboard(open_page):
    from playwright.sync_api import expect

    page = open_page(permissions=["clipboard-read", "clipboard-write"])
    ask(page, BUDGET_Q)
    answer = answered(page)
    answer.locator(".rag-copy").click()
    expect(answer.locator(".rag-copy")).to_have_text("✓ Copied")
    copied = page.evaluate("navigator.clipboard.readText()")
    text = answer.locator(".rag-text").inner_text()
    assert copied.startswith("정부는 2024년 9090억원")
    title = page.locator("#src-1-1 .rag-src-title").inner_text()
    meta = page.locator("#src-1-1 .rag-src-meta").inner_text()  # "outlet · date"
    evidence = page.locator("#src-1-1 mark").inner_text()
    markers = set(re.findall(r"\[(\d+)\]", text))
    assert markers == {"1"}
    assert f"[1] {title} — {meta.replace(' · ', ', ')}" in copied
    assert f"“{evidence.strip()}”" in copied


def test_export_downloads_every_answer_and_its_sources_as_markdown(page, shots):
    from playwright.sync_api import expect

    export = page.locator("#rag-export")
    expect(export).to_be_disabled()
    ask(page, BUDGET_Q, enter=True)
    answered(page, 1)
    ask(page, "How much is the 2024 budget for everyday AI for all citizens?", enter=True)
    answered(page, 2)
    expect(export).to_be_enabled()
    with page.expect_download() as download:
        export.click()
    path = download.value.path()
    assert download.value.suggested_filename.endswith(".md")
    markdown = Path(path).read_text(encoding="utf-8")
    text = MarkdownIt("commonmark").render(markdown)
    assert text.count("<h2>") == 2 and "<script" not in text
    for turn in (1, 2):
        answer = page.locator(f"#turn-{turn} .rag-text").inner_text()
        for n in re.findall(r"\[(\d+)\]", answer):
            title = page.locator(f"#src-{turn}-{n} .rag-src-title").text_content()
            assert f"[{n}] {title}" in text.replace("&quot;", '"').replace("&amp;", "&")
    assert "9090억원" in text and BUDGET_Q in text


def test_narrow_screen_puts_the_sources_below_and_keeps_the_question_box_in_view(open_page, shots):
    from playwright.sync_api import expect

    page = open_page(width=390, height=844)
    ask(page, BUDGET_Q, enter=True)
    answered(page)
    page.evaluate("window.scrollTo(0, 0)")
    expect(page.locator("#rag-question textarea")).to_be_in_viewport()
    expect(page.locator("#rag-ask")).to_be_in_viewport()
    chat_box = page.locator("#rag-conversation").bounding_box()
    sources = page.locator("#rag-sources").bounding_box()
    assert sources["y"] >= chat_box["y"] + chat_box["height"]
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shots(page, "8-narrow-390px", full_page=False)
    shots(page, "8-narrow-390px-full")


def test_api_returns_answer_and_citations_as_json(app):
    from gradio_client import Client

    client = Client(app[0], verbose=False)
    result = client.predict(question="2024년 전국민 인공지능 일상화 예산은?", api_name="/ask")
    assert isinstance(result, dict), result  # as the README example uses it
    data = json.loads(json.dumps(result, ensure_ascii=False))
    assert "9090억원" in data["answer"]
    assert data["citations"][0]["n"] == 1 and data["citations"][0]["evidence"]


def test_uploaded_article_with_script_is_shown_as_text_and_never_runs(page, app, shots, tmp_path):
    from playwright.sync_api import expect

    config = app[1]
    bad = tmp_path / "broken.txt"
    bad.write_bytes(b"\x00\x01binary" * 50)
    upload = tmp_path / "quantum_law.txt"
    upload.write_text(XSS_ARTICLE, encoding="utf-8")
    page.get_by_role("tab", name="Articles").click()
    page.set_input_files("#rag-upload input[type=file]", str(bad))
    expect(page.locator("#rag-corpus-message")).to_contain_text("refused")
    page.set_input_files("#rag-upload input[type=file]", str(upload))
    expect(page.locator("#rag-preview textarea")).to_have_value(re.compile("<script>"))
    shots(page, "9-preview")
    page.click("#rag-add")
    expect(page.locator("#rag-corpus-message")).to_contain_text("passages indexed")
    assert (config.corpus_dir / "quantum_law.txt").read_text(encoding="utf-8") == XSS_ARTICLE
    expect(page.locator("#rag-articles")).to_contain_text(XSS_TITLE)

    page.get_by_role("tab", name="Chat").click()
    ask(page, "양자컴퓨터 특별법 양자 연구소는 어디에 들어서나?")
    answered(page)
    expect(page.locator("#rag-sources")).to_contain_text("onerror=\"window.__xss=2;alert('body')\"")
    assert page.locator("#rag-sources img, #rag-articles img, #rag-sources script").count() == 0
    shots(page, "10-inert-article")


def test_evaluate_keeps_a_history_and_compares_two_runs(page, shots, tmp_path):
    from playwright.sync_api import expect

    shipped = Path(__file__).resolve().parents[1] / "eval" / "questions.jsonl"
    questions = [q for q in shipped.read_text(encoding="utf-8").splitlines() if q.strip()]
    page.get_by_role("tab", name="Evaluate").click()
    history = page.locator("#rag-eval-history")
    expect(history).to_contain_text("No evaluation has been run yet")
    page.click("#rag-run-eval")  # the shipped set, retrieval only
    expect(page.locator("#rag-eval-summary")).to_contain_text("doc_hit@1", timeout=2 * WAIT)
    expect(page.locator("#rag-eval-rows tr")).to_have_count(len(questions) + 1)  # + header
    expect(page.locator("#rag-eval-files")).to_contain_text("report")
    expect(history.locator("tbody tr")).to_have_count(1)

    few = tmp_path / "three questions.jsonl"
    few.write_text("\n".join(questions[:3]) + "\n", encoding="utf-8")
    page.locator("#rag-eval-set").get_by_text("Uploaded file").click()
    page.set_input_files("#rag-eval-upload input[type=file]", str(few))
    # Gradio shows the extension in its own element ("three questions .jsonl" as text).
    cell = page.locator("#rag-eval-upload").get_by_role("cell", name="three questions.jsonl")
    expect(cell).to_be_visible()
    expect(page.locator("#rag-eval-upload")).to_contain_text("three questions")
    page.locator("#rag-eval-retrieval-only input").uncheck()  # answers too
    page.click("#rag-run-eval")
    expect(history.locator("tbody tr")).to_have_count(2, timeout=2 * WAIT)
    newest, oldest = history.locator("tbody tr").all()
    expect(newest).to_contain_text("three questions.jsonl")
    expect(newest).to_contain_text("answers")
    expect(newest).to_contain_text("citing-llm")
    expect(oldest).to_contain_text("eval/questions.jsonl")
    expect(oldest).to_contain_text("retrieval only")

    # Pick the two runs as a user would: A the shipped run, B the small one.
    choose(page, "#rag-run-a", "eval/questions.jsonl")
    choose(page, "#rag-run-b", "three questions.jsonl")
    comparison = page.locator("#rag-eval-compare")
    expect(comparison).to_contain_text("Δ (B − A)")
    expect(comparison).to_contain_text("three questions.jsonl")
    deltas = comparison.locator(".rag-delta-up, .rag-delta-down")
    expect(deltas.first).to_be_visible()
    assert re.fullmatch(r"[+-]\d\.\d{3}", deltas.first.inner_text())
    shots(page, "11-history-and-comparison")

    with page.context.expect_page() as report:
        oldest.get_by_role("link").click()
    report.value.wait_for_load_state()
    assert "Summary" in report.value.locator("body").inner_text()


def choose(page, dropdown: str, text: str):
    """Pick the option containing ``text`` in a Gradio dropdown."""
    page.locator(f"{dropdown} input").click()
    page.get_by_role("option").filter(has_text=text).first.click()
    page.locator(f"{dropdown} input").press("Escape")
