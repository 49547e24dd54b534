from __future__ import annotations

import json

import numpy as np
import pytest

from rag.errors import IndexCorruptError, IndexMismatchError, IndexMissingError
from rag.indexing.bm25 import Bm25
from rag.indexing.manifest import (
    FORMAT,
    Bm25Info,
    ChunkerInfo,
    EmbedderInfo,
    IndexInfo,
    Manifest,
    check_settings,
    file_entry,
)
from rag.indexing.store import load_index, read_manifest, recover, write_index
from rag.records import Chunk
from rag.text.korean import tokenize

TEXTS = [
    "서울은 한국의 수도이다",
    "부산 날씨가 맑다",
    "정부는 9090억원을 투입한다",
    "AI 안전 정상회의",
]


def _parts(n=4, dim=8, seed=0):
    rng = np.random.default_rng(seed)
    vectors = rng.normal(size=(n, dim)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    chunks = [
        Chunk(f"d{i}#0", f"d{i}", 0, 0, len(t), t, title=f"t{i}") for i, t in enumerate(TEXTS[:n])
    ]
    return chunks, vectors, Bm25.build([tokenize(c.text) for c in chunks])


def _manifest(model="m", chunk_tokens=200):
    return Manifest(
        format=FORMAT,
        created="2026-01-01T00:00:00+00:00",
        embedder=EmbedderInfo(model, 8, "", "", 512),
        chunker=ChunkerInfo(chunk_tokens, 1),
        bm25=Bm25Info(),
        documents={},
    )


def _write(folder, threshold=1000, seed=0, manifest=None):
    chunks, vectors, bm25 = _parts(seed=seed)
    manifest = manifest or _manifest()
    write_index(folder, chunks, vectors, bm25, manifest, hnsw_threshold=threshold, hnsw_m=8)
    return chunks, vectors


def test_index_folder_holds_plain_files_and_round_trips(tmp_path):
    folder = tmp_path / "index"
    chunks, vectors = _write(folder)
    assert {p.name for p in folder.iterdir()} == {
        "vectors.faiss",
        "chunks.jsonl",
        "manifest.json",
        "bm25",
    }
    rows = [json.loads(line) for line in (folder / "chunks.jsonl").read_text().splitlines()]
    assert [r["chunk_id"] for r in rows] == [c.chunk_id for c in chunks]  # row i is FAISS id i
    index = load_index(folder)
    assert index.chunks == chunks
    np.testing.assert_allclose(index.stored_vectors(), vectors, rtol=1e-6)
    assert index.search_dense(vectors[2], 1)[0][0] == 2
    assert index.manifest.index == IndexInfo("flat", 4, 8)


def test_large_corpus_switches_to_hnsw_and_still_finds_exact_matches(tmp_path):
    folder = tmp_path / "index"
    _, vectors = _write(folder, threshold=2)
    index = load_index(folder, ef_search=64)
    assert index.manifest.index.type == "hnsw"
    assert index.vectors.hnsw.efSearch == 64
    for row in range(len(vectors)):
        assert index.search_dense(vectors[row], 1)[0][0] == row
    np.testing.assert_allclose(index.stored_vectors(), vectors, rtol=1e-6)


def test_missing_index_says_to_build(tmp_path):
    with pytest.raises(IndexMissingError, match="rag build"):
        load_index(tmp_path / "nope")


@pytest.mark.parametrize(
    ("victim", "payload"),
    [
        ("manifest.json", "{not json"),
        ("chunks.jsonl", '{"chunk_id": 1}\n'),
        ("vectors.faiss", "junk"),
    ],
)
def test_corrupt_files_give_a_one_line_error_naming_the_fix(tmp_path, victim, payload):
    folder = tmp_path / "index"
    _write(folder)
    (folder / victim).write_text(payload)
    with pytest.raises(IndexCorruptError, match="rag build --full") as info:
        load_index(folder)
    assert "\n" not in str(info.value)


def test_chunks_and_vectors_that_disagree_are_reported(tmp_path):
    folder = tmp_path / "index"
    _write(folder)
    lines = (folder / "chunks.jsonl").read_text().splitlines()
    (folder / "chunks.jsonl").write_text("\n".join(lines[:-1]) + "\n")
    with pytest.raises(IndexCorruptError, match=r"chunks\.jsonl has .* bytes"):
        load_index(folder)
    # Checksums that match files which still disagree (a writer's bug) are caught too.
    manifest = read_manifest(folder)
    files = {**manifest.files, "chunks.jsonl": file_entry(folder / "chunks.jsonl")}
    (folder / "manifest.json").write_text(manifest.with_files(files).to_json())
    with pytest.raises(IndexCorruptError, match="inconsistent"):
        load_index(folder)


def test_failed_write_leaves_the_old_index_usable_and_no_temp_folders(tmp_path):
    folder = tmp_path / "index"
    chunks, _ = _write(folder)

    class Boom(Bm25):
        def save(self, folder):
            raise RuntimeError("disk full")

    new_chunks, vectors, bm25 = _parts(n=2, seed=1)
    with pytest.raises(RuntimeError):
        write_index(folder, new_chunks, vectors, Boom(bm25.retriever), {"format": 1}, 1000, 8)
    assert load_index(folder).chunks == chunks
    # Only the index and its lock files (kept, by design) are left: no temporary folder.
    assert sorted(p.name for p in tmp_path.iterdir()) == [".index.lock", "index"]


def test_crash_between_the_two_renames_is_recovered_on_load(tmp_path):
    folder = tmp_path / "index"
    chunks, _ = _write(folder)
    folder.rename(tmp_path / ".index.old")  # the state after renaming the old index away
    assert load_index(folder).chunks == chunks
    recover(folder)
    assert not (tmp_path / ".index.old").exists()


def test_refuses_to_overwrite_a_folder_that_is_not_an_index(tmp_path):
    folder = tmp_path / "notes"
    folder.mkdir()
    (folder / "precious.txt").write_text("keep me")
    chunks, vectors, bm25 = _parts()
    with pytest.raises(IndexCorruptError, match="not an index"):
        write_index(folder, chunks, vectors, bm25, _manifest(), 1000, 8)
    assert (folder / "precious.txt").read_text() == "keep me"


def test_settings_mismatch_names_each_difference_and_the_command(tmp_path):
    manifest = _manifest(model="a", chunk_tokens=200)
    expected = {
        "embedder.model": "b",
        "chunker.chunk_tokens": 200,
        "embedder.document_prompt": None,
    }
    with pytest.raises(IndexMismatchError) as info:
        check_settings(tmp_path, manifest, expected)
    message = str(info.value)
    assert "embedder.model: index has 'a', config has 'b'" in message
    assert "chunk_tokens" not in message and "rag build" in message
