"""Run a question set under one or several configurations; calibrate refusal.

What ``rag eval`` does between parsing its flags and printing: one folder of rows and
reports per configuration, a side-by-side comparison when there are several, and the
calibration of the refusal thresholds.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from rag.answering.assistant import Assistant
from rag.config import Config
from rag.errors import QueryError, QuestionSetError
from rag.evaluation import calibrate, evaluate, faithfulness, report
from rag.evaluation.evaluate import Row
from rag.evaluation.questions import Question, folds
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
    """The chosen thresholds and what they give.

    Attributes:
        tradeoff: Markdown table of the cuts tried on the whole set, the chosen one marked.
        settings: The chosen thresholds, chosen on the whole set.
        held_out: Markdown summary of the set when each fold is scored with thresholds
            chosen on the other folds (answers were generated), else "".
    """

    tradeoff: str
    settings: dict[str, float]
    held_out: str = ""


def calibrate_rows(
    rows: Sequence[Row],
    questions: Sequence[Question],
    chunks: Mapping[str, Chunk],
    out: Path,
    title: str,
    n_folds: int = 2,
    budget: float = calibrate.MAX_FALSE_REFUSALS,
) -> Calibration:
    """Pick the thresholds from a calibrating run; score them on other questions.

    The thresholds written are chosen on the whole set. What they give is reported by
    cross-validation: the set is cut into ``n_folds`` folds of alike make-up, each fold
    is scored with thresholds chosen on the others (``out/held-out``), so no question
    is scored with a threshold fitted to it. ``out/calibrated`` holds the in-sample run.
    A set too small to cut gives no held-out report, and says why.

    Raises:
        RagError: If the reports cannot be written.
    """
    cuts = calibrate.refusal_tradeoff(rows)
    chosen = calibrate.best_cut(cuts, budget)
    shown = ""
    if any(r.mode for r in rows):  # answers were generated: show what the cuts give
        evaluate.write_reports(
            out / "calibrated",
            calibrate.apply_cut(rows, chosen),
            dict(chunks),
            f"{title} (calibrated, in sample)",
        )
        try:
            parts = [{q.id for q in part} for part in folds(questions, n_folds)]
        except QuestionSetError as exc:
            shown = f"no held-out report: {exc}\n"
        else:
            scored = calibrate.held_out(rows, parts, budget)
            summary = evaluate.write_reports(
                out / "held-out", scored, dict(chunks), f"{title} (thresholds from other folds)"
            )
            shown = evaluate.markdown(summary)
    settings = calibrate.chosen_settings(chosen, rows)
    return Calibration(calibrate.tradeoff_table(cuts, chosen), settings, shown)


@dataclass(frozen=True)
class ClaimRun:
    """A run of the faithfulness check over a claim set.

    Attributes:
        table: Markdown of precision and recall at the threshold in use.
        threshold: The ``faithful_below`` the table was made with.
        chosen: With calibration, the threshold chosen on the whole set, else None.
        held_out: With calibration, the table of each fold judged at the threshold
            chosen on the others, else "".
    """

    table: str
    threshold: float
    chosen: float | None = None
    held_out: str = ""


def run_claims(
    path: Path,
    config: Config,
    out: Path,
    calibrating: bool = False,
    n_folds: int = 2,
    progress: Callable[[Iterable[Any]], Iterable[Any]] = iter,
) -> ClaimRun:
    """Check every claim of a claim set with the configured chat model; write a report.

    Raises:
        QuestionSetError: If the claim set is malformed.
        GeneratorError: If the chat model fails.
        RagError: If the report cannot be written.
    """
    from rag.config import checks

    claims = faithfulness.load_claims(path)
    generator = Assistant(config).generator()
    checked = faithfulness.check_all(claims, generator, progress)
    threshold = checks(config).faithful_below
    result = ClaimRun(faithfulness.table(faithfulness.verdicts(checked, threshold)), threshold)
    if calibrating:
        chosen, held = faithfulness.calibrate(checked, n_folds)
        result = replace(result, chosen=chosen, held_out=faithfulness.table(held))
    rows = [
        {**asdict(c.claim), "rule": c.rule, "p_yes": c.p_yes, "rejected": c.rejected(threshold)}
        for c in checked
    ]
    evaluate.make_dir(out)
    write_atomic(out / "claims.json", json.dumps(rows, ensure_ascii=False, indent=1))
    write_atomic(out / "claims.md", result.table + (result.held_out or ""))
    return result
