"""The name check of translations, this tree against an earlier commit, on stored answers.

Pairs every Hangul name of the corpus (:func:`rag.text.romanize.hangul_names` over the
index's passages) with every capitalised run of words in the English answers stored
under ``bench/results/`` and asks both versions of ``rendered`` whether the run renders
the name. Nothing is generated, so the figures repeat exactly.

    python bench/romanize_pairs.py --against 842dd52 [--index index] [--out FILE]

Prints how many pairs each version accepts and every pair on which they differ, and
writes bench/results/romanize-names/pairs.json (or ``--out``).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = Path(__file__).parent / "results"


def _old_module(commit: str):
    """The romanize module as it was at a commit, loaded beside this tree's."""
    source = subprocess.run(
        ["git", "-C", str(ROOT), "show", f"{commit}:rag/text/romanize.py"],
        check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    path = Path(tempfile.mkdtemp()) / "old_romanize.py"
    path.write_text(source, encoding="utf-8")
    spec = importlib.util.spec_from_file_location("old_romanize", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _runs() -> list[str]:
    """Capitalised runs of words in the stored English answers, each once."""
    from rag.text.lang import language
    from rag.text.romanize import capitalised_runs

    runs: dict[str, None] = {}
    for rows in sorted(RESULTS.rglob("rows.jsonl")):
        for line in rows.read_text(encoding="utf-8").splitlines():
            answer = json.loads(line).get("answer") or ""
            if language(answer) == "en":
                runs.update(dict.fromkeys(capitalised_runs(answer)))
    return list(runs)


def _names(index: Path) -> list[str]:
    """The Hangul names of the index's passages, each once."""
    from rag.text.romanize import hangul_names

    names: dict[str, None] = {}
    for line in (index / "chunks.jsonl").read_text(encoding="utf-8").splitlines():
        names.update(dict.fromkeys(hangul_names(json.loads(line)["text"])))
    return list(names)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--against", required=True, help="the earlier commit")
    parser.add_argument("--index", type=Path, default=ROOT / "index")
    parser.add_argument("--out", type=Path, default=RESULTS / "romanize-names" / "pairs.json")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from rag.text import romanize

    old = _old_module(args.against)
    names, runs = _names(args.index), _runs()
    pairs = [(n, r) for n in names for r in runs]
    verdicts = [(n, r, old.rendered(n, r), romanize.rendered(n, r)) for n, r in pairs]
    changed = [v for v in verdicts if v[2] != v[3]]
    summary = {
        "against": args.against,
        "names": len(names),
        "runs": len(runs),
        "pairs": len(pairs),
        "accepted_before": sum(v[2] for v in verdicts),
        "accepted_now": sum(v[3] for v in verdicts),
        "dropped": [[n, r] for n, r, a, b in changed if a],
        "added": [[n, r] for n, r, a, b in changed if b],
        "accepted": [[n, r] for n, r, _, b in verdicts if b],
    }
    print(f"{len(names)} names x {len(runs)} runs = {len(pairs)} pairs")
    print(
        f"accepted: {summary['accepted_before']} at {args.against}, {summary['accepted_now']} now"
    )
    for label in ("dropped", "added"):
        print(f"{label} ({len(summary[label])}):")
        for n, r in summary[label]:
            print(f"  {n} <- {r}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(summary, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
