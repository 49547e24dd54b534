"""Answers to take away: one answer for the clipboard, the whole conversation as Markdown.

The clipboard gets plain text, exactly as shown: the answer, then each source as
``[n] title — outlet, date`` with its quoted evidence. The export is Markdown in
which every character from an article, a model or a user is escaped where Markdown
would act on it, so a title such as ``[속보] *AI* 법`` renders as written and a
``<script>`` stays text; every ``[n]`` of an answer has its source below it.
"""

from __future__ import annotations

import re
import tempfile
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from rag.errors import RagError
from rag.files import write_atomic
from rag.records import Answer, Citation
from rag.ui import text as t
from rag.ui.chat import Turn

# Characters Markdown (CommonMark + GFM) may act on anywhere in a line.
_INLINE = re.compile(r"([\\`*_\[\]<>~|&!])")
# What starts a heading, list, quote, rule or setext underline at the start of a line.
_LINE_START = re.compile(r"^(#|[-+=]|\d+[.)](?=\s|$))")
EXPORT_DIR = Path(tempfile.gettempdir()) / "rag-exports"


def source_line(citation: Citation) -> str:
    """``[n] title — outlet, date``; the parts that are unknown are left out."""
    where = ", ".join(p for p in (citation.outlet, citation.published) if p)
    title = citation.title or citation.doc_id
    return f"[{citation.n}] {title}" + (f" — {where}" if where else "")


def _flags(answer: Answer, lang: str) -> list[str]:
    label = t.say("unsupported", lang)
    return [
        f"⚠ {label}: {c.text}" + (f" ({c.reason})" if c.reason else "")
        for c in answer.claims
        if not c.supported
    ]


def clipboard_text(answer: Answer, lang: str) -> str:
    """One answer and its sources as plain text for the clipboard.

    Args:
        answer: A final answer.
        lang: The UI language, for the label of an unsupported sentence.
    """
    parts = [answer.text.strip()]
    flags = _flags(answer, lang)
    if flags:
        parts.append("\n".join(flags))
    for citation in answer.citations:
        evidence = citation.evidence.strip()
        quote = "\n".join(f"    {line}" for line in f"“{evidence}”".splitlines())
        parts.append(source_line(citation) + (f"\n{quote}" if evidence else ""))
    return "\n\n".join(parts) + "\n"


def md_escape(text: str) -> str:
    """Text as Markdown that renders as exactly this text (line breaks kept).

    Leading spaces go (four would start a code block, where escapes show).
    """
    lines = []
    for line in text.strip().splitlines():
        line = _INLINE.sub(r"\\\1", line.strip())
        lines.append(_LINE_START.sub(lambda m: m.group(1)[:-1] + "\\" + m.group(1)[-1], line))
    # A backslash at the end of a line is a hard break; a blank line ends the paragraph.
    out = ""
    for i, line in enumerate(lines):
        out += line
        if i + 1 < len(lines):
            out += "\n" if not line or not lines[i + 1] else "\\\n"
    return out


def _quote(text: str) -> str:
    return "\n".join(f"> {line}" if line else ">" for line in md_escape(text).splitlines())


def _answer_md(answer: Answer, lang: str) -> list[str]:
    parts = [md_escape(answer.text)]
    parts.extend(md_escape(flag) for flag in _flags(answer, lang))
    parts.extend(f"*{md_escape(note)}*" for note in answer.notes)
    if answer.citations:
        parts.append(f"#### {t.say('sources', lang)}")
        for citation in answer.citations:
            parts.append(md_escape(source_line(citation)))
            if citation.evidence.strip():
                parts.append(_quote(citation.evidence))
    return parts


def _turn_md(turn: Turn, number: int, lang: str) -> list[str]:
    parts = [f"## {t.say('question', lang)} {number}", md_escape(turn.question) or "–"]
    parts.append(f"### {t.say('answer', lang)}")
    if turn.answer is not None:
        return parts + _answer_md(turn.answer, lang)
    if turn.text.strip():
        parts.append(f"*{t.say('unfinished', lang)}*")
        parts.append(md_escape(turn.text))
    if turn.notice:
        parts.append(f"⛔ {t.say(turn.notice, lang)}")
    if turn.error:
        parts.append(f"⛔ {md_escape(turn.error)}")
    return parts


def conversation_markdown(turns: Sequence[Turn], lang: str, now: datetime | None = None) -> str:
    """The whole conversation as Markdown: every question, answer and source."""
    stamp = (now or datetime.now(UTC)).strftime("%Y-%m-%d %H:%M UTC")
    parts = [
        f"# {t.say('title', lang)} — {t.say('conversation', lang)}",
        f"*{t.say('exported', lang)}: {stamp}*",
    ]
    for number, turn in enumerate(turns, start=1):
        parts.extend(_turn_md(turn, number, lang))
    return "\n\n".join(parts) + "\n"


def export_file(
    turns: Sequence[Turn], lang: str, folder: Path = EXPORT_DIR, now: datetime | None = None
) -> Path | None:
    """Write the conversation to a new ``.md`` file for download; None if it is empty.

    Raises:
        RagError: If the file cannot be written.
    """
    if not turns:
        return None
    now = now or datetime.now(UTC)
    path = folder / uuid.uuid4().hex / f"rag-conversation-{now:%Y%m%d-%H%M%S}.md"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise RagError(f"cannot export the conversation to {path.parent}: {exc.strerror}") from None
    write_atomic(path, conversation_markdown(turns, lang, now))
    return path
