from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from rag.config import Config
from rag.errors import QuestionSetError, RagError
from rag.evaluation.questions import Evidence, Question, check_quotes, load_questions
from rag.indexing.build import load_documents

REPO_ROOT = Path(__file__).resolve().parents[1]
SHIPPED = REPO_ROOT / "eval" / "questions.jsonl"
CORPUS = REPO_ROOT / "corpus"
COLUMNS = ["id", "question", "lang", "answer", "facts", "evidence", "answerable", "conversation"]

GOOD = {
    "id": "ko-01",
    "question": "예산은 얼마야?",
    "lang": "ko",
    "answer": "77억원입니다.",
    "facts": ["77억", ["4억", "4억원"]],
    "evidence": [{"doc_id": "003_x", "quote": "올해 77억원으로 늘렸다."}],
    "answerable": True,
}


_DROP = object()


def _row(**changes: object) -> dict:
    """GOOD with fields changed; a field set to _DROP is left out."""
    row = {**GOOD, **changes}
    return {k: v for k, v in row.items() if v is not _DROP}


def _write_jsonl(path: Path, rows: list[dict]) -> Path:
    lines = [json.dumps(row, ensure_ascii=False) for row in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _csv_text(rows: list[dict], columns: list[str] = COLUMNS) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        cells = []
        for key in columns:
            value = row.get(key, "")
            if key in ("facts", "evidence", "conversation") and value != "":
                value = json.dumps(value, ensure_ascii=False)
            elif isinstance(value, bool):
                value = "true" if value else "false"
            cells.append(value)
        writer.writerow(cells)
    return out.getvalue()


def _error(path: Path) -> str:
    with pytest.raises(QuestionSetError) as info:
        load_questions(path)
    message = str(info.value)
    assert "\n" not in message
    return message


# --- the shipped question set --------------------------------------------------------------


@pytest.fixture(scope="module")
def shipped() -> list[Question]:
    return load_questions(SHIPPED)


def test_shipped_question_set_loads_with_at_least_60_questions(shipped: list[Question]) -> None:
    assert len(shipped) >= 60
    assert len({q.id for q in shipped}) == len(shipped)
    assert {q.lang for q in shipped} == {"ko", "en"}
    assert any(not q.answerable for q in shipped)
    assert any(q.conversation for q in shipped)
    assert all(isinstance(alt, str) for q in shipped for fact in q.facts for alt in fact)


def test_every_shipped_quote_is_in_the_clean_text_of_its_article(
    shipped: list[Question],
) -> None:
    docs, _ = load_documents(Config(corpus_dir=CORPUS))
    texts = {doc.doc_id: doc.text for doc in docs}
    assert texts
    assert check_quotes(shipped, texts) == []
    assert any(q.evidence for q in shipped)


def test_csv_copy_of_shipped_rows_loads_to_the_same_records(tmp_path: Path) -> None:
    raw = [json.loads(line) for line in SHIPPED.read_text(encoding="utf-8").splitlines()]
    picked = [
        next(r for r in raw if any(isinstance(f, list) for f in r["facts"])),
        next(r for r in raw if r.get("conversation")),
        next(r for r in raw if not r["answerable"]),
        next(r for r in raw if len(r["evidence"]) >= 2),
    ]
    want = [q for q in load_questions(SHIPPED) if q.id in {r["id"] for r in picked}]
    want.sort(key=lambda q: [r["id"] for r in picked].index(q.id))
    path = tmp_path / "q.csv"
    path.write_text(_csv_text(picked), encoding="utf-8")
    assert load_questions(path) == want


# --- records ------------------------------------------------------------------------------


def test_fact_entries_are_normalized_to_tuples_of_alternatives(tmp_path: Path) -> None:
    (q,) = load_questions(_write_jsonl(tmp_path / "q.jsonl", [_row()]))
    assert q == Question(
        id="ko-01",
        question="예산은 얼마야?",
        lang="ko",
        answer="77억원입니다.",
        facts=(("77억",), ("4억", "4억원")),
        evidence=(Evidence("003_x", "올해 77억원으로 늘렸다."),),
        answerable=True,
        conversation=(),
    )


def test_answerable_defaults_to_true_and_empty_evidence_is_kept(tmp_path: Path) -> None:
    (q,) = load_questions(_write_jsonl(tmp_path / "q.jsonl", [_row(answerable=_DROP, evidence=[])]))
    assert q.answerable is True
    assert q.evidence == ()


def test_unanswerable_question_may_keep_evidence(tmp_path: Path) -> None:
    (q,) = load_questions(_write_jsonl(tmp_path / "q.jsonl", [_row(answerable=False, facts=[])]))
    assert q.answerable is False
    assert q.facts == ()
    assert len(q.evidence) == 1


def test_json_suffix_and_bom_and_crlf_are_accepted(tmp_path: Path) -> None:
    path = tmp_path / "q.json"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps(_row()).encode("utf-8") + b"\r\n")
    assert [q.id for q in load_questions(path)] == ["ko-01"]


