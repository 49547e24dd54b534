"""How well the faithfulness check catches sentences their source does not state.

A claim set (``eval/faithfulness.jsonl``) holds answer-like sentences, each with the
passage it cites and whether the passage states it: faithful restatements and
paraphrases, and sentences with one detail changed (a number, a year, a venue, a
name, a negation, an invented detail). One JSON object per line::

    {"id": "f-001", "lang": "en", "doc_id": "...", "passage": "...",
     "claim": "...", "faithful": true, "kind": "paraphrase"}

:func:`score` runs :func:`rag.answering.faithful.check` on every claim, as answers
get it (an English claim reads the passage with English figures), and reports the
precision and recall of catching the unfaithful ones. :func:`calibrate` picks
``faithful_below`` on some folds and scores it on the others.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from rag.answering import faithful
from rag.errors import QuestionSetError
from rag.llm.base import Judge
from rag.text.english import with_english_figures
from rag.text.numbers import unsupported_numbers

FIELDS = ("id", "lang", "doc_id", "passage", "claim", "faithful", "kind")


@dataclass(frozen=True)
class Claim:
    """One sentence of the set and the passage it cites."""

    id: str
    lang: str
    doc_id: str
    passage: str
    claim: str
    faithful: bool
    kind: str


@dataclass(frozen=True)
class Checked:
    """What the check said of one claim.

    Attributes:
        claim: The claim.
        rule: The rule that rejected it ("numbers", or one of
            :func:`rag.answering.faithful.broken_rule`'s), or "".
        p_yes: The chat model's P(YES) that the passage states it (None: not asked, as
            of a claim in the passage's own words).
    """

    claim: Claim
    rule: str
    p_yes: float | None

    def rejected(self, threshold: float) -> bool:
        """Whether the check rejects the claim at this ``faithful_below``."""
        return bool(self.rule) or (self.p_yes is not None and self.p_yes < threshold)


def is_claim_set(path: Path) -> bool:
    """Whether a JSONL file's first object is a claim (it has ``claim`` and ``passage``)."""
    try:
        with Path(path).open(encoding="utf-8-sig") as fh:
            first = next((line for line in fh if line.strip()), "")
        return {"claim", "passage"} <= set(json.loads(first))
    except (OSError, ValueError, TypeError):
        return False


def load_claims(path: Path) -> list[Claim]:
    """Load a claim set.

    Raises:
        QuestionSetError: If the file is unreadable, a line is not a claim object, or
            an id repeats; the message names the file and line.
    """
    try:
        lines = Path(path).read_text(encoding="utf-8-sig").split("\n")
    except (OSError, UnicodeDecodeError) as exc:
        raise QuestionSetError(f"{path}: cannot read the claim set: {exc}") from None
    claims: list[Claim] = []
    for n, line in enumerate(lines, start=1):
        if line.strip():
            claims.append(_claim(path, n, line))
    ids = [c.id for c in claims]
    if len(set(ids)) != len(ids):
        raise QuestionSetError(f"{path}: claim ids repeat; give each line its own id")
    if not claims:
        raise QuestionSetError(f"{path}: no claims in the file")
    return claims


def _claim(path: Path, n: int, line: str) -> Claim:
    try:
        raw = json.loads(line)
    except ValueError as exc:
        raise QuestionSetError(f"{path}:{n}: not JSON ({exc.args[0]})") from None
    if not isinstance(raw, dict) or set(raw) != set(FIELDS):
        raise QuestionSetError(f"{path}:{n}: a claim has exactly the fields {', '.join(FIELDS)}")
    texts = [raw[k] for k in FIELDS if k != "faithful"]
    if not all(isinstance(v, str) and v.strip() for v in texts):
        raise QuestionSetError(f"{path}:{n}: every field but faithful is a non-empty string")
    if not isinstance(raw["faithful"], bool) or raw["lang"] not in ("ko", "en"):
        raise QuestionSetError(f'{path}:{n}: "faithful" is true or false, "lang" ko or en')
    return Claim(**raw)


def source_as_shown(claim: Claim) -> str:
    """The passage as an answer in the claim's language gets it (English figures added)."""
    return with_english_figures(claim.passage) if claim.lang == "en" else claim.passage


def check_all(
    claims: Iterable[Claim],
    judge: Judge | None,
    progress: Callable[[Iterable[Claim]], Iterable[Claim]] = iter,
) -> list[Checked]:
    """Run the rule checks and ask the chat model about every claim.

    The model is asked even where a rule rejects, so one run serves every threshold.

    Raises:
        GeneratorError: If the chat model fails.
    """
    out = []
    for claim in progress(list(claims)):
        source = source_as_shown(claim)
        rule = "numbers" if unsupported_numbers(claim.claim, [source]) else ""
        rule = rule or faithful.broken_rule(claim.claim, [source])[0]
        asked = judge is not None and not faithful.verbatim(claim.claim, [source])
        p = judge.yes_probability(faithful.messages(claim.claim, [source])) if asked else None
        out.append(Checked(claim, rule, p))
    return out


Verdict = tuple[Claim, bool]
"""A claim and whether the check rejected it."""


def verdicts(checked: Sequence[Checked], threshold: float) -> list[Verdict]:
    """What the check says of each claim at this ``faithful_below``."""
    return [(c.claim, c.rejected(threshold)) for c in checked]


@dataclass(frozen=True)
class Score:
    """Precision and recall of rejecting unfaithful claims, and the counts behind them."""

    precision: float | None
    recall: float | None
    rejected_faithful: int
    missed_unfaithful: int
    claims: int


def score(judged: Sequence[Verdict]) -> Score:
    """How well the verdicts separate unfaithful from faithful claims."""
    rejected = [claim for claim, no in judged if no]
    caught = sum(not c.faithful for c in rejected)
    unfaithful = sum(not c.faithful for c, _ in judged)
    return Score(
        caught / len(rejected) if rejected else None,
        caught / unfaithful if unfaithful else None,
        len(rejected) - caught,
        unfaithful - caught,
        len(judged),
    )


def best_threshold(checked: Sequence[Checked]) -> float:
    """The ``faithful_below`` with the best balance of precision and recall.

    Maximises the lower of the two, then their sum, then prefers the lower threshold
    (fewer faithful sentences lose their citation).
    """
    seen = sorted({round(c.p_yes, 4) for c in checked if c.p_yes is not None})
    candidates = [0.0, *(p + 0.0001 for p in seen)]

    def key(t: float) -> tuple[float, float, float]:
        s = score(verdicts(checked, t))
        p, r = s.precision or 0.0, s.recall or 0.0
        return (min(p, r), p + r, -t)

    return max(candidates, key=key)


def fold_of(claim: Claim, n: int) -> int:
    """A claim's fold: stable, whatever else the set holds."""
    return int(hashlib.sha256(claim.id.encode()).hexdigest(), 16) % n


def calibrate(checked: Sequence[Checked], n_folds: int = 2) -> tuple[float, list[Verdict]]:
    """The threshold chosen on all claims, and every claim judged as if held out.

    Returns:
        ``faithful_below`` chosen on the whole set, and each claim's verdict at the
        threshold chosen on the other folds: no claim is judged by a threshold fitted
        to it.
    """
    held: list[Verdict] = []
    for k in range(n_folds):
        rest = [c for c in checked if fold_of(c.claim, n_folds) != k]
        mine = [c for c in checked if fold_of(c.claim, n_folds) == k]
        held += verdicts(mine, best_threshold(rest))
    order = {c.claim.id: i for i, c in enumerate(checked)}
    return best_threshold(checked), sorted(held, key=lambda v: order[v[0].id])


def table(judged: Sequence[Verdict]) -> str:
    """Markdown: precision and recall per claim language, then claims judged right per kind."""
    lines = ["| claims | precision | recall | faithful rejected | unfaithful missed |"]
    lines.append("|---|---|---|---|---|")
    for lang in ("all", "ko", "en"):
        part = [v for v in judged if lang in ("all", v[0].lang)]
        s = score(part)
        cells = [_f(s.precision), _f(s.recall), str(s.rejected_faithful), str(s.missed_unfaithful)]
        lines.append(f"| {lang} ({s.claims}) | " + " | ".join(cells) + " |")
    lines += ["", "| kind | ko | en |", "|---|---|---|"]
    for kind in sorted({c.kind for c, _ in judged}):
        cells = []
        for lang in ("ko", "en"):
            part = [(c, no) for c, no in judged if c.kind == kind and c.lang == lang]
            cells.append(f"{sum(no != c.faithful for c, no in part)}/{len(part)}")
        lines.append(f"| {kind} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def _f(value: float | None) -> str:
    return "–" if value is None else f"{value:.3f}"
