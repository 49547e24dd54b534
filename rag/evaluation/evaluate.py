"""Score the system on a question set: retrieval, answers, refusals, citations, speed.

Every question becomes one :class:`Row` of metrics; :func:`summarize` averages
them overall and per language. Rows are appended to ``rows.jsonl`` as they
finish, so an interrupted run keeps them and ``resume`` continues it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from rag.answering.answer_type import expected_types, missing
from rag.answering.cite.markers import strip_markers
from rag.answering.compose import refusal_score
from rag.errors import RagError
from rag.evaluation import metrics as m
from rag.evaluation import report
from rag.evaluation.questions import Question
from rag.files import write_atomic
from rag.indexing.embed import Embedder
from rag.records import Answer, Chunk, Hit

# Passages retrieved for the retrieval metrics (recall@10, MRR@10, nDCG@10).
RETRIEVE_K = 10
ROWS_FILE = "rows.jsonl"


@dataclass(frozen=True)
class Row:
    """One question's outcome and metrics (None: not defined for this question)."""

    id: str
    question: str
    lang: str
    answerable: bool
    query: str = ""
    answer: str = ""
    refused: bool = False
    mode: str = ""
    cited: tuple[str, ...] = ()
    retrieved: tuple[str, ...] = ()
    metrics: dict[str, float | None] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    # What refuse_below acts on (rag.answering.compose.refusal_score): the best passage's
    # dense cosine; None without one, or when that passage is in another language.
    top_score: float | None = None
    # The chat model's P(YES) that the passages answer: what answerable_below acts on.
    answerability: float | None = None
    # The answer's notes: which path it took (translated, quoted and why).
    notes: tuple[str, ...] = ()


def gold_passages(question: Question, chunks: Iterable[Chunk]) -> set[str]:
    """Ids of the passages that hold a gold quote (or most of one)."""
    wanted = {}
    for e in question.evidence:
        wanted.setdefault(e.doc_id, []).append(e.quote)
    return {
        c.chunk_id
        for c in chunks
        if any(m.passage_relevant(c.text, quote) for quote in wanted.get(c.doc_id, ()))
    }


def retrieval_metrics(hits: Sequence[Hit], question: Question, gold: set[str]) -> dict:
    """Article- and passage-level hit@1, hit@5, recall@5, recall@10, MRR@10, nDCG@10."""
    levels = {
        "doc": ([h.chunk.doc_id for h in hits], {e.doc_id for e in question.evidence}),
        "passage": ([h.chunk.chunk_id for h in hits], gold),
    }
    out: dict[str, float | None] = {}
    for level, (ranked, relevant) in levels.items():
        out[f"{level}_hit@1"] = m.hit_at(ranked, relevant, 1)
        out[f"{level}_hit@5"] = m.hit_at(ranked, relevant, 5)
        out[f"{level}_recall@5"] = m.recall_at(ranked, relevant, 5)
        out[f"{level}_recall@10"] = m.recall_at(ranked, relevant, 10)
        out[f"{level}_mrr@10"] = m.mrr_at(ranked, relevant, 10)
        out[f"{level}_ndcg@10"] = m.ndcg_at(ranked, relevant, 10)
    return out


# Cosine similarity of two texts of the same kind.
Semantic = Callable[[str, str], float]


def semantic_similarity(embedder: Embedder) -> Semantic:
    """Cosine of two texts embedded alike (the STS prompt where the model has one)."""

    def score(a: str, b: str) -> float:
        va, vb = embedder.encode_symmetric([a, b])
        return float(va @ vb)

    return score


def answer_metrics(answer: Answer, question: Question, semantic: Semantic | None) -> dict:
    """How right an answer is: strict accuracy, facts, answer type, faithfulness, wording.

    ``strict_accuracy`` is 1 for an answerable question answered (not refused) with every
    fact, else 0; it is the only answer metric a refusal counts in. ``answer_type_match``
    is defined for questions that ask for something checkable (an amount, a date, a
    name...), ``faithful_claims`` for answers whose sentences were checked against their
    sources. The semantic score compares the answer, markers removed, with the reference.
    """
    same = {"lang_match": float(answer.lang == question.lang)}
    if not question.answerable:
        return same
    if answer.refused:
        return {**same, "strict_accuracy": 0.0}
    text = strip_markers(answer.text).strip()
    facts = m.fact_recall(answer.text, question.facts)
    kinds = expected_types(question.question, question.lang)
    checked = [c.faithful for c in answer.claims if c.faithful is not None]
    return {
        **same,
        "strict_accuracy": float(facts == 1.0),
        "fact_recall": facts,
        "answer_type_match": None
        if kinds == ("other",)
        else float(not missing(text, kinds, question.question)),
        "faithful_claims": m.mean(float(f) for f in checked) if checked else None,
        "token_f1": m.token_f1(answer.text, question.answer, question.lang),
        "semantic": semantic(text, question.answer) if semantic and text else None,
    }


