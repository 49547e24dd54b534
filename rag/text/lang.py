"""Which language a text is in: Korean or English, by its letters."""

from __future__ import annotations

import re

LANGS = ("ko", "en")
_HANGUL = re.compile(r"[\uac00-\ud7a3\u1100-\u11ff\u3130-\u318f]")
_LATIN = re.compile(r"[A-Za-z]")
_LATIN_WORD = re.compile(r"[A-Za-z]+")
# Share of Hangul among letters at or above which a text counts as Korean. Korean
# text is full of Latin acronyms (AI, OECD, NIA), so the bar is well below half.
KOREAN_SHARE = 0.3


def hangul_share(text: str) -> float:
    """Share of Hangul among Hangul and Latin letters; 0 when there are none."""
    hangul, latin = len(_HANGUL.findall(text)), len(_LATIN.findall(text))
    return hangul / (hangul + latin) if hangul + latin else 0.0


def language(text: str) -> str:
    """``"ko"`` when at least :data:`KOREAN_SHARE` of the letters are Hangul, else ``"en"``.

    For passages and answer sentences; a question goes through :func:`detect`.
    """
    return "ko" if hangul_share(text) >= KOREAN_SHARE else "en"


def detect(text: str) -> str:
    """Return the language of a question, ``"ko"`` or ``"en"``.

    Grammar decides first: Korean particles and endings against English
    function words, so "What is 디지털 권리장전?" is English and "AI 기본법은
    언제 시행돼?" Korean. A tie goes by the share of Hangul letters.
    """
    from rag.text.korean import STOPWORDS, kiwi

    korean = sum(1 for t in kiwi().tokenize(text) if t.tag.startswith(("J", "E")))
    english = sum(1 for w in _LATIN_WORD.findall(text) if w.lower() in STOPWORDS)
    if korean != english:
        return "ko" if korean > english else "en"
    return language(text)


def matches(answer: str, lang: str) -> bool:
    """Whether an answer is written in ``lang``.

    An English answer may quote Korean names, so it only fails when Hangul
    dominates; a Korean answer fails when it is mostly Latin.
    """
    share = hangul_share(answer)
    return share >= KOREAN_SHARE if lang == "ko" else share < 0.5
