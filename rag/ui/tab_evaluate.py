"""The Evaluate tab: run a question set, see its results, and every past run beside it.

A run writes ``run.json`` (question set, models, mode) into its folder before its
first question; the history table lists every folder under ``data_dir/eval/``, and
two runs picked in the dropdowns are compared metric by metric with their deltas.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import gradio as gr

from rag.errors import RagError
from rag.ui import evaluation, history, render
from rag.ui import text as t
from rag.ui.common import PROGRESS, choices, label
from rag.ui.service import Service


def build(service: Service, ui_lang: gr.Radio) -> list[Any]:
    """Lay out the Evaluate tab; return what a page load refreshes (history, A, B, comparison)."""
    with gr.Row():
        shipped = gr.Radio(
            choices([("shipped", True), ("uploaded", False)]),
            value=True,
            label=label("question_set"),
            elem_id="rag-eval-set",
        )
        upload = gr.File(
            label=label("uploaded"),
            file_types=list(evaluation.QUESTION_SUFFIXES),
            elem_id="rag-eval-upload",
        )
        retrieval_only = gr.Checkbox(
            value=True, label=label("retrieval_only"), elem_id="rag-eval-retrieval-only"
        )
    run = gr.Button(label("run"), variant="primary", elem_id="rag-run-eval")
    gr.Markdown(label("summary"))
    summary = gr.HTML(elem_id="rag-eval-summary")
    plot = gr.HTML()
    gr.Markdown(label("history"))
    past = gr.HTML(elem_id="rag-eval-history")
    gr.Markdown(label("compare"))
    with gr.Row():
        run_a = gr.Dropdown([], label=label("run_a"), elem_id="rag-run-a", min_width=260)
        run_b = gr.Dropdown([], label=label("run_b"), elem_id="rag-run-b", min_width=260)
    comparison = gr.HTML(elem_id="rag-eval-compare")
    gr.Markdown(label("per_question"))
    rows = gr.HTML(elem_id="rag-eval-rows")
    files = gr.File(
        label=label("downloads"), file_count="multiple", interactive=False, elem_id="rag-eval-files"
    )
    remembered = [past, run_a, run_b, comparison]
    run.click(
        _evaluator(service),
        [shipped, upload, retrieval_only, ui_lang],
        [summary, plot, rows, files, *remembered],
        api_visibility="private",
    )
    for picker in (run_a, run_b):
        picker.change(
            _comparer(service), [run_a, run_b, ui_lang], comparison, api_visibility="private"
        )
    ui_lang.change(shower(service), [ui_lang, run_a, run_b], remembered, api_visibility="private")
    return remembered


def _eval_dir(service: Service) -> Path:
    return Path(service.config.data_dir) / "eval"


def shower(service: Service) -> Any:
    """A handler that shows the history, keeping (or, after a run, picking) runs A and B."""

    def show(lang: str, key_a: str | None = None, key_b: str | None = None) -> tuple:
        lang = t.norm(lang)
        runs, notes = history.read_runs(_eval_dir(service))
        keys = [r.key for r in runs]
        if key_a not in keys or key_b not in keys:  # the two latest: before, and after
            key_a, key_b = (keys[1], keys[0]) if len(keys) > 1 else (None, None)
        table = history.history_html(runs, lang)
        if notes:
            table += render.table_html(["⚠"], [[n] for n in notes])
        picks = history.choices(runs, lang)
        return (
            table,
            gr.update(choices=picks, value=key_a),
            gr.update(choices=picks, value=key_b),
            history.compare(runs, key_a, key_b, lang),
        )

    return show


def _comparer(service: Service) -> Any:
    def compare(key_a: str | None, key_b: str | None, lang: str) -> str:
        runs, _ = history.read_runs(_eval_dir(service))
        return history.compare(runs, key_a, key_b, t.norm(lang))

    return compare


def _evaluator(service: Service) -> Any:
    def evaluate(
        shipped: bool,
        upload: str | None,
        retrieval_only: bool,
        lang: str,
        progress: Any = PROGRESS,
    ) -> tuple:
        try:
            path = evaluation.question_file(shipped, upload)
            folder = evaluation.out_dir(service.config.data_dir)
            chat_model, embedder = service.model_names()
            info = history.run_info(
                evaluation.set_name(path),
                chat_model,
                embedder,
                retrieval_only,
                service.config.mode,
            )
            result = evaluation.run(
                service.assistant(),
                path,
                folder,
                retrieval_only,
                lambda qs: progress.tqdm(qs, desc="questions"),
                info,
            )
        except RagError as exc:
            gr.Warning(str(exc))
            return "", "", "", None, *shower(service)(lang)
        s, r = result.summary, result.rows
        return (
            render.table_html(s.headers, s.rows),
            result.plot,
            render.table_html(r.headers, r.rows),
            result.files,
            *shower(service)(lang),
        )

    return evaluate
