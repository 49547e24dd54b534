"""Pick the refusal thresholds: ``rag eval --calibrate``.

A calibrating run (``Assistant(calibrating=True)``) answers every question and
records both scores a threshold acts on: the best passage's dense score
(``refuse_below``) and the chat model's P(YES) that the passages answer
(``answerable_below``). :func:`refusal_tradeoff` tries every pair of cuts
between the observed scores, :func:`best_cut` picks one, :func:`apply_cut`
shows what a run with it gives and :func:`write_settings` stores it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from rag.answering.prompt import REFUSAL
from rag.errors import ConfigError
from rag.evaluation import report
from rag.evaluation.evaluate import Row, refusal_block
from rag.files import write_atomic


@dataclass(frozen=True)
class Cut:
    """How refusing below a pair of thresholds would have done on a question set."""

    threshold: float  # refuse_below: the best passage's dense score
    precision: float | None
    recall: float | None
    f1: float | None
    false_refusal_rate: float | None
    answerable_below: float = 0.0  # the chat model's P(YES) that the passages answer


def _between(values: Iterable[float]) -> list[float]:
    """0, then a cut just above each observed value: every distinct way to split them."""
    return [0.0, *(v + 0.0001 for v in sorted({round(v, 4) for v in values}))]


def refusal_tradeoff(rows: Sequence[Row]) -> list[Cut]:
    """Refusal quality for every pair of cuts between observed scores.

    A question counts as refused when its best dense score is below
    ``threshold`` (a question with none, as across languages, is never refused by
    it: :func:`rag.answering.compose.refusal_score`), or its answerability is below
    ``answerable_below``, or its answer was a refusal anyway (the model said it does
    not know, or nothing could be quoted). So the rows of a generated run must come from a run that
    refused on neither score (``Assistant(calibrating=True)``); the rows of a
    retrieval-only run have no answers and count the dense score alone.
    """
    scored = [r for r in rows if r.top_score is not None or r.answerability is not None]
    judged = [r.answerability for r in scored if r.answerability is not None]
    cuts = []
    for a in _between(judged) if judged else [0.0]:
        for t in _between(r.top_score for r in scored if r.top_score is not None):
            s = refusal_block((r.answerable, _refused(r, t, a)) for r in scored)
            p, rc, f1 = s["refusal_precision"], s["refusal_recall"], s["refusal_f1"]
            cuts.append(Cut(round(t, 4), p, rc, f1, s["false_refusal_rate"], round(a, 4)))
    return cuts


def _refused(row: Row, threshold: float, answerable_below: float) -> bool:
    return row.refused or _caught(row, threshold, answerable_below)


def _caught(row: Row, threshold: float, answerable_below: float) -> bool:
    """Whether either threshold refuses the question before any generation."""
    low = row.answerability is not None and row.answerability < answerable_below
    return low or (row.top_score is not None and row.top_score < threshold)


def apply_cut(rows: Sequence[Row], cut: Cut) -> list[Row]:
    """The rows a run with the cut's thresholds would have given, from a calibrating run.

    Greedy generation is deterministic, so a question neither threshold refuses
    gets the same answer; one that a threshold refuses becomes a refusal before
    generation (retrieval scores kept, no answer or citation scores, no tokens).
    Times stay as measured, check included, even with ``answerable_below = 0``: the
    check read the sources that the answer's prompt then reused, so taking its time
    off would count the answer's prompt as free. A run without the check is faster
    by the few tokens of the check's last line only.
    """
    out = []
    for r in rows:
        timings = dict(r.timings)
        if not r.mode or not _caught(r, cut.threshold, cut.answerable_below):
            out.append(replace(r, timings=timings))
            continue
        kept = {k: v for k, v in r.metrics.items() if k.startswith(("doc_", "passage_", "lang"))}
        if r.answerable:
            kept["strict_accuracy"] = 0.0  # a refused answerable question is not right
        total = timings.get("retrieval", 0.0) + timings.get("check", 0.0)
        timings.update(first_token=0.0, total=total, tokens_per_s=0.0)
        out.append(
            replace(
                r,
                answer=REFUSAL[r.lang],
                refused=True,
                mode="refusal",
                cited=(),
                metrics=kept,
                timings=timings,
            )
        )
    return out


# Most false refusals (answerable questions refused) a chosen cut may cause.
MAX_FALSE_REFUSALS = 0.05


def best_cut(cuts: Sequence[Cut], max_false_refusals: float = MAX_FALSE_REFUSALS) -> Cut:
    """The cut that catches most unanswerable questions within the false-refusal budget.

    Among cuts refusing at most ``max_false_refusals`` of the answerable questions, the
    highest refusal recall wins; ties go to fewer false refusals, a higher F1, then the
    lower thresholds. If no cut keeps within the budget, the highest F1 wins.
    """

    def tie(c: Cut) -> tuple[float, float, float]:
        return (-(c.false_refusal_rate or 0.0), -c.answerable_below, -c.threshold)

    within = [c for c in cuts if (c.false_refusal_rate or 0.0) <= max_false_refusals]
    if within:
        return max(within, key=lambda c: (c.recall or 0.0, *tie(c)[:1], c.f1 or 0.0, *tie(c)[1:]))
    return max(cuts, key=lambda c: (c.f1 or 0.0, *tie(c)))


def held_out(rows: Sequence[Row], parts: Sequence[set[str]], budget: float) -> list[Row]:
    """What each part of a set gives with the cut chosen on the other parts.

    Args:
        rows: A calibrating run's rows.
        parts: The question ids of each fold (:func:`rag.evaluation.questions.folds`).
        budget: Most false refusals a chosen cut may cause.

    Returns:
        Every row as a run with the other folds' thresholds would have given it, in the
        order of ``rows``: no question is scored with thresholds chosen on itself.
    """
    out: dict[str, Row] = {}
    for part in parts:
        rest = [r for r in rows if r.id not in part]
        cut = best_cut(refusal_tradeoff(rest), budget)
        out.update({r.id: r for r in apply_cut([r for r in rows if r.id in part], cut)})
    return [out[r.id] for r in rows]


def _set(text: str, name: str, value: float, section: str = "") -> str:
    """Set ``name = value`` in one table of a TOML text, adding the line or table if missing.

    ``section`` "" is the top level: the lines before the first table header.
    """
    line = f"{name} = {value:.4f}  # set by `rag eval --calibrate`"
    lines = text.splitlines()
    begin = 0
    if section:
        header = f"[{section}]"
        if header not in lines:
            lines += ["", header] if lines else [header]
        begin = lines.index(header) + 1
    end = next((i for i in range(begin, len(lines)) if lines[i].startswith("[")), len(lines))
    while end > begin and not lines[end - 1].strip():
        end -= 1
    found = [i for i in range(begin, end) if re.match(rf"{re.escape(name)}\s*=", lines[i])]
    if found:
        lines[found[0]] = line
    else:
        lines.insert(end, line)
    return "\n".join(lines) + "\n"


def write_settings(path: Path, settings: dict[str, float], model: str = "") -> None:
    """Set thresholds in a ``rag.toml``, keeping everything else in it.

    ``refuse_below`` (the embedder's cut) goes at the top level; the chat model's
    thresholds go in its ``[thresholds."<model>"]`` table.

    Raises:
        ConfigError: If the file cannot be written.
    """
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    for name, value in settings.items():
        table = f'thresholds."{model}"' if model and name != "refuse_below" else ""
        text = _set(text, name, value, table)
    write_atomic(path, text, ConfigError)


def chosen_settings(cut: Cut, rows: Sequence[Row]) -> dict[str, float]:
    """What calibration writes: ``refuse_below``, and ``answerable_below`` if it was judged."""
    settings = {"refuse_below": cut.threshold}
    if any(r.answerability is not None for r in rows):
        settings["answerable_below"] = cut.answerable_below
    return settings


# Rows of a two-threshold trade-off table: the best cuts by F1.
TABLE_ROWS = 15


def tradeoff_table(cuts: Sequence[Cut], chosen: Cut) -> str:
    """The refusal trade-off as Markdown, the chosen cut marked.

    With one threshold every cut is listed; with two, the best by F1.
    """
    two = any(c.answerable_below for c in cuts)
    if two:
        ranked = sorted(cuts, key=lambda c: (-(c.f1 or 0.0), c.false_refusal_rate or 0.0))
        cuts = [chosen, *[c for c in ranked if c != chosen][: TABLE_ROWS - 1]]
    head = "| refuse below |" + (" answerable below |" if two else "")
    lines = [
        head + " precision | recall | F1 | false refusals |",
        "|---" * (6 if two else 5) + "|",
    ]
    for c in cuts:
        mark = " ←" if c == chosen else ""
        first = [f"{c.threshold:.4f}"] + ([f"{c.answerable_below:.4f}"] if two else [])
        cells = [report.fmt(v) for v in (c.precision, c.recall, c.f1, c.false_refusal_rate)]
        lines.append(f"| {' | '.join(first)}{mark} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"
