"""Generation speed: llama.cpp against transformers on one fixed ~1,000-token RAG prompt.

For each GGUF chat model and each runtime, in one run: load time, time to first token
(a cold prompt), decode tokens/s, and decode as a share of the bandwidth ceiling (the
bytes of weights read per token ÷ the memory bandwidth measured here: a 1 GiB array
OR-reduced by as many threads as the most any runtime decodes with).
Then prefix reuse: the judge's one-token read and the answer on a shared prefix (the
answer's first token after the judge), and the next question after that. Also checks
that both runtimes see the same token ids and write the same greedy answer.

    python bench/generation.py [--index /work/main/index] [--models 0.5b,1.5b]
        [--runtimes llama,transformers] [--threads 0] [--repeat 3] [--tokens 64]

Prints a table and writes bench/results/generation.json.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import statistics
import time
from pathlib import Path

import numpy as np

from rag.answering.prompt import build_prompt
from rag.config import models_dir
from rag.llm.llama import LlamaCppGenerator
from rag.llm.local import TransformersGenerator
from rag.llm.prefix import common_prefix
from rag.records import Chunk, Hit

MODELS = {
    "0.5b": "qwen2.5-coder-0.5b-instruct-q5_0.gguf",
    "1.5b": "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
}
QUESTION = "2024년 전국민 인공지능 일상화 예산은 얼마이고 어디에 쓰이나?"
NEXT_QUESTION = "베이징시 AI 계획의 주요 분야는 무엇인가?"
JUDGE_ASK = "\n\nDo the sources above state the answer to this exact question? Reply YES or NO."
RESULTS = Path(__file__).parent / "results"


def bandwidth_gbs(threads: int = 1, size_mb: int = 1024, repeat: int = 5) -> float:
    """Read bandwidth in GB/s: ``threads`` threads each OR-reducing a slice, best of ``repeat``.

    Decoding reads every weight once per token and writes next to nothing, so the
    ceiling is a read, by as many threads as decode. (A one-thread numpy copy, counted
    as read plus write, measured 22 GB/s here while llama.cpp's 2-thread decode of the
    1.5B read 26 GB/s, 119% of that "ceiling".) An integer OR is the cheapest reduction
    numpy has (a float sum was compute-bound at about half the rate), so the read is
    what is timed.
    """
    from concurrent.futures import ThreadPoolExecutor

    data = np.ones(size_mb * 2**20 // 8, dtype=np.int64)
    slices = np.array_split(data, threads)
    best = float("inf")
    with ThreadPoolExecutor(threads) as pool:
        for _ in range(repeat):
            start = time.perf_counter()
            list(pool.map(np.bitwise_or.reduce, slices))  # numpy releases the GIL
            best = min(best, time.perf_counter() - start)
    return data.nbytes / best / 1e9


def corpus_hits(index: Path, question: str) -> list[Hit]:
    """The index's passages, those sharing most words with the question first (no embedder)."""
    words = set(question.split())
    chunks = []
    with (index / "chunks.jsonl").open(encoding="utf-8") as fh:
        for line in fh:
            row = json.loads(line)
            chunks.append(
                Chunk(**{k: v for k, v in row.items() if k in Chunk.__dataclass_fields__})
            )
    chunks.sort(key=lambda c: (-len(words & set(c.text.split())), c.chunk_id))
    return [Hit(c, 1.0) for c in chunks[:12]]


def prompts(index: Path, count_tokens, budget: int) -> dict[str, list[dict[str, str]]]:
    """The answer prompt, a judge prompt sharing all of it but the last line, the next question."""
    answer = build_prompt(QUESTION, corpus_hits(index, QUESTION), "ko", budget, count_tokens)
    system, user = answer.messages[0], answer.messages[-1]
    body = user["content"].rsplit("\n\n", 1)[0]
    judge = [system, {"role": "user", "content": body + JUDGE_ASK}]
    following = build_prompt(
        NEXT_QUESTION, corpus_hits(index, NEXT_QUESTION), "ko", budget, count_tokens
    )
    return {"answer": answer.messages, "judge": judge, "next": following.messages}


def forget(gen) -> None:
    """Drop what the generator kept of earlier prompts, so the next one is read cold."""
    if isinstance(gen, LlamaCppGenerator):
        gen._llm.n_tokens = 0
    else:
        gen._prefix.clear()


def first_token_and_decode(gen, messages, tokens: int) -> tuple[float, float, str]:
    start = time.perf_counter()
    stream = gen.stream(messages, tokens)
    text = next(stream)
    first = time.perf_counter() - start
    start = time.perf_counter()
    text += "".join(stream)
    rate = (gen.last_tokens - 1) / (time.perf_counter() - start) if gen.last_tokens > 1 else 0.0
    return first, rate, text


def weight_bytes(gen, path: Path) -> int:
    """Bytes of weights read per decoded token: the file for llama.cpp, the tensors for torch."""
    if isinstance(gen, LlamaCppGenerator):
        return path.stat().st_size
    return sum(p.numel() * p.element_size() for p in gen.model.parameters())


def peak_rss_gib() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20


