"""Start-up and memory: ``rag --help``, the chat app until it serves, its first answer.

For each chat model (and back end): ``python app.py`` with a built index is started and
timed until its HTTP port answers; then one question goes through the app's ``/ask`` API
(the first answer loads the index, the embedder and the chat model), and the app's peak
resident memory is read when it exits. ``rag --help`` is timed as a fresh process.

    python bench/startup.py --index /work/main/index [--models 0.5b,1.5b]
        [--backends llama,transformers]

Prints a table and writes bench/results/startup.json.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from rag.config import models_dir

MODELS = {
    "0.5b": "qwen2.5-coder-0.5b-instruct-q5_0.gguf",
    "1.5b": "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
}
QUESTION = "2024년 전국민 인공지능 일상화 예산은 얼마인가?"
ROOT = Path(__file__).resolve().parents[1]
RESULTS = Path(__file__).parent / "results"


def help_seconds(repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "rag", "--help"], cwd=ROOT, check=True, capture_output=True
        )
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def answers(url: str) -> bool:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(url, timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def run_app(name: str, backend: str, index: Path, timeout: float) -> dict:
    model = models_dir() / MODELS[name]
    port = free_port()
    env = {
        **os.environ,
        "RAG_INDEX_DIR": str(index),
        "RAG_LLM_MODEL": str(model),
        "RAG_LLM_BACKEND": backend,
        "NO_PROXY": "127.0.0.1,localhost",
    }
    start = time.perf_counter()
    app = subprocess.Popen(
        [sys.executable, "app.py", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}/"
    try:
        while not answers(url):
            if app.poll() is not None or time.perf_counter() - start > timeout:
                raise RuntimeError(f"the app did not start (exit code {app.poll()})")
            time.sleep(0.1)
        ready = time.perf_counter() - start
        from gradio_client import Client

        client = Client(url, verbose=False)
        asked = time.perf_counter()
        result = client.predict(question=QUESTION, api_name="/ask")
        first_answer = time.perf_counter() - asked
    finally:
        usage = stop(app)
    result = result if isinstance(result, dict) else {}
    timings = result.get("timings_ms") or {}
    return {
        "model": model.name,
        "backend": backend,
        "app_ready_s": round(ready, 1),
        "first_answer_s": round(first_answer, 1),
        "first_token_ms": timings.get("first_token"),
        "total_ms": timings.get("total"),
        "refused": result.get("refused"),
        "notes": result.get("notes"),
        "answer": result.get("answer"),
        "peak_rss_gib": round(usage.ru_maxrss / 2**20, 2) if usage else None,
    }


def stop(app: subprocess.Popen) -> object:
    """Interrupt the app (SIGINT, SIGKILL after 15 s); its resource usage, peak RSS included."""
    app.send_signal(signal.SIGINT)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        pid, _, usage = os.wait4(app.pid, os.WNOHANG)
        if pid:
            return usage
        time.sleep(0.2)
    app.kill()
    return os.wait4(app.pid, 0)[2]


def cpu_name() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return "unknown"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path, default=ROOT / "index")
    parser.add_argument("--models", default="0.5b,1.5b")
    parser.add_argument("--backends", default="llama")
    parser.add_argument("--timeout", type=float, default=600)
    parser.add_argument("--out", type=Path, default=RESULTS / "startup.json")
    args = parser.parse_args()

    cli = help_seconds()
    print(f"rag --help: {cli:.2f} s (median of 5 fresh processes)")
    rows = []
    for name in args.models.split(","):
        for backend in args.backends.split(","):
            row = run_app(name, backend, args.index.resolve(), args.timeout)
            rows.append(row)
            print(json.dumps({k: v for k, v in row.items() if k != "answer"}))
    print("\n| model, back end | app start to ready | first answer (loads included) | peak RSS |")
    print("|---|---|---|---|")
    for r in rows:
        print(
            f"| {r['model']}, {r['backend']} | {r['app_ready_s']} s | {r['first_answer_s']} s "
            f"| {r['peak_rss_gib']} GiB |"
        )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    report = {
        "cpu": cpu_name(),
        "cores": os.cpu_count(),
        "load_average_at_end": [round(x, 2) for x in os.getloadavg()],
        "rag_help_s": round(cli, 2),
        "rows": rows,
    }
    args.out.write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
