from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from rag.answering.cite.score import embedding_similarity
from rag.config import Config
from rag.errors import CorpusError, IndexCorruptError, IndexMismatchError
from rag.indexing.build import build
from rag.indexing.manifest import file_entry
from rag.indexing.sentences import spans_of
from rag.indexing.store import load_index, read_manifest
from rag.search.searcher import Searcher
from tests.fakes import FakeModel, fake_embedder

CORPUS = Path(__file__).resolve().parents[1] / "corpus"


@pytest.fixture
def config(tmp_path) -> Config:
    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS, corpus)
    return Config(
        corpus_dir=corpus, index_dir=tmp_path / "index", embed_model="fake-model", chunk_tokens=60
    )


def test_build_indexes_every_article_and_search_finds_the_budget(config):
    report = build(config, embedder=fake_embedder())
    assert report.documents == 5 and report.written and report.embedded == report.chunks
    index = load_index(config.index_dir)
    assert {c.doc_id for c in index.chunks} == {p.stem for p in CORPUS.glob("*.txt")}
    assert set(index.manifest.documents) == {p.stem for p in CORPUS.glob("*.txt")}
    assert index.manifest.embedder.model == "fake-model"
    assert {"faiss-cpu", "bm25s", "kiwipiepy", "python"} <= set(index.manifest.versions)
    hits = Searcher(config, embedder=fake_embedder()).search("2024년 9090억원 예산", k=3)
    assert hits[0].chunk.doc_id.startswith("001_")
    assert any("9090억원 규모 예산" in h.chunk.text for h in hits)


def test_rebuild_embeds_only_new_and_changed_documents(config):
    build(config, embedder=fake_embedder())
    before = load_index(config.index_dir)
    changed = config.corpus_dir / "002_430102f8735eb5df.txt"
    text = changed.read_text(encoding="utf-8")
    changed.write_text(
        text.replace("AI 기반 인프라도 고도화한다.", "AI 기반 인프라를 크게 고도화한다.")
    )
    (config.corpus_dir / "005_new.txt").write_text(
        "새 기사 제목\n정부는 새 AI 법을 발표했다. 시행은 내년이다.\n"
    )
    (config.corpus_dir / "004_5b03f742cc9b530e.txt").unlink()
    model = FakeModel()
    report = build(config, embedder=fake_embedder_from(model))
    assert report.added == ["005_new"] and report.changed == ["002_430102f8735eb5df"]
    assert report.removed == ["004_5b03f742cc9b530e"]
    assert sorted(report.unchanged) == [
        "000_acb59b784c8ff302",
        "001_08bf954042452096",
        "003_96f4a087ea06f479",
    ]
    after = load_index(config.index_dir)
    embedded = set(model.encoded)
    for chunk in after.chunks:
        text_was_embedded = any(chunk.text in e for e in embedded)
        assert text_was_embedded == (chunk.doc_id in {"005_new", "002_430102f8735eb5df"})
    assert not any(c.doc_id.startswith("004_") for c in after.chunks)
    old = {c.chunk_id: i for i, c in enumerate(before.chunks)}
    new_vectors, old_vectors = after.stored_vectors(), before.stored_vectors()
    for row, chunk in enumerate(after.chunks):
        if chunk.doc_id.startswith("000_"):
            np.testing.assert_array_equal(new_vectors[row], old_vectors[old[chunk.chunk_id]])
            assert chunk == before.chunks[old[chunk.chunk_id]]  # same id, same text, same offsets


def fake_embedder_from(model):
    from rag.indexing.embed import Embedder

    return Embedder("fake-model", model=model)


def test_rebuild_with_nothing_changed_embeds_nothing_and_keeps_the_index(config):
    build(config, embedder=fake_embedder())
    stamp = (config.index_dir / "manifest.json").stat().st_mtime_ns
    model = FakeModel()
    report = build(config, embedder=fake_embedder_from(model))
    assert not report.written and report.embedded == 0 and model.encoded == []
    assert (config.index_dir / "manifest.json").stat().st_mtime_ns == stamp


def test_changed_chunk_settings_force_a_full_rebuild_with_a_warning(config):
    build(config, embedder=fake_embedder())
    report = build(replace(config, chunk_tokens=40), embedder=fake_embedder())
    assert report.embedded == report.chunks and report.unchanged == []
    assert any("chunker.chunk_tokens" in w for w in report.warnings)


def test_crash_while_embedding_leaves_the_old_index_usable(config):
    build(config, embedder=fake_embedder())
    before = load_index(config.index_dir).chunks

    class Exploding(FakeModel):
        def encode(self, texts, prompt=None, **_):
            raise KeyboardInterrupt  # the user pressed Ctrl-C mid-build

    (config.corpus_dir / "005_new.txt").write_text("새 기사\n새로운 내용이 있다.\n")
    with pytest.raises(KeyboardInterrupt):
        build(config, embedder=fake_embedder_from(Exploding()))
    assert load_index(config.index_dir).chunks == before
    left = sorted(p.name for p in config.index_dir.parent.iterdir() if p.suffix != ".lock")
    assert left == ["corpus", "index"]


