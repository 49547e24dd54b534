"""The Evaluate tab without a browser: pick a question set, run it, tabulate, plot."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rag.errors import QuestionSetError

SHIPPED = Path(__file__).resolve().parents[2] / "eval" / "questions.jsonl"
REPORT_FILES = ("report.html", "report.json", "report.md", "rows.jsonl")
QUESTION_SUFFIXES = (".jsonl", ".json", ".csv")
# Per-question columns, besides the id, question, answer and refusal.
COLUMNS = (
    "doc_hit@1",
    "doc_hit@5",
    "passage_hit@5",
    "strict_accuracy",
    "fact_recall",
    "answer_type_match",
    "faithful_claims",
    "token_f1",
    "semantic",
    "citation_precision",
)


def set_name(path: Path, shipped: Path = SHIPPED) -> str:
    """How a run names its question set: ``eval/questions.jsonl`` or the uploaded file's name."""
    return f"eval/{shipped.name}" if Path(path) == shipped else Path(path).name


def question_file(use_shipped: bool, upload: str | None, shipped: Path = SHIPPED) -> Path:
    """The question set to run: the shipped one or an uploaded file.

    Raises:
        QuestionSetError: If no file was uploaded or it has the wrong suffix.
    """
    if use_shipped:
        return shipped
    if not upload:
        raise QuestionSetError("upload a .jsonl or .csv question set, or choose the shipped set")
    path = Path(upload)
    if path.suffix.lower() not in QUESTION_SUFFIXES:
        raise QuestionSetError(f"{path.name}: use a .jsonl, .json or .csv question set")
    return path


@dataclass(frozen=True)
class Table:
    """Headers and rows for a dataframe."""

    headers: list[str]
    rows: list[list[Any]]


def _cell(value: Any) -> Any:
    if isinstance(value, dict):
        return f"{value.get('p50', 0):.0f} / {value.get('p95', 0):.0f} ms"
    if isinstance(value, float):
        return round(value, 3)
    return "–" if value is None else value


def summary_table(summary: dict[str, dict[str, Any]]) -> Table:
    """One row per metric, one column per language (``all`` first)."""
    columns = list(summary)
    names: list[str] = []
    for block in summary.values():
        names.extend(n for n in block if n not in names)
    from rag.evaluation.report import label, metric_order

    names.sort(key=metric_order)
    rows = [[label(name), *(_cell(summary[c].get(name)) for c in columns)] for name in names]
    return Table(["metric", *columns], rows)


def rows_table(rows: Sequence[Any]) -> Table:
    """One row per question: id, language, question, answer, refused and key metrics."""
    keys = [k for k in COLUMNS if any(k in r.metrics for r in rows)]
    out = [
        [
            r.id,
            r.lang,
            r.question,
            r.answer,
            r.refused,
            *(_cell(r.metrics.get(k)) for k in keys),
        ]
        for r in rows
    ]
    return Table(["id", "lang", "question", "answer", "refused", *keys], out)


def plots(summary: dict[str, dict[str, Any]], rows: Sequence[Any]) -> str:
    """The report's charts: metric bars per language, and latencies when answers were made."""
    from rag.evaluation import report

    bars = report.bar_chart(list(summary), list(summary.values()))
    if not any(r.mode for r in rows):
        return bars
    return bars + report.latency_chart({"all": rows})


def out_dir(data_dir: Path) -> Path:
    """A new folder for one run: ``data_dir/eval/<UTC time>``."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
    return Path(data_dir) / "eval" / stamp


def report_files(folder: Path) -> list[str]:
    """The report files a run left in its folder, for download."""
    return [str(folder / name) for name in REPORT_FILES if (folder / name).is_file()]


@dataclass(frozen=True)
class Result:
    """What the Evaluate tab shows after a run."""

    summary: Table
    rows: Table
    plot: str
    files: list[str]


def run(
    assistant: Any,
    path: Path,
    folder: Path,
    retrieval_only: bool,
    progress: Callable[[Iterable[Any]], Iterable[Any]] = iter,
    info: dict[str, Any] | None = None,
) -> Result:
    """Run a question set with :func:`rag.evaluation.evaluate.run` and shape the results.

    Args:
        assistant: The app's assistant.
        path: The question set.
        folder: A new folder for this run's rows and reports.
        retrieval_only: Skip generation.
        progress: Wraps the questions, e.g. a progress bar.
        info: What :mod:`rag.ui.history` records in ``folder/run.json`` before the
            first question (question set, models, mode); nothing if None.

    Raises:
        QuestionSetError: If the question set is unreadable or malformed.
        RagError: If the run folder cannot be written.
    """
    from rag.evaluation import evaluate
    from rag.evaluation.questions import load_questions
    from rag.ui.history import write_run_info

    questions = load_questions(path)
    if info is not None:
        write_run_info(folder, info)
    rows, summary = evaluate.run(questions, assistant, folder, retrieval_only, False, progress)
    return Result(
        summary_table(summary), rows_table(rows), plots(summary, rows), report_files(folder)
    )
