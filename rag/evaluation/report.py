"""``report.html``: one self-contained page for an evaluation run.

No scripts and no external files: inline CSS, inline SVG plots, ``<details>``
for what is collapsed. Every text that comes from an article, a question or an
answer is escaped, so markup inside them shows as characters.
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rag.files import write_atomic
from rag.records import Chunk

# Short column names of the per-question table.
SHORT = {
    "doc_hit@5": "article@5",
    "passage_hit@5": "passage@5",
    "strict_accuracy": "right",
    "fact_recall": "facts",
    "answer_type_match": "type",
    "faithful_claims": "faithful",
    "token_f1": "F1",
    "semantic": "similar",
    "lang_match": "lang",
    "citation_validity": "cites valid",
    "citation_precision": "cites prec.",
    "citation_recall": "cited sent.",
    "cites_gold": "cites gold",
}
# Metrics averaged over the questions that got an answer (not refused): a system that
# refuses more can score higher on them, so their labels say so. strict_accuracy counts
# every answerable question, refused ones as wrong.
ANSWERED_ONLY = (
    "fact_recall",
    "token_f1",
    "semantic",
    "answer_type_match",
    "faithful_claims",
    "citation_",
    "cites_gold",
)
# What a question must reach on a metric to pass it (score >= bar).
PASS_BARS: dict[str, float] = {
    "doc_hit@5": 1.0,
    "passage_hit@5": 1.0,
    "strict_accuracy": 1.0,
    "fact_recall": 1.0,
    "answer_type_match": 1.0,
    "faithful_claims": 1.0,
    "token_f1": 0.3,
    "semantic": 0.6,
    "lang_match": 1.0,
    "citation_validity": 1.0,
    "citation_precision": 1.0,
    "citation_recall": 1.0,
    "cites_gold": 1.0,
}
# The metrics plotted per configuration (all between 0 and 1).
PLOTTED = (
    "doc_hit@5",
    "passage_hit@5",
    "passage_ndcg@10",
    "strict_accuracy",
    "fact_recall",
    "answer_type_match",
    "faithful_claims",
    "token_f1",
    "semantic",
    "lang_match",
    "refusal_recall",
    "false_refusal_rate",
    "citation_validity",
    "citation_precision",
    "citation_recall",
    "cites_gold",
)
STEPS = ("retrieval", "first_token", "total")
COLORS = ("#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#b07aa1", "#76b7b2")
_MARKER = re.compile(r"\[(\d+)\]")

CSS = """
body{font:14px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:1200px;color:#222}
table{border-collapse:collapse;margin:.5rem 0 1.5rem}
td,th{border:1px solid #ddd;padding:3px 7px;vertical-align:top;text-align:left}
th{background:#f4f4f4}
td.num{text-align:right;font-variant-numeric:tabular-nums}
td.q{min-width:220px;max-width:320px}
.pass{background:#e3f4e1}.fail{background:#fbe3e3}
.mode{font-size:12px;padding:0 5px;border-radius:3px;background:#eee}
.refusal{background:#fff2cc}.extractive{background:#dde8f7}
.answer{min-width:360px;max-width:480px;white-space:pre-wrap}
.passage{max-width:520px;font-size:13px;color:#333;white-space:pre-wrap}
svg text{font:11px system-ui,sans-serif}
"""


def write_html(
    path: Path,
    summaries: Mapping[str, Mapping[str, Any]],
    rows: Mapping[str, Sequence[Any]],
    chunks: Mapping[str, Chunk],
    title: str = "Evaluation report",
) -> Path:
    """Write the report for one or more configurations, atomically.

    Args:
        path: Where ``report.html`` goes.
        summaries: Per configuration label, the output of ``evaluate.summarize``.
        rows: Per configuration label, its ``evaluate.Row`` list.
        chunks: The index's passages by id, to show what answers cite.
        title: The page title (e.g. the question set's name).

    Returns:
        The path written.

    Raises:
        RagError: If the file cannot be written.
    """
    write_atomic(path, render(summaries, rows, chunks, title))
    return path


def render(
    summaries: Mapping[str, Mapping[str, Any]],
    rows: Mapping[str, Sequence[Any]],
    chunks: Mapping[str, Chunk],
    title: str,
) -> str:
    """The whole page as a string (see :func:`write_html`)."""
    labels = [label or "run" for label in summaries]
    blocks = [s["all"] for s in summaries.values()]
    if len(summaries) == 1:  # one configuration: compare its languages instead
        only = next(iter(summaries.values()))
        labels, blocks = list(only), list(only.values())
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    parts = [
        f"<!doctype html><html><head><meta charset='utf-8'><title>{_e(title)}</title>",
        f"<style>{CSS}</style></head><body><h1>{_e(title)}</h1><p>{stamp}</p>",
        "<h2>Summary</h2>",
        summary_table(labels, blocks),
        "<h2>Metrics</h2>",
        bar_chart(labels, blocks),
        "<h2>Latency</h2>",
        latency_chart({label or "run": rows[label] for label in rows}),
    ]
    for label, subset in rows.items():
        parts.append(f"<h2>Questions{_e(' · ' + label) if label else ''}</h2>")
        parts.append(question_table(subset, chunks, label))
    parts.append(_legend())
    return "\n".join([*parts, "</body></html>"])


def _e(text: Any) -> str:
    return html.escape(str(text), quote=True)


def label(name: str) -> str:
    """A metric's name as shown, marked when it averages over answered questions only."""
    return f"{name} (answered)" if name.startswith(ANSWERED_ONLY) else name


def metric_order(name: str) -> tuple[int, str]:
    """Sort key that groups metrics: retrieval, answer, refusal, citations, speed."""
    prefixes = (
        "questions",
        "doc_",
        "passage_",
        "strict",
        "fact",
        "answer_type",
        "faithful",
        "token_f1",
        "semantic",
        "lang",
        "refusal",
    )
    speed = ("retrieval_ms", "first_token_ms", "total_ms", "tokens_per_s")
    for rank, prefix in enumerate((*prefixes, "false_refusal", "citation", "cites", *speed)):
        if name.startswith(prefix):
            return rank, name
    return 99, name


def fmt(value: Any) -> str:
    """A metric as table text: 3 decimals, p50 / p95 for latencies, – for undefined."""
    if value is None:
        return "–"
    if isinstance(value, dict):
        return f"{value['p50']:.0f} / {value['p95']:.0f}"
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return f"{value:.3f}"


def summary_table(labels: Sequence[str], blocks: Sequence[Mapping[str, Any]]) -> str:
    """One row per metric, one column per configuration (or language)."""
    names = sorted({name for b in blocks for name in b}, key=metric_order)
    head = "".join(f"<th>{_e(label)}</th>" for label in labels)
    body = []
    for name in names:
        cells = "".join(f"<td class='num'>{_e(fmt(b.get(name)))}</td>" for b in blocks)
        body.append(f"<tr><th>{_e(label(name))}</th>{cells}</tr>")
    note = (
        "<p>Latencies: p50 / p95 in ms. Refusal precision/recall: on unanswerable questions. "
        "(answered): averaged over the questions that got an answer; strict_accuracy counts "
        "every answerable question, a refusal as wrong.</p>"
    )
    return f"<table><tr><th>metric</th>{head}</tr>{''.join(body)}</table>{note}"


def bar_chart(labels: Sequence[str], blocks: Sequence[Mapping[str, Any]]) -> str:
    """Horizontal grouped bars, one group per metric, one bar per configuration."""
    names = [n for n in PLOTTED if any(isinstance(b.get(n), float) for b in blocks)]
    bar, gap, left, width = 10, 8, 150, 420
    group = bar * len(blocks) + gap
    height = group * len(names) + 30
    out = [f"<svg width='{left + width + 60}' height='{height}' role='img'>"]
    for i, name in enumerate(names):
        y0 = i * group
        text = f"<text x='{left - 6}' y='{y0 + group / 2}' text-anchor='end'>"
        out.append(f"{text}{_e(label(name))}</text>")
        for j, b in enumerate(blocks):
            value = b.get(name)
            if not isinstance(value, float):
                continue
            w, y = max(value, 0.0) * width, y0 + j * bar
            color = COLORS[j % len(COLORS)]
            out.append(f"<rect x='{left}' y='{y}' width='{w:.1f}' height='{bar - 1}'")
            out.append(f" fill='{color}'/>")
            out.append(f"<text x='{left + w + 3:.1f}' y='{y + bar - 2}'>{value:.2f}</text>")
    out.append(_legend_keys(labels, 10, height - 12))
    return "".join([*out, "</svg>"])


def _legend_keys(labels: Sequence[str], x: int, y: float) -> str:
    keys = []
    for j, label in enumerate(labels):
        color = COLORS[j % len(COLORS)]
        keys.append(f"<rect x='{x}' y='{y - 9}' width='10' height='10' fill='{color}'/>")
        keys.append(f"<text x='{x + 14}' y='{y}'>{_e(label)}</text>")
        x += 24 + 7 * len(label)
    return "".join(keys)


def latency_chart(rows: Mapping[str, Sequence[Any]]) -> str:
    """Every question's retrieval, first-token and total time on a log axis, per config."""
    series = [
        (label, step, [r.timings[step] for r in subset if r.timings.get(step)])
        for label, subset in rows.items()
        for step in STEPS
    ]
    series = [s for s in series if s[2]]
    if not series:
        return "<p>No timings: a retrieval-only run does not generate.</p>"
    left, width, line = 190, 560, 22
    lo, hi = 1.0, 6.0  # 10 ms .. 1,000 s on a log10 axis
    x = lambda ms: left + (min(max(math.log10(max(ms, 10.0)), lo), hi) - lo) / (hi - lo) * width  # noqa: E731
    height = line * len(series) + 34
    out = [f"<svg width='{left + width + 20}' height='{height}' role='img'>"]
    ticks = ("10 ms", "100 ms", "1 s", "10 s", "100 s", "1000 s")
    for decade, name in enumerate(ticks, start=1):
        xd = x(10.0**decade)
        out.append(f"<line x1='{xd}' x2='{xd}' y1='0' y2='{height - 20}' stroke='#ddd'/>")
        out.append(f"<text x='{xd}' y='{height - 6}' text-anchor='middle'>{name}</text>")
    for i, (label, step, values) in enumerate(series):
        y = i * line + line / 2
        color = COLORS[[*rows].index(label) % len(COLORS)]
        name = f"{_e(label)} · {step}"
        out.append(f"<text x='{left - 6}' y='{y + 4}' text-anchor='end'>{name}</text>")
        for v in values:
            out.append(f"<circle cx='{x(v):.1f}' cy='{y}' r='3' fill='{color}' opacity='.5'/>")
        p50 = sorted(values)[len(values) // 2]
        out.append(f"<line x1='{x(p50):.1f}' x2='{x(p50):.1f}' y1='{y - 8}' y2='{y + 8}'")
        out.append(" stroke='#000' stroke-width='2'/>")
    return "".join([*out, "</svg><p>Dots: questions; bar: median.</p>"])


def _verdict(name: str, value: float | None) -> str:
    if value is None:
        return "<td>–</td>"
    ok = value >= PASS_BARS[name]
    return f"<td class='num {'pass' if ok else 'fail'}'>{value:.2f}</td>"


def _refusal_cell(row: Any) -> str:
    if not row.mode:
        return "<td>–</td>"
    ok = row.refused != row.answerable
    word = "refused" if row.refused else "answered"
    return f"<td class='{'pass' if ok else 'fail'}'>{word}</td>"


def question_table(rows: Sequence[Any], chunks: Mapping[str, Chunk], label: str = "") -> str:
    """One row per question: pass/fail per metric, the answer and its cited passages."""
    shown = [n for n in PASS_BARS if any(n in r.metrics for r in rows)]
    names = ["id", "question", "refusal", *shown, "answer"]
    head = "".join(f"<th title='{_e(n)}'>{_e(SHORT.get(n, n))}</th>" for n in names)
    body = []
    for r in rows:
        anchor = "q_" + re.sub(r"\W", "_", f"{label}_{r.id}" if label else r.id)
        query = f"<br><small>→ {_e(r.query)}</small>" if r.query and r.query != r.question else ""
        cells = "".join(_verdict(n, r.metrics.get(n)) for n in shown)
        body.append(
            f"<tr id='{anchor}'><td>{_e(r.id)}</td><td class='q'>{_e(r.question)}{query}</td>"
            f"{_refusal_cell(r)}{cells}<td class='answer'>{_answer(r, anchor, chunks)}</td></tr>"
        )
    return f"<table><tr>{head}</tr>{''.join(body)}</table>"


def _answer(row: Any, anchor: str, chunks: Mapping[str, Chunk]) -> str:
    if not row.mode:
        return "<i>not generated (retrieval only)</i>"
    text = _MARKER.sub(
        lambda m: f"<a href='#{anchor}-c{m.group(1)}'>[{m.group(1)}]</a>", _e(row.answer)
    )
    badge = f"<span class='mode {row.mode}'>{_e(row.mode)}</span> "
    return badge + text + _cited(row, anchor, chunks)


def _cited(row: Any, anchor: str, chunks: Mapping[str, Chunk]) -> str:
    if not row.cited:
        return ""
    items = []
    for n, chunk_id in enumerate(row.cited, start=1):
        chunk = chunks.get(chunk_id)
        head = f"[{n}] {chunk_id}" + (f" · {chunk.title}" if chunk and chunk.title else "")
        text = chunk.text if chunk else "(passage no longer in the index)"
        items.append(
            f"<details id='{anchor}-c{n}'><summary>{_e(head)}</summary>"
            f"<div class='passage'>{_e(text)}</div></details>"
        )
    return "".join(items)


def _legend() -> str:
    bars = ", ".join(f"{_e(SHORT[n])} = {_e(n)} ≥ {v:g}" for n, v in PASS_BARS.items())
    return (
        f"<h2>Legend</h2><p>Pass bars: {bars}. Refusal passes when an unanswerable "
        "question is refused or an answerable one is answered. – : not defined for the "
        "question (no gold, no facts, no citations, not generated).</p>"
    )
