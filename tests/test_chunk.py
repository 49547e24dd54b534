from __future__ import annotations

import itertools

from rag.indexing.chunk import chunk_document, pack
from rag.records import Document
from rag.text.korean import split_sentences


def words(texts):
    return [len(t.split()) for t in texts]


DOC = Document(
    doc_id="d1",
    title="제목",
    outlet="신문",
    text=(
        "정부가 올해 예산을 크게 늘렸다. 장관은 이 계획이 중요하다고 말했다.\n\n"
        "The plan covers five fields. 교육과 의료 분야가 먼저 시작된다.\n\n"
        "마지막 문장은 여기에 있다."
    ),
)


def test_chunks_are_whole_sentences_with_offsets_into_the_clean_text():
    chunks = chunk_document(DOC, words, target=8, overlap=0, limit=50)
    sentences = {DOC.text[a:b] for a, b in split_sentences(DOC.text)}
    for chunk in chunks:
        assert DOC.text[chunk.start : chunk.end] == chunk.text
        first = DOC.text[chunk.start :].split(".")[0]
        assert any(s.startswith(first.strip()) for s in sentences)
        assert chunk.text.rstrip().endswith(".")  # never cut mid-sentence


def test_every_sentence_lands_in_some_chunk():
    chunks = chunk_document(DOC, words, target=8, overlap=1, limit=50)
    for a, b in split_sentences(DOC.text):
        assert any(c.start <= a and b <= c.end for c in chunks)


def test_neighbouring_chunks_overlap_by_whole_sentences():
    chunks = chunk_document(DOC, words, target=10, overlap=1, limit=50)
    assert len(chunks) >= 2
    for left, right in itertools.pairwise(chunks):
        assert right.start < left.end  # shares the last sentence of the left chunk
        assert DOC.text[right.start : left.end].strip() in {
            DOC.text[a:b] for a, b in split_sentences(DOC.text)
        }


def test_chunk_ids_are_stable_and_carry_document_metadata():
    first = chunk_document(DOC, words, target=8, overlap=1, limit=50)
    again = chunk_document(DOC, words, target=8, overlap=1, limit=50)
    assert [c.chunk_id for c in first] == [f"d1#{i}" for i in range(len(first))]
    assert first == again
    assert all(c.title == "제목" and c.outlet == "신문" for c in first)
    assert first[0].header() == "제목 | 신문"


def test_no_chunk_exceeds_the_model_limit_even_for_a_run_on_line():
    run_on = Document(doc_id="r", text=" ".join(f"항목{i}" for i in range(100)))
    chunks = chunk_document(run_on, words, target=30, overlap=0, limit=30)
    assert all(len(c.text.split()) <= 30 for c in chunks)
    assert " ".join(c.text for c in chunks) == run_on.text


def test_pack_always_progresses_when_overlap_is_large():
    groups = pack([5, 5, 5, 5], target=10, overlap=5)
    assert groups[0] == (0, 2)
    assert groups[-1][1] == 4
    assert [g[0] for g in groups] == sorted({g[0] for g in groups})


def test_pack_puts_an_oversized_sentence_alone():
    assert pack([3, 50, 3], target=10, overlap=0) == [(0, 1), (1, 2), (2, 3)]
