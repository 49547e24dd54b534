"""`rag build` on a real full disk, then on a real read-only one (a tmpfs, no root tricks).

    unshare -m python -m tests.full_disk ROOT

Run in a private mount namespace (so nothing is mounted for anyone else): ROOT holds
``corpus/`` (with an article the index lacks) and ``index/`` (the old index). The
script mounts a tmpfs on ``ROOT/disk``, copies the index in, shrinks the tmpfs to
what it holds plus three pages, and runs `rag build` there (the disk fills up). Then
it remounts the tmpfs read-only, which stops root too, and runs `rag build` again.
After each build it searches the index (BM25, so no model loads). It prints one JSON
object: each step's exit code, stderr and the chunk ids found, or ``{"skip": why}``
if no tmpfs can be mounted here.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from tests.build_process import install

PAGE = 4096


def cli(*argv: str) -> dict:
    from rag.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            main(list(argv))
        except SystemExit as done:
            code = done.code
    return {"code": code, "out": out.getvalue(), "err": err.getvalue()}


def mount(*args: str) -> str:
    done = subprocess.run(["mount", *args], capture_output=True, text=True)
    return "" if done.returncode == 0 else done.stderr.strip() or "mount failed"


def main() -> None:
    root = Path(sys.argv[1])
    disk = root / "disk"
    disk.mkdir()
    failed = mount("-t", "tmpfs", "-o", "size=1m", "tmpfs", str(disk))
    if failed:
        print(json.dumps({"skip": f"cannot mount a tmpfs here: {failed}"}))
        return
    shutil.copytree(root / "index", disk / "index")
    used = os.statvfs(disk)
    size = (used.f_blocks - used.f_bfree) * used.f_frsize + 3 * PAGE
    if mount("-o", f"remount,size={size}", str(disk)):
        print(json.dumps({"skip": "cannot resize the tmpfs"}))
        return
    install(None)
    where = ["--corpus", str(root / "corpus"), "--index", str(disk / "index")]
    where += ["--embed-model", "fake-model"]
    steps = {}

    def search() -> list[str]:
        found = cli("search", "양자 연구소 예산", "--mode", "bm25", "--json", *where)
        return [row["chunk_id"] for row in json.loads(found["out"])] if found["code"] == 0 else []

    steps["full"] = {**cli("build", *where), "found": search()}
    failed = mount("-o", "remount,ro", str(disk))
    if failed:
        print(json.dumps({"skip": f"cannot remount read-only: {failed}"}))
        return
    steps["read-only"] = {**cli("build", *where), "found": search()}
    steps["left"] = sorted(p.name for p in disk.iterdir())
    print(json.dumps(steps, ensure_ascii=False))


if __name__ == "__main__":
    main()
