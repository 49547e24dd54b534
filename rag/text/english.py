"""English renderings of the figures in a Korean sentence, for English answers.

A small chat model asked in English about "2024년 9090억원 규모 예산" has to turn
9090억 into 909 billion itself, and often gets it wrong. :func:`with_english_figures`
writes the English form after each amount and date instead:
``9090억원`` -> ``9090억원 (909 billion won)``, ``2월 10~11일`` -> ``2월 10~11일
(February 10-11)``, so the model can copy it.
"""

from __future__ import annotations

from rag.text.numbers import Quantity, find_quantities, render_en

# Kinds whose English form differs from the Korean one; counts and years read the same.
_RENDERED = frozenset({"money", "date", "month"})


def render(found: Quantity) -> str:
    """A quantity's English form for an English reader, or "" when its digits read the same.

    ``9090억원`` -> ``909 billion won``; a hedged amount (``약 47조원``) -> ``about 47
    trillion won``; ``2월 10일`` -> ``February 10``.
    """
    if found.kind not in _RENDERED:
        return ""
    return ("about " if found.approx and found.kind == "money" else "") + render_en(found)


def with_english_figures(text: str) -> str:
    """``text`` with the English form of each amount and date in parentheses after it.

    A range of dates (``2월 10~11일``) gets one parenthesis with both ends.
    """
    spans: dict[tuple[int, str], list[str]] = {}
    for found in find_quantities(text):
        english = render(found)
        if english and found.start >= 0 and found.text:
            spans.setdefault((found.start, found.text), []).append(english)
    out, cursor = [], 0
    for (start, surface), renderings in sorted(spans.items()):
        end = start + len(surface)
        if start < cursor:
            continue
        forms = list(dict.fromkeys(renderings))
        if len(forms) == 2 and all(f.split()[0] == forms[0].split()[0] for f in forms):
            forms = [f"{forms[0]}-{forms[1].split()[-1]}"]
        out.append(f"{text[cursor:end]} ({', '.join(forms)})")
        cursor = end
    out.append(text[cursor:])
    return "".join(out)
