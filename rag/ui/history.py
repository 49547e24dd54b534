"""The Evaluate tab's memory: every run under ``data_dir/eval/``, and two side by side.

Each run the UI starts gets a ``run.json`` beside its reports: when it started, the
question set, the chat model and embedder, and whether answers were generated. A
folder without one (from before, or ``rag eval --out data/eval/NAME``) still lists:
its time comes from the folder name or its ``report.json``, its mode from its rows,
and what was not recorded says so. A folder without a readable ``report.json`` (a run
still going, or one that failed) is left out with a one-line note.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from html import escape
from pathlib import Path
from typing import Any
from urllib.parse import quote

from rag.errors import RagError
from rag.evaluation.evaluate import compare_rows
from rag.evaluation.report import fmt
from rag.files import write_atomic
from rag.ui import text as t
from rag.ui.render import Html, table_html

RUN_FILE = "run.json"
REPORT_FILE = "report.json"
# The metrics the history table shows, each as "all / ko / en".
HEADLINE = (
    "doc_hit@5",
    "passage_hit@5",
    "strict_accuracy",
    "fact_recall",
    "semantic",
    "citation_precision",
    "refusal_f1",
)
BLOCKS = ("all", "ko", "en")
# Metrics where a drop is the improvement.
LOWER_IS_BETTER = ("false_refusal_rate",)
# How the page links a file Gradio may serve (data_dir is in allowed_paths); relative,
# so it also works when the app is mounted under a path.
FILE_URL = "gradio_api/file={path}"
STAMP = "%Y%m%dT%H%M%S%f"


@dataclass(frozen=True)
class Run:
    """One evaluation run folder and what it recorded."""

    key: str  # the folder, relative to the eval folder
    folder: Path
    time: datetime | None
    question_set: str = ""
    chat_model: str = ""
    embedder: str = ""
    mode: str = ""  # "retrieval" or "answers"
    summary: dict[str, Any] = field(default_factory=dict)

    @property
    def model(self) -> str:
        """The model that mattered: the chat model for answers, the embedder for retrieval."""
        return self.chat_model if self.mode == "answers" else self.embedder

    @property
    def questions(self) -> int | None:
        """How many questions the run scored."""
        return self.summary.get("all", {}).get("questions")


def run_info(
    question_set: str,
    chat_model: str,
    embedder: str,
    retrieval_only: bool,
    retrieval: str,
    now: datetime | None = None,
) -> dict[str, Any]:
    """What ``run.json`` records about a run the UI starts."""
    return {
        "time": (now or datetime.now(UTC)).isoformat(timespec="seconds"),
        "question_set": question_set,
        "chat_model": "" if retrieval_only else chat_model,
        "embedder": embedder,
        "mode": "retrieval" if retrieval_only else "answers",
        "retrieval": retrieval,
    }


def write_run_info(folder: Path, info: dict[str, Any]) -> Path:
    """Write ``folder/run.json`` (creating the folder).

    Raises:
        RagError: If it cannot be written.
    """
    path = Path(folder) / RUN_FILE
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise RagError(f"cannot create {path.parent}: {exc.strerror}") from None
    write_atomic(path, json.dumps(info, ensure_ascii=False, indent=2))
    return path


def _time(folder: Path, info: dict[str, Any]) -> datetime | None:
    with_zone = lambda d: d if d.tzinfo else d.replace(tzinfo=UTC)  # noqa: E731
    try:
        return with_zone(datetime.fromisoformat(info["time"]))
    except (KeyError, TypeError, ValueError):
        pass
    try:
        return datetime.strptime(folder.name, STAMP).replace(tzinfo=UTC)
    except ValueError:
        return datetime.fromtimestamp((folder / REPORT_FILE).stat().st_mtime, UTC)


def read_run(folder: Path, key: str) -> Run:
    """One run from its folder.

    Raises:
        OSError: If ``report.json`` cannot be read.
        ValueError: If it is not a report (or ``run.json`` is not an object).
    """
    report = json.loads((folder / REPORT_FILE).read_text(encoding="utf-8"))
    if not isinstance(report, dict) or not isinstance(report.get("summary"), dict):
        raise ValueError("report.json has no summary")
    info: dict[str, Any] = {}
    if (folder / RUN_FILE).is_file():
        info = json.loads((folder / RUN_FILE).read_text(encoding="utf-8"))
        if not isinstance(info, dict):
            raise ValueError("run.json is not an object")
    answered = any(isinstance(r, dict) and r.get("mode") for r in report.get("rows", []))
    return Run(
        key=key,
        folder=folder,
        time=_time(folder, info),
        question_set=str(info.get("question_set") or ""),
        chat_model=str(info.get("chat_model") or ""),
        embedder=str(info.get("embedder") or ""),
        mode=str(info.get("mode") or ("answers" if answered else "retrieval")),
        summary=report["summary"],
    )


def read_runs(eval_dir: Path) -> tuple[list[Run], list[str]]:
    """Every run under ``eval_dir`` (and one folder deeper, for compared configurations).

    Returns:
        The runs, newest first, and a note per folder that could not be read.
    """
    root = Path(eval_dir)
    if not root.is_dir():
        return [], []
    folders = []
    for folder in sorted(p for p in root.iterdir() if p.is_dir()):
        inner = [p for p in sorted(folder.iterdir()) if (p / REPORT_FILE).is_file()]
        folders.extend(inner if inner and not (folder / REPORT_FILE).is_file() else [folder])
    runs, notes = [], []
    for folder in folders:
        key = folder.relative_to(root).as_posix()
        try:
            runs.append(read_run(folder, key))
        except FileNotFoundError:
            notes.append(f"{key}: no report.json yet (a run still going, or one that failed)")
        except (OSError, ValueError) as exc:
            notes.append(f"{key}: unreadable ({exc})")
    oldest = datetime.min.replace(tzinfo=UTC)
    runs.sort(key=lambda r: (r.time or oldest, r.key), reverse=True)
    return runs, notes


def _when(run: Run) -> str:
    return run.time.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S") if run.time else "–"


def mode_label(run: Run, lang: str) -> str:
    """``answers`` or ``retrieval only``, in the UI's language."""
    return t.say("mode_answers" if run.mode == "answers" else "mode_retrieval", lang)


