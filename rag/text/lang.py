"""Which language a text is in: Korean or English, by its letters.

Only Korean and English are answered in. :func:`other_language` names a question
written in another script (Japanese, Chinese, Russian, ...), which is answered in
English with a note; another language in Latin letters reads as English.
"""

from __future__ import annotations

import re

LANGS = ("ko", "en")
_HANGUL = re.compile(r"[\uac00-\ud7a3\u1100-\u11ff\u3130-\u318f]")
_LATIN = re.compile(r"[A-Za-z]")
_LATIN_WORD = re.compile(r"[A-Za-z]+")
# Scripts of languages we do not answer in, by name; kana make Han characters Japanese.
_KANA = re.compile(r"[\u3040-\u30ff\u31f0-\u31ff\uff66-\uff9f]")
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_SCRIPTS = (
    ("Russian", re.compile(r"[\u0400-\u04ff]")),
    ("Arabic", re.compile(r"[\u0600-\u06ff\u0750-\u077f]")),
    ("Hebrew", re.compile(r"[\u0590-\u05ff]")),
    ("Greek", re.compile(r"[\u0370-\u03ff]")),
    ("Thai", re.compile(r"[\u0e00-\u0e7f]")),
    ("Hindi", re.compile(r"[\u0900-\u097f]")),
)
# Brackets and quotes, where an English sentence may give Korean; a ' next to a letter is
# an apostrophe ("Korea's"), not a quote.
_ENCLOSED = re.compile(
    r"\([^)]*\)|\[[^\]]*\]|\"[^\"]*\"|“[^”]*”|‘[^’]*’|「[^」]*」|『[^』]*』|"
    r"(?<![A-Za-z])'[^']*'(?![A-Za-z])"
)
# Share of Hangul among letters at or above which a text counts as Korean. Korean
# text is full of Latin acronyms (AI, OECD, NIA), so the bar is well below half.
KOREAN_SHARE = 0.3


def hangul_count(text: str) -> int:
    """How many Hangul characters (syllables and jamo) a text has."""
    return len(_HANGUL.findall(text))


def hangul_share(text: str) -> float:
    """Share of Hangul among Hangul and Latin letters; 0 when there are none."""
    hangul, latin = hangul_count(text), len(_LATIN.findall(text))
    return hangul / (hangul + latin) if hangul + latin else 0.0


def other_language(text: str) -> str | None:
    """The language of a text written mostly in a script that is neither Hangul nor Latin.

    ``"Japanese"`` when it has kana, ``"Chinese"`` for Han characters alone,
    ``"Russian"``, ``"Arabic"`` ... by script; None when Hangul and Latin letters
    are at least as many (a Korean question may write 中 or 美 in Hanja).
    """
    ours = hangul_count(text) + len(_LATIN.findall(text))
    kana, han = len(_KANA.findall(text)), len(_HAN.findall(text))
    counts = [("Japanese" if kana else "Chinese", kana + han)]
    counts += [(name, len(pattern.findall(text))) for name, pattern in _SCRIPTS]
    name, count = max(counts, key=lambda item: item[1])
    return name if count > ours else None


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


def korean_grammar(text: str) -> list[str]:
    """The Korean particles and endings of a text, outside brackets and quotes.

    An English sentence may give a Korean name, or quote a Korean phrase, in brackets or
    quotes ("Zhongguancun (중관춘)"), and a bare Korean name has no particle; one whose
    words carry 에서 or 의 ("event에서 70여명의 startups took part") is half Korean.
    """
    bare = _ENCLOSED.sub(" ", text)
    if not _HANGUL.search(bare):
        return []
    from rag.text.korean import kiwi

    return [t.form for t in kiwi().tokenize(bare) if t.tag.startswith(("J", "E"))]


def matches(answer: str, lang: str) -> bool:
    """Whether an answer is written in ``lang``.

    A Korean answer fails when it is mostly Latin. An English answer may give Korean
    names, so it fails when Hangul dominates, or when Korean grammar joins its words
    (:func:`korean_grammar`).
    """
    share = hangul_share(answer)
    if lang == "ko":
        return share >= KOREAN_SHARE
    return share < 0.5 and not korean_grammar(answer)