def test_search_against_an_index_of_another_embedder_says_what_differs(config):
    build(config, embedder=fake_embedder())
    with pytest.raises(
        IndexMismatchError, match=r"embedder\.model: index has 'fake-model', config has 'other'"
    ):
        Searcher(replace(config, embed_model="other"))


def test_query_embedder_of_another_dimension_is_refused(config):
    build(config, embedder=fake_embedder())
    searcher = Searcher(config, embedder=fake_embedder(dim=32))
    with pytest.raises(IndexMismatchError, match="64-d"):
        searcher.search("예산")


def test_corpus_without_readable_articles_is_an_error(config):
    for path in config.corpus_dir.iterdir():
        path.unlink()
    with pytest.raises(CorpusError, match="no readable articles"):
        build(config, embedder=fake_embedder())


def test_real_tiny_model_builds_and_searches_end_to_end(config, tiny_embedder):
    real = replace(config, embed_model=str(tiny_embedder), chunk_tokens=120)
    report = build(real)
    assert report.chunks >= 5
    index = load_index(real.index_dir)
    assert index.manifest.embedder.dimension == 32
    assert index.manifest.embedder.document_prompt == "passage: "
    hits = Searcher(real).search("베이징 AI 계획", k=3)
    assert len(hits) == 3 and all(h.dense_rank or h.bm25_rank for h in hits)
    limit = 256
    from rag.indexing.embed import Embedder

    embedder = Embedder(str(tiny_embedder))
    sizes = embedder.count_tokens([c.text for c in index.chunks])
    assert max(sizes) < limit


def test_article_that_is_only_page_chrome_is_skipped_with_a_warning(config):
    (config.corpus_dir / "zz_chrome.txt").write_text("기사 스크랩\n공유\n댓글\n흐림서울 15.8℃\n")
    report = build(config, embedder=fake_embedder())
    assert report.documents == 5
    assert any("zz_chrome.txt" in w and "nothing left after cleaning" in w for w in report.warnings)


def test_broken_file_is_skipped_and_the_rest_still_indexes(config):
    (config.corpus_dir / "broken.txt").write_bytes(b"\x00\x01\x02binary\xff\xfe\x00")
    report = build(config, embedder=fake_embedder())
    assert report.documents == 5
    assert any("broken.txt" in w for w in report.warnings)


def test_build_stores_every_passage_sentence_embedded_as_an_answer_would(config):
    report = build(config, embedder=fake_embedder())
    index = load_index(config.index_dir)
    spans = spans_of(index.chunks)
    assert len(index.sentences) == len({index.chunks[r].text[s:e] for r, s, e in spans}) > 50
    assert report.sentences == len(index.sentences)
    text, vector = next(iter(index.sentences.items()))
    np.testing.assert_allclose(vector, fake_embedder().encode_documents([text])[0], rtol=1e-6)
    # Answers read them instead of embedding the sentences again.
    model = FakeModel()
    similarity = embedding_similarity(fake_embedder_from(model), known=index.sentences)
    similarity(["질문"], list(index.sentences)[:5])
    assert model.encoded == ["질문"]


def test_a_rebuild_embeds_only_new_sentences_and_an_old_index_gains_them(config):
    build(replace(config, index_sentences=False), embedder=fake_embedder())
    assert load_index(config.index_dir).sentences == {}  # an index without them loads
    model = FakeModel()
    report = build(config, embedder=fake_embedder_from(model))  # nothing changed but them
    assert report.written and report.embedded == 0 and report.sentences == len(model.encoded)
    (config.corpus_dir / "005_new.txt").write_text("새 기사 제목\n정부는 새 AI 법을 발표했다.\n")
    model = FakeModel()
    report = build(config, embedder=fake_embedder_from(model))
    assert report.sentences == len(model.encoded) - report.embedded <= 2
    assert "정부는 새 AI 법을 발표했다." in model.encoded
    assert not any("9090억원" in text for text in model.encoded)  # old sentences kept
    assert "정부는 새 AI 법을 발표했다." in load_index(config.index_dir).sentences


def test_sentence_files_that_disagree_with_the_passages_are_reported(config):
    build(config, embedder=fake_embedder())
    spans = np.load(config.index_dir / "sentence_spans.npy")
    spans[0, 2] = 10**6
    np.save(config.index_dir / "sentence_spans.npy", spans)
    with pytest.raises(IndexCorruptError, match=r"sentence_spans\.npy.*rag build --full"):
        load_index(config.index_dir)  # the manifest's checksum catches it first
    # Checksums that match files which still disagree (a writer's bug) are caught too.
    manifest = read_manifest(config.index_dir)
    entry = file_entry(config.index_dir / "sentence_spans.npy")
    files = {**manifest.files, "sentence_spans.npy": entry}
    (config.index_dir / "manifest.json").write_text(manifest.with_files(files).to_json())
    with pytest.raises(IndexCorruptError, match="points outside its passages"):
        load_index(config.index_dir)
