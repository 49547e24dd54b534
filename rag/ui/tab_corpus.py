"""The Articles tab: the corpus, uploads checked and previewed, add and remove."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import gradio as gr

from rag.errors import RagError
from rag.ui import corpus, render
from rag.ui import text as t
from rag.ui.common import TRACKED, label, plain
from rag.ui.service import Service


def build(service: Service, ui_lang: gr.Radio) -> list[Any]:
    """Lay out the Articles tab; return the components a page load refreshes."""
    pending = gr.State([])
    message = gr.Markdown(elem_id="rag-corpus-message")
    table = gr.HTML(elem_id="rag-articles")
    refresh = gr.Button(label("refresh"), size="sm")
    with gr.Row():
        with gr.Column(min_width=300):
            files = gr.File(
                label=label("upload"),
                file_count="multiple",
                file_types=list(corpus.UPLOAD_SUFFIXES),
                elem_id="rag-upload",
            )
            add = gr.Button(label("add"), variant="primary", interactive=False, elem_id="rag-add")
        with gr.Column(min_width=300):
            shown = gr.Textbox(
                label=label("preview"), lines=14, interactive=False, elem_id="rag-preview"
            )
    with gr.Row():
        doc_id = gr.Dropdown(
            [], label=label("article"), allow_custom_value=False, elem_id="rag-doc"
        )
        remove = gr.Button(label("remove"), variant="stop", elem_id="rag-remove")
    listing = [table, doc_id, message]
    refresh.click(lister(service), None, listing, api_visibility="private")
    files.upload(
        _previewer(service), [files], [shown, pending, add, message], api_visibility="private"
    )
    add.click(
        _adder(service),
        [pending, ui_lang],
        [*listing, shown, pending, add, files],
        api_visibility="private",
    )
    remove.click(_remover(service), [doc_id], listing, api_visibility="private")
    return listing


def lister(service: Service, note: str = "") -> Any:
    """A handler that lists the corpus (with ``note`` above it)."""

    def show(note: str = note) -> tuple[Any, Any, str]:
        try:
            found = corpus.listing(service.config)
        except RagError as exc:
            return "", gr.update(choices=[]), plain([f"⛔ {exc}"])
        lines = [note] if note else []
        lines += [f"⚠ {w}" for w in found.warnings]
        ids = [row[0] for row in found.rows]
        table = render.table_html(corpus.COLUMNS, found.rows)
        return table, gr.update(choices=ids, value=None), plain(lines)

    return show


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
        return "\n\n".join(shown), ok, gr.update(interactive=bool(ok)), plain(refused)

    return preview


def _adder(service: Service) -> Any:
    def add(pending: list, ui_lang: str, progress: Any = TRACKED) -> tuple:
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
                names = ", ".join(saved)
                lines.append(t.say("added", ui_lang, names=names, chunks=report.chunks))
            except RagError as exc:
                lines.append(f"⛔ {exc}")
        rows, ids, message = lister(service)()
        return (
            rows,
            ids,
            plain(lines) + "\n\n" + message,
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
            return lister(service, f"⛔ {exc}")()
        return lister(service, f"🗑 {doc_id} → {moved}")()

    return remove