def test_line_separator_inside_a_json_string_does_not_split_the_line(tmp_path: Path) -> None:
    path = tmp_path / "q.jsonl"
    line = json.dumps(_row(answer="a\u2028b"), ensure_ascii=False)
    path.write_text(line + "\n", encoding="utf-8")
    assert load_questions(path)[0].answer == "a\u2028b"


def test_blank_lines_are_skipped_but_still_counted(tmp_path: Path) -> None:
    path = tmp_path / "q.jsonl"
    good = json.dumps(_row())
    bad = json.dumps(_row(id="ko-02", lang="fr"))
    path.write_text(f"\n{good}\n   \n\n{bad}\n\n", encoding="utf-8")
    assert _error(path).startswith(f'{path}:5: field "lang"')
    path.write_text(f"\n{good}\n\n", encoding="utf-8")
    assert len(load_questions(path)) == 1


# --- JSONL validation errors ---------------------------------------------------------------


def _bad_conversation(turn: object) -> list:
    return [{"role": "user", "content": "앞 질문"}, turn]


JSONL_CASES = [
    pytest.param(_row(id=_DROP), 'missing field "id"', id="missing-id"),
    pytest.param(_row(id=7), 'field "id" must be a string, got number', id="id-not-string"),
    pytest.param(_row(question="  "), 'field "question" must not be empty', id="empty-question"),
    pytest.param(_row(question=None), 'field "question" must be a string', id="null-question"),
    pytest.param(_row(lang="fr"), 'field "lang" must be "ko" or "en", got "fr"', id="bad-lang"),
    pytest.param(_row(answer=_DROP), 'missing field "answer"', id="missing-answer"),
    pytest.param(_row(facts=_DROP), 'missing field "facts"', id="missing-facts"),
    pytest.param(
        _row(facts="77억"),
        'field "facts" must be a list of strings or lists of strings, got string',
        id="facts-not-list",
    ),
    pytest.param(
        _row(facts=["77억", 3]),
        'field "facts" must be a list of strings or lists of strings: entry 2 is 3',
        id="fact-is-number",
    ),
    pytest.param(_row(facts=[[]]), 'field "facts"', id="fact-empty-alternatives"),
    pytest.param(_row(facts=[["a", ""]]), 'field "facts"', id="fact-empty-alternative"),
    pytest.param(_row(facts=[" "]), 'field "facts"', id="fact-blank-string"),
    pytest.param(_row(evidence=_DROP), 'missing field "evidence"', id="missing-evidence"),
    pytest.param(
        _row(evidence={"doc_id": "a", "quote": "b"}),
        'field "evidence" must be a list',
        id="evidence-not-list",
    ),
    pytest.param(
        _row(evidence=["a"]), 'field "evidence": entry 1 must be', id="evidence-not-object"
    ),
    pytest.param(
        _row(evidence=[{"quote": "b"}]),
        'field "evidence": entry 1 needs a non-empty string "doc_id", got missing',
        id="evidence-missing-doc-id",
    ),
    pytest.param(
        _row(evidence=[{"doc_id": "a", "quote": "b"}, {"doc_id": "a", "quote": ""}]),
        'field "evidence": entry 2 needs a non-empty string "quote"',
        id="evidence-empty-quote",
    ),
    pytest.param(
        _row(evidence=[{"doc_id": "a", "quote": "b", "page": 1}]),
        'field "evidence": entry 1 has unknown key "page"',
        id="evidence-unknown-key",
    ),
    pytest.param(
        _row(answerable="yes"),
        'field "answerable" must be true or false, got "yes"',
        id="answerable-not-bool",
    ),
    pytest.param(
        _row(answerable=False),
        'field "facts" must be empty when "answerable" is false',
        id="unanswerable-with-facts",
    ),
    pytest.param(
        _row(conversation={"role": "user"}),
        'field "conversation" must be a list',
        id="conversation-not-list",
    ),
    pytest.param(
        _row(conversation=_bad_conversation({"role": "system", "content": "x"})),
        'field "conversation": turn 2 "role" must be "user" or "assistant", got "system"',
        id="conversation-bad-role",
    ),
    pytest.param(
        _row(conversation=_bad_conversation({"role": "assistant", "content": ""})),
        'field "conversation": turn 2 needs a non-empty string "content"',
        id="conversation-empty-content",
    ),
    pytest.param(
        _row(conversation=_bad_conversation({"role": "assistant", "text": "x"})),
        'field "conversation": turn 2 has unknown key "text"',
        id="conversation-unknown-key",
    ),
    pytest.param(
        _row(conversation=["hi"]),
        'field "conversation": turn 1 must be',
        id="conversation-turn-not-object",
    ),
    pytest.param(_row(anwser="typo"), 'unknown field "anwser"', id="unknown-field"),
]


