"""Chat logic without a browser: streamed turns, settings, feedback and the API answer.

A conversation is a list of :class:`Turn`. :func:`run_turn` drives
:meth:`rag.answering.assistant.Assistant.stream` and yields the conversation after each
event, so the UI can redraw the sources as soon as they arrive and the answer
token by token.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rag.config import ANSWER_MODES, LANG_CHOICES, MODES
from rag.errors import ConfigError, QueryError, RagError
from rag.records import (
    Answer,
    Answered,
    Event,
    Hit,
    Reset,
    Retrieved,
    Rewritten,
    Stage,
    Token,
    answer_json,
)
from rag.search.searcher import clean_question

FEEDBACK_FILE = "feedback.jsonl"
VOTES = ("up", "down")


@dataclass(frozen=True)
class Settings:
    """What the settings panel chose for the next question.

    Raises:
        ConfigError: If a choice is not one the assistant knows.
    """

    lang: str = "auto"
    retrieval: str = "hybrid"
    k: int = 5
    mode: str = "generate"
    max_new_tokens: int = 256

    def __post_init__(self) -> None:
        checks = (("lang", LANG_CHOICES), ("retrieval", MODES), ("mode", ANSWER_MODES))
        for name, allowed in checks:
            if getattr(self, name) not in allowed:
                raise ConfigError(f"{name} must be one of {', '.join(allowed)}")
        if int(self.k) < 1 or int(self.max_new_tokens) < 1:
            raise ConfigError("top-k and max new tokens must be at least 1")

    def options(self) -> dict[str, Any]:
        """Keyword arguments for :meth:`rag.answering.assistant.Assistant.stream`."""
        return {
            "lang": self.lang,
            "retrieval": self.retrieval,
            "k": int(self.k),
            "mode": self.mode,
            "max_new_tokens": int(self.max_new_tokens),
        }


@dataclass
class Turn:
    """One question and everything shown for it so far.

    Attributes:
        question: As asked.
        query: The standalone query of a rewritten follow-up, else "".
        text: The answer text streamed so far (replaced by ``answer.text`` at the end).
        hits: The retrieved passages, known before any token.
        answer: The final, checked answer; None while streaming.
        notes: Messages from the stream (a retry, a fallback).
        error: A one-line error, if the question failed.
        notice: A :mod:`rag.ui.text` label key shown as the error line in the UI's
            language (``stopped``, ``type_a_question``).
        stage: The step now running (:class:`rag.records.Stage`), "" before the first.
        started: :func:`time.monotonic` when the question was asked, for the
            elapsed time shown while the user waits.
    """

    question: str
    query: str = ""
    text: str = ""
    hits: tuple[Hit, ...] = ()
    answer: Answer | None = None
    notes: list[str] = field(default_factory=list)
    error: str = ""
    notice: str = ""
    stage: str = ""
    started: float = field(default_factory=time.monotonic)

    @property
    def pending(self) -> bool:
        """Whether the answer is still being made (no final answer, no error, not stopped)."""
        return self.answer is None and not self.error and not self.notice


def history(turns: Sequence[Turn]) -> list[dict[str, str]]:
    """The earlier turns as chat messages, for rewriting follow-up questions."""
    messages: list[dict[str, str]] = []
    for turn in turns:
        if turn.answer is None:
            continue
        messages.append({"role": "user", "content": turn.question})
        messages.append({"role": "assistant", "content": turn.answer.text})
    return messages


def apply(turn: Turn, event: Event) -> None:
    """Record one event of the answer stream on the turn."""
    match event:
        case Stage(name=name):
            turn.stage = name
        case Rewritten(query=query):
            turn.query = query
        case Retrieved(hits=hits):
            turn.hits = tuple(hits)
        case Token(text=text):
            turn.text += text
        case Reset(reason=reason):
            turn.text = ""
            turn.notes.append(reason)
        case Answered(answer=answer):
            turn.question = answer.question  # cut to max_question_chars, if it was longer
            turn.answer = answer
            turn.text = answer.text
            turn.hits = tuple(answer.hits) or turn.hits


def run_turn(
    assistant: Any, turns: Sequence[Turn], question: str, settings: Settings
) -> Iterator[list[Turn]]:
    """Ask a question and yield the conversation after every step of the answer.

    Closing this iterator (the Stop button) closes the assistant's stream, which
    stops generation. A turn marked stopped (:func:`stop`, which may run in another
    thread while a token is on its way) takes no further event, so what Stop showed
    stays as it was. A :class:`rag.errors.RagError` is kept on the turn as its
    error line and re-raised so the UI can also show it as a warning.

    Yields:
        The conversation, the new turn last.

    Raises:
        RagError: If the question is empty or answering fails.
    """
    turn = Turn(clean_question(question))  # shown as the assistant reads it
    conversation = [*turns, turn]
    try:
        events = assistant.stream(turn.question, history(turns), **settings.options())
    except QueryError as exc:
        if turn.question:
            turn.error = str(exc)
        else:
            turn.notice = "type_a_question"
        yield conversation
        raise
    try:
        yield conversation
        for event in events:
            if not turn.pending:  # stopped: the Stop button drew this turn for the last time
                return
            apply(turn, event)
            yield conversation
    except RagError as exc:
        turn.error = str(exc)
        yield conversation
        raise
    finally:
        events.close()


def stop(turns: Sequence[Turn]) -> None:
    """Mark the latest turn stopped if it was still being answered."""
    if turns and turns[-1].pending:
        turns[-1].notice = "stopped"


def last_answered(turns: Sequence[Turn]) -> Turn | None:
    """The latest turn that has a final answer."""
    return next((t for t in reversed(turns) if t.answer is not None), None)


def feedback_record(turn: Turn, vote: str, now: datetime | None = None) -> dict[str, Any]:
    """The JSON object appended for a thumbs up or down.

    Raises:
        QueryError: If the vote is not ``up`` or ``down`` or the turn has no answer.
    """
    if vote not in VOTES:
        raise QueryError(f"vote must be up or down, got {vote!r}")
    if turn.answer is None:
        raise QueryError("there is no answer to rate yet: ask a question first")
    answer = turn.answer
    return {
        "time": (now or datetime.now(UTC)).isoformat(timespec="seconds"),
        "vote": vote,
        "question": answer.question,
        "query": answer.query,
        "answer": answer.text,
        "mode": answer.mode,
        "refused": answer.refused,
        "citations": [asdict(c) for c in answer.citations],
    }


def append_feedback(data_dir: Path, record: dict[str, Any]) -> Path:
    """Append one record as a line of ``data_dir/feedback.jsonl``.

    Raises:
        RagError: If the file cannot be written.
    """
    path = Path(data_dir) / FEEDBACK_FILE
    line = (json.dumps(record, ensure_ascii=False) + "\n").encode("utf-8")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # One O_APPEND write per record: a reader, or a second app writing at the
        # same time, never sees half a line.
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, line)
        finally:
            os.close(fd)
    except OSError as exc:
        raise RagError(f"cannot save feedback to {path}: {exc.strerror or exc}") from None
    return path


def api_answer(answer: Answer) -> dict[str, Any]:
    """The answer and its citations as JSON, as ``rag ask --json`` prints them."""
    return answer_json(answer)


def api_updates(events: Iterator[Event]) -> Iterator[dict[str, Any]]:
    """What ``/ask`` streams: a partial update per step, then :func:`api_answer`.

    A partial update is ``{"partial": True, "stage": ..., "answer": text so far}``.
    """
    stage, text = "", ""
    for event in events:
        match event:
            case Answered(answer=answer):
                yield api_answer(answer)
                return
            case Stage(name=name):
                stage = name
            case Token(text=piece):
                text += piece
            case Reset():
                text = ""
        yield {"partial": True, "stage": stage, "answer": text}