def citation_metrics(answer: Answer, gold: set[str]) -> dict:
    """Validity, precision, recall of citations and whether a gold passage is cited."""
    cited = [c.chunk_id for c in answer.citations]
    if not cited:
        return {}
    supported = {
        c.chunk_id
        for c in answer.citations
        if c.chunk_id in gold
        or any(c.n in claim.citations and claim.supported for claim in answer.claims)
    }
    return {
        "citation_validity": m.citation_validity(cited, {h.chunk.chunk_id for h in answer.hits}),
        "citation_precision": m.citation_precision(cited, supported),
        "citation_recall": m.citation_recall(
            [bool(c.citations) and c.supported for c in answer.claims]
        ),
        "cites_gold": float(m.cites_gold(cited, gold)) if gold else None,
    }


def evaluate_one(question: Question, assistant: Any, retrieval_only: bool = False) -> Row:
    """Ask one question and score what came back.

    Args:
        question: The question with its gold answer, facts and evidence.
        assistant: A :class:`rag.answering.assistant.Assistant`.
        retrieval_only: Skip generation (fast); only retrieval metrics.
    """
    history = list(question.conversation)
    query, hits = assistant.retrieve(question.question, history, k=RETRIEVE_K)
    gold = gold_passages(question, assistant.searcher.index.chunks)
    scores = retrieval_metrics(hits, question, gold) if question.evidence else {}
    row = Row(
        question.id,
        question.question,
        question.lang,
        question.answerable,
        query,
        retrieved=tuple(h.chunk.chunk_id for h in hits),
        metrics=scores,
        top_score=refusal_score(hits, question.lang),
    )
    if retrieval_only:
        return row
    answer = assistant.ask(question.question, history)
    scores.update(answer_metrics(answer, question, _semantic(assistant)))
    scores.update(citation_metrics(answer, gold))
    return _with_answer(row, scores, answer)


def _semantic(assistant: Any) -> Semantic | None:
    try:
        return semantic_similarity(assistant.searcher.embedder)
    except RagError:  # a BM25-only set-up without its embedder: no semantic score
        return None


def _with_answer(row: Row, scores: dict, answer: Answer) -> Row:
    t = answer.timings
    return replace(
        row,
        answer=answer.text,
        refused=answer.refused,
        mode=answer.mode,
        cited=tuple(c.chunk_id for c in answer.citations),
        metrics=scores,
        answerability=answer.answerability,
        notes=tuple(answer.notes),
        timings={
            "retrieval": t.retrieval,
            "first_token": t.first_token,
            "total": t.total,
            "tokens_per_s": t.tokens_per_s,
            "check": t.check,
        },
    )


def summarize(rows: Sequence[Row]) -> dict[str, Any]:
    """Mean of every metric overall and per language, refusal scores and latency."""

    def block(subset: Sequence[Row]) -> dict[str, Any]:
        names = sorted({name for r in subset for name in r.metrics})
        out: dict[str, Any] = {"questions": len(subset)}
        out.update({name: m.mean(r.metrics.get(name) for r in subset) for name in names})
        answered = [r for r in subset if r.mode]
        if answered:
            out.update(refusal_block((r.answerable, r.refused) for r in answered))
            for step in ("retrieval", "first_token", "total"):
                # A refusal before generation has no first token: it would drag p50 to 0.
                values = [r.timings[step] for r in answered]
                values = [v for v in values if v > 0] if step == "first_token" else values
                out[f"{step}_ms"] = m.summarize_latency(values)
            out["tokens_per_s"] = m.mean(r.timings["tokens_per_s"] or None for r in answered)
        return out

    langs = sorted({r.lang for r in rows})
    return {
        "all": block(rows),
        **{lang: block([r for r in rows if r.lang == lang]) for lang in langs},
    }


def refusal_block(pairs: Iterable[tuple[bool, bool]]) -> dict[str, float | None]:
    """Refusal precision, recall and F1 (on unanswerable questions) and false refusals."""
    s = m.refusal_scores(pairs)
    p, r = s["precision"], s["recall"]
    return {
        "refusal_precision": p,
        "refusal_recall": r,
        "refusal_f1": None if r is None else (2 * p * r / (p + r) if p and r else 0.0),
        "false_refusal_rate": s["false_refusal_rate"],
    }


def read_rows(path: Path) -> list[Row]:
    """Rows a previous (maybe interrupted) run wrote; [] if there is no file."""
    if not path.exists():
        return []
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            raw = json.loads(line)
            raw["cited"], raw["retrieved"] = tuple(raw["cited"]), tuple(raw["retrieved"])
            raw["notes"] = tuple(raw.get("notes", ()))
            rows.append(Row(**raw))
    return rows