@pytest.mark.parametrize(("bad", "expected"), JSONL_CASES)
def test_invalid_jsonl_row_names_line_and_field(tmp_path: Path, bad: dict, expected: str) -> None:
    path = _write_jsonl(tmp_path / "q.jsonl", [_row(id="ok-1"), bad])
    message = _error(path)
    assert message.startswith(f"{path}:2: {expected}"), message


def test_invalid_json_line_is_reported_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "q.jsonl"
    path.write_text(json.dumps(_row()) + '\n{"id": "ko-02",\n', encoding="utf-8")
    message = _error(path)
    assert message.startswith(f"{path}:2: invalid JSON: ")


def test_json_line_that_is_not_an_object_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "q.jsonl"
    path.write_text("[1, 2]\n", encoding="utf-8")
    assert _error(path) == f"{path}:1: expected a JSON object, got list"


def test_duplicate_id_names_both_lines(tmp_path: Path) -> None:
    path = _write_jsonl(
        tmp_path / "q.jsonl", [_row(), _row(id="ko-02"), _row(id="ko-03"), _row(id="ko-02")]
    )
    assert _error(path) == f'{path}:4: field "id": "ko-02" is already used on line 2'


def test_empty_file_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "q.jsonl"
    path.write_text("", encoding="utf-8")
    assert _error(path) == f"{path}: no questions in the file"


def test_file_of_blank_lines_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "q.jsonl"
    path.write_text("\n  \n\n", encoding="utf-8")
    assert _error(path) == f"{path}: no questions in the file"


def test_undecodable_file_is_an_error_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / "q.jsonl"
    path.write_bytes(json.dumps(_row(), ensure_ascii=False).encode("cp949"))
    message = _error(path)
    assert message.startswith(f"{path}: not UTF-8 text")


def test_missing_file_is_an_error_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / "nope.jsonl"
    assert _error(path).startswith(f"{path}: cannot read question set")


def test_unknown_suffix_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "q.txt"
    path.write_text(json.dumps(_row()), encoding="utf-8")
    assert "use .jsonl, .json or .csv" in _error(path)


def test_question_set_error_is_a_rag_error() -> None:
    assert issubclass(QuestionSetError, RagError)


# --- CSV ----------------------------------------------------------------------------------


def test_csv_empty_cells_mean_defaults_and_answerable_accepts_words(tmp_path: Path) -> None:
    rows = [
        _row(id="a", answerable="", conversation=""),
        _row(id="b", answerable="No", facts="", evidence=""),
        _row(id="c", answerable="1"),
        _row(id="d", answerable="yes"),
        _row(id="e", answerable="FALSE", facts=""),
        _row(id="f", answerable="0", facts=""),
    ]
    path = tmp_path / "q.csv"
    path.write_text(_csv_text(rows), encoding="utf-8-sig")
    got = {q.id: q for q in load_questions(path)}
    assert [got[k].answerable for k in "abcdef"] == [True, False, True, True, False, False]
    assert got["a"].conversation == ()
    assert got["b"].facts == ()
    assert got["b"].evidence == ()
    assert got["a"].facts == (("77억",), ("4억", "4억원"))


def test_csv_without_optional_columns_loads(tmp_path: Path) -> None:
    path = tmp_path / "q.csv"
    path.write_text(_csv_text([_row()], columns=COLUMNS[:6]), encoding="utf-8")
    (q,) = load_questions(path)
    assert q.answerable is True
    assert q.conversation == ()


def test_csv_error_line_is_the_row_number_even_after_a_multiline_cell(tmp_path: Path) -> None:
    rows = [_row(id="a", answer="첫 줄\n둘째 줄"), _row(id="b", lang="xx")]
    path = tmp_path / "q.csv"
    path.write_text(_csv_text(rows), encoding="utf-8")
    assert _error(path).startswith(f'{path}:3: field "lang"')  # header 1, "a" 2, "b" 3
    path.write_text(_csv_text(rows[:1]), encoding="utf-8")
    assert load_questions(path)[0].answer == "첫 줄\n둘째 줄"


