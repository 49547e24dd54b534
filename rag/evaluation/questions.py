"""Load and validate evaluation question sets (JSONL or CSV) as typed records.

One question per JSONL line, or per CSV row with the same columns:

- ``id``: unique, non-empty string.
- ``question``: non-empty string.
- ``lang``: ``"ko"`` or ``"en"``.
- ``answer``: the reference answer, a non-empty string.
- ``facts``: a list; each entry a string or a list of alternative strings.
- ``evidence``: a list of ``{"doc_id": ..., "quote": ...}`` objects.
- ``answerable``: bool, default true. Unanswerable questions have no facts.
- ``conversation``: optional list of ``{"role": "user"|"assistant", "content": ...}``
  turns that precede the question.

In CSV the ``facts``, ``evidence`` and ``conversation`` cells hold JSON text,
``answerable`` accepts true/false/1/0/yes/no, and an empty cell means the
default (an empty list for ``facts`` and ``evidence``). The header is line 1.

Every problem raises :class:`~rag.errors.QuestionSetError` with one line of the
form ``path:line: field "facts" must be ...``.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rag.errors import QuestionSetError

LANGS = ("ko", "en")
ROLES = ("user", "assistant")
REQUIRED = ("id", "question", "lang", "answer", "facts", "evidence")
OPTIONAL = ("answerable", "conversation")
FIELDS = REQUIRED + OPTIONAL
JSON_CELLS = ("facts", "evidence", "conversation")
TRUE_WORDS = {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False}
JSONL_SUFFIXES = (".jsonl", ".json")
CSV_SUFFIXES = (".csv",)


@dataclass(frozen=True)
class Evidence:
    """A passage of an article that supports the reference answer.

    Attributes:
        doc_id: The article's id (its file stem).
        quote: Text copied from the article's clean text.
    """

    doc_id: str
    quote: str


@dataclass(frozen=True)
class Question:
    """One evaluation question.

    Attributes:
        id: Unique id within the set.
        question: The question text.
        lang: ``"ko"`` or ``"en"``.
        answer: The reference answer.
        facts: Facts a correct answer states; each is a tuple of alternative
            spellings, any one of which counts.
        evidence: Passages that support the answer, in file order.
        answerable: False if the articles do not contain the answer.
        conversation: Earlier ``{"role", "content"}`` turns, oldest first.
    """

    id: str
    question: str
    lang: str
    answer: str
    facts: tuple[tuple[str, ...], ...]
    evidence: tuple[Evidence, ...]
    answerable: bool = True
    conversation: tuple[dict[str, str], ...] = ()


class _FieldError(Exception):
    """A problem in one row; the caller adds the file and line."""


class _LineError(Exception):
    """A problem at a known line of the file."""

    def __init__(self, lineno: int, message: str) -> None:
        super().__init__(message)
        self.lineno = lineno
        self.message = message


def _show(value: object, limit: int = 40) -> str:
    """Return a short one-line repr of ``value`` for error messages."""
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _type_name(value: object) -> str:
    """Return the JSON name of a value's type."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "list"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


def _text(raw: Mapping[str, Any], key: str) -> str:
    """Return a required, non-empty string field."""
    if key not in raw:
        raise _FieldError(f'missing field "{key}"')
    value = raw[key]
    if not isinstance(value, str):
        raise _FieldError(f'field "{key}" must be a string, got {_type_name(value)}')
    if not value.strip():
        raise _FieldError(f'field "{key}" must not be empty')
    return value


def _fact(entry: object, n: int) -> tuple[str, ...]:
    """Normalize one facts entry to a tuple of alternatives."""
    if isinstance(entry, str) and entry.strip():
        return (entry,)
    if (
        isinstance(entry, list)
        and entry
        and all(isinstance(alt, str) and alt.strip() for alt in entry)
    ):
        return tuple(entry)
    raise _FieldError(
        f'field "facts" must be a list of strings or lists of strings: entry {n} is '
        f"{_show(entry)}, need a non-empty string or a non-empty list of non-empty strings"
    )


def _facts(value: object) -> tuple[tuple[str, ...], ...]:
    if not isinstance(value, list):
        raise _FieldError(
            f'field "facts" must be a list of strings or lists of strings, got {_type_name(value)}'
        )
    return tuple(_fact(entry, n) for n, entry in enumerate(value, 1))


