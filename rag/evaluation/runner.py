"""Run a question set under one or several configurations; calibrate refusal.

What ``rag eval`` does between parsing its flags and printing: one folder of rows and
reports per configuration, a side-by-side comparison when there are several, and the
calibration of the refusal thresholds.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rag.answering.assistant import Assistant
from rag.config import Config
from rag.errors import QueryError
from rag.evaluation import calibrate, evaluate, report
from rag.evaluation.evaluate import Row
from rag.evaluation.questions import Question
from rag.files import write_atomic
from rag.records import Chunk

Progress = Callable[[Iterable[Question], str], Iterable[Question]]


def variants(
    load: Callable[[Path | None, Mapping[str, str]], Config],
    files: Sequence[Path],
    compare: str | None,
    calibrating: bool,
) -> dict[str, Config]:
    """The configurations to evaluate: one, one per config file or one per compared value.

    Args:
        load: Builds a config from a ``rag.toml`` (or None) and extra settings.
        files: The ``--config`` files; none means the default config.
        compare: ``KEY=V1,V2`` to evaluate once per value of a setting.
        calibrating: Whether ``--calibrate`` was asked for.

    Raises:
        QueryError: If the options ask for an impossible combination.
    """
    paths: list[Path | None] = list(files) or [None]
    if len(paths) > 1 and (compare or calibrating):
        raise QueryError("several --config files go with neither --compare nor --calibrate")
    if len(paths) > 1:
        labels = [p.stem for p in files]
        labels = labels if len(set(labels)) == len(labels) else [str(p) for p in files]
        return {label: load(p, {}) for label, p in zip(labels, files, strict=True)}
    if not compare:
        return {"": load(paths[0], {})}
    key, sep, values = compare.partition("=")
    if not sep or not values:
        raise QueryError(f"--compare takes KEY=V1,V2, got {compare!r}")
    return {f"{key}={v}": load(paths[0], {key.strip(): v.strip()}) for v in values.split(",")}


@dataclass
class Outcome:
    """What a run of one or several configurations produced."""

    summaries: dict[str, dict[str, Any]]
    rows: dict[str, list[Row]]
    chunks: dict[str, Chunk]
    # Markdown printed for the user: one summary table, or the comparison.
    table: str


def run_all(
    questions: Sequence[Question],
    configs: Mapping[str, Config],
    out: Path,
    title: str,
    retrieval_only: bool = False,
    resume: bool = False,
    calibrating: bool = False,
    progress: Progress = lambda items, _label: items,
) -> Outcome:
    """Evaluate the questions under each configuration; write every report.

    Raises:
        RagError: If a model, the index or a report folder fails.
    """
    summaries, rows, chunks = {}, {}, {}
    for label, config in configs.items():
        # Calibrating on answers: every question reaches the model, no cut refuses yet.
        assistant = Assistant(config, calibrating=calibrating and not retrieval_only)
        assistant.warm()
        folder = out / label.replace("/", "_") if label else out
        rows[label], summaries[label] = evaluate.run(
            questions,
            assistant,
            folder,
            retrieval_only,
            resume,
            lambda items, d=label or "questions": progress(items, d),
            title,
        )
        chunks.update({c.chunk_id: c for c in assistant.searcher.index.chunks})
    if len(summaries) > 1:
        table = evaluate.compare_table(summaries)
        write_atomic(out / "compare.md", table)
        report.write_html(out / "report.html", summaries, rows, chunks, title)
    else:
        table = evaluate.markdown(summaries[""])
    return Outcome(summaries, rows, chunks, table)


@dataclass(frozen=True)
class Calibration:
    """The chosen thresholds and what they give."""

    tradeoff: str  # Markdown table of the cuts tried, the chosen one marked
    settings: dict[str, float]
    # Markdown summary of the set with these thresholds, when answers were generated.
    summary: str = ""


def calibrate_rows(
    rows: Sequence[Row], chunks: Mapping[str, Chunk], out: Path, title: str
) -> Calibration:
    """Pick the thresholds from a calibrating run; write what they give to ``out/calibrated``.

    Raises:
        RagError: If the calibrated reports cannot be written.
    """
    cuts = calibrate.refusal_tradeoff(rows)
    chosen = calibrate.best_cut(cuts)
    shown = ""
    if any(r.mode for r in rows):  # answers were generated: show what the cut gives
        calibrated = calibrate.apply_cut(rows, chosen)
        summary = evaluate.write_reports(
            out / "calibrated", calibrated, dict(chunks), f"{title} (calibrated)"
        )
        shown = evaluate.markdown(summary)
    settings = calibrate.chosen_settings(chosen, rows)
    return Calibration(calibrate.tradeoff_table(cuts, chosen), settings, shown)
