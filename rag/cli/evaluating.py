"""``rag eval``: a question set (or a claim set) through the system, and calibration."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from rag.cli.common import config_from
from rag.config import Config


def cmd_eval(args: argparse.Namespace) -> None:
    """Run a question set; write rows.jsonl and report.json/.md/.html per configuration."""
    from tqdm import tqdm

    from rag.evaluation import faithfulness, runner
    from rag.evaluation.questions import load_questions

    if faithfulness.is_claim_set(args.questions):
        _eval_claims(args)
        return
    questions = load_questions(args.questions)
    title = f"rag eval {args.questions.name}"
    configs = runner.variants(
        lambda path, extra: config_from(args, path, **extra),
        args.config or [],
        args.compare,
        args.calibrate,
    )
    outcome = runner.run_all(
        questions,
        configs,
        args.out,
        title,
        args.retrieval_only,
        args.resume,
        args.calibrate,
        lambda items, label: tqdm(items, desc=label, unit="q", file=sys.stderr),
    )
    print(outcome.table, end="")
    print(f"reports in {args.out}/", file=sys.stderr)
    if args.calibrate:
        _calibrate(args, outcome, questions, configs[""], title)


def _eval_claims(args: argparse.Namespace) -> None:
    """Score the faithfulness check on a claim set; with --calibrate, set faithful_below."""
    from tqdm import tqdm

    from rag.config import model_key
    from rag.evaluation import calibrate, runner

    config = config_from(args, (args.config or [None])[0])
    run = runner.run_claims(
        args.questions,
        config,
        args.out,
        args.calibrate,
        args.folds,
        lambda items: tqdm(items, desc="claims", unit="claim", file=sys.stderr),
    )
    print(f"faithful_below = {run.threshold:.4f}\n" + run.table, end="")
    print(f"reports in {args.out}/", file=sys.stderr)
    if run.chosen is None:
        return
    print(
        f"\neach of {args.folds} folds judged with the threshold chosen on the others:\n"
        + run.held_out,
        end="",
    )
    target = (args.config or [Path("rag.toml")])[0]
    model = model_key(config.llm_model)
    said = f"faithful_below = {run.chosen:.4f} for {model}"
    if args.dry_run:
        print(f"{said} (dry run: {target} unchanged)")
    else:
        calibrate.write_settings(target, {"faithful_below": run.chosen}, model)
        print(f"wrote {said} to {target}")


def _calibrate(
    args: argparse.Namespace, outcome: Any, questions: Any, config: Config, title: str
) -> None:
    from rag.config import model_key
    from rag.evaluation import calibrate, runner

    chosen = runner.calibrate_rows(
        outcome.rows[""],
        questions,
        outcome.chunks,
        args.out,
        title,
        args.folds,
        args.max_false_refusals,
    )
    print("\n" + chosen.tradeoff, end="")
    if chosen.held_out:
        out = args.out / "held-out"
        print(
            f"\neach of {args.folds} folds scored with thresholds chosen on the others "
            f"(reports in {out}/):\n" + chosen.held_out,
            end="",
        )
    target = (args.config or [Path("rag.toml")])[0]
    model = model_key(config.llm_model)
    said = ", ".join(f"{name} = {value:.4f}" for name, value in chosen.settings.items())
    if args.dry_run:
        print(f"{said} for {model} (dry run: {target} unchanged)")
    else:
        calibrate.write_settings(target, chosen.settings, model)
        print(f"wrote {said} for {model} to {target}")
