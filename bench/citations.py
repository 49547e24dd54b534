"""Calibrate the citation checker (rag/answering/cite/) with the real embedding model.

Hand-made cases from the five articles in corpus/: correct Korean and English
paraphrases of article sentences, the same claims with a wrong number, and
fabricated claims on the same topics. Each case gets five passages, as
retrieval would hand them over: the passage(s) holding the evidence, the
nearest other passages of the same article (hard wrong citations) and
passages of other articles.

Prints, per embedding prompt set and language pair, how well the support
score separates the right passage from wrong ones (AUC), the threshold that
would be best on these cases, and the accuracy of ``verify`` with the
thresholds rag/answering/cite/ ships, per scenario.

    python bench/citations.py [--prompts query-doc,doc-doc,sts] [--cache /tmp/cite-bench.npz]

Embedding ~400 sentences per prompt set takes a few minutes on 2 CPU cores;
vectors are cached in ``--cache``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from rag.answering.cite import score, verify
from rag.config import load_config
from rag.indexing.build import chunk_all, load_documents
from rag.indexing.embed import Embedder
from rag.records import Chunk


@dataclass(frozen=True)
class Fact:
    """A claim an article makes, paraphrased; ``*_wrong`` change one number."""

    doc: str
    key: str
    ko: str
    en: str
    ko_wrong: str = ""
    en_wrong: str = ""


@dataclass(frozen=True)
class Fabricated:
    """A claim on an article's topic that no article makes.

    A contradiction names the ``key`` of the sentence it contradicts and cites
    that sentence's passage.
    """

    doc: str
    ko: str
    en: str
    key: str = ""


@dataclass(frozen=True)
class Multi:
    """One sentence stating two facts from two passages, citing both."""

    doc1: str
    key1: str
    doc2: str
    key2: str
    ko: str
    en: str


# The cases, written by hand from the five articles: bench/citation_cases.json.
CASES_FILE = Path(__file__).with_name("citation_cases.json")
_CASES = json.loads(CASES_FILE.read_text(encoding="utf-8"))
FACTS = [Fact(**x) for x in _CASES["facts"]]
FABRICATED = [Fabricated(**x) for x in _CASES["fabricated"]]
CONTRADICTIONS = [Fabricated(**x) for x in _CASES["contradictions"]]
MULTI = [Multi(**x) for x in _CASES["multi"]]

PROMPTS = {
    # answer-sentence prompt, passage-sentence prompt ("" = the model's own)
    "query-doc": ("", ""),
    "doc-doc": ("title: none | text: ", ""),
    "sts": ("task: sentence similarity | query: ", "task: sentence similarity | query: "),
}


@dataclass(frozen=True)
class Case:
    """One sentence with five passages; ``gold`` are the passages holding its evidence."""

    kind: str  # correct | wrong_number | fabricated | contradiction | multi
    lang: str
    sentence: str
    passages: tuple[Chunk, ...]
    gold: tuple[int, ...]  # 0-based
    cite: int  # 0-based passage the model cites (gold for correct/wrong_number)
    wrong: tuple[int, ...]  # 0-based non-gold passages, same article first
    also: int = -1  # second cited passage (multi)


def _passages(
    chunks: Sequence[Chunk], doc: str, key: str | None, rng: random.Random
) -> tuple[tuple[Chunk, ...], tuple[int, ...], tuple[int, ...]]:
    """Five passages: key holders, nearest same-article others, other articles."""
    own = [c for c in chunks if c.doc_id.startswith(doc)]
    gold = [c for c in own if key and key in c.text] or ([] if key else [rng.choice(own)])
    if key and not gold:
        raise SystemExit(f"key not found in {doc}: {key!r}")
    centre = gold[0].ordinal
    near = sorted((c for c in own if c not in gold), key=lambda c: abs(c.ordinal - centre))
    near = [c for c in near if not (key and key in c.text)][: 4 - len(gold) if key else 2]
    others = [c for c in chunks if not c.doc_id.startswith(doc)]
    picked = gold + near + rng.sample(others, 5 - len(gold) - len(near))
    order = list(range(5))
    rng.shuffle(order)
    passages = tuple(picked[i] for i in order)
    gold_idx = tuple(i for i, c in enumerate(passages) if c in gold) if key else ()
    same = [i for i, c in enumerate(passages) if c in near]
    other = [i for i, c in enumerate(passages) if c not in gold and c not in near]
    return passages, gold_idx, tuple(same + other)


def build_cases(chunks: Sequence[Chunk]) -> list[Case]:
    rng = random.Random(7)
    cases: list[Case] = []
    for fact in FACTS:
        passages, gold, wrong = _passages(chunks, fact.doc, fact.key, rng)
        for lang, text, bad in (("ko", fact.ko, fact.ko_wrong), ("en", fact.en, fact.en_wrong)):
            cases.append(Case("correct", lang, text, passages, gold, gold[0], wrong))
            if bad:
                cases.append(Case("wrong_number", lang, bad, passages, gold, gold[0], wrong))
    for kind, claims in (("fabricated", FABRICATED), ("contradiction", CONTRADICTIONS)):
        for fab in claims:
            passages, near, wrong = _passages(chunks, fab.doc, fab.key or None, rng)
            cited = near[0] if fab.key else wrong[0]
            for lang, text in (("ko", fab.ko), ("en", fab.en)):
                cases.append(Case(kind, lang, text, passages, (), cited, wrong))
    for multi in MULTI:
        gold1 = next(c for c in chunks if c.doc_id.startswith(multi.doc1) and multi.key1 in c.text)
        gold2 = next(c for c in chunks if c.doc_id.startswith(multi.doc2) and multi.key2 in c.text)
        pool = [c for c in chunks if multi.key1 not in c.text and multi.key2 not in c.text]
        passages = tuple(rng.sample([gold1, gold2, *rng.sample(pool, 3)], 5))
        gold = (passages.index(gold1), passages.index(gold2))
        wrong = tuple(i for i in range(5) if i not in gold)
        for lang, text in (("ko", multi.ko), ("en", multi.en)):
            cases.append(Case("multi", lang, text, passages, gold, gold[0], wrong, gold[1]))
    return cases


class CachedSimilarity:
    """Similarity over an Embedder, vectors cached in memory and in an .npz file."""

    def __init__(self, embedder: Embedder, mode: str, path: Path) -> None:
        self.embedder, self.mode, self.path = embedder, mode, path
        self.vectors: dict[str, np.ndarray] = {}
        if path.exists():
            with np.load(path) as data:
                self.vectors = {k: data[k] for k in data.files}

    def _key(self, side: str, text: str) -> str:
        return hashlib.sha1(f"{self.mode}|{side}|{text}".encode()).hexdigest()

    def _encode(self, side: str, texts: list[str]) -> np.ndarray:
        missing = list(dict.fromkeys(t for t in texts if self._key(side, t) not in self.vectors))
        if missing:
            answer_prompt, passage_prompt = PROMPTS[self.mode]
            if side == "a" and self.mode == "query-doc":
                vectors = self.embedder.encode_queries(missing)
            else:
                prompt = answer_prompt if side == "a" else passage_prompt
                saved = self.embedder.document_prompt
                self.embedder.document_prompt = prompt or saved
                try:
                    vectors = self.embedder.encode_documents(missing)
                finally:
                    self.embedder.document_prompt = saved
            for text, vector in zip(missing, vectors, strict=True):
                self.vectors[self._key(side, text)] = vector
            np.savez(self.path, **self.vectors)
        return np.stack([self.vectors[self._key(side, t)] for t in texts])

    def __call__(self, answers: list[str], sentences: list[str]) -> np.ndarray:
        return self._encode("a", answers) @ self._encode("p", sentences).T


def auc(pos: Sequence[float], neg: Sequence[float]) -> float:
    """Probability that a random positive outscores a random negative."""
    if not pos or not neg:
        return float("nan")
    wins = sum((p > n) + 0.5 * (p == n) for p in pos for n in neg)
    return wins / (len(pos) * len(neg))


def best_threshold(pos: Sequence[float], neg: Sequence[float]) -> tuple[float, float]:
    """Threshold with the best balanced accuracy, and that accuracy."""
    best = (0.0, 0.0)
    for t in sorted(set(pos) | set(neg)):
        acc = (sum(p >= t for p in pos) / len(pos) + sum(n < t for n in neg) / len(neg)) / 2
        if acc > best[1]:
            best = (t, acc)
    return best


def separation(cases: Sequence[Case], similarity: score.Similarity) -> None:
    """Print AUC and best threshold of each score part, per language pair."""
    print(
        f"{'pair':5} {'feature':9} {'AUC':>6} {'best t':>7} {'bal.acc':>7}  "
        f"{'pos median':>10} {'neg median':>10}"
    )
    for lang in ("ko", "en"):
        pos: dict[str, list[float]] = {"emb": [], "lex": [], "score": []}
        neg: dict[str, list[float]] = {"emb": [], "lex": [], "score": []}
        for case in cases:
            if case.lang != lang or case.kind in ("wrong_number", "contradiction", "multi"):
                continue
            row = score.score_support([case.sentence], case.passages, similarity)[0]
            for p, support in enumerate(row):
                bucket = pos if p in case.gold else neg
                bucket["emb"].append(support.embedding or 0.0)
                bucket["lex"].append(support.lexical)
                bucket["score"].append(support.score)
        for feature in ("emb", "lex", "score"):
            t, acc = best_threshold(pos[feature], neg[feature])
            print(
                f"{lang}-ko {feature:9} {auc(pos[feature], neg[feature]):6.3f} {t:7.3f} "
                f"{acc:7.3f}  {statistics.median(pos[feature]):10.3f} "
                f"{statistics.median(neg[feature]):10.3f}"
            )


def _marked(sentence: str, ids: Sequence[int]) -> str:
    return sentence + "".join(f"[{i + 1}]" for i in ids)


def _correct(case: Case, run: Callable[..., verify.Verified], record: Callable) -> None:
    """Scenarios of a correct claim: right, wrong, extra and missing citations."""
    gold_ids = {case.passages[g].chunk_id for g in case.gold}
    out = run([case.cite])
    cited = {c.chunk_id for c in out.citations}
    record("right citation kept", case.lang, bool(cited & gold_ids) and out.claims[0].supported)
    for label, wrong in (
        ("wrong cite (same doc) removed", case.wrong[0]),
        ("wrong cite (other doc) removed", case.wrong[-1]),
    ):
        out = run([wrong])
        cited = {c.chunk_id for c in out.citations}
        record(label, case.lang, case.passages[wrong].chunk_id not in cited)
        if label.startswith("wrong cite (same"):
            record("  ... and replaced by the right one", case.lang, bool(cited & gold_ids))
    out = run([case.cite, case.wrong[0]])
    cited = {c.chunk_id for c in out.citations}
    record(
        "right + wrong cited: only right kept",
        case.lang,
        cited == {case.passages[case.cite].chunk_id},
    )
    out = run([])
    cited = {c.chunk_id for c in out.citations}
    record("uncited gains right one", case.lang, bool(cited) and cited <= gold_ids)


def scenarios(cases: Sequence[Case], similarity: score.Similarity | None) -> None:
    """Run verify() on one-sentence answers and print accuracy per scenario."""
    results: dict[tuple[str, str], list[bool]] = {}

    def record(name: str, lang: str, ok: bool) -> None:
        results.setdefault((name, lang), []).append(ok)

    for case in cases:

        def run(ids: Sequence[int], case: Case = case) -> verify.Verified:
            return verify.verify(_marked(case.sentence, ids), case.passages, similarity)

        if case.kind == "correct":
            _correct(case, run, record)
        elif case.kind == "multi":
            out = run([case.cite, case.also])
            cited = {c.chunk_id for c in out.citations}
            both = {case.passages[case.cite].chunk_id, case.passages[case.also].chunk_id}
            record("two facts, two citations: both kept", case.lang, cited == both)
        elif case.kind == "wrong_number":
            claim = run([case.cite]).claims[0]
            record("wrong number flagged", case.lang, not claim.supported)
            record("  ... as 'number not in sources'", case.lang, claim.reason.startswith("num"))
        else:
            claim = run([case.cite]).claims[0]
            record(f"{case.kind} cited: flagged", case.lang, not claim.supported)
            out = run([])
            record(f"{case.kind} uncited: no citation", case.lang, not out.citations)
    print(f"{'scenario':34} {'ko-ko':>11} {'en-ko':>11}")
    names = list(dict.fromkeys(name for name, _ in results))
    total = {"ko": [0, 0], "en": [0, 0]}
    for name in names:
        cells = []
        for lang in ("ko", "en"):
            oks = results.get((name, lang), [])
            if not name.startswith((" ", "contradiction")):
                total[lang][0] += sum(oks)
                total[lang][1] += len(oks)
            cells.append(f"{sum(oks):>3}/{len(oks):<3} {sum(oks) / max(1, len(oks)):4.0%}")
        print(f"{name:34} {cells[0]:>11} {cells[1]:>11}")
    print(
        f"{'all (without indented, contradiction)':34} "
        + " ".join(f"{t[0]:>3}/{t[1]:<3} {t[0] / max(1, t[1]):4.0%}" for t in total.values())
    )


def sweep(cases: Sequence[Case], similarity: score.Similarity | None) -> None:
    """Accuracy of keep and add decisions around the shipped thresholds."""
    table = score.THRESHOLDS if similarity is not None else score.LEXICAL_THRESHOLDS
    rows = {id(c): score.score_support([c.sentence], c.passages, similarity)[0] for c in cases}
    for lang, pair in (("ko", "same"), ("en", "cross")):
        shipped = table[pair]
        mine = [c for c in cases if c.lang == lang and c.kind in ("correct", "wrong_number")]
        fabricated = [c for c in cases if c.lang == lang and c.kind == "fabricated"]
        print(f"{lang}-ko keep (margin {shipped.margin}, certain {shipped.certain}):", end="")
        for delta in (-0.1, -0.05, 0.0, 0.05, 0.1):
            t = replace(shipped, keep=round(shipped.keep + delta, 3))
            right = sum(bool(verify.keep_cited(rows[id(c)], [c.cite], [t] * 5)) for c in mine)
            wrong = sum(
                bool(verify.keep_cited(rows[id(c)], [w], [t] * 5))
                for c in mine + fabricated
                for w in c.wrong
            )
            n_wrong = sum(len(c.wrong) for c in mine + fabricated)
            print(f"  {t.keep:.2f}: right {right}/{len(mine)} wrong {wrong}/{n_wrong}", end="")
        print()
        print(f"{lang}-ko add:", end="")
        for delta in (-0.1, -0.05, 0.0, 0.05, 0.1):
            t = replace(shipped, add=round(shipped.add + delta, 3))
            picks = [verify.sole_support(rows[id(c)], [t] * 5, c.passages) for c in mine]
            right = sum(p in c.gold for p, c in zip(picks, mine, strict=True))
            wrong = sum(p is not None and p not in c.gold for p, c in zip(picks, mine, strict=True))
            fab = sum(
                verify.sole_support(rows[id(c)], [t] * 5, c.passages) is not None
                for c in fabricated
            )
            print(f"  {t.add:.2f}: right {right} wrong {wrong} fabricated {fab}", end="")
        print()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--prompts", default="query-doc,doc-doc,sts")
    parser.add_argument("--cache", type=Path, default=Path("/tmp/cite-bench.npz"))
    parser.add_argument("--no-scenarios", action="store_true")
    args = parser.parse_args()
    config = load_config()
    embedder = Embedder(config.embed_model)
    docs, _ = load_documents(config)
    chunks = chunk_all(docs, embedder, config)
    cases = build_cases(chunks)
    counts = {k: sum(c.kind == k for c in cases) for k in dict.fromkeys(c.kind for c in cases)}
    print(f"embedder: {config.embed_model}; {len(chunks)} passages; cases: {counts}")
    for pair, t in score.THRESHOLDS.items():
        print(f"thresholds {pair}: {t}; lexical only: {score.LEXICAL_THRESHOLDS[pair]}")
    for mode in args.prompts.split(","):
        similarity = CachedSimilarity(embedder, mode, args.cache)
        print(f"\n== prompts: {mode} (support score = score.score_support) ==")
        separation(cases, similarity)
        if not args.no_scenarios and mode == "query-doc":
            print(f"\n-- thresholds around the shipped ones, prompts {mode} --")
            sweep(cases, similarity)
            print(f"\n-- verify() with shipped thresholds, prompts {mode} --")
            scenarios(cases, similarity)
    if not args.no_scenarios:
        print("\n-- lexical only (similarity=None) --")
        sweep(cases, None)
        scenarios(cases, None)


if __name__ == "__main__":
    main()
