"""What the Gradio tabs share: translated labels, progress trackers, escaping.

Imported only by the modules that build the Blocks (they import gradio); the handler
logic lives in plain modules.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any

import gradio as gr

from rag.ui import text as t


def _translations() -> dict[str, dict[str, str]]:
    labels = t.translations()
    for table in labels.values():
        # One marker per string: Gradio's frontend translates only the first of a string.
        table["header_md"] = f"## {table['title']}\n{table['intro']}"
        table["busy_html"] = f'<div class="rag-busy-note">{html.escape(table["busy"])}</div>'
    return labels


# Gradio's i18n: the browser's language picks the labels; the switch changes them.
I18N = gr.I18n(**_translations())

# Progress trackers gradio fills in per call (a default value is how it finds them);
# TRACKED also shows the index build's tqdm bar.
TRACKED = gr.Progress(track_tqdm=True)
PROGRESS = gr.Progress()


def label(key: str) -> Any:
    """A static label Gradio shows in the page's language."""
    return I18N(key)


def choices(pairs: Sequence[tuple[str, Any]]) -> list[tuple[Any, Any]]:
    """Radio choices whose labels are label keys (translated) or fixed text."""
    return [(label(name) if name in t.LABELS else name, value) for name, value in pairs]


def plain(lines: Sequence[str]) -> str:
    """Markdown lines with every character that Markdown or HTML would act on escaped."""
    return "\n\n".join(html.escape(line).replace("*", "\\*").replace("_", "\\_") for line in lines)