def _objects(value: object, field: str, keys: tuple[str, str], item: str) -> list[dict]:
    """Check that a field is a list of objects with no keys but ``keys``.

    Raises:
        _FieldError: Naming the field, the item number and what is wrong.
    """
    shape = "{" + ", ".join(f'"{k}"' for k in keys) + "}"
    plural = "turns" if item == "turn" else "objects"
    if not isinstance(value, list):
        raise _FieldError(
            f'field "{field}" must be a list of {shape} {plural}, got {_type_name(value)}'
        )
    for n, entry in enumerate(value, 1):
        if not isinstance(entry, dict):
            raise _FieldError(
                f'field "{field}": {item} {n} must be a {shape} object, got {_type_name(entry)}'
            )
        extra = sorted(set(entry) - set(keys))
        if extra:
            raise _FieldError(f'field "{field}": {item} {n} has unknown key {_show(extra[0])}')
    return value


def _nonempty(entry: dict, key: str, field: str, where: str) -> str:
    """The non-empty string ``entry[key]``.

    Raises:
        _FieldError: If it is missing, empty or not a string.
    """
    item = entry.get(key)
    if not isinstance(item, str) or not item.strip():
        got = "missing" if key not in entry else _show(item)
        raise _FieldError(f'field "{field}": {where} needs a non-empty string "{key}", got {got}')
    return item


def _evidence(value: object) -> tuple[Evidence, ...]:
    out = []
    for n, entry in enumerate(_objects(value, "evidence", ("doc_id", "quote"), "entry"), 1):
        doc_id = _nonempty(entry, "doc_id", "evidence", f"entry {n}")
        out.append(
            Evidence(doc_id=doc_id, quote=_nonempty(entry, "quote", "evidence", f"entry {n}"))
        )
    return tuple(out)


def _conversation(value: object) -> tuple[dict[str, str], ...]:
    turns = []
    for n, turn in enumerate(_objects(value, "conversation", ("role", "content"), "turn"), 1):
        role = turn.get("role")
        if role not in ROLES:
            got = "missing" if "role" not in turn else _show(role)
            raise _FieldError(
                f'field "conversation": turn {n} "role" must be "user" or "assistant", got {got}'
            )
        content = _nonempty(turn, "content", "conversation", f"turn {n}")
        turns.append({"role": role, "content": content})
    return tuple(turns)


def _question(raw: Mapping[str, Any]) -> Question:
    """Validate one parsed row and build its record.

    Raises:
        _FieldError: With the field and the reason, but no file or line.
    """
    unknown = [key for key in raw if key not in FIELDS]
    if unknown:
        raise _FieldError(f"unknown field {_show(unknown[0])} (known: {', '.join(FIELDS)})")
    qid = _text(raw, "id")
    question = _text(raw, "question")
    lang = _text(raw, "lang")
    if lang not in LANGS:
        raise _FieldError(f'field "lang" must be "ko" or "en", got {_show(lang)}')
    answer = _text(raw, "answer")
    for key in ("facts", "evidence"):
        if key not in raw:
            raise _FieldError(f'missing field "{key}"')
    facts = _facts(raw["facts"])
    evidence = _evidence(raw["evidence"])
    answerable = raw.get("answerable", True)
    if not isinstance(answerable, bool):
        raise _FieldError(f'field "answerable" must be true or false, got {_show(answerable)}')
    conversation = _conversation(raw["conversation"]) if "conversation" in raw else ()
    if not answerable and facts:
        raise _FieldError('field "facts" must be empty when "answerable" is false')
    return Question(
        id=qid,
        question=question,
        lang=lang,
        answer=answer,
        facts=facts,
        evidence=evidence,
        answerable=answerable,
        conversation=conversation,
    )


