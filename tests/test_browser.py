"""The chat app end to end in real headless Chromium (Debian's /usr/bin/chromium).

The app runs in this process on a free 127.0.0.1 port with the fake embedder and
a fake chat model that cites the passage holding the 2024 budget, so citation
clicks are deterministic. Screenshots go to a temporary folder (printed).
Without /usr/bin/chromium these tests fail: install it with `apt-get install chromium`.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from tests.fakes import fake_embedder
from tests.ui_support import SLOW, CitingGenerator, app_config, free_port

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
XSS_TITLE = "<script>alert('xss')</script> 양자컴퓨터 특별법"
XSS_ARTICLE = f"""{XSS_TITLE}

입력 2024.08.01

[테스트뉴스 홍길동 기자] 정부는 양자컴퓨터 특별법을 통해 양자 연구소 세 곳을 새로 짓는다고 밝혔다. \
<img src=x onerror="window.__xss=2;alert('body')"> 양자컴퓨터 특별법은 2025년부터 시행된다.

양자 연구소는 대전, 광주, 부산에 들어선다. 양자컴퓨터 인력 1000명을 양성하는 것이 목표다.
"""
WAIT = 60_000


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
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def shots(tmp_path_factory):
    folder = tmp_path_factory.mktemp("screenshots")
    print(f"\nscreenshots: {folder}")
    return folder


@pytest.fixture
def page(browser, app):
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.dialogs = []
    page.on("dialog", lambda d: (page.dialogs.append(d.message), d.dismiss()))
    page.goto(app[0])
    page.wait_for_selector("#rag-status :text('Ready')", timeout=WAIT)
    yield page
    assert page.dialogs == [], f"a dialog opened: {page.dialogs}"
    assert page.evaluate("window.__xss") is None
    page.close()


def ask(page, question):
    page.fill("#rag-question textarea", question)
    page.click("#rag-ask")


def test_sources_come_first_then_the_answer_streams_and_a_citation_highlights(page, app, shots):
    ask(page, "2024년 전국민 인공지능 일상화 예산은 얼마인가?")
    page.wait_for_selector("#rag-sources .rag-source", timeout=WAIT)
    assert page.locator("#rag-conversation .rag-streaming").count() == 1
    page.screenshot(path=shots / "1-streaming.png", full_page=True)
    final = page.wait_for_selector("#rag-conversation [data-kind=generate]", timeout=WAIT)
    assert "9090억원" in final.inner_text()
    page.click("#rag-conversation a.rag-cite >> nth=0")
    source = page.locator("#src-1-1")
    page.wait_for_function("document.querySelector('#src-1-1').classList.contains('rag-highlight')")
    assert page.locator(".rag-highlight").count() == 1
    assert "9090억원" in source.locator("mark").inner_text()
    assert source.is_visible()
    page.screenshot(path=shots / "2-citation-clicked.png", full_page=True)
    page.click("#rag-good")
    feedback = app[1].data_dir / "feedback.jsonl"
    deadline = time.time() + 10
    while not feedback.is_file() and time.time() < deadline:
        time.sleep(0.2)
    record = json.loads(feedback.read_text(encoding="utf-8").splitlines()[-1])
    assert record["vote"] == "up" and "9090억원" in record["answer"] and record["citations"]


def test_stop_cancels_generation(page, shots, generator):
    closed = generator.closed
    ask(page, f"{SLOW} 예산을 설명해 줘")
    streaming = page.locator("#rag-conversation .rag-streaming")
    page.wait_for_function(
        "(document.querySelector('#rag-conversation .rag-streaming') || {}).innerText"
        "?.includes('예산은 예산은')",
        timeout=WAIT,
    )
    page.click("#rag-stop")
    page.wait_for_selector("#rag-conversation .rag-error:has-text('stopped')", timeout=WAIT)
    before = streaming.inner_text()
    time.sleep(1.5)
    assert streaming.inner_text() == before
    deadline = time.time() + 10
    while generator.closed == closed and time.time() < deadline:
        time.sleep(0.2)
    assert generator.closed > closed, "generation kept running after Stop"
    page.screenshot(path=shots / "3-stopped.png", full_page=True)


def test_api_returns_answer_and_citations_as_json(app):
    from gradio_client import Client

    client = Client(app[0], verbose=False)
    result = client.predict(question="2024년 전국민 인공지능 일상화 예산은?", api_name="/ask")
    assert isinstance(result, dict), result  # as the README example uses it
    data = json.loads(json.dumps(result, ensure_ascii=False))
    assert "9090억원" in data["answer"]
    assert data["citations"][0]["n"] == 1 and data["citations"][0]["evidence"]


def test_uploaded_article_with_script_is_shown_as_text_and_never_runs(page, app, shots, tmp_path):
    config = app[1]
    bad = tmp_path / "broken.txt"
    bad.write_bytes(b"\x00\x01binary" * 50)
    upload = tmp_path / "quantum_law.txt"
    upload.write_text(XSS_ARTICLE, encoding="utf-8")
    page.get_by_role("tab", name="Articles").click()
    page.set_input_files("#rag-upload input[type=file]", str(bad))
    page.wait_for_selector("#rag-corpus-message :text('refused')", timeout=WAIT)
    page.set_input_files("#rag-upload input[type=file]", str(upload))
    page.wait_for_function(
        "document.querySelector('#rag-preview textarea').value.includes('<script>')", timeout=WAIT
    )
    page.screenshot(path=shots / "4-preview.png", full_page=True)
    page.click("#rag-add")
    page.wait_for_selector("#rag-corpus-message :text('passages indexed')", timeout=WAIT)
    assert (config.corpus_dir / "quantum_law.txt").read_text(encoding="utf-8") == XSS_ARTICLE
    assert XSS_TITLE in page.locator("#rag-articles").inner_text()
    page.screenshot(path=shots / "5-articles.png", full_page=True)

    page.get_by_role("tab", name="Chat").click()
    ask(page, "양자컴퓨터 특별법 양자 연구소는 어디에 들어서나?")
    page.wait_for_selector("#rag-conversation .rag-answer[data-kind]", timeout=WAIT)
    sources = page.locator("#rag-sources").inner_text()
    assert "onerror=\"window.__xss=2;alert('body')\"" in sources
    assert page.locator("#rag-sources img, #rag-articles img, #rag-sources script").count() == 0
    page.screenshot(path=shots / "6-inert-article.png", full_page=True)


def test_evaluate_tab_runs_the_shipped_set(page, shots):
    page.get_by_role("tab", name="Evaluate").click()
    page.click("#rag-run-eval")
    page.wait_for_selector("#rag-eval-summary :text('doc_hit@1')", timeout=120_000)
    assert page.locator("#rag-eval-rows tr").count() > 60
    files = page.locator("#rag-eval-files")
    files.locator("text=.json").first.wait_for(timeout=WAIT)  # shown as "report" ".json"
    assert "report" in files.inner_text()
    page.screenshot(path=shots / "7-evaluate.png", full_page=True)
