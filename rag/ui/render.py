"""HTML for the conversation and the Sources panel, in the UI's language.

Everything that comes from an article, a model or a user goes through
:func:`html.escape` here, so a ``<script>`` in an article is shown as text.
Citation markers are links ``<a class="rag-cite" href="#src-T-N">[N]</a>`` to
the source element ``id="src-T-N"`` (turn T, source N) in the Sources panel;
the page script (:data:`rag.ui.assets.SCRIPT`) scrolls to it and highlights it,
and the ``:target`` style does the same without the script.

While an answer is being made, the pending answer shows the running stage and the
seconds since the question was asked (``data-elapsed``, which the page script
keeps counting) until the first token arrives.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from html import escape

from rag.records import Answer, Citation, Claim, Hit, Timings
from rag.ui import text as t
from rag.ui.chat import Turn
from rag.ui.share import clipboard_text

STAGES = ("searching", "checking", "writing", "translating")


class Html(str):
    """Markup already escaped, put into a table cell as it is."""

    __slots__ = ()


def source_id(turn: int, n: int) -> str:
    """The element id of source ``n`` of turn ``turn`` (both 1-based)."""
    return f"src-{turn}-{n}"


def answer_kind(answer: Answer) -> str:
    """``"refusal"``, ``"extractive"`` or ``"generate"``: how the answer looks."""
    if answer.refused:
        return "refusal"
    return "extractive" if answer.mode == "extractive" else "generate"


def _markers(citations: Sequence[int], turn: int) -> str:
    return "".join(
        f'<a class="rag-cite" href="#{source_id(turn, n)}" data-target="{source_id(turn, n)}">'
        f"[{n}]</a>"
        for n in citations
    )


def claim_html(claim: Claim, turn: int, lang: str) -> str:
    """One sentence with its citation links; an unsupported one is flagged."""
    body = escape(claim.text) + (" " + _markers(claim.citations, turn) if claim.citations else "")
    if claim.supported:
        return f'<span class="rag-claim">{body}</span>'
    reason = escape(claim.reason or "no cited passage backs this sentence")
    return (
        f'<span class="rag-claim rag-unsupported" title="{reason}">'
        f'<span class="rag-flag">⚠ {t.say("unsupported", lang)}</span> {body}'
        f'<span class="rag-reason"> ({reason})</span></span>'
    )


def _badge(kind: str, lang: str) -> str:
    if kind == "refusal":
        return f'<div class="rag-badge rag-badge-refusal">∅ {t.say("refusal", lang)}</div>'
    if kind == "extractive":
        return f'<div class="rag-badge rag-badge-extractive">❝ {t.say("extractive", lang)}</div>'
    return ""


def timings_html(timings: Timings, lang: str) -> str:
    """A collapsed line with retrieval ms, time to first token and tokens/s."""
    first = f"{timings.first_token:.0f} ms" if timings.first_token else "–"
    speed = f"{timings.tokens_per_s:.1f} tokens/s" if timings.tokens_per_s else "–"
    return (
        f'<details class="rag-timings"><summary>⏱ {t.say("timings", lang)}</summary>'
        f"{t.say('retrieval_ms', lang)} {timings.retrieval:.0f} ms · "
        f"{t.say('first_token', lang)} {first} · {speed}"
        f" · {t.say('total', lang)} {timings.total:.0f} ms</details>"
    )


def copy_button(answer: Answer, lang: str) -> str:
    """A button that puts the answer and its sources on the clipboard (page script)."""
    text = escape(clipboard_text(answer, lang), quote=True)
    done = escape(t.say("copied", lang), quote=True)
    failed = escape(t.say("copy_failed", lang), quote=True)
    return (
        f'<button type="button" class="rag-copy" data-copy="{text}" data-done="{done}" '
        f'data-failed="{failed}">{t.say("copy", lang)}</button>'
    )


def answer_html(answer: Answer, turn: int, lang: str) -> str:
    """A final answer: badge by kind, sentences with citations, notes, copy, timings."""
    kind = answer_kind(answer)
    if answer.claims and not answer.refused:
        body = " ".join(claim_html(c, turn, lang) for c in answer.claims)
    else:
        body = escape(answer.text)
    notes = "".join(f"<li>{escape(n)}</li>" for n in answer.notes)
    return (
        f'<div class="rag-answer rag-{kind}" data-kind="{kind}">{_badge(kind, lang)}'
        f'<div class="rag-text">{body}</div>'
        + (f'<ul class="rag-notes">{notes}</ul>' if notes else "")
        + f'<div class="rag-tools">{copy_button(answer, lang)}{timings_html(answer.timings, lang)}'
        + "</div></div>"
    )


def stage_html(turn: Turn, lang: str, now: float | None = None) -> str:
    """The running stage and the seconds waited so far, shown until the first token."""
    stage = turn.stage if turn.stage in STAGES else "starting"
    elapsed = max(0.0, (time.monotonic() if now is None else now) - turn.started)
    unit = "초" if t.norm(lang) == "ko" else " s"
    return (
        f'<div class="rag-stage" data-stage="{stage}"><span class="rag-spinner"></span>'
        f"{t.say('stage_' + stage, lang)} · "
        f'<span class="rag-elapsed" data-elapsed="{elapsed * 1000:.0f}" data-unit="{unit}">'
        f"{elapsed:.1f}{unit}</span></div>"
    )


def turn_html(turn: Turn, number: int, lang: str, now: float | None = None) -> str:
    """One question and its answer (final, still streaming, stopped or failed)."""
    parts = [f'<div class="rag-turn" id="turn-{number}">']
    parts.append(f'<div class="rag-user">{escape(turn.question)}</div>')
    if turn.query and turn.query != turn.question:
        label = t.say("searching_for", lang)
        parts.append(f'<div class="rag-query">🔎 {label}: {escape(turn.query)}</div>')
    if turn.answer is not None:
        parts.append(answer_html(turn.answer, number, lang))
    elif turn.pending:
        inner = (
            f'<div class="rag-text">{escape(turn.text)}<span class="rag-cursor">▌</span></div>'
            if turn.text
            else stage_html(turn, lang, now)
        )
        parts.append(f'<div class="rag-answer rag-streaming rag-pending">{inner}</div>')
    elif turn.text:
        parts.append(
            f'<div class="rag-answer rag-streaming"><div class="rag-text">{escape(turn.text)}'
            "</div></div>"
        )
    if turn.notes and turn.answer is None:
        parts.extend(f'<div class="rag-note">{escape(n)}</div>' for n in turn.notes)
    if turn.notice:
        parts.append(f'<div class="rag-error">⛔ {t.say(turn.notice, lang)}</div>')
    if turn.error:
        parts.append(f'<div class="rag-error">⛔ {escape(turn.error)}</div>')
    parts.append("</div>")
    return "".join(parts)


def empty_chat_html(lang: str) -> str:
    """What the conversation shows before the first question."""
    return f'<div class="rag-chat rag-empty">{t.say("empty_chat", lang)}</div>'


def conversation_html(turns: Sequence[Turn], lang: str, now: float | None = None) -> str:
    """The whole conversation, oldest first."""
    if not turns:
        return empty_chat_html(lang)
    now = time.monotonic() if now is None else now
    inner = "".join(turn_html(turn, i, lang, now) for i, turn in enumerate(turns, start=1))
    return f'<div class="rag-chat">{inner}</div>'


def _meta(title: str | None, outlet: str | None, published: str | None, fallback: str) -> str:
    where = " · ".join(escape(p) for p in (outlet, published) if p)
    head = f'<span class="rag-src-title">{escape(title or fallback)}</span>'
    return head + (f' <span class="rag-src-meta">{where}</span>' if where else "")


def highlighted(passage: str, span: tuple[int, int]) -> str:
    """The passage, escaped, with the evidence span wrapped in ``<mark>``."""
    start, end = span
    if not 0 <= start < end <= len(passage):
        return escape(passage)
    return (
        escape(passage[:start])
        + f"<mark>{escape(passage[start:end])}</mark>"
        + escape(passage[end:])
    )


def cited_html(citation: Citation, hits: Sequence[Hit], turn: int) -> str:
    """A cited source: number, title, outlet, date, the passage with its evidence marked."""
    chunk = next((h.chunk for h in hits if h.chunk.chunk_id == citation.chunk_id), None)
    body = (
        highlighted(chunk.text, citation.span)
        if chunk
        else f"<mark>{escape(citation.evidence)}</mark>"
    )
    head = _meta(citation.title, citation.outlet, citation.published, citation.doc_id)
    return (
        f'<div class="rag-source rag-cited" id="{source_id(turn, citation.n)}">'
        f'<div class="rag-src-head"><b>[{citation.n}]</b> {head}</div>'
        f'<div class="rag-src-body">{body}</div>'
        f'<div class="rag-src-id">{escape(citation.chunk_id)}</div></div>'
    )


def passage_html(hit: Hit) -> str:
    """A retrieved passage that no sentence cites."""
    c = hit.chunk
    head = _meta(c.title, c.outlet, c.published, c.doc_id)
    return (
        f'<div class="rag-source"><div class="rag-src-head">{head}'
        f' <span class="rag-score">{hit.score:.3f}</span></div>'
        f'<div class="rag-src-body">{escape(c.text)}</div>'
        f'<div class="rag-src-id">{escape(c.chunk_id)}</div></div>'
    )


def turn_sources_html(turn: Turn, number: int, lang: str) -> str:
    """The sources of one turn: cited first, the others collapsed below."""
    answer = turn.answer
    if answer is None or (answer.refused and not answer.citations):
        label = t.say("nearest" if answer is not None else "retrieved", lang)
        inner = "".join(passage_html(h) for h in turn.hits)
        return f'<div class="rag-group"><h4>{label}</h4>{inner}</div>' if inner else ""
    cited_ids = {c.chunk_id for c in answer.citations}
    cited = "".join(cited_html(c, turn.hits, number) for c in answer.citations)
    others = [h for h in turn.hits if h.chunk.chunk_id not in cited_ids]
    rest = "".join(passage_html(h) for h in others)
    out = f'<div class="rag-group"><h4>{t.say("cited", lang)}</h4>{cited}</div>' if cited else ""
    if rest:
        summary = f"<summary>{t.say('others', lang)} ({len(others)})</summary>"
        out += f'<details class="rag-others">{summary}{rest}</details>'
    return out


def empty_sources_html(lang: str) -> str:
    """What the Sources panel shows before the first question."""
    return f'<div class="rag-sources rag-empty">{t.say("empty_sources", lang)}</div>'


def sources_html(turns: Sequence[Turn], lang: str) -> str:
    """The Sources panel: the latest question's sources, earlier ones collapsed."""
    if not turns:
        return empty_sources_html(lang)
    latest = len(turns)
    parts = [turn_sources_html(turns[-1], latest, lang)]
    for number in range(latest - 1, 0, -1):
        turn = turns[number - 1]
        inner = turn_sources_html(turn, number, lang)
        if inner:
            parts.append(
                f'<details class="rag-earlier"><summary>{t.say("earlier", lang)} {number}: '
                f"{escape(turn.question)}</summary>{inner}</details>"
            )
    return f'<div class="rag-sources">{"".join(parts)}</div>'


def table_html(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A plain table whose every cell is escaped text (or :class:`Html`), styled for the page."""

    def cell(value: object) -> str:
        return value if isinstance(value, Html) else escape(str(value))

    head = "".join(f"<th>{escape(str(h))}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{cell(c)}</td>" for c in row) + "</tr>" for row in rows)
    table = f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
    return f'<div class="rag-table">{table}</div>'