def _jsonl_rows(text: str) -> Iterator[tuple[int, dict[str, Any]]]:
    """Yield ``(line number, object)`` for each non-blank JSONL line."""
    # Split on "\n" only: str.splitlines would also split on U+2028 inside JSON strings.
    for lineno, line in enumerate(text.split("\n"), 1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError as exc:
            raise _LineError(lineno, f"invalid JSON: {exc.msg} (column {exc.colno})") from None
        if not isinstance(item, dict):
            raise _LineError(lineno, f"expected a JSON object, got {_type_name(item)}")
        yield lineno, item


def _csv_cell(key: str, cell: str) -> object:
    """Convert one CSV cell to the value the JSONL field would hold."""
    if key in JSON_CELLS:
        try:
            return json.loads(cell)
        except json.JSONDecodeError as exc:
            raise _FieldError(
                f'field "{key}" must hold JSON text: {exc.msg} (column {exc.colno})'
            ) from None
    if key == "answerable":
        word = cell.strip().lower()
        if word not in TRUE_WORDS:
            raise _FieldError(
                f'field "answerable" must be true/false/1/0/yes/no, got {_show(cell)}'
            )
        return TRUE_WORDS[word]
    return cell


def _csv_rows(text: str) -> Iterator[tuple[int, dict[str, Any]]]:
    """Yield ``(row number, row)`` for each non-blank CSV row.

    Rows are numbered as a spreadsheet shows them: the header is 1 and blank
    rows count. A quoted cell that spans lines is still one row.
    """
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [name.strip() for name in next(reader)]
    except StopIteration:
        return
    except csv.Error as exc:
        raise _LineError(1, f"invalid CSV: {exc}") from None
    for name in header:
        if name not in FIELDS:
            raise _LineError(1, f"unknown column {_show(name)} (known: {', '.join(FIELDS)})")
        if header.count(name) > 1:
            raise _LineError(1, f"column {_show(name)} appears twice")
    for name in REQUIRED:
        if name not in header:
            raise _LineError(1, f'missing column "{name}"')
    lineno = 1
    while True:
        lineno += 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise _LineError(lineno, f"invalid CSV: {exc}") from None
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) > len(header):
            raise _LineError(lineno, f"row has {len(cells)} cells but the header has {len(header)}")
        row: dict[str, Any] = {}
        for key, cell in zip(header, cells, strict=False):
            if not cell.strip():
                if key in ("facts", "evidence"):
                    row[key] = []
                continue  # empty cell: the default, or "missing" for required text
            try:
                row[key] = _csv_cell(key, cell)
            except _FieldError as exc:
                raise _LineError(lineno, str(exc)) from None
        for key in ("facts", "evidence"):  # short rows: trailing cells are empty
            row.setdefault(key, [])
        yield lineno, row


def _read_text(path: Path) -> str:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise QuestionSetError(f"{path}: cannot read question set: {exc.strerror or exc}") from exc
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise QuestionSetError(
            f"{path}: not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start}); "
            "save the file as UTF-8"
        ) from None


def _build(rows: Iterable[tuple[int, dict[str, Any]]]) -> list[Question]:
    """Validate rows in order and check that ids are unique.

    Raises:
        _LineError: For the first bad row.
    """
    questions: list[Question] = []
    first_line: dict[str, int] = {}
    for lineno, raw in rows:
        try:
            question = _question(raw)
        except _FieldError as exc:
            raise _LineError(lineno, str(exc)) from None
        if question.id in first_line:
            raise _LineError(
                lineno,
                f'field "id": {_show(question.id)} is already used on line '
                f"{first_line[question.id]}",
            )
        first_line[question.id] = lineno
        questions.append(question)
    return questions


