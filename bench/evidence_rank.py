"""Where the gold evidence sentence ranks among the retrieved sentences, by scoring variant.

For every answerable question with gold evidence, retrieves as the assistant does, then
scores each sentence of the passages against the question with EmbeddingGemma under
three query prompts (search, question answering, fact checking) mixed with word
overlap at several weights, and reports per language how often the gold sentence
(the one holding the start of a gold quote) is first, in the top 2 and top 3, and the
mean reciprocal rank. Ends with the English questions whose gold sentence moves between
the old scoring (search prompt, 0.7 cosine + 0.3 overlap) and this code's for sentences
in another language (question-answering prompt, cosine alone), and how many sentences
each leaves within the relevance margin. Last, per file and language, how many sentences
the prompt keeps (``evidence.select`` of at most 5) at several margins, and for how many
questions the gold sentence is among them: the table behind
``evidence.PROMPT_MARGIN_ACROSS``.

    python bench/evidence_rank.py eval/questions.jsonl eval/heldout.jsonl
"""

from __future__ import annotations

import json
import statistics
import sys
from pathlib import Path

import numpy as np

from rag.answering import evidence
from rag.answering.assistant import Assistant
from rag.config import load_config
from rag.search.retrieve import jaccard, shingles
from rag.text.korean import unspaced

PROMPTS = {
    "search": "task: search result | query: ",
    "qa": "task: question answering | query: ",
    "fact": "task: fact checking | query: ",
}


def gold(text: str, quotes: list[str]) -> bool:
    """Whether a sentence is (the start of) a gold evidence quote."""
    u = unspaced(text)
    return any(
        unspaced(q)[:40] in u or u[:40] in unspaced(q) or jaccard(shingles(text), shingles(q)) > 0.5
        for q in quotes
    )


def collect(assistant: Assistant, files: list[str]) -> list[dict]:
    """Each question's sentence scores under every prompt and its gold sentences.

    Also whether :func:`rag.answering.evidence.rank` (this code) orders its sentences as
    the old scoring did.
    """
    embedder = assistant.searcher.embedder
    known = assistant.searcher.index.sentences
    rows = []
    for path in files:
        for line in Path(path).read_text(encoding="utf-8").splitlines():
            q = json.loads(line)
            if not q["answerable"] or not q.get("evidence"):
                continue
            query, hits = assistant.retrieve(q["question"])
            pool = evidence.sentences_of(hits)
            texts = [s.text for s in pool]
            docs = np.stack(
                [known[t] if t in known else embedder.encode_documents([t])[0] for t in texts]
            )
            dense = {
                name: docs @ embedder._encode([query], prompt, False)[0]
                for name, prompt in PROMPTS.items()
            }
            ranked = evidence.rank(query, hits, assistant.similarity(), assistant.similarity(True))
            words = np.array([evidence.overlap(query, t) for t in texts])
            before = 0.7 * dense["search"] + 0.3 * words - 0.01 * np.array([s.source for s in pool])
            rows.append(
                {
                    "unchanged": [s.text for s in ranked]
                    == [texts[i] for i in np.argsort(-before, kind="stable")],
                    "id": q["id"],
                    "lang": q["lang"],
                    "dense": dense,
                    "words": np.array([evidence.overlap(query, t) for t in texts]),
                    "source": np.array([s.source for s in pool]),
                    "gold": np.array([gold(t, [e["quote"] for e in q["evidence"]]) for t in texts]),
                }
            )
    return rows


def scores(row: dict, prompt: str, weight: float) -> np.ndarray:
    return weight * row["dense"][prompt] + (1 - weight) * row["words"] - 0.01 * row["source"]


def gold_rank(row: dict, s: np.ndarray) -> int:
    order = np.argsort(-s, kind="stable")
    return int(np.flatnonzero(row["gold"][order])[0]) + 1 if row["gold"].any() else 99


MARGINS = (0.15, 0.12, 0.10, 0.08, 0.06)


def margin_table(assistant: Assistant, files: list[str]) -> None:
    """Sentences the prompt keeps at each margin, and questions whose gold sentence stays."""
    print("\n| file | lang | questions | " + " | ".join(f"margin {m}" for m in MARGINS) + " |")
    print("| --- | --- | --- | " + " | ".join("---" for _ in MARGINS) + " |")
    for path in files:
        rows = [json.loads(line) for line in Path(path).read_text(encoding="utf-8").splitlines()]
        for lang in ("ko", "en"):
            asked = [q for q in rows if q["lang"] == lang and q["answerable"] and q.get("evidence")]
            ranked = []
            for q in asked:
                query, hits = assistant.retrieve(q["question"])
                sims = (assistant.similarity(), assistant.similarity(True))
                ranked.append(
                    (evidence.rank(query, hits, *sims), [e["quote"] for e in q["evidence"]])
                )
            cells = []
            for m in MARGINS:
                kept = [evidence.select(r, 5, m) for r, _ in ranked]
                held = sum(
                    any(gold(s.text, quotes) for s in k)
                    for k, (_, quotes) in zip(kept, ranked, strict=True)
                )
                cells.append(f"{statistics.mean(map(len, kept)):.1f} kept, gold {held}")
            print(f"| {Path(path).name} | {lang} | {len(asked)} | " + " | ".join(cells) + " |")


def main() -> None:
    assistant = Assistant(load_config())  # the index and models load once for both
    rows = collect(assistant, sys.argv[1:])
    print("| prompt | cosine weight (ko / en) | ko top 1 / 2 / 3, MRR | en top 1 / 2 / 3, MRR |")
    print("| --- | --- | --- | --- |")
    for prompt in PROMPTS:
        for ko, en in ((0.7, 0.7), (0.7, 1.0), (0.5, 0.5), (0.85, 0.85), (1.0, 1.0)):
            cells = []
            for lang, weight in (("ko", ko), ("en", en)):
                ranks = np.array(
                    [gold_rank(r, scores(r, prompt, weight)) for r in rows if r["lang"] == lang]
                )
                tops = " / ".join(f"{np.mean(ranks <= k):.2f}" for k in (1, 2, 3))
                cells.append(f"{tops}, {np.mean(1 / ranks):.3f}")
            print(f"| {prompt} | {ko} / {en} | {cells[0]} | {cells[1]} |")
    print("\nEnglish gold sentence rank, old -> this code (search 0.7 + words -> qa cosine alone):")
    for r in rows:
        if r["lang"] == "en" and r["gold"].any():
            old, new = gold_rank(r, scores(r, "search", 0.7)), gold_rank(r, scores(r, "qa", 1.0))
            if old != new:
                print(f"  {r['id']}: {old} -> {new}")
    print(
        "questions without a gold sentence among the passages:",
        [r["id"] for r in rows if not r["gold"].any()],
    )
    within = {"old": [], "new": []}
    for r in rows:
        if r["lang"] == "en":
            for name, s in (
                ("old", scores(r, "search", 0.7)),
                ("new", 0.7 * r["dense"]["qa"] - 0.01 * r["source"]),
            ):
                within[name].append(int((s >= s.max() - evidence.MARGIN).sum()))
    for lang in ("ko", "en"):
        same = sum(r["unchanged"] for r in rows if r["lang"] == lang)
        total = sum(r["lang"] == lang for r in rows)
        print(f"{lang}: evidence.rank orders the sentences as before for {same} of {total}")
    print(
        "English sentences within the margin, median old / new:",
        statistics.median(within["old"]),
        "/",
        statistics.median(within["new"]),
    )
    margin_table(assistant, sys.argv[1:])


if __name__ == "__main__":
    main()