def run_label(run: Run, lang: str) -> str:
    """A one-line name for a run: time · question set · mode."""
    name = run.question_set or t.say("unknown", lang)
    return f"{_when(run)} · {name} · {mode_label(run, lang)}"


def choices(runs: list[Run], lang: str) -> list[tuple[str, str]]:
    """Dropdown choices: (label, key), newest first."""
    return [(run_label(r, lang), r.key) for r in runs]


def headline(summary: dict[str, Any], name: str) -> str:
    """A metric as ``all / ko / en`` (– where a language or the metric is missing)."""
    return " / ".join(fmt(summary.get(block, {}).get(name)) for block in BLOCKS)


def report_link(run: Run, lang: str) -> Html | str:
    """A link that opens the run's ``report.html`` in a new tab, if it has one."""
    path = run.folder / "report.html"
    if not path.is_file():
        return "–"
    url = FILE_URL.format(path=quote(str(path.resolve())))
    return Html(
        f'<a class="rag-report" href="{escape(url, quote=True)}" target="_blank" '
        f'rel="noopener">report.html ↗</a>'
    )


def history_html(runs: list[Run], lang: str) -> str:
    """The table of past runs, newest first."""
    if not runs:
        return f'<div class="rag-empty">{t.say("history_none", lang)}</div>'
    unknown = t.say("unknown", lang)
    headers = [
        t.say("col_time", lang),
        t.say("col_set", lang),
        t.say("col_mode", lang),
        t.say("col_model", lang),
        t.say("col_questions", lang),
        *(f"{name} ({t.say('all_langs', lang)})" for name in HEADLINE),
        t.say("col_report", lang),
    ]
    rows = [
        [
            _when(r),
            r.question_set or unknown,
            mode_label(r, lang),
            r.model or unknown,
            "–" if r.questions is None else r.questions,
            *(headline(r.summary, name) for name in HEADLINE),
            report_link(r, lang),
        ]
        for r in runs
    ]
    return table_html(headers, rows).replace('class="rag-table"', 'class="rag-table rag-history"')


def _delta_cell(name: str, delta: str) -> Html | str:
    try:
        value = float(delta)
    except ValueError:
        return delta
    if value == 0:
        return delta
    better = (value < 0) == (name in LOWER_IS_BETTER)
    shown = f"+{delta}" if value > 0 else delta
    return Html(f'<span class="rag-delta-{"up" if better else "down"}">{escape(shown)}</span>')


def comparison_html(a: Run, b: Run, lang: str) -> str:
    """Runs A and B side by side, per metric, with B − A; one table per language."""
    caption = (
        f'<div class="rag-compare-caption"><b>A</b> = {escape(run_label(a, lang))} '
        f"({a.questions or 0})<br><b>B</b> = {escape(run_label(b, lang))} "
        f"({b.questions or 0})</div>"
    )
    parts = [caption]
    for block in BLOCKS:
        if block not in a.summary and block not in b.summary:
            continue
        head, rows = compare_rows({"A": a.summary, "B": b.summary}, block)
        head[-1] = "Δ (B − A)"
        shown = [[*row[:-1], _delta_cell(row[0], row[-1])] for row in rows]
        name = t.say("lang_all", lang) if block == "all" else block
        table = table_html([f"{head[0]} · {name}", *head[1:]], shown)
        if block == "all":
            parts.append(table)
        else:
            parts.append(f"<details><summary>{escape(name)}</summary>{table}</details>")
    return f'<div class="rag-compare">{"".join(parts)}</div>'


def compare(runs: list[Run], key_a: str | None, key_b: str | None, lang: str) -> str:
    """The comparison of the two chosen runs, or a hint to pick two."""
    found = {r.key: r for r in runs}
    if not key_a or not key_b or key_a not in found or key_b not in found:
        return f'<div class="rag-empty">{t.say("pick_two", lang)}</div>'
    return comparison_html(found[key_a], found[key_b], lang)