def run(
    questions: Sequence[Question],
    assistant: Any,
    out_dir: Path,
    retrieval_only: bool = False,
    resume: bool = False,
    progress: Callable[[Iterable[Question]], Iterable[Question]] = iter,
    title: str = "Evaluation report",
) -> tuple[list[Row], dict[str, Any]]:
    """Evaluate every question, appending each row to ``out_dir/rows.jsonl`` as it finishes.

    Args:
        questions: The question set.
        assistant: A :class:`rag.answering.assistant.Assistant`.
        out_dir: Where rows and reports go; created if missing.
        retrieval_only: Skip generation.
        resume: Keep the rows of a previous run and ask only the rest.
        progress: Wraps the questions still to ask, e.g. ``tqdm``.
        title: The title of ``report.html``.

    Returns:
        All rows, in question order, and their summary.

    Raises:
        RagError: If the report folder or its files cannot be written.
    """
    make_dir(out_dir)
    path = out_dir / ROWS_FILE
    done = {r.id: r for r in read_rows(path)} if resume else {}
    if not resume:
        path.write_text("", encoding="utf-8")
    with path.open("a", encoding="utf-8") as fh:
        for question in progress([q for q in questions if q.id not in done]):
            row = evaluate_one(question, assistant, retrieval_only)
            fh.write(json.dumps(asdict(row), ensure_ascii=False) + "\n")
            fh.flush()
            done[row.id] = row
    rows = [done[q.id] for q in questions if q.id in done]
    chunks = {c.chunk_id: c for c in assistant.searcher.index.chunks}
    return rows, write_reports(out_dir, rows, chunks, title)


def make_dir(out_dir: Path) -> None:
    """Create a report folder.

    Raises:
        RagError: If it cannot be created; the message says to choose another ``--out``.
    """
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise RagError(f"cannot create {out_dir}: {exc.strerror}; choose another --out") from exc


def write_reports(
    out_dir: Path, rows: Sequence[Row], chunks: dict[str, Chunk], title: str
) -> dict[str, Any]:
    """Summarize rows into ``report.json``, ``report.md`` and ``report.html``.

    Returns:
        The summary.

    Raises:
        RagError: If a file cannot be written.
    """
    make_dir(out_dir)
    summary = summarize(rows)
    everything = {"summary": summary, "rows": [asdict(r) for r in rows]}
    write_atomic(out_dir / "report.json", json.dumps(everything, ensure_ascii=False, indent=2))
    write_atomic(out_dir / "report.md", markdown(summary))
    report.write_html(out_dir / "report.html", {"": summary}, {"": rows}, chunks, title)
    return summary


def markdown(summary: dict[str, Any]) -> str:
    """The summary as a Markdown table: one row per metric, one column per language."""
    columns = list(summary)
    names = sorted({name for block in summary.values() for name in block}, key=report.metric_order)
    lines = ["| metric | " + " | ".join(columns) + " |", "|---" * (len(columns) + 1) + "|"]
    for name in names:
        cells = [report.fmt(summary[c].get(name)) for c in columns]
        lines.append(f"| {report.label(name)} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def compare_rows(
    summaries: dict[str, dict[str, Any]], block: str = "all"
) -> tuple[list[str], list[list[str]]]:
    """Headers and rows of a comparison: one column per configuration, then each delta.

    Args:
        summaries: Per configuration label, the output of :func:`summarize`.
        block: Which part of each summary: ``all`` or a language.

    Returns:
        ``["metric", *labels, *("Δ label" for all labels but the first)]`` and one row
        of formatted values per metric; a delta is the value minus the first one's.
    """
    labels = list(summaries)
    blocks = [summaries[label].get(block, {}) for label in labels]
    names = sorted({n for b in blocks for n in b if n != "questions"}, key=report.metric_order)
    head = ["metric", *labels, *(f"Δ {label}" for label in labels[1:])]
    rows = []
    for name in names:
        values = [b.get(name) for b in blocks]
        first = values[0]
        deltas = [
            report.fmt(v - first) if isinstance(v, float) and isinstance(first, float) else "–"
            for v in values[1:]
        ]
        rows.append([report.label(name), *map(report.fmt, values), *deltas])
    return head, rows


def compare_table(summaries: dict[str, dict[str, Any]]) -> str:
    """One column per configuration (all languages), then each one's delta to the first."""
    head, rows = compare_rows(summaries)
    lines = ["| " + " | ".join(head) + " |", "|---" * len(head) + "|"]
    lines.extend("| " + " | ".join(row) + " |" for row in rows)
    return "\n".join(lines) + "\n"