def load_questions(path: Path) -> list[Question]:
    """Load and validate a question set, choosing the format by suffix.

    ``.jsonl`` and ``.json`` files hold one JSON object per line; ``.csv`` files
    hold one question per row under a header. Blank lines are skipped. UTF-8
    with or without a byte-order mark.

    Args:
        path: The question file.

    Returns:
        The questions in file order.

    Raises:
        QuestionSetError: If the file cannot be read or decoded, has an unknown
            suffix, holds no questions, or any row is invalid. The message is
            one line naming the file, the line and the field.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in JSONL_SUFFIXES:
        parse = _jsonl_rows
    elif suffix in CSV_SUFFIXES:
        parse = _csv_rows
    else:
        raise QuestionSetError(
            f"{path}: unknown question-set format {suffix or '(no suffix)'!r}; "
            "use .jsonl, .json or .csv"
        )
    text = _read_text(path)
    try:
        questions = _build(parse(text))
    except _LineError as exc:
        raise QuestionSetError(f"{path}:{exc.lineno}: {exc.message}") from None
    if not questions:
        raise QuestionSetError(f"{path}: no questions in the file")
    return questions


def _collapse(text: str) -> str:
    """Collapse every run of whitespace to one space."""
    return " ".join(text.split())


def check_quotes(questions: Iterable[Question], texts: Mapping[str, str]) -> list[str]:
    """Check that each evidence quote occurs in its article.

    Whitespace is collapsed on both sides before comparing, so line breaks and
    repeated spaces do not matter.

    Args:
        questions: The questions to check.
        texts: The clean text of each article, by ``doc_id``.

    Returns:
        One-line warnings, in question order; empty if every quote is found.
    """
    collapsed: dict[str, str] = {}
    warnings = []
    for question in questions:
        for n, evidence in enumerate(question.evidence, 1):
            if evidence.doc_id not in texts:
                warnings.append(
                    f"{question.id}: evidence {n}: unknown doc_id {_show(evidence.doc_id)}"
                )
                continue
            if evidence.doc_id not in collapsed:
                collapsed[evidence.doc_id] = _collapse(texts[evidence.doc_id])
            if _collapse(evidence.quote) not in collapsed[evidence.doc_id]:
                warnings.append(
                    f"{question.id}: evidence {n}: quote not found in {evidence.doc_id}: "
                    f"{_show(evidence.quote, 60)}"
                )
    return warnings


# Length of an evidence quote, in characters: long enough to be unique, short enough
# to stay inside one passage.
QUOTE_LENGTH = (20, 120)


def audit(questions: Iterable[Question]) -> list[str]:
    """Check what makes a question set a fair test, beyond its format.

    An answerable question has facts and evidence, and each fact (one of its
    alternatives) occurs in the reference answer; an unanswerable one has the
    standard refusal as its answer; a question is in the language it says
    (:func:`rag.text.lang.detect`); quotes are :data:`QUOTE_LENGTH` characters.

    Returns:
        One-line problems, in question order; empty if there are none.
    """
    from rag.answering.prompt import REFUSAL
    from rag.text.lang import detect

    problems = []
    for q in questions:
        found: list[str] = []
        if detect(q.question) != q.lang:
            found.append(f'the question does not read as "{q.lang}"')
        if q.answerable and not (q.facts and q.evidence):
            found.append("an answerable question needs facts and evidence")
        if not q.answerable and (q.evidence or q.answer != REFUSAL[q.lang]):
            refusal = REFUSAL[q.lang]
            found.append(f"an unanswerable question has no evidence and answers {refusal!r}")
        answer = q.answer.lower()
        found += [
            f"the reference answer lacks the fact {_show(list(f))}"
            for f in q.facts
            if not any(a.lower() in answer for a in f)
        ]
        found += [
            f"quote of {len(e.quote)} characters, not {QUOTE_LENGTH[0]}-{QUOTE_LENGTH[1]}"
            for e in q.evidence
            if not QUOTE_LENGTH[0] <= len(e.quote) <= QUOTE_LENGTH[1]
        ]
        problems += [f"{q.id}: {message}" for message in found]
    return problems


def folds(questions: Sequence[Question], n: int) -> list[list[Question]]:
    """Split a set into ``n`` folds of alike make-up, the same way every time.

    Within each group of one language and answerability, questions are ordered
    by a hash of their id and dealt out in turn, so each fold gets its share of
    Korean, English and unanswerable questions, and a question keeps its fold
    when others are added.

    Raises:
        QuestionSetError: If ``n`` is below 2 or above the smallest group's size.
    """
    groups: dict[tuple[str, bool], list[Question]] = {}
    for q in questions:
        groups.setdefault((q.lang, q.answerable), []).append(q)
    smallest = min((len(g) for g in groups.values()), default=0)
    if not 2 <= n <= smallest:
        raise QuestionSetError(
            f"cannot split into {n} folds: need 2 to {smallest} (the smallest group's size)"
        )
    out: list[list[Question]] = [[] for _ in range(n)]
    for key in sorted(groups):
        ordered = sorted(groups[key], key=lambda q: hashlib.sha256(q.id.encode()).hexdigest())
        for i, q in enumerate(ordered):
            out[i % n].append(q)
    order = {q.id: i for i, q in enumerate(questions)}
    return [sorted(fold, key=lambda q: order[q.id]) for fold in out]
