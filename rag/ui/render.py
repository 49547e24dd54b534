"""HTML for the conversation and the Sources panel.

Everything that comes from an article, a model or a user goes through
:func:`html.escape` here, so a ``<script>`` in an article is shown as text.
Citation markers are links ``<a class="rag-cite" href="#src-T-N">[N]</a>`` to
the source element ``id="src-T-N"`` (turn T, source N) in the Sources panel;
the page script (:data:`SCRIPT`) scrolls to it and highlights it, and the
``:target`` style does the same without the script.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from rag.records import Answer, Citation, Claim, Hit, Timings
from rag.ui import text as t
from rag.ui.chat import Turn


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


def claim_html(claim: Claim, turn: int) -> str:
    """One sentence with its citation links; an unsupported one is flagged."""
    body = escape(claim.text) + (" " + _markers(claim.citations, turn) if claim.citations else "")
    if claim.supported:
        return f'<span class="rag-claim">{body}</span>'
    reason = escape(claim.reason or "no cited passage backs this sentence")
    return (
        f'<span class="rag-claim rag-unsupported" title="{reason}">'
        f'<span class="rag-flag">⚠ {t.UNSUPPORTED}</span> {body}'
        f'<span class="rag-reason"> ({reason})</span></span>'
    )


_BADGES = {
    "refusal": f'<div class="rag-badge rag-badge-refusal">∅ {t.REFUSAL}</div>',
    "extractive": f'<div class="rag-badge rag-badge-extractive">❝ {t.EXTRACTIVE}</div>',
    "generate": "",
}


def timings_html(timings: Timings) -> str:
    """A collapsed line with retrieval ms, time to first token and tokens/s."""
    first = f"{timings.first_token:.0f} ms" if timings.first_token else "–"
    speed = f"{timings.tokens_per_s:.1f} tokens/s" if timings.tokens_per_s else "–"
    return (
        f'<details class="rag-timings"><summary>⏱ {t.TIMINGS}</summary>'
        f"{t.RETRIEVAL_MS} {timings.retrieval:.0f} ms · {t.FIRST_TOKEN} {first} · {speed}"
        f" · {t.TOTAL} {timings.total:.0f} ms</details>"
    )


def answer_html(answer: Answer, turn: int) -> str:
    """A final answer: badge by kind, sentences with citations, notes, timings."""
    kind = answer_kind(answer)
    if answer.claims and not answer.refused:
        body = " ".join(claim_html(c, turn) for c in answer.claims)
    else:
        body = escape(answer.text)
    notes = "".join(f"<li>{escape(n)}</li>" for n in answer.notes)
    return (
        f'<div class="rag-answer rag-{kind}" data-kind="{kind}">{_BADGES[kind]}'
        f'<div class="rag-text">{body}</div>'
        + (f'<ul class="rag-notes">{notes}</ul>' if notes else "")
        + timings_html(answer.timings)
        + "</div>"
    )


def turn_html(turn: Turn, number: int) -> str:
    """One question and its answer (final or still streaming)."""
    parts = [f'<div class="rag-turn" id="turn-{number}">']
    parts.append(f'<div class="rag-user">{escape(turn.question)}</div>')
    if turn.query and turn.query != turn.question:
        parts.append(f'<div class="rag-query">🔎 {t.SEARCHING_FOR}: {escape(turn.query)}</div>')
    if turn.answer is not None:
        parts.append(answer_html(turn.answer, number))
    elif turn.text or not turn.error:
        cursor = "" if turn.error else '<span class="rag-cursor">▌</span>'
        parts.append(
            f'<div class="rag-answer rag-streaming"><div class="rag-text">{escape(turn.text)}'
            f"{cursor}</div></div>"
        )
    if turn.notes and turn.answer is None:
        parts.extend(f'<div class="rag-note">{escape(n)}</div>' for n in turn.notes)
    if turn.error:
        parts.append(f'<div class="rag-error">⛔ {escape(turn.error)}</div>')
    parts.append("</div>")
    return "".join(parts)


def conversation_html(turns: Sequence[Turn]) -> str:
    """The whole conversation, oldest first."""
    if not turns:
        return f'<div class="rag-chat rag-empty">{t.INTRO}</div>'
    inner = "".join(turn_html(turn, i) for i, turn in enumerate(turns, start=1))
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


def turn_sources_html(turn: Turn, number: int) -> str:
    """The sources of one turn: cited first, the others collapsed below."""
    answer = turn.answer
    if answer is None or (answer.refused and not answer.citations):
        label = t.NEAREST if answer is not None else t.RETRIEVED
        inner = "".join(passage_html(h) for h in turn.hits)
        return f'<div class="rag-group"><h4>{label}</h4>{inner}</div>' if inner else ""
    cited_ids = {c.chunk_id for c in answer.citations}
    cited = "".join(cited_html(c, turn.hits, number) for c in answer.citations)
    others = [h for h in turn.hits if h.chunk.chunk_id not in cited_ids]
    rest = "".join(passage_html(h) for h in others)
    out = f'<div class="rag-group"><h4>{t.CITED}</h4>{cited}</div>' if cited else ""
    if rest:
        summary = f"<summary>{t.OTHERS} ({len(others)})</summary>"
        out += f'<details class="rag-others">{summary}{rest}</details>'
    return out


def sources_html(turns: Sequence[Turn]) -> str:
    """The Sources panel: the latest question's sources, earlier ones collapsed."""
    if not turns:
        return f'<div class="rag-sources rag-empty">{t.SOURCES}</div>'
    latest = len(turns)
    parts = [turn_sources_html(turns[-1], latest)]
    for number in range(latest - 1, 0, -1):
        turn = turns[number - 1]
        inner = turn_sources_html(turn, number)
        if inner:
            parts.append(
                f'<details class="rag-earlier"><summary>{t.EARLIER} {number}: '
                f"{escape(turn.question)}</summary>{inner}</details>"
            )
    return f'<div class="rag-sources">{"".join(parts)}</div>'


