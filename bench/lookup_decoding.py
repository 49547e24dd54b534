"""Prompt-lookup decoding, measured against plain greedy decoding on the prompts answers use.

Answers copy the evidence, so the tokens that followed the last few generated tokens
in the prompt are a free guess of the next ones: evaluate the guess (K tokens) in one
batch with the last token, keep the longest run the model agrees with, plus the model's
own next token. On a GPU that batch costs about what one token does. Here decoding
reads every weight once per token and a batch of K + 1 tokens computes K + 1 times as
much, so what it saves is in question.

Records every ``stream()`` call the assistant makes while answering ``--ids`` (answer
prompts, retries and translations), then decodes each prompt greedily with llama.cpp:
plainly, and with prompt lookup for each K. The prompt is read first and not timed.

    RAG_LLM_MODEL=$RAG_MODELS_DIR/qwen2.5-coder-1.5b-instruct-q4_k_m.gguf \\
        python bench/lookup_decoding.py eval/questions.jsonl --ids ko-01,en-01 --draft 3,6,10

Prints tokens/s per mode and how many outputs equal plain decoding's, and writes JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

import numpy as np

from rag.answering.assistant import Assistant
from rag.config import load_config
from rag.llm.llama import LlamaCppGenerator

RESULTS = Path(__file__).parent / "results"


def record(questions: Path, ids: list[str]) -> tuple[list[dict], LlamaCppGenerator]:
    """The messages of every ``stream()`` call made while answering ``ids``, and the model."""
    assistant = Assistant(load_config())
    generator = assistant.generator()
    if not isinstance(generator, LlamaCppGenerator):
        raise SystemExit("set RAG_LLM_MODEL to a .gguf chat model (llama.cpp)")
    calls: list[dict] = []
    stream = generator.stream

    def recording(messages, max_new_tokens, stop=()):
        calls.append({"messages": messages, "max_new_tokens": max_new_tokens})
        return stream(messages, max_new_tokens, stop)

    generator.stream = recording  # type: ignore[method-assign]
    rows = [json.loads(line) for line in questions.read_text(encoding="utf-8").splitlines()]
    for row in rows:
        if row["id"] in ids:
            assistant.ask(row["question"])
    generator.stream = stream  # type: ignore[method-assign]
    return calls, generator


def lookup(tokens: list[int], k: int, longest: int = 3, shortest: int = 2) -> list[int]:
    """The ``k`` tokens that followed the latest earlier occurrence of the last n tokens."""
    for n in range(longest, shortest - 1, -1):
        tail = tokens[-n:]
        for start in range(len(tokens) - n - 1, -1, -1):
            if tokens[start : start + n] == tail:
                return tokens[start + n : start + n + k]
    return []


class Decoder:
    """Greedy decoding of one llama.cpp model, plainly or with drafted tokens."""

    def __init__(self, generator: LlamaCppGenerator):
        self.g = generator
        self.llm = generator._llm

    def greedy_after(self, tokens: list[int], draft: list[int]) -> list[int]:
        """The model's greedy token after ``tokens`` and after each token of ``draft``.

        Evaluates what the KV cache lacks of ``tokens + draft`` in one batch, with
        logits for the last token of ``tokens`` and every draft token.
        """
        llm, api = self.llm, self.g._api
        held = llm.input_ids[: llm.n_tokens]
        wanted = np.asarray(tokens + draft, dtype=held.dtype)
        n = min(len(held), len(tokens) - 1)
        differs = np.flatnonzero(held[:n] != wanted[:n])
        common = int(differs[0]) if differs.size else n
        llm._ctx.kv_cache_seq_rm(-1, common, -1)
        batch = wanted[common:].tolist()
        llm._batch.set_batch(batch=batch, n_past=common, logits_all=False)
        first = len(tokens) - 1 - common
        for i in range(first, len(batch)):
            llm._batch.batch.logits[i] = True
        llm._ctx.decode(llm._batch)
        llm.input_ids[common : common + len(batch)] = batch
        llm.n_tokens = common + len(batch)
        shape = (self.g._n_vocab,)
        return [
            int(np.argmax(np.ctypeslib.as_array(api.llama_get_logits_ith(llm.ctx, i), shape=shape)))
            for i in range(first, len(batch))
        ]

    def decode(self, ids: list[int], most: int, k: int) -> tuple[list[int], int]:
        """Greedy tokens after the prompt ``ids`` (k = 0: plain), and the batches it took."""
        tokens, out, steps = list(ids), [], 0
        while len(out) < most:
            draft = lookup(tokens, k) if k else []
            guesses = self.greedy_after(tokens, draft)
            steps += 1
            for i, token in enumerate(guesses):
                if self.g._api.llama_vocab_is_eog(self.g._vocab, token):
                    return out, steps
                out.append(token)
                tokens.append(token)
                if len(out) >= most or i >= len(draft) or token != draft[i]:
                    break
        return out, steps


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("questions", type=Path)
    parser.add_argument("--ids", required=True, help="comma-separated question ids")
    parser.add_argument("--draft", default="3,6,10", help="draft lengths K to try")
    parser.add_argument("--most", type=int, default=120, help="most tokens per prompt")
    parser.add_argument("--out", type=Path, default=RESULTS / "lookup-decoding" / "run.json")
    args = parser.parse_args()

    calls, generator = record(args.questions, args.ids.split(","))
    generator.set_threads(os.cpu_count())  # the same threads for every mode
    decoder = Decoder(generator)
    modes = [0, *(int(k) for k in args.draft.split(","))]
    totals = {k: [0, 0.0, 0] for k in modes}  # tokens, seconds, outputs equal to plain
    rows = []
    for call in calls:
        ids, _ = generator._fitting_ids(call["messages"])
        most = min(call["max_new_tokens"], args.most)
        plain = None
        for k in modes:
            generator._llm._ctx.kv_cache_clear()
            generator._llm.n_tokens = 0
            generator._evaluate(ids)  # the prompt, not timed
            start = time.perf_counter()
            out, steps = decoder.decode(ids, most, k)
            seconds = time.perf_counter() - start
            plain = out if plain is None else plain
            totals[k][0] += len(out)
            totals[k][1] += seconds
            totals[k][2] += out == plain
            rows.append(
                {
                    "k": k,
                    "tokens": len(out),
                    "seconds": seconds,
                    "batches": steps,
                    "same_as_plain": out == plain,
                }
            )
    print("| decoding | tokens | tokens/s | outputs equal to plain decoding |")
    print("| --- | --- | --- | --- |")
    for k, (tokens, seconds, same) in totals.items():
        name = "plain greedy" if k == 0 else f"prompt lookup, K = {k}"
        print(f"| {name} | {tokens} | {tokens / seconds:.1f} | {same} of {len(calls)} |")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    report = {
        "load_average_at_end": os.getloadavg(),
        "threads": generator.threads,
        "args": {k: str(v) for k, v in vars(args).items()},
        "rows": rows,
    }
    args.out.write_text(json.dumps(report, indent=1), encoding="utf-8")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
