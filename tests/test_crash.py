"""Real `rag build` processes: killed with SIGKILL mid-build, racing for the lock, on a full disk.

Each process is ``python -m tests.build_process`` (the real CLI with the fake embedder),
paused at a named point of the build (see that module) until the test kills it or
lets it go on.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import replace
from pathlib import Path

import pytest

from rag.indexing.build import build
from rag.indexing.store import load_index
from rag.search.searcher import Searcher
from tests.fakes import fake_embedder
from tests.test_durability import NEW_ARTICLE

ROOT = Path(__file__).resolve().parents[1]
QUESTION = "양자 연구소 예산"
WAIT = 60


def start(config, *extra: str, pause: str | None = None, env: dict | None = None):
    argv = [sys.executable, "-m", "tests.build_process"]
    argv += ["--pause", pause] if pause else []
    argv += ["build", "--corpus", str(config.corpus_dir), "--index", str(config.index_dir)]
    argv += ["--embed-model", "fake-model", *extra]
    environ = {k: v for k, v in os.environ.items() if not k.startswith("RAG_")}
    environ.update({"RAG_CHUNK_TOKENS": str(config.chunk_tokens), **(env or {})})
    return subprocess.Popen(
        argv,
        cwd=ROOT,
        env=environ,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_for_pause(proc, point: str) -> None:
    line = proc.stdout.readline()
    if line.strip() != f"paused at {point}":
        proc.kill()
        raise AssertionError(f"expected the pause at {point}, got {line!r}: {proc.stderr.read()}")


def resume(proc) -> tuple[int, str, str]:
    out, err = proc.communicate("\n", timeout=WAIT)
    return proc.returncode, out, err


def answers(config) -> list[str]:
    searcher = Searcher(config, embedder=fake_embedder())
    return [h.chunk.chunk_id for h in searcher.search(QUESTION, k=5)]


ARTICLES = {
    "001_budget.txt": "AI 예산 확대\n\n정부는 2024년 9090억원 규모 예산을 투입한다. "
    "예산은 전국민 인공지능 일상화에 쓰인다.\n",
    "002_beijing.txt": "베이징시 AI 계획\n\n베이징시는 AI 네이티브 도시를 만든다. "
    "계획은 2025년까지 이어진다.\n",
}


@pytest.fixture
def setup(tmp_path):
    """A small built index, one new article in its corpus, and what the index answers now.

    Two short articles keep each process's sentence splitting (Kiwi) to a second.
    """
    from rag.config import Config

    (tmp_path / "corpus").mkdir()
    for name, text in ARTICLES.items():
        (tmp_path / "corpus" / name).write_text(text, encoding="utf-8")
    config = Config(
        corpus_dir=tmp_path / "corpus",
        index_dir=tmp_path / "index",
        embed_model="fake-model",
        chunk_tokens=80,
        refuse_below=0.0,
    )
    build(config, embedder=fake_embedder())
    (tmp_path / "corpus" / "005_new.txt").write_text(NEW_ARTICLE, encoding="utf-8")
    return config, answers(config)


# Mid-write (a partial temporary folder), between the two renames (no index folder
# at all for a moment), and after the swap before the old folder is deleted. Each
# process costs seconds of CPU (Kiwi loads), so these three stand for the rest.
POINTS = ["writing", "renamed", "swapped"]


def test_kill_9_at_any_point_leaves_the_old_or_the_new_index_whole(setup, tmp_path):
    config, before = setup
    configs, procs = {}, {}
    for point in POINTS:  # one copy each, all killed at their point in parallel
        shutil.copytree(tmp_path / "corpus", tmp_path / point / "corpus")
        shutil.copytree(tmp_path / "index", tmp_path / point / "index")
        configs[point] = replace(
            config, corpus_dir=tmp_path / point / "corpus", index_dir=tmp_path / point / "index"
        )
        procs[point] = start(configs[point], pause=point)
    for point, proc in procs.items():
        wait_for_pause(proc, point)
        proc.kill()  # SIGKILL
        proc.communicate(timeout=WAIT)
        c = configs[point]
        found = answers(c)  # loads (and repairs) the index, then answers
        docs = {chunk.doc_id for chunk in load_index(c.index_dir).chunks}
        if point == "swapped":
            assert "005_new" in docs and found != before
        else:
            assert "005_new" not in docs and found == before, point
        report = build(c, embedder=fake_embedder())  # the next build completes
        assert report.written == (point != "swapped") and "005_new" in answers(c)[0]
        left = sorted(p.name for p in c.index_dir.parent.iterdir() if p.suffix != ".lock")
        assert left == ["corpus", "index"], point  # no temporary or old folder left


def test_builds_and_uploads_wait_for_the_build_that_holds_the_lock(setup):
    from rag.errors import IndexBusyError
    from rag.ui import corpus
    from rag.ui.service import Service

    config, _ = setup
    service = Service(config, embedder=fake_embedder())
    service.assistant()
    first = start(config, pause="writing")
    wait_for_pause(first, "writing")  # holds the lock, has read the corpus
    with pytest.raises(IndexBusyError) as info:  # one that will not wait long
        build(replace(config, lock_timeout=0.3), embedder=fake_embedder())
    assert f"still being updated by rag build (pid {first.pid})" in str(info.value)
    assert "try again" in str(info.value) and "\n" not in str(info.value)

    later = NEW_ARTICLE.replace("양자", "로봇")
    (config.corpus_dir / "006_later.txt").write_text(later, encoding="utf-8")
    second = start(config)  # a second real `rag build`
    line = second.stderr.readline()
    assert line.startswith(f"waiting for rag build (pid {first.pid}) to finish updating")
    said: list[str] = []  # and an article added in the app
    corpus.save(config, "007_upload.txt", NEW_ARTICLE.replace("양자", "우주").encode())
    adding = threading.Thread(target=lambda: service.build(notify=said.append))
    adding.start()
    deadline = time.monotonic() + WAIT
    while not said and time.monotonic() < deadline:
        time.sleep(0.05)
    assert said and said[0].startswith("waiting for rag build") and adding.is_alive()
    assert second.poll() is None  # both still wait

    assert resume(first)[0] == 0
    _, err = second.communicate(timeout=WAIT)
    adding.join(WAIT)
    assert second.returncode == 0, err
    docs = {chunk.doc_id for chunk in load_index(config.index_dir).chunks}
    assert {"005_new", "006_later", "007_upload"} <= docs  # every build landed, in turn
    found = service.assistant().searcher.search("우주 연구소", k=3)
    assert "007_upload" in {h.chunk.doc_id for h in found}


def test_a_real_full_disk_then_a_read_only_one_keep_the_old_index_answering(setup, tmp_path):
    """On a tmpfs in a private mount namespace; skipped only where none can be mounted
    (the in-process disk-full and read-only tests of test_durability.py still run)."""
    import json

    config, _ = setup
    searcher = Searcher(config, embedder=fake_embedder())
    before = [h.chunk.chunk_id for h in searcher.search(QUESTION, k=5, mode="bm25")]
    if shutil.which("unshare") is None:
        pytest.skip("no `unshare` to make a private mount namespace")
    environ = {k: v for k, v in os.environ.items() if not k.startswith("RAG_")}
    script = [sys.executable, "-m", "tests.full_disk", str(tmp_path)]
    done = subprocess.run(
        ["unshare", "-m", "--propagation", "private", *script],
        cwd=ROOT,
        env={**environ, "RAG_CHUNK_TOKENS": str(config.chunk_tokens)},
        capture_output=True,
        text=True,
        timeout=WAIT,
    )
    if done.returncode != 0 and done.stderr.startswith("unshare:"):
        pytest.skip(f"cannot make a mount namespace here: {done.stderr.strip()}")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.splitlines()[-1])
    if "skip" in result:
        pytest.skip(result["skip"])
    for step, hint in (("full", "the disk is full"), ("read-only", "read-only")):
        err = result[step]["err"]
        assert result[step]["code"] == 1 and err.count("\n") == 1, (step, err)
        assert err.startswith("error: cannot write the index") and hint in err, (step, err)
        assert result[step]["found"] == before, step  # the old index still answers
    assert result["left"] == [".index.build.lock", ".index.lock", "index"]  # no temporary folder