CSS = """
.rag-chat { display: flex; flex-direction: column; gap: 12px; }
.rag-user { align-self: flex-end; background: #e8f0fe; border-radius: 10px; padding: 8px 12px;
  margin-left: 20%; white-space: pre-wrap; }
.rag-answer { background: #f7f7f8; border-radius: 10px; padding: 8px 12px; margin: 6px 20% 0 0;
  line-height: 1.6; border-left: 4px solid #4a7dff; }
.rag-answer.rag-refusal { border-left-color: #9a9a9a; background: #f2f2f2; font-style: italic; }
.rag-answer.rag-extractive { border-left-color: #d08a00; background: #fff8e6; }
.rag-badge { font-size: 0.8em; font-weight: 600; margin-bottom: 4px; }
.rag-badge-refusal { color: #555; }
.rag-badge-extractive { color: #9a6200; }
.rag-unsupported { background: #fde8e8; text-decoration: underline wavy #d33; }
.rag-flag { color: #b00; font-size: 0.8em; font-weight: 600; }
.rag-reason { color: #b00; font-size: 0.8em; }
.rag-cite { font-size: 0.8em; vertical-align: super; text-decoration: none; color: #1a56db;
  cursor: pointer; padding: 0 1px; }
.rag-query, .rag-note { font-size: 0.85em; color: #555; }
.rag-error { color: #b00; font-weight: 600; }
.rag-notes { font-size: 0.85em; color: #9a6200; margin: 4px 0; }
.rag-timings { font-size: 0.8em; color: #666; margin-top: 4px; }
.rag-cursor { animation: rag-blink 1s step-start infinite; }
@keyframes rag-blink { 50% { opacity: 0; } }
.rag-source { border: 1px solid #ddd; border-radius: 8px; padding: 6px 10px; margin: 6px 0;
  scroll-margin-top: 80px; transition: background 0.3s, box-shadow 0.3s; }
.rag-source mark { background: #fff3a3; }
.rag-source.rag-highlight, .rag-source:target { background: #fff7cc;
  box-shadow: 0 0 0 3px #f5b700; }
.rag-src-title { font-weight: 600; }
.rag-src-meta, .rag-src-id, .rag-score { color: #666; font-size: 0.8em; }
.rag-src-body { white-space: pre-wrap; font-size: 0.9em; }
.rag-empty { color: #888; }
.rag-table { max-height: 480px; overflow: auto; border: 1px solid #ddd; border-radius: 6px; }
.rag-table table { border-collapse: collapse; width: 100%; font-size: 0.85em; }
.rag-table th { position: sticky; top: 0; background: #f3f4f6; text-align: left; }
.rag-table th, .rag-table td { padding: 4px 8px; border-bottom: 1px solid #eee;
  vertical-align: top; }
"""

SCRIPT = """
<script>
document.addEventListener("click", function (event) {
  const link = event.target.closest && event.target.closest("a.rag-cite");
  if (!link) return;
  event.preventDefault();
  const target = document.getElementById(link.dataset.target);
  if (!target) return;
  for (let node = target.parentElement; node; node = node.parentElement) {
    if (node.tagName === "DETAILS") node.open = true;
  }
  document.querySelectorAll(".rag-source.rag-highlight").forEach(function (el) {
    el.classList.remove("rag-highlight");
  });
  target.classList.add("rag-highlight");
  target.scrollIntoView({behavior: "smooth", block: "center"});
});
</script>
"""


def table_html(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A plain table whose every cell is escaped text, styled like the rest of the page."""
    head = "".join(f"<th>{escape(str(h))}</th>" for h in headers)
    body = "".join(
        "<tr>" + "".join(f"<td>{escape(str(cell))}</td>" for cell in row) + "</tr>" for row in rows
    )
    table = f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
    return f'<div class="rag-table">{table}</div>'
