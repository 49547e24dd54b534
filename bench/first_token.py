"""Time to first token, this tree against an earlier commit, side by side in one run.

Each tree runs in its own process, with its own index built by its own code and its own
default settings (the earlier commit's back end and calibrated thresholds included);
this tree also runs once per ``--threads`` value. All load their models first, then
take the questions in turn: question 1 to each, then question 2 to each, …, so only one
answers at a time and the machine's noise falls on all alike.

    RAG_LLM_MODEL=$RAG_MODELS_DIR/qwen2.5-coder-1.5b-instruct-q4_k_m.gguf \\
        python bench/first_token.py --against 66cafdc [--per-lang 5] [--threads 1,2]

Prints p50 / p95 of the first token and of the whole answer per run and language,
and writes bench/results/first_token.json (or ``--out``).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = Path(__file__).parent / "results"
# Runs inside each tree: the Assistant moved in issue 9, so either import.
DRIVER = """
import json, sys
from rag.config import load_config
try:
    from rag.answering.assistant import Assistant
except ImportError:
    from rag.pipeline import Assistant
assistant = Assistant(load_config(overrides={"index_dir": sys.argv[1]}))
assistant.warm()
if callable(getattr(assistant, "generator", None)) and assistant.generator() is None:
    sys.exit("no chat model loaded: set RAG_LLM_MODEL to a .gguf file (see the docstring)")
for line in iter(sys.stdin.readline, ""):
    q = json.loads(line)
    answer = assistant.ask(q["question"])
    t = answer.timings
    print(json.dumps({"id": q["id"], "lang": q["lang"], "first_token": t.first_token,
                      "total": t.total, "mode": answer.mode, "refused": answer.refused}),
          flush=True)
"""


def questions(path: Path, per_lang: int) -> list[dict]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    single = [r for r in rows if r.get("answerable", True) and not r.get("conversation")]
    return [r for lang in ("ko", "en") for r in [x for x in single if x["lang"] == lang][:per_lang]]


def start(tree: Path, index: Path, threads: str = "", torch_threads: str = "") -> subprocess.Popen:
    """Build the tree's index with its own code, then start its driver, models loaded."""
    env = {**os.environ, "PYTHONPATH": str(tree)}
    if torch_threads:
        env["OMP_NUM_THREADS"] = torch_threads  # torch's threads: the embedder, transformers
    if threads:
        env["RAG_LLM_THREADS"] = threads
    build = [sys.executable, "-m", "rag", "build", "--index", str(index)]
    build += [
        "--corpus",
        str(ROOT / "corpus"),
    ]  # flags after the command: both CLIs take them there
    subprocess.run(build, env=env, cwd=tree, check=True, capture_output=True)
    log = index.parent / f"{index.name}.log"
    proc = subprocess.Popen(
        [sys.executable, "-c", DRIVER, str(index)],
        env=env,
        cwd=tree,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=log.open("w"),
        text=True,
        bufsize=1,
    )
    proc.log = log  # type: ignore[attr-defined]
    return proc


def ask(proc: subprocess.Popen, question: dict) -> dict:
    """One question to a driver; its timings when it has answered."""
    assert proc.stdin is not None and proc.stdout is not None
    try:
        proc.stdin.write(json.dumps(question, ensure_ascii=False) + "\n")
        proc.stdin.flush()
    except BrokenPipeError:
        pass  # it stopped: readline below says why
    line = proc.stdout.readline()
    if not line:
        log = proc.log.read_text(encoding="utf-8", errors="replace")  # type: ignore[attr-defined]
        raise SystemExit(f"a driver stopped (exit {proc.wait()}):\n{log[-2000:]}")
    return json.loads(line)


def p50_p95(values: list[float]) -> str:
    if not values:
        return "-"
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return f"{statistics.median(ordered) / 1000:.1f} / {p95 / 1000:.1f} s"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--against", required=True, help="the earlier commit")
    parser.add_argument("--questions", type=Path, default=ROOT / "eval/questions.jsonl")
    parser.add_argument("--per-lang", type=int, default=5)
    parser.add_argument("--threads", default="1,2", help="llm_threads values for this tree")
    parser.add_argument("--torch-threads", default="", help="OMP_NUM_THREADS for every run")
    parser.add_argument("--out", type=Path, default=RESULTS / "first_token.json")
    args = parser.parse_args()
    asked = questions(args.questions, args.per_lang)
    with tempfile.TemporaryDirectory() as tmp:
        old = Path(tmp) / "old"
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", str(old),
                        args.against], check=True, capture_output=True)  # fmt: skip
        try:
            procs = {args.against: start(old, Path(tmp) / "old-index", "", args.torch_threads)}
            for threads in args.threads.split(","):
                index = Path(tmp) / f"index-{threads}"
                procs[f"this tree, {threads} thread(s)"] = start(
                    ROOT, index, threads, args.torch_threads
                )
            rows: dict[str, list[dict]] = {name: [] for name in procs}
            for question in asked:
                for name, proc in procs.items():
                    rows[name].append(ask(proc, question))
        finally:
            for proc in procs.values():
                proc.kill()
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(old)])
    print("| code | lang | first token p50 / p95 | answer p50 / p95 | refused |")
    print("| --- | --- | --- | --- | --- |")
    for name, got in rows.items():
        for lang in ("ko", "en"):
            mine = [r for r in got if r["lang"] == lang]
            first = p50_p95([r["first_token"] for r in mine if r["first_token"]])
            total = p50_p95([r["total"] for r in mine])
            refused = sum(r["refused"] for r in mine)
            print(f"| {name} | {lang} | {first} | {total} | {refused} / {len(mine)} |")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(rows, indent=1))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
