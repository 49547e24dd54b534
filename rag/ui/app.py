"""The Gradio Blocks: three tabs wired to the plain handlers of this package.

Only this module imports gradio. Handlers catch :class:`rag.errors.RagError`
and show it with ``gr.Warning`` (and, in the chat, as an error line).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import gradio as gr

from rag.errors import RagError
from rag.ui import chat, corpus, evaluation, render
from rag.ui import text as t
from rag.ui.service import Service

# Every event that generates an answer shares one queue: on 2 cores one answer at a
# time is fastest for everyone, whether it comes from the chat or from /ask.
ANSWERING = {"api_visibility": "private", "concurrency_id": "answer", "concurrency_limit": 1}
# Progress trackers gradio fills in per call (a default value is how it finds them);
# TRACKED also shows the index build's tqdm bar.
TRACKED = gr.Progress(track_tqdm=True)
PROGRESS = gr.Progress()


def _chat_tab(service: Service) -> None:
    turns = gr.State([])
    with gr.Row(equal_height=False):
        with gr.Column(scale=3):
            conversation = gr.HTML(render.conversation_html([]), elem_id="rag-conversation")
            question = gr.Textbox(label=t.QUESTION, lines=2, elem_id="rag-question")
            with gr.Row():
                ask = gr.Button(t.ASK, variant="primary", elem_id="rag-ask")
                stop = gr.Button(t.STOP, variant="stop", elem_id="rag-stop")
                clear = gr.Button(t.CLEAR, elem_id="rag-clear")
            with gr.Row():
                good = gr.Button(t.GOOD, size="sm", elem_id="rag-good")
                bad = gr.Button(t.BAD, size="sm", elem_id="rag-bad")
            gr.Examples([[q] for q in t.EXAMPLE_QUESTIONS], inputs=[question], label=t.EXAMPLES)
            settings = _settings(service)
        with gr.Column(scale=2):
            gr.Markdown(f"### {t.SOURCES}")
            sources = gr.HTML(render.sources_html([]), elem_id="rag-sources")
    views = [conversation, sources, turns]
    ask_inputs = [question, turns, *settings]
    asking = [
        trigger(_asker(service), ask_inputs, [*views, question], **ANSWERING)
        for trigger in (ask.click, question.submit)
    ]
    stop.click(_stopped, [turns], views, cancels=asking, api_visibility="private")
    clear.click(lambda: _views([]), None, views, api_visibility="private")
    good.click(_voter(service, "up"), [turns], None, api_visibility="private")
    bad.click(_voter(service, "down"), [turns], None, api_visibility="private")


def _settings(service: Service) -> list[Any]:
    c = service.config
    with gr.Accordion(t.SETTINGS, open=False):
        lang = gr.Radio(t.LANG_CHOICES, value=c.lang, label=t.ANSWER_LANG)
        retrieval = gr.Radio(t.RETRIEVAL_CHOICES, value=c.mode, label=t.RETRIEVAL)
        top_k = gr.Slider(1, 20, value=c.top_k, step=1, label=t.TOP_K)
        mode = gr.Radio(t.GENERATOR_CHOICES, value=c.answer_mode, label=t.GENERATOR)
        tokens = gr.Slider(16, 1024, value=c.max_new_tokens, step=16, label=t.MAX_TOKENS)
    return [lang, retrieval, top_k, mode, tokens]


def _views(turns: list[chat.Turn]) -> tuple[str, str, list[chat.Turn]]:
    return render.conversation_html(turns), render.sources_html(turns), turns


def _asker(service: Service) -> Any:
    def chat_answer(
        question: str,
        turns: list[chat.Turn],
        lang: str,
        retrieval: str,
        k: float,
        mode: str,
        tokens: float,
    ) -> Any:
        """Stream one answer: the sources first, then the text token by token."""
        latest = list(turns)
        try:
            settings = chat.Settings(lang, retrieval, int(k), mode, int(tokens))
            assistant = service.assistant()
            for latest in chat.run_turn(assistant, turns, question, settings):
                yield (*_views(latest), "")
        except RagError as exc:
            gr.Warning(str(exc))
            yield (*_views(latest), question)

    return chat_answer


def _stopped(turns: list[chat.Turn]) -> tuple[str, str, list[chat.Turn]]:
    if turns and turns[-1].answer is None and not turns[-1].error:
        turns[-1].error = "중지됨 · stopped"
    return _views(turns)


def _voter(service: Service, vote: str) -> Any:
    def rate(turns: list[chat.Turn]) -> None:
        turn = chat.last_answered(turns)
        if turn is None:
            gr.Warning(t.NO_ANSWER_YET)
            return
        try:
            chat.append_feedback(service.config.data_dir, chat.feedback_record(turn, vote))
        except RagError as exc:
            gr.Warning(str(exc))
            return
        gr.Info(t.THANKS)

    return rate


def _corpus_tab(service: Service) -> list[Any]:
    """Build the Articles tab; return the components a page load refreshes."""
    pending = gr.State([])
    message = gr.Markdown(elem_id="rag-corpus-message")
    table = gr.HTML(elem_id="rag-articles")
    refresh = gr.Button(t.REFRESH, size="sm")
    with gr.Row():
        with gr.Column():
            files = gr.File(
                label=t.UPLOAD,
                file_count="multiple",
                file_types=list(corpus.UPLOAD_SUFFIXES),
                elem_id="rag-upload",
            )
            add = gr.Button(t.ADD, variant="primary", interactive=False, elem_id="rag-add")
        with gr.Column():
            shown = gr.Textbox(label=t.PREVIEW, lines=14, interactive=False, elem_id="rag-preview")
    with gr.Row():
        doc_id = gr.Dropdown([], label=t.ARTICLE, allow_custom_value=False, elem_id="rag-doc")
        remove = gr.Button(t.REMOVE, variant="stop", elem_id="rag-remove")
    listing = [table, doc_id, message]
    refresh.click(_lister(service), None, listing, api_visibility="private")
    files.upload(
        _previewer(service), [files], [shown, pending, add, message], api_visibility="private"
    )
    add.click(
        _adder(service), [pending], [*listing, shown, pending, add, files], api_visibility="private"
    )
    remove.click(_remover(service), [doc_id], listing, api_visibility="private")
    return listing


def _lister(service: Service, note: str = "") -> Any:
    def show(note: str = note) -> tuple[Any, Any, str]:
        try:
            found = corpus.listing(service.config)
        except RagError as exc:
            return "", gr.update(choices=[]), _plain([f"⛔ {exc}"])
        lines = [note] if note else []
        lines += [f"⚠ {w}" for w in found.warnings]
        ids = [row[0] for row in found.rows]
        table = render.table_html(corpus.COLUMNS, found.rows)
        return table, gr.update(choices=ids, value=None), _plain(lines)

    return show


def _plain(lines: list[str]) -> str:
    """Markdown lines with every character that Markdown or HTML would act on escaped."""
    import html

    return "\n\n".join(html.escape(line).replace("*", "\\*").replace("_", "\\_") for line in lines)


def _previewer(service: Service) -> Any:
    def preview(paths: list[str] | None) -> tuple[str, list, Any, str]:
        shown, ok, refused = [], [], []
        for path in paths or []:
            name = Path(path).name
            try:
                data = Path(path).read_bytes()
                doc = corpus.preview(service.config, name, data)
            except (RagError, OSError) as exc:
                refused.append(f"⛔ {exc}")
                continue
            ok.append((name, data))
            shown.append(f"=== {name} ===\n{corpus.describe(doc)}\n\n{doc.text}")
        for line in refused:
            gr.Warning(line)
        return "\n\n".join(shown), ok, gr.update(interactive=bool(ok)), _plain(refused)

    return preview


def _adder(service: Service) -> Any:
    def add(pending: list, progress: Any = TRACKED) -> tuple:
        saved, lines = [], []
        for name, data in pending:
            try:
                corpus.save(service.config, name, data)
                saved.append(name)
            except RagError as exc:
                lines.append(f"⛔ {exc}")
        if saved:
            try:
                report = service.build(progress=True, notify=gr.Info)
                lines.append(f"✅ {', '.join(saved)}: {report.chunks} passages indexed")
            except RagError as exc:
                lines.append(f"⛔ {exc}")
        rows, ids, message = _lister(service)()
        return (
            rows,
            ids,
            _plain(lines) + "\n\n" + message,
            "",
            [],
            gr.update(interactive=False),
            None,
        )

    return add


def _remover(service: Service) -> Any:
    def remove(doc_id: str | None, progress: Any = TRACKED) -> tuple:
        try:
            moved = corpus.remove(service.config, doc_id or "")
            service.build(progress=True, notify=gr.Info)
        except RagError as exc:
            gr.Warning(str(exc))
            return _lister(service, f"⛔ {exc}")()
        return _lister(service, f"🗑 {doc_id} → {moved}")()

    return remove


def _evaluate_tab(service: Service) -> None:
    with gr.Row():
        shipped = gr.Radio(
            [(t.SHIPPED, True), (t.UPLOADED, False)], value=True, label=t.QUESTION_SET
        )
        upload = gr.File(label=t.UPLOADED, file_types=list(evaluation.QUESTION_SUFFIXES))
        retrieval_only = gr.Checkbox(value=True, label=t.RETRIEVAL_ONLY)
    run = gr.Button(t.RUN, variant="primary", elem_id="rag-run-eval")
    gr.Markdown(f"### {t.SUMMARY}")
    summary = gr.HTML(elem_id="rag-eval-summary")
    plot = gr.HTML()
    gr.Markdown(f"### {t.PER_QUESTION}")
    rows = gr.HTML(elem_id="rag-eval-rows")
    files = gr.File(
        label=t.DOWNLOADS, file_count="multiple", interactive=False, elem_id="rag-eval-files"
    )
    run.click(
        _evaluator(service),
        [shipped, upload, retrieval_only],
        [summary, plot, rows, files],
        api_visibility="private",
    )


def _evaluator(service: Service) -> Any:
    def evaluate(
        shipped: bool, upload: str | None, retrieval_only: bool, progress: Any = PROGRESS
    ) -> tuple:
        try:
            path = evaluation.question_file(shipped, upload)
            folder = evaluation.out_dir(service.config.data_dir)
            result = evaluation.run(
                service.assistant(),
                path,
                folder,
                retrieval_only,
                lambda qs: progress.tqdm(qs, desc="questions"),
            )
        except RagError as exc:
            gr.Warning(str(exc))
            return "", "", "", None
        s, r = result.summary, result.rows
        return (
            render.table_html(s.headers, s.rows),
            result.plot,
            render.table_html(r.headers, r.rows),
            result.files,
        )

    return evaluate


def _status(service: Service) -> Any:
    def load(progress: Any = TRACKED) -> str:
        """Build the index if there is none, showing progress, then say it is ready."""
        try:
            if not service.has_index():
                progress(0, desc=t.BUILDING)
                report = service.build(progress=True, notify=gr.Info)
                return f"✅ {t.READY}: {report.documents} articles, {report.chunks} passages"
            service.assistant()
        except RagError as exc:
            gr.Warning(str(exc))
            return f"⛔ {_plain([str(exc)])}"
        return f"✅ {t.READY}"

    return load


def _api(service: Service) -> Any:
    def ask(
        question: str,
        lang: str = "auto",
        retrieval: str = "hybrid",
        k: int = 5,
        mode: str = "generate",
        max_new_tokens: int = 256,
    ) -> dict:  # a generator: gradio streams each update, predict() returns the last
        """Answer a question from the articles: the answer text and its checked citations.

        Streams ``{"partial": true, "stage": ..., "answer": text so far}`` updates, then
        the full answer. A client that disconnects stops the generation at its next token.
        """
        try:
            settings = chat.Settings(lang, retrieval, int(k), mode, int(max_new_tokens))
            events = service.assistant().stream(question, **settings.options())
        except RagError as exc:
            raise gr.Error(str(exc), print_exception=False) from None
        try:
            yield from chat.api_updates(events)
        except RagError as exc:
            raise gr.Error(str(exc), print_exception=False) from None
        finally:
            events.close()

    return ask


def build_app(service: Service) -> gr.Blocks:
    """Create the Blocks of the app (not launched)."""
    with gr.Blocks(title="rag · AI policy news Q&A", analytics_enabled=False) as demo:
        gr.Markdown(f"## {t.TITLE}\n{t.INTRO}")
        status = gr.Markdown(elem_id="rag-status")
        with gr.Tabs():
            with gr.Tab(t.CHAT_TAB, id="chat"):
                _chat_tab(service)
            with gr.Tab(t.CORPUS_TAB, id="corpus"):
                listing = _corpus_tab(service)
            with gr.Tab(t.EVAL_TAB, id="evaluate"):
                _evaluate_tab(service)
        demo.load(_status(service), None, status, api_visibility="private").then(
            _lister(service), None, listing, api_visibility="private"
        )
        gr.api(_api(service), api_name="ask", concurrency_id="answer", concurrency_limit=1)
    return demo


def launch(service: Service, host: str, port: int, block: bool = True) -> gr.Blocks:
    """Start the app on ``host:port`` (127.0.0.1 only unless told otherwise).

    Args:
        service: The shared models and settings.
        host: Interface to bind.
        port: Port to listen on.
        block: Serve until interrupted; False returns at once (tests).

    Returns:
        The running Blocks; ``close()`` stops it.
    """
    demo = build_app(service)
    # One answer at a time: two generations on 2 cores each run at a quarter speed.
    demo.queue(default_concurrency_limit=1)
    data_dir = Path(service.config.data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    demo.launch(
        server_name=host,
        server_port=port,
        prevent_thread_lock=not block,
        css=render.CSS,
        head=render.SCRIPT,
        allowed_paths=[str(data_dir.resolve())],
        ssr_mode=False,
        quiet=not block,
        show_error=True,
    )
    return demo
