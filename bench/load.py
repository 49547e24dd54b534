"""Many users at once: gradio_client clients asking `rag serve` through /ask, on loopback.

Starts `python -m rag serve` on a free port (the real embedder, the index in
--workdir, built on the first request if missing), warms it up, then runs
--clients clients for --duration seconds (after --warmup answers and one round of
short answers from every client at once); each asks one question after another
(questions from eval/questions.jsonl, Korean and English) until the time is up or
--max-requests have been sent in all. Prints a table: requests served, errors,
waiting and answering time (p50/p95), throughput, the server's RSS after warm-up
and at the end, and the queue position a waiting user is shown.

    python bench/load.py                      # the fake chat model (a local
                                              # OpenAI-compatible server, --fake-delay
                                              # seconds per word)
    python bench/load.py --gguf ~/.cache/rag-models/qwen2.5-coder-0.5b-instruct-q5_0.gguf

"waiting" is from submitting to the server starting the answer (the queue);
"answering" from there to the last update. Gradio reports a waiting job's place in
the queue to its client (``Job.status().rank``, 0 = next) and the browser shows
the same as ``queue: rank+1/size | elapsed/eta s`` on the answer panel.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


class FakeChat(BaseHTTPRequestHandler):
    """An OpenAI-compatible chat server that cites source 1 with its first sentence.

    Streams the answer word by word, ``delay`` seconds apart; answers the
    answerability check (a non-streamed request with logprobs) with P(YES) = 0.9.
    """

    delay = 0.02

    def log_message(self, *args) -> None:  # quiet
        return

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        if not body.get("stream"):
            top = [
                {"token": "YES", "logprob": math.log(0.9)},
                {"token": "NO", "logprob": math.log(0.1)},
            ]
            reply = {"choices": [{"logprobs": {"content": [{"top_logprobs": top}]}}]}
            data = json.dumps(reply).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            return
        prompt = "\n".join(m["content"] for m in body["messages"])
        found = re.search(r'<source id="1"[^>]*>\n(.*?)\n</source>', prompt, re.S)
        sentence = re.split(r"(?<=[.!?다])\s", found.group(1).strip())[0] if found else ""
        answer = f"{sentence.rstrip('.')} [1]." if sentence else "I don't know."
        words = answer.split(" ")[: body.get("max_tokens", 256)]
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.end_headers()
        try:
            for i, word in enumerate(words):
                time.sleep(self.delay)
                piece = word if i == 0 else " " + word
                self._event({"choices": [{"delta": {"content": piece}}]})
            self._event({"choices": [{"delta": {}, "finish_reason": "stop"}]})
            self.wfile.write(b"data: [DONE]\n\n")
        except (BrokenPipeError, ConnectionResetError):
            return

    def _event(self, chunk: dict) -> None:
        self.wfile.write(f"data: {json.dumps(chunk, ensure_ascii=False)}\n\n".encode())
        self.wfile.flush()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def questions(path: Path) -> list[str]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    return [r["question"] for r in rows if not r.get("conversation")]


def start_server(args: argparse.Namespace, port: int) -> tuple[subprocess.Popen, dict]:
    work = args.workdir
    if not (work / "corpus").is_dir():
        shutil.copytree(ROOT / "corpus", work / "corpus")
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAG_")}
    env.update(
        RAG_CORPUS_DIR=str(work / "corpus"),
        RAG_INDEX_DIR=str(work / "index"),
        RAG_DATA_DIR=str(work / "data"),
        GRADIO_ANALYTICS_ENABLED="False",
    )
    if args.embed_model:
        env["RAG_EMBED_MODEL"] = args.embed_model
    if args.gguf:
        # The model's calibrated thresholds (rag.config.CALIBRATED) apply.
        env.update(RAG_LLM_MODEL=str(args.gguf))
    else:
        FakeChat.delay = args.fake_delay
        fake = ThreadingHTTPServer(("127.0.0.1", 0), FakeChat)
        threading.Thread(target=fake.serve_forever, daemon=True).start()
        env.update(RAG_LLM_URL=f"http://127.0.0.1:{fake.server_port}/v1", RAG_LLM_MODEL="fake")
    log = (work / "server.log").open("w")
    server = subprocess.Popen(
        [sys.executable, "-m", "rag", "serve", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    return server, env


def connect(url: str, server: subprocess.Popen, timeout: float = 300):
    from gradio_client import Client

    deadline = time.monotonic() + timeout
    while True:
        if server.poll() is not None:
            sys.exit(f"rag serve exited with {server.returncode}; see its log")
        try:
            return Client(url, verbose=False)
        except Exception:  # not up yet
            if time.monotonic() > deadline:
                raise
            time.sleep(1)


class Stats:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.waits: list[float] = []
        self.answers: list[float] = []
        self.server: list[dict] = []  # timings_ms of each answer, as the server measured them
        self.errors: list[str] = []
        self.ranks: Counter[tuple[int, int]] = Counter()
        self.sent = 0


def ask_one(client, question: str, tokens: int, stats: Stats) -> None:
    from gradio_client.utils import Status

    submitted = time.monotonic()
    job = client.submit(question=question, max_new_tokens=tokens, api_name="/ask")
    started = None
    seen: set[tuple[int, int]] = set()
    while not job.done():
        status = job.status()
        if status.code == Status.IN_QUEUE and status.rank is not None:
            seen.add((status.rank, status.queue_size or 0))
        if started is None and status.code in (Status.PROCESSING, Status.ITERATING):
            started = time.monotonic()
        time.sleep(0.02)
    try:
        result = job.result()
        ok = isinstance(result, dict) and "answer" in result and not result.get("partial")
        error = "" if ok else f"unexpected result {str(result)[:80]}"
    except Exception as exc:  # noqa: BLE001 - every failure counts as an error
        error = f"{type(exc).__name__}: {exc}"
    done = time.monotonic()
    started = started or done
    with stats.lock:
        stats.ranks.update(seen)
        if error:
            stats.errors.append(error)
        else:
            stats.waits.append(started - submitted)
            stats.answers.append(done - started)
            stats.server.append(result["timings_ms"])


def client_loop(client, pool, tokens, deadline, budget, stats, offset) -> None:
    i = offset
    while time.monotonic() < deadline:
        with stats.lock:
            if stats.sent >= budget:
                return
            stats.sent += 1
        ask_one(client, pool[i % len(pool)], tokens, stats)
        i += 7


def rss_mb(pid: int) -> float:
    import psutil

    return psutil.Process(pid).memory_info().rss / 2**20


def cpu_s(pid: int) -> float:
    import psutil

    times = psutil.Process(pid).cpu_times()
    return times.user + times.system


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(q * len(ordered)) - 1)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--duration", type=float, default=120, help="seconds of load")
    parser.add_argument("--max-requests", type=int, default=1000, help="in all, at most")
    parser.add_argument("--max-new-tokens", type=int, default=64)
    parser.add_argument("--gguf", type=Path, help="a chat model .gguf; default: the fake one")
    parser.add_argument("--fake-delay", type=float, default=0.02, help="seconds per word")
    parser.add_argument("--embed-model", help="default: the config's (EmbeddingGemma)")
    parser.add_argument("--warmup", type=int, default=3, help="requests before the clock")
    parser.add_argument("--workdir", type=Path, default=ROOT / "bench" / "out" / "load")
    args = parser.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    pool = questions(ROOT / "eval" / "questions.jsonl")
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    server, _ = start_server(args, port)
    try:
        first = connect(url, server)
        cold = rss_mb(server.pid)
        warm = Stats()
        for n in range(args.warmup):  # loads the index and the models
            ask_one(first, pool[n], args.max_new_tokens, warm)
        if warm.errors:
            sys.exit(f"warm-up failed: {warm.errors[0]}")
        clients = [first] + [connect(url, server) for _ in range(args.clients - 1)]
        # Then one round, every client at once (short answers): each of the server's
        # threads has run an answer before the baseline is taken.
        rounds = [
            threading.Thread(target=ask_one, args=(c, pool[-1 - i], 16, warm))
            for i, c in enumerate(clients)
        ]
        for t in rounds:
            t.start()
        for t in rounds:
            t.join()
        if warm.errors:
            sys.exit(f"warm-up failed: {warm.errors[0]}")
        base, cpu, load = rss_mb(server.pid), cpu_s(server.pid), os.getloadavg()[0]
        stats, peak = Stats(), [base]
        began = time.monotonic()
        deadline = began + args.duration
        threads = [
            threading.Thread(
                target=client_loop,
                args=(c, pool, args.max_new_tokens, deadline, args.max_requests, stats, i),
            )
            for i, c in enumerate(clients)
        ]
        for t in threads:
            t.start()
        while any(t.is_alive() for t in threads):
            peak.append(rss_mb(server.pid))  # one sample a second
            time.sleep(1)
        elapsed = time.monotonic() - began
        end, cpu = rss_mb(server.pid), cpu_s(server.pid) - cpu
        load = (load + os.getloadavg()[0]) / 2
    finally:
        server.terminate()
        server.wait(30)
    report(args, stats, elapsed, (cold, base, end, max(peak)), cpu, load)
    quarters = [peak[min(len(peak) - 1, len(peak) * q // 4)] for q in range(5)]
    print(
        "RSS at 0, 25, 50, 75, 100% of the run: "
        + " / ".join(f"{r:.0f}" for r in quarters)
        + f" MB; over the last 75%: {100 * (quarters[4] - quarters[1]) / quarters[1]:+.1f}%"
    )


def report(args, stats: Stats, elapsed: float, rss, cpu: float, load: float) -> None:
    cold, base, end, peak = rss
    model = args.gguf.name if args.gguf else f"fake chat model ({args.fake_delay:g} s/word)"
    served = len(stats.waits)
    ranks = sorted(stats.ranks)
    shown = max(ranks, default=None)
    rows = [
        ("chat model", model),
        (
            "clients x duration",
            f"{args.clients} x {args.duration:.0f} s ({elapsed:.0f} s to drain)",
        ),
        ("requests served", f"{served} ({served / elapsed * 60:.1f} per minute)"),
        ("server CPU per answer", f"{cpu / max(served, 1):.2f} s (load average {load:.1f})"),
        ("errors", str(len(stats.errors))),
        ("waiting p50 / p95", f"{pct(stats.waits, 0.5):.1f} / {pct(stats.waits, 0.95):.1f} s"),
        (
            "answering p50 / p95",
            f"{pct(stats.answers, 0.5):.2f} / {pct(stats.answers, 0.95):.2f} s",
        ),
        (
            "RSS cold / after warm-up / end (peak)",
            f"{cold:.0f} / {base:.0f} / {end:.0f} MB "
            f"({peak:.0f}); growth after warm-up {100 * (end - base) / base:+.1f}%",
        ),
        (
            "queue position shown (rank+1 / size)",
            f"up to {shown[0] + 1} / {shown[1]}" if shown else "never queued",
        ),
    ]
    print(f"\n| {args.clients} clients, /ask, max_new_tokens {args.max_new_tokens} | |")
    print("| --- | --- |")
    for name, value in rows:
        print(f"| {name} | {value} |")
    if stats.errors:
        print("\nerrors:", *Counter(stats.errors).most_common(5), sep="\n  ")
    if served:
        ms = {k: [t[k] / 1000 for t in stats.server] for k in ("retrieval", "first_token", "total")}
        print(
            f"\nin the server, p50: retrieval {pct(ms['retrieval'], 0.5):.2f} s, first token "
            f"{pct(ms['first_token'], 0.5):.2f} s, whole answer {pct(ms['total'], 0.5):.2f} s"
        )
        print(
            f"answers mean {statistics.mean(stats.answers):.2f} s; positions seen: "
            f"{', '.join(f'{r + 1}/{s}' for r, s in ranks[:12])}"
        )


if __name__ == "__main__":
    main()
