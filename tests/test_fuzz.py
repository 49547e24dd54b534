"""Property-based fuzzing (hypothesis) of the parsers that read text from outside.

Invariants: no exception but RagError; chunk offsets valid and pointing at their
text; parsed citations refer only to the passages given; a parsed amount renders
back (English and Korean) to the same value. Inputs mix arbitrary Unicode with the
fragments the parsers look for, so most examples reach their rules.

Each property runs a few dozen to a few hundred examples (the suite stays fast);
``FUZZ_SCALE=20 pytest tests/test_fuzz.py`` runs twenty times as many.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rag.answering.cite.markers import parse, split_answer, strip_markers
from rag.errors import QuestionSetError, RagError
from rag.evaluation.questions import load_questions
from rag.indexing.chunk import chunk_document
from rag.indexing.clean import clean, normalize
from rag.indexing.ingest import Source
from rag.records import Document
from rag.text.numbers import find_quantities, render_en, render_ko

SCALE = int(os.environ.get("FUZZ_SCALE", "1"))


def fuzz(examples: int) -> settings:
    return settings(
        max_examples=examples * SCALE,
        deadline=None,
        database=None,  # no .hypothesis/ folder in the repository
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )


def mixed(fragments: list[str], max_size: int = 12) -> st.SearchStrategy[str]:
    """Text made of the given fragments, arbitrary Unicode and separators, in any order."""
    piece = st.one_of(
        st.sampled_from(fragments),
        st.text(max_size=12),
        st.sampled_from([" ", "\n", "\n\n", ". ", "다. ", "\t", "\r\n", "\u00a0", "\u200b"]),
    )
    return st.lists(piece, max_size=max_size).map("".join)


NEWS = [
    "정부는 2024년 9090억원 규모 예산을 투입한다.",
    "[파이낸셜뉴스] 베이징시가 AI 계획을 발표했다.",
    "(서울=연합뉴스) 홍길동 기자 = 정책이 나왔다.",
    "【베이징=홍길동 특파원】",
    "입력 2024.07.29 10:31 수정 2024.07.29 11:00",
    "흐림서울 15.8℃",
    "기사스크랩 공유 댓글",
    "ⓒ 파이낸셜뉴스, 무단전재-재배포 금지",
    "홍길동 기자 hong@fnnews.com",
    "[뉴스출처 : 과학기술정보통신부]",
    "많이 본 뉴스",
    "국제 국제일반",
    "AI 안전 정상회의 12:30",
    "2024-07-29 09:00 다른 기사 제목",
    "The summit was held in Paris.",
    "•",
    "#",
]


@fuzz(60)
@given(text=mixed(NEWS, 16), title=st.one_of(st.none(), st.text(max_size=20)))
def test_the_cleaner_raises_nothing_and_keeps_only_text_it_was_given(text, title):
    meta = {"title": title} if title else {}
    try:
        doc = clean(Source("doc", Path("doc.txt"), text, meta))
    except RagError:
        return
    lines = normalize(text)
    for paragraph in doc.text.split("\n\n") if doc.text else []:
        assert paragraph and paragraph == paragraph.strip()
        assert any(line.endswith(paragraph) for line in lines), paragraph  # a line, tags cut


def words(texts):
    return [len(t.split()) for t in texts]


SENTENCES = [
    "정부는 예산을 늘린다.",
    "AI 기본법은 2026년에 시행된다!",
    "The plan runs to 2025. It has four parts?",
    "베이징시는 계획을 냈다",
    "아주 긴 문장 " * 30,
    "…",
    "Dr. Kim said so.",
]


@fuzz(80)
@given(
    text=mixed(SENTENCES, 14),
    target=st.integers(1, 60),
    overlap=st.integers(0, 3),
    limit=st.integers(1, 80),
)
def test_chunks_have_valid_offsets_point_at_their_text_and_cover_every_word(
    text, target, overlap, limit
):
    doc = Document("doc", text)
    chunks = chunk_document(doc, words, target, overlap, limit)
    assert [c.ordinal for c in chunks] == list(range(len(chunks)))
    assert len({c.chunk_id for c in chunks}) == len(chunks)
    for chunk in chunks:
        assert 0 <= chunk.start < chunk.end <= len(text)
        assert chunk.text == text[chunk.start : chunk.end] and chunk.text.strip() == chunk.text
    covered = [False] * len(text)
    for chunk in chunks:
        covered[chunk.start : chunk.end] = [True] * (chunk.end - chunk.start)
    lost = [ch for ch, seen in zip(text, covered, strict=True) if not seen and not ch.isspace()]
    assert not lost, f"characters in no passage: {''.join(lost)!r}"


MARKERS = [
    "[1]",
    "[2, 3]",
    "[1-3]",
    "[3-1]",
    "[0]",
    "[12]",
    "[99999999999999999999]",
    "【2】",
    "［１］",
    "(출처: 1, 2)",
    "(source 4)",
    "[Source 1]",
    "[출처 5]",
    "^2",
    "10^3",
    "[1][2]",
    "[#3]",
    "[1 and 2]",
    "\n출처:\n[1] 제목 - 신문",
    "Sources: [1][2]",
    "정부는 9090억원을 투입한다. ",
    "The budget is 909 billion won. ",
    "- ",
    "1. ",
]


@fuzz(200)
@given(text=mixed(MARKERS, 14), n=st.integers(0, 12))
def test_parsed_citations_only_refer_to_the_passages_given(text, n):
    for _, ids in parse(text, n):
        assert all(1 <= i <= n for i in ids) and len(set(ids)) == len(ids)
    layout = split_answer(text, n)
    for sentence in layout.sentences:
        assert 0 <= sentence.start <= sentence.end <= len(layout.text)
        assert all(1 <= i <= n for i in sentence.ids)
    strip_markers(text)


AMOUNTS = [
    "9090억원",
    "9,090억 원",
    "1조 2,000억원",
    "2천억 원",
    "약 1,000여명",
    "909 billion won",
    "$1.5 million",
    "US$ 20 billion",
    "€3 million",
    "5 pounds",
    "20 yuan",
    "1,234 dollars",
    "300만 달러",
    "0.5달러",
    "70%",
    "12.5 percent",
    "3∼5개",
    "2월 10~11일",
    "2024년",
    "February 10, 2024",
    "세 번째",
    "third",
    "10억 위안",
    "7 yen",
    "1.25 trillion won",
]


def same_value(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-9)


@fuzz(200)
@given(text=mixed(AMOUNTS, 10))
def test_a_parsed_amount_renders_back_to_the_same_value(text):
    for q in find_quantities(text):
        assert text[q.start : q.start + len(q.text)] == q.text
        if q.kind not in ("money", "number", "percent"):
            continue
        for render in (render_en, render_ko):
            written = render(q)
            back = [b for b in find_quantities(written) if b.kind == q.kind and b.unit == q.unit]
            assert back and same_value(back[0].value, q.value), (q, written, back)


@fuzz(150)
@given(
    value=st.one_of(
        st.integers(0, 10**16).map(float),
        st.integers(1, 10**6).map(lambda n: n * 10**8 / 1.0),
        st.decimals(0, 10**9, places=3, allow_nan=False).map(float),
    ),
    kind=st.sampled_from(["money", "number", "percent"]),
    unit=st.sampled_from(["KRW", "USD", "CNY", "JPY", "EUR", "GBP"]),
)
def test_any_amount_renders_in_english_and_korean_and_parses_back(value, kind, unit):
    from rag.text.numbers import Quantity

    q = Quantity(kind, value, unit if kind == "money" else "")
    for render in (render_en, render_ko):
        written = render(q)
        back = find_quantities(written)
        assert len(back) == 1, (written, back)
        assert (back[0].kind, back[0].unit) == (q.kind, q.unit), (written, back)
        assert same_value(back[0].value, value), (written, back)


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner),
    max_leaves=8,
)
FIELDS = ["id", "question", "lang", "answer", "facts", "evidence", "answerable", "conversation"]
ROWS = st.dictionaries(st.sampled_from([*FIELDS, "extra"]), JSON_VALUES, max_size=9)
CELLS = st.one_of(st.text(max_size=10), st.sampled_from(['["a"]', "[]", "true", "ko", '""']))


def _load(suffix: str, data: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"q{suffix}"
        path.write_bytes(data)
        try:
            questions = load_questions(path)
        except QuestionSetError as exc:
            assert "\n" not in str(exc) and str(path) in str(exc), str(exc)
            return
        assert questions and len({q.id for q in questions}) == len(questions)


@fuzz(120)
@given(rows=st.lists(st.one_of(ROWS, JSON_VALUES), max_size=4), junk=st.binary(max_size=12))
def test_the_question_loader_reads_any_jsonl_or_says_one_line(rows, junk):
    lines = [json.dumps(r, ensure_ascii=False) for r in rows]
    _load(".jsonl", "\n".join(lines).encode())
    _load(".jsonl", "\n".join(lines).encode() + b"\n" + junk)


@fuzz(120)
@given(
    header=st.lists(st.sampled_from([*FIELDS, "x"]), max_size=9),
    rows=st.lists(st.lists(CELLS, max_size=9), max_size=4),
    junk=st.binary(max_size=12),
)
def test_the_question_loader_reads_any_csv_or_says_one_line(header, rows, junk):
    import csv
    import io

    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    _load(".csv", out.getvalue().encode())
    _load(".csv", junk + out.getvalue().encode())
