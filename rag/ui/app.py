"""The Gradio Blocks: a language switch and three tabs wired to the plain handlers.

Only this module and the ``tab_*`` and ``common`` modules it builds from import
gradio. Handlers catch :class:`rag.errors.RagError` and show it with ``gr.Warning``
(and, in the chat, as an error line).

The interface speaks one language at a time. Static labels are ``gr.I18n`` keys,
shown in the browser's language (Korean or English; English for any other); the
switch at the top (``#rag-ui-lang``) changes them through Gradio's own i18n store and
re-renders what the handlers drew, and is remembered in the browser. Answers follow
the question's language whatever the interface's.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import gradio as gr

from rag.errors import RagError
from rag.ui import assets, chat, tab_chat, tab_corpus, tab_evaluate
from rag.ui import text as t
from rag.ui.common import I18N, TRACKED, label, plain
from rag.ui.service import Service

# The language the switch starts on: the one chosen before, else the browser's.
DETECT_LANG = "() => window.ragInitialLang ? window.ragInitialLang() : 'en'"
SET_LOCALE = "(lang) => { if (window.ragSetLocale) window.ragSetLocale(lang); }"
TABS = ("chat_tab", "corpus_tab", "eval_tab")


def _status(service: Service) -> Any:
    def load(lang: str, progress: Any = TRACKED) -> tuple[str, dict[str, Any]]:
        """Build the index if there is none, showing progress, then say it is ready."""
        facts: dict[str, Any] = {"key": "ready"}
        try:
            if not service.has_index():
                progress(0, desc=t.say("building", lang))
                report = service.build(progress=True, notify=gr.Info)
                facts = {"key": "ready_built", "docs": report.documents, "chunks": report.chunks}
            service.assistant().warm()  # the models load now, not on the first question
        except RagError as exc:
            gr.Warning(str(exc))
            facts = {"error": str(exc)}
        return status_text(facts, lang), facts

    return load


def status_text(facts: dict[str, Any], lang: str) -> str:
    """The status line: ready (with what was built), or the error that stopped it."""
    if "error" in facts:
        return f"⛔ {plain([facts['error']])}"
    values = {k: v for k, v in facts.items() if k != "key"}
    return f"✅ {t.say(facts.get('key', 'ready'), lang, **values)}"


def _tab_labels(lang: str) -> tuple[Any, ...]:
    return tuple(gr.update(label=t.say(key, lang)) for key in TABS)


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
        with gr.Row(equal_height=False):
            gr.Markdown(label("header_md"), elem_id="rag-title")
            ui_lang = gr.Radio(
                t.UI_CHOICES,
                value=None,
                label=label("ui_lang"),
                show_label=False,
                container=False,
                elem_id="rag-ui-lang",
                scale=0,
            )
        status = gr.Markdown(elem_id="rag-status")
        facts = gr.State({})
        with gr.Tabs():
            with gr.Tab(label("chat_tab"), id="chat") as chat_tab:
                tab_chat.build(service, ui_lang)
            with gr.Tab(label("corpus_tab"), id="corpus") as corpus_tab:
                listing = tab_corpus.build(service, ui_lang)
            with gr.Tab(label("eval_tab"), id="evaluate") as eval_tab:
                remembered = tab_evaluate.build(service, ui_lang)
        ui_lang.change(None, [ui_lang], None, js=SET_LOCALE)
        # Gradio re-translates a tab's label only once the tab is shown: set them all.
        ui_lang.change(
            _tab_labels, [ui_lang], [chat_tab, corpus_tab, eval_tab], api_visibility="private"
        )
        ui_lang.change(status_text, [facts, ui_lang], status, api_visibility="private")
        demo.load(None, None, ui_lang, js=DETECT_LANG).then(
            _status(service), [ui_lang], [status, facts], api_visibility="private"
        ).then(tab_corpus.lister(service), None, listing, api_visibility="private").then(
            tab_evaluate.shower(service), [ui_lang], remembered, api_visibility="private"
        )
        gr.api(_api(service), api_name="ask", concurrency_id=tab_chat.ANSWER_QUEUE)
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
        css=assets.CSS,
        head=assets.SCRIPT,
        i18n=I18N,
        allowed_paths=[str(data_dir.resolve())],
        ssr_mode=False,
        quiet=not block,
        show_error=True,
    )
    return demo