CSV_CASES = [
    pytest.param(_row(question=""), 'missing field "question"', id="empty-question-cell"),
    pytest.param(_row(lang="jp"), 'field "lang" must be "ko" or "en"', id="bad-lang"),
    pytest.param(
        _row(answerable="maybe"),
        'field "answerable" must be true/false/1/0/yes/no, got "maybe"',
        id="bad-answerable-word",
    ),
    pytest.param(
        _row(answerable="no"),
        'field "facts" must be empty when "answerable" is false',
        id="unanswerable-with-facts",
    ),
    pytest.param(
        _row(evidence=[{"doc_id": "", "quote": "q"}]),
        'field "evidence": entry 1 needs a non-empty string "doc_id"',
        id="evidence-empty-doc-id",
    ),
]


@pytest.mark.parametrize(("bad", "expected"), CSV_CASES)
def test_invalid_csv_row_names_line_and_field(tmp_path: Path, bad: dict, expected: str) -> None:
    path = tmp_path / "q.csv"
    path.write_text(_csv_text([_row(id="ok"), {**bad, "id": "bad"}]), encoding="utf-8")
    message = _error(path)
    assert message.startswith(f"{path}:3: {expected}"), message


def test_csv_cell_with_invalid_json_names_line_and_field(tmp_path: Path) -> None:
    path = tmp_path / "q.csv"
    text = _csv_text([_row()]) + 'ko-02,질문?,ko,답,"[""77억"",",[]\n'
    path.write_text(text, encoding="utf-8")
    assert _error(path).startswith(f'{path}:3: field "facts" must hold JSON text: ')


def test_csv_row_with_too_many_cells_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "q.csv"
    text = _csv_text([_row()], columns=COLUMNS[:6]).splitlines()
    path.write_text(f"{text[0]}\n{text[1]},extra\n", encoding="utf-8")
    assert _error(path) == f"{path}:2: row has 7 cells but the header has 6"


def test_csv_missing_column_is_reported_on_the_header_line(tmp_path: Path) -> None:
    path = tmp_path / "q.csv"
    path.write_text(_csv_text([_row()], columns=COLUMNS[:5]), encoding="utf-8")
    assert _error(path) == f'{path}:1: missing column "evidence"'


def test_csv_unknown_column_is_reported_on_the_header_line(tmp_path: Path) -> None:
    path = tmp_path / "q.csv"
    path.write_text(_csv_text([_row()], columns=[*COLUMNS, "notes"]), encoding="utf-8")
    assert _error(path).startswith(f'{path}:1: unknown column "notes"')


def test_a_field_or_column_name_with_a_line_break_is_still_one_line(tmp_path: Path) -> None:
    # Found by fuzzing: the name was quoted raw, so its line break split the message.
    path = tmp_path / "q.jsonl"
    path.write_text(json.dumps(_row(**{"bad\nname": 1})) + "\n", encoding="utf-8")
    assert _error(path).startswith(f'{path}:1: unknown field "bad\\nname"')
    path = tmp_path / "q.csv"
    path.write_text(_csv_text([_row()], columns=[*COLUMNS, "x\ny"]), encoding="utf-8")
    assert _error(path).startswith(f'{path}:1: unknown column "x\\ny"')
    path = tmp_path / "e.jsonl"
    evidence = [{"doc_id": "d", "quote": "q", "a\nb": 1}]
    path.write_text(json.dumps(_row(evidence=evidence)) + "\n", encoding="utf-8")
    assert 'has unknown key "a\\nb"' in _error(path)


def test_csv_with_only_a_header_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "q.csv"
    path.write_text(",".join(COLUMNS) + "\n\n", encoding="utf-8")
    assert _error(path) == f"{path}: no questions in the file"


def test_csv_duplicate_id_names_both_lines(tmp_path: Path) -> None:
    path = tmp_path / "q.csv"
    path.write_text(_csv_text([_row(id="x"), _row(id="y"), _row(id="x")]), encoding="utf-8")
    assert _error(path) == f'{path}:4: field "id": "x" is already used on line 2'


# --- check_quotes -------------------------------------------------------------------------


def _question(*evidence: Evidence, qid: str = "q1") -> Question:
    return Question(qid, "질문?", "ko", "답", (), tuple(evidence))


def test_check_quotes_ignores_whitespace_differences() -> None:
    q = _question(Evidence("d", "올해 77억원으로\n  늘렸다."))
    assert check_quotes([q], {"d": "예산을 올해  77억원으로 늘렸다.\n다음"}) == []


def test_check_quotes_warns_about_unknown_doc_id() -> None:
    q = _question(Evidence("d", "x"), Evidence("missing", "y"), qid="ko-09")
    assert check_quotes([q], {"d": "x"}) == ['ko-09: evidence 2: unknown doc_id "missing"']


def test_check_quotes_warns_about_quote_not_in_text() -> None:
    q = _question(Evidence("d", "없는 문장"), qid="en-03")
    (warning,) = check_quotes([q], {"d": "있는 문장"})
    assert warning.startswith("en-03: evidence 1: quote not found in d: ")
    assert "\n" not in warning
