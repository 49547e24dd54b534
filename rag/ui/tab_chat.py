"""The Chat tab: ask, watch the stage and the answer stream, stop, copy, export, rate.

Enter in the question box sends (``lines=1``; Shift+Enter adds a line). Ask and Enter
are one listener whose trigger mode is "once": while an answer is being made a second
send does nothing, and the page script shows why (:mod:`rag.ui.assets`). One answer
runs at a time in the whole app (``concurrency_id="answer"``, shared with ``/ask``).
"""

from __future__ import annotations

from typing import Any

import gradio as gr

from rag.errors import RagError
from rag.ui import chat, render, share
from rag.ui import text as t
from rag.ui.common import choices, label
from rag.ui.service import Service

ANSWER_QUEUE = "answer"


def build(service: Service, ui_lang: gr.Radio) -> None:
    """Lay out the Chat tab and wire its events; ``ui_lang`` is the language switch."""
    turns = gr.State([])
    with gr.Row(equal_height=False):
        with gr.Column(scale=3, min_width=320):
            # Drawn by the handlers only (an i18n value would come back on a language switch).
            conversation = gr.HTML("", elem_id="rag-conversation")
            gr.HTML(label("busy_html"), elem_id="rag-busy")
            question = gr.Textbox(
                label=label("question"),
                placeholder=label("question_hint"),
                lines=1,
                max_lines=8,
                elem_id="rag-question",
            )
            with gr.Row():
                ask = gr.Button(label("ask"), variant="primary", elem_id="rag-ask", min_width=80)
                stop = gr.Button(label("stop"), variant="stop", elem_id="rag-stop", min_width=80)
                clear = gr.Button(label("clear"), elem_id="rag-clear", min_width=80)
            with gr.Row():
                good = gr.Button(label("good"), size="sm", elem_id="rag-good", min_width=80)
                bad = gr.Button(label("bad"), size="sm", elem_id="rag-bad", min_width=80)
                export = gr.DownloadButton(
                    label("export"),
                    value=None,
                    interactive=False,
                    size="sm",
                    elem_id="rag-export",
                    min_width=120,
                )
            gr.Examples(
                [[q] for q in t.EXAMPLE_QUESTIONS], inputs=[question], label=label("examples")
            )
            settings = _settings(service)
        with gr.Column(scale=2, min_width=320):
            gr.Markdown(f"### {label('sources')}")
            sources = gr.HTML("", elem_id="rag-sources")
    answering = gr.on(
        [ask.click, question.submit],
        _asker(service),
        [question, turns, ui_lang, *settings],
        [conversation, sources, turns, question, export],
        api_visibility="private",
        concurrency_id=ANSWER_QUEUE,
        show_progress="minimal",
    )
    shown = [conversation, sources, turns, export]
    stopping = stop.click(
        _stopped, [turns, ui_lang], shown, cancels=[answering], api_visibility="private"
    )
    # The page cancels the answer without waiting for it, so an update the answer sent
    # just before can be drawn after Stop's: draw the stopped turn once more, last.
    stopping.then(_views, [turns, ui_lang], shown, api_visibility="private")
    clear.click(lambda lang: _views([], lang), [ui_lang], shown, api_visibility="private")
    good.click(_voter(service, "up"), [turns, ui_lang], None, api_visibility="private")
    bad.click(_voter(service, "down"), [turns, ui_lang], None, api_visibility="private")
    ui_lang.change(_views, [turns, ui_lang], shown, api_visibility="private")


def _settings(service: Service) -> list[Any]:
    c = service.config
    with gr.Accordion(label("settings"), open=False):
        lang = gr.Radio(choices(t.LANG_CHOICES), value=c.lang, label=label("answer_lang"))
        retrieval = gr.Radio(choices(t.RETRIEVAL_CHOICES), value=c.mode, label=label("retrieval"))
        top_k = gr.Slider(1, 20, value=c.top_k, step=1, label=label("top_k"))
        mode = gr.Radio(choices(t.GENERATOR_CHOICES), value=c.answer_mode, label=label("generator"))
        tokens = gr.Slider(16, 1024, value=c.max_new_tokens, step=16, label=label("max_tokens"))
    return [lang, retrieval, top_k, mode, tokens]


def _export(turns: list[chat.Turn], lang: str) -> Any:
    """The Export button, holding the conversation as Markdown (disabled when empty)."""
    try:
        path = share.export_file(turns, lang)
    except RagError as exc:
        gr.Warning(str(exc))
        path = None
    return gr.update(value=str(path) if path else None, interactive=path is not None)


def _views(turns: list[chat.Turn], lang: str) -> tuple[str, str, list[chat.Turn], Any]:
    lang = t.norm(lang)
    return (
        render.conversation_html(turns, lang),
        render.sources_html(turns, lang),
        turns,
        _export(turns, lang),
    )


def _asker(service: Service) -> Any:
    def chat_answer(
        question: str,
        turns: list[chat.Turn],
        ui_lang: str,
        lang: str,
        retrieval: str,
        k: float,
        mode: str,
        tokens: float,
    ) -> Any:
        """Stream one answer: the stage and elapsed time, the sources, then the text."""
        ui_lang = t.norm(ui_lang)
        latest = list(turns)
        panel = None
        try:
            settings = chat.Settings(lang, retrieval, int(k), mode, int(tokens))
            assistant = service.assistant()
            for step, latest in enumerate(chat.run_turn(assistant, turns, question, settings)):
                # The box empties once; what the user types meanwhile stays.
                sources = render.sources_html(latest, ui_lang)
                yield (
                    render.conversation_html(latest, ui_lang),
                    sources if sources != panel else gr.skip(),
                    latest,
                    "" if step == 0 else gr.skip(),
                    gr.skip(),
                )
                panel = sources
        except RagError as exc:
            gr.Warning(str(exc))
            conversation, sources, latest, export = _views(latest, ui_lang)
            yield conversation, sources, latest, question, export
            return
        yield gr.skip(), gr.skip(), gr.skip(), gr.skip(), _export(latest, ui_lang)

    return chat_answer


def _stopped(turns: list[chat.Turn], lang: str) -> tuple[str, str, list[chat.Turn], Any]:
    chat.stop(turns)
    return _views(turns, lang)


def _voter(service: Service, vote: str) -> Any:
    def rate(turns: list[chat.Turn], lang: str) -> None:
        turn = chat.last_answered(turns)
        if turn is None:
            gr.Warning(t.say("no_answer_yet", lang))
            return
        try:
            chat.append_feedback(service.config.data_dir, chat.feedback_record(turn, vote))
        except RagError as exc:
            gr.Warning(str(exc))
            return
        gr.Info(t.say("thanks", lang))

    return rate