def measure(runtime: str, path: Path, args, bandwidth: float) -> dict:
    gc.collect()
    start = time.perf_counter()
    if runtime == "llama":
        gen = LlamaCppGenerator(str(path), threads=args.threads or None)
    else:
        gen = TransformersGenerator(str(path), threads=args.threads or None)
    load = time.perf_counter() - start
    p = prompts(args.index, gen.count_tokens, args.budget)
    ids = gen.prompt_ids(p["answer"])
    ids = ids if isinstance(ids, list) else ids[0].tolist()
    firsts, rates = [], []
    for _ in range(args.repeat):
        forget(gen)
        first, rate, text = first_token_and_decode(gen, p["answer"], args.tokens)
        firsts.append(first)
        rates.append(rate)
    # prefix reuse: judge, then the answer on the shared prefix, then the next question
    forget(gen)
    start = time.perf_counter()
    yes = gen.yes_probability(p["judge"])
    judge_cold = time.perf_counter() - start
    judge_ids = gen.prompt_ids(p["judge"])
    judge_ids = judge_ids if isinstance(judge_ids, list) else judge_ids[0].tolist()
    after_judge, _, reused_text = first_token_and_decode(gen, p["answer"], args.tokens)
    answer_prefill = gen.last_prefill
    start = time.perf_counter()
    gen.yes_probability(p["next"])
    next_judge = time.perf_counter() - start
    decode = statistics.median(rates)
    weights = weight_bytes(gen, path)
    row = {
        "runtime": runtime,
        "model": path.name,
        "threads": gen.threads,
        "load_s": round(load, 2),
        "prompt_tokens": len(ids),
        "prompt_ids": ids,
        "first_token_s": round(statistics.median(firsts), 2),
        "first_token_all_s": [round(x, 2) for x in firsts],
        "decode_tok_s": round(decode, 1),
        "decode_all_tok_s": [round(x, 1) for x in rates],
        "weights_gb": round(weights / 1e9, 3),
        "ceiling_tok_s": round(bandwidth * 1e9 / weights, 1),
        "share_of_ceiling": round(decode / (bandwidth * 1e9 / weights), 2),
        "judge_cold_s": round(judge_cold, 2),
        "judge_p_yes": None if yes is None else round(yes, 4),
        "shared_prefix_tokens": common_prefix(judge_ids, ids),
        "answer_prefill_after_judge": answer_prefill,
        "first_token_after_judge_s": round(after_judge, 2),
        "next_question_judge_s": round(next_judge, 2),
        "answer": text,
        "reused_answer_identical": reused_text == text,
        "reused_answer": reused_text,
        "peak_rss_gib": round(peak_rss_gib(), 2),
    }
    del gen
    gc.collect()
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path, default=Path("index"))
    parser.add_argument("--models", default="0.5b,1.5b")
    parser.add_argument("--runtimes", default="llama,transformers")
    parser.add_argument("--threads", type=int, default=0, help="0: each runtime's default")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--tokens", type=int, default=64)
    parser.add_argument("--budget", type=int, default=1000, help="prompt tokens for sources")
    parser.add_argument("--out", type=Path, default=RESULTS / "generation.json")
    args = parser.parse_args()

    readers = args.threads or os.cpu_count() or 1
    bandwidth = bandwidth_gbs(readers)
    print(f"memory read bandwidth ({readers} threads): {bandwidth:.1f} GB/s")
    rows = []
    for name in args.models.split(","):
        path = models_dir() / MODELS[name]
        for runtime in args.runtimes.split(","):
            row = measure(runtime, path, args, bandwidth)
            rows.append(row)
            print(
                json.dumps(
                    {
                        k: v
                        for k, v in row.items()
                        if k not in ("prompt_ids", "answer", "reused_answer")
                    }
                )
            )
    header = (
        "| runtime, model | load | first token | decode | share of ceiling | judge (cold) "
        "| answer's first token after the judge | next question's judge |"
    )
    print("\n" + header + "\n|" + "---|" * 8)
    for r in rows:
        print(
            f"| {r['runtime']}, {r['model']} | {r['load_s']} s | {r['first_token_s']} s "
            f"| {r['decode_tok_s']} tok/s | {r['share_of_ceiling']:.0%} of {r['ceiling_tok_s']} "
            f"| {r['judge_cold_s']} s | {r['first_token_after_judge_s']} s "
            f"({r['answer_prefill_after_judge']} of {r['prompt_tokens']} tokens read) "
            f"| {r['next_question_judge_s']} s |"
        )
    for name in args.models.split(","):
        same = [r for r in rows if r["model"] == MODELS[name]]
        if len(same) == 2:
            ids = same[0]["prompt_ids"] == same[1]["prompt_ids"]
            text = same[0]["answer"] == same[1]["answer"]
            print(f"{name}: same prompt ids in both runtimes: {ids}; same greedy answer: {text}")
    for name in args.models.split(","):
        same = [r for r in rows if r["model"] == MODELS[name]]
        for r in same:  # the ids themselves are long; whether they agree is what counts
            r["same_prompt_ids_in_both_runtimes"] = all(
                x["prompt_ids"] == r["prompt_ids"] for x in same
            )
    for r in rows:
        del r["prompt_ids"]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    load = os.getloadavg()
    report = {
        "cpu": cpu_name(),
        "cores": os.cpu_count(),
        "load_average_at_end": [round(x, 2) for x in load],
        "bandwidth_gbs": round(bandwidth, 1),
        "bandwidth_threads": readers,
        "args": {k: str(v) for k, v in vars(args).items()},
        "rows": rows,
    }
    args.out.write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    print(f"wrote {args.out}")


def cpu_name() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return "unknown"


if __name__ == "__main__":
    main()
