"""An answer while other work uses the CPU: llama.cpp with 1 thread, 2, and the default.

One GGUF model reads a fixed ~1,000-token RAG prompt (cold) and decodes 48 tokens, with
0, 1 and 2 extra processes spinning on the CPU (what an upload's index build or a second
program does to a 2-core machine), in one run, with each thread setting: 1 and 2 threads
for both, and ``auto`` (``llm_threads = 0``): every core reads the prompt, and decoding
uses the cores other work left free while it was read (rag/llm/cpu.py).

    python bench/threads.py [--index /work/main/index] [--model 1.5b] [--busy 0,1,2]

Prints a table and writes bench/results/threads.json.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from generation import MODELS, QUESTION, corpus_hits, cpu_name

from rag.answering.prompt import build_prompt
from rag.config import models_dir
from rag.llm.llama import LlamaCppGenerator

RESULTS = Path(__file__).parent / "results"
SPIN = "while True: pass"


def measure(gen: LlamaCppGenerator, messages, setting: str, busy: int, tokens: int) -> dict:
    spinners = [subprocess.Popen([sys.executable, "-c", SPIN]) for _ in range(busy)]
    try:
        time.sleep(0.5)
        gen.set_threads(None if setting == "auto" else int(setting))
        gen._llm.n_tokens = 0  # read the prompt cold
        start = time.perf_counter()
        stream = gen.stream(messages, tokens)
        next(stream)
        first = time.perf_counter() - start
        start = time.perf_counter()
        for _ in stream:
            pass
        decode = (gen.last_tokens - 1) / (time.perf_counter() - start)
    finally:
        for spinner in spinners:
            spinner.kill()
            spinner.wait()
    return {
        "threads": setting,
        "decode_threads": gen.threads,
        "busy_processes": busy,
        "first_token_s": round(first, 2),
        "decode_tok_s": round(decode, 1),
        "load_average": round(os.getloadavg()[0], 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path, default=Path("index"))
    parser.add_argument("--model", default="1.5b", choices=sorted(MODELS))
    parser.add_argument("--busy", default="0,1,2")
    parser.add_argument("--tokens", type=int, default=48)
    parser.add_argument("--out", type=Path, default=RESULTS / "threads.json")
    args = parser.parse_args()
    gen = LlamaCppGenerator(str(models_dir() / MODELS[args.model]), threads=1)
    prompt = build_prompt(QUESTION, corpus_hits(args.index, QUESTION), "ko", 1000, gen.count_tokens)
    rows = []
    for busy in (int(b) for b in args.busy.split(",")):
        for setting in ("1", "2", "auto"):
            rows.append(measure(gen, prompt.messages, setting, busy, args.tokens))
            print(json.dumps(rows[-1]), flush=True)
    print("\n| other busy processes | threads | decoded with | first token | decode | load avg |")
    print("|---|---|---|---|---|---|")
    for r in rows:
        print(
            f"| {r['busy_processes']} | {r['threads']} | {r['decode_threads']} "
            f"| {r['first_token_s']} s "
            f"| {r['decode_tok_s']} tok/s | {r['load_average']} |"
        )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    report = {"cpu": cpu_name(), "model": MODELS[args.model], "rows": rows}
    args.out.write_text(json.dumps(report, indent=1), encoding="utf-8")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
