"""A damaged index is named, never answered from; a failed write keeps the old index.

Every index file x every damage (truncated, one byte flipped, deleted) gives one
line naming the file and `rag build --full`. A full or read-only disk, simulated
in this process by failing the system call, leaves the old index loading as before
and no temporary folder behind (tests/test_crash.py does it on a real tmpfs).
Uploads and rag.toml are flushed to the disk before their rename and their folder
after it.
"""

from __future__ import annotations

import errno
import os
import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from rag.errors import ConfigError, CorpusError, IndexCorruptError, IndexWriteError
from rag.indexing.build import build
from rag.indexing.store import load_index
from tests.fakes import fake_embedder
from tests.test_index import _write

FILES = [
    "vectors.faiss",
    "chunks.jsonl",
    "manifest.json",
    "bm25/data.csc.index.npy",
    "bm25/indices.csc.index.npy",
    "bm25/indptr.csc.index.npy",
    "bm25/params.index.json",
    "bm25/vocab.index.json",
]
NEW_ARTICLE = (
    "새 기사 제목\n\n정부는 양자 연구소 세 곳을 새로 짓는다고 밝혔다. "
    "연구소는 2026년에 문을 연다.\n"
)


def damage(path: Path, how: str) -> None:
    data = path.read_bytes()
    if how == "truncated":
        path.write_bytes(data[: len(data) // 2])
    elif how == "flipped":
        middle = len(data) // 2
        path.write_bytes(data[:middle] + bytes([data[middle] ^ 0x01]) + data[middle + 1 :])
    else:
        path.unlink()


def test_the_manifest_lists_every_index_file_with_its_size_and_sha256(tmp_path):
    folder = tmp_path / "index"
    _write(folder)
    files = load_index(folder).manifest.files
    assert sorted(files) == sorted(f for f in FILES if f != "manifest.json")
    for name, entry in files.items():
        assert entry.size == (folder / name).stat().st_size and len(entry.sha256) == 64


@pytest.mark.parametrize("how", ["truncated", "flipped", "deleted"])
@pytest.mark.parametrize("name", FILES)
def test_each_damaged_file_is_named_in_one_line_with_the_fix(tmp_path, name, how):
    folder = tmp_path / "index"
    _write(folder)
    damage(folder / name, how)
    with pytest.raises(IndexCorruptError) as info:
        load_index(folder)
    message = str(info.value)
    assert "\n" not in message and "rag build --full" in message
    assert str(folder / name) in message, message


def test_the_cli_answers_a_damaged_index_with_one_line_and_the_next_build_repairs_it(
    tmp_path, fake_index, capsys, monkeypatch
):
    from rag.cli import main

    index = tmp_path / "index"
    shutil.copytree(fake_index.index_dir, index)
    damage(index / "vectors.faiss", "flipped")
    monkeypatch.setenv("RAG_CHUNK_TOKENS", "80")
    where = ["--corpus", str(fake_index.corpus_dir), "--index", str(index)]
    for argv in (["search", "예산", "--mode", "bm25"], ["ask", "예산은?", "--mode", "extractive"]):
        with pytest.raises(SystemExit) as done:
            main([*argv, *where, "--embed-model", "fake-model"])
        err = capsys.readouterr().err
        assert done.value.code == 1 and err.count("\n") == 1 and "Traceback" not in err
        assert "vectors.faiss is damaged" in err and "rag build --full" in err
    config = replace(fake_index, index_dir=index)
    report = build(config, full=True, embedder=fake_embedder())
    assert report.written and len(load_index(index).chunks) == report.chunks


@pytest.fixture
def built(tmp_path, fake_index):
    """A copy of the fake index and its corpus with one new article, not yet built."""
    shutil.copytree(fake_index.corpus_dir, tmp_path / "corpus")
    shutil.copytree(fake_index.index_dir, tmp_path / "index")
    (tmp_path / "corpus" / "005_new.txt").write_text(NEW_ARTICLE, encoding="utf-8")
    config = replace(fake_index, corpus_dir=tmp_path / "corpus", index_dir=tmp_path / "index")
    return config, load_index(config.index_dir).chunks


def _fail(code: int):
    def fail(*args, **kwargs):
        raise OSError(code, os.strerror(code))

    return fail


@pytest.mark.parametrize(
    ("target", "code", "hint"),
    [
        ("tempfile.mkdtemp", errno.EROFS, "read-only"),
        ("rag.indexing.bm25.Bm25.save", errno.ENOSPC, "disk is full"),
        ("os.fsync", errno.ENOSPC, "disk is full"),
        ("pathlib.Path.rename", errno.EROFS, "read-only"),
    ],
)
def test_a_full_or_read_only_disk_gives_one_line_and_keeps_the_old_index(
    built, monkeypatch, target, code, hint
):
    config, before = built
    monkeypatch.setattr(target, _fail(code))
    with pytest.raises(IndexWriteError) as info:
        build(config, embedder=fake_embedder())
    message = str(info.value)
    assert "\n" not in message and hint in message and "old index is unchanged" in message
    monkeypatch.undo()
    assert load_index(config.index_dir).chunks == before
    left = sorted(p.name for p in config.index_dir.parent.iterdir() if p.suffix != ".lock")
    assert left == ["corpus", "index"]


def test_a_file_where_the_index_folder_should_be_is_one_line(built, tmp_path):
    config, _ = built
    (tmp_path / "blocker").write_text("not a folder")
    with pytest.raises(IndexWriteError, match="a file stands where a folder should be"):
        build(replace(config, index_dir=tmp_path / "blocker" / "index"), embedder=fake_embedder())


def _record(monkeypatch) -> list[tuple[str, str]]:
    """Log fsync (with the path flushed), link and replace calls, in order."""
    log: list[tuple[str, str]] = []
    fsync, link, replace = os.fsync, os.link, Path.replace

    def on_fsync(fd):
        log.append(("fsync", str(Path(f"/proc/self/fd/{fd}").readlink())))
        return fsync(fd)

    def on_link(src, dst, **kwargs):
        log.append(("link", str(dst)))
        return link(src, dst, **kwargs)

    def on_replace(self, target):
        log.append(("replace", str(target)))
        return replace(self, target)

    monkeypatch.setattr(os, "fsync", on_fsync)
    monkeypatch.setattr(os, "link", on_link)
    monkeypatch.setattr(Path, "replace", on_replace)
    return log


def test_rag_toml_is_flushed_before_its_rename_and_its_folder_after(tmp_path, monkeypatch):
    from rag.evaluation.calibrate import write_settings

    toml = tmp_path / "rag.toml"
    toml.write_text("top_k = 5\n")
    log = _record(monkeypatch)
    write_settings(toml, {"refuse_below": 0.4})
    assert [kind for kind, _ in log] == ["fsync", "replace", "fsync"]
    assert log[0][1].endswith(".rag.toml.tmp") and log[2][1] == str(tmp_path)
    monkeypatch.undo()
    monkeypatch.setattr(os, "fsync", _fail(errno.ENOSPC))
    with pytest.raises(ConfigError, match="disk is full") as info:
        write_settings(toml, {"refuse_below": 0.5})
    assert "\n" not in str(info.value)
    assert "0.4000" in toml.read_text() and [p.name for p in tmp_path.iterdir()] == ["rag.toml"]


def test_an_upload_is_flushed_before_it_is_linked_in_and_its_folder_after(built, monkeypatch):
    from rag.ui import corpus

    config, _ = built
    data = NEW_ARTICLE.replace("세 곳", "네 곳").encode()
    log = _record(monkeypatch)
    saved = corpus.save(config, "upload.txt", data)
    assert saved.read_bytes() == data
    assert [kind for kind, _ in log] == ["fsync", "link", "fsync"]
    assert log[0][1].endswith(".upload") and log[2][1] == str(config.corpus_dir)
    monkeypatch.undo()
    names = sorted(p.name for p in config.corpus_dir.iterdir())
    monkeypatch.setattr(os, "fsync", _fail(errno.ENOSPC))
    with pytest.raises(CorpusError, match="disk is full") as info:
        corpus.save(config, "second.txt", data)
    assert "\n" not in str(info.value)
    assert sorted(p.name for p in config.corpus_dir.iterdir()) == names  # no half file


def test_a_folder_that_cannot_be_flushed_after_the_swap_says_the_new_index_is_in(
    built, monkeypatch
):
    import rag.indexing.store as store

    config, before = built
    flush = store.fsync_dir

    def fail_on_parent(path):
        if Path(path) == config.index_dir.parent:
            raise OSError(errno.EIO, os.strerror(errno.EIO))
        return flush(path)

    monkeypatch.setattr(store, "fsync_dir", fail_on_parent)
    with pytest.raises(IndexWriteError, match=r"wrote the index .* but cannot flush"):
        build(config, embedder=fake_embedder())
    monkeypatch.undo()
    assert (config.index_dir.parent / ".index.old").is_dir()  # kept until the flush is done
    after = load_index(config.index_dir).chunks  # the new index, and the old one cleared
    assert after != before and "005_new" in {c.doc_id for c in after}
    assert not (config.index_dir.parent / ".index.old").exists()
