"""Whether a Latin name can be the romanisation of a Hangul one (네이버 ~ Naver).

A small model translating a Korean list of companies may write "Google" for 네이버.
The check here is phonetic and rough on purpose: Hangul is romanised syllable by
syllable (Revised Romanisation, no sound changes), both sides are reduced to their
consonants with the letters that stand for one Korean sound merged (b/v, p/f, r/l,
g/k/c/q, j/z, s/x), and the two skeletons are compared. Real romanisations (Naver,
Kakao, Rebellions, Zhongguancun, Macron) score 0.67-1.0 on the corpus's names;
an unrelated name (Google for 네이버, Samsung for 코난테크놀로지) 0.0-0.3.
"""

from __future__ import annotations

import difflib
import re

from rag.text.korean import kiwi

_INITIAL = "g kk n d tt r m b pp s ss - j jj ch k t p h".split()
_VOWEL = "a ae ya yae eo e yeo ye o wa wae oe yo u wo we wi yu eu ui i".split()
_FINAL = "- k k k n n n t l k m l l l p l m p p t t ng t t k t p t".split()
_MERGE = str.maketrans("vflkcqzx", "bprgggjs")
# Korean names whose English form is not a romanisation.
ENGLISH_NAMES = {
    "한국": ("korea",),
    "대한민국": ("korea",),
    "중국": ("china", "chinese"),
    "일본": ("japan",),
    "미국": ("united states", "u.s.", "us", "america", "american"),
    "영국": ("united kingdom", "uk", "britain", "british"),
    "독일": ("germany", "german"),
    "인도": ("india",),
    "유럽": ("europe",),
    "프랑스": ("france", "french"),
    "싱가포르": ("singapore",),
}
# Skeleton similarity from which a Latin name counts as a romanisation.
SIMILAR = 0.6
# How a name's first consonant may be spelled, by its initial (ㄱ, ㄲ, ㄴ, ...). The
# skeletons merge g/k/c, so "Kwon" would pass for 최 on them alone. ㄴ, ㄹ and ㅇ are
# spelled too many ways (노 Roh, 이 Lee or Yi, 임 Lim or Im) and are not checked.
# Foreign names written in Hangul keep their own spelling: 베트남 Vietnam, 제네바 Geneva,
# 칭화 Tsinghua or Qinghua, 후쿠시마 Fukushima.
_ONSETS = (
    ("g", "k"), ("k", "g"), None, ("d", "t"), ("t", "d"), None, ("m",), ("b", "p", "v"),
    ("p", "b"), ("s", "x", "c"), ("s", "c"), None, ("j", "ch", "c", "z", "g"),
    ("j", "ch", "z"), ("ch", "c", "j", "q", "ts"), ("k", "c"), ("t",), ("p", "f"),
    ("h", "f"),
)  # fmt: skip
# Institutions are translated, not romanised (한국소프트웨어산업협회, 과학기술정보통신부).
_INSTITUTION = re.compile(r"(?:협회|위원회|대회|회의|부|원|청|처|재단|센터|공사|연구소|기구)$")
_HANGUL_ONLY = re.compile(r"^[가-힣]{2,}$")
# Runs of capitalised words (a romanised name is capitalised: Konan Technology, Li Qiang).
_CAPITALISED_RUN = re.compile(r"[A-Z][A-Za-z'-]*(?:\s+[A-Z][A-Za-z'-]*)*")


def romanize(text: str) -> str:
    """Hangul syllables in Revised Romanisation letters (other characters kept, lowered)."""
    out = []
    for ch in text:
        code = ord(ch) - 0xAC00
        if 0 <= code < 11172:
            parts = (_INITIAL[code // 588], _VOWEL[code % 588 // 28], _FINAL[code % 28])
            out.append("".join(p for p in parts if p != "-"))
        else:
            out.append(ch.lower())
    return "".join(out)


def skeleton(latin: str) -> str:
    """The consonants of a Latin spelling, one letter per Korean sound."""
    letters = re.sub(r"[^a-z]", "", latin.lower()).translate(_MERGE)
    return re.sub(r"[aeiouwy]", "", letters)


def similarity(latin: str, hangul: str) -> float:
    """How alike a Latin spelling and a Hangul word sound, 0-1 (consonant skeletons)."""
    a, b = skeleton(latin), skeleton(romanize(hangul))
    if not a or not b:
        return 0.0
    return difflib.SequenceMatcher(None, a, b).ratio()


def same_onset(latin: str, hangul: str) -> bool:
    """Whether a Latin name can begin with the first consonant of a Hangul one.

    최 may be Choi, Choe or Chey, never Kwon; a name that begins with ㄴ, ㄹ, ㅇ or a
    non-Hangul letter is not checked.
    """
    code = ord(hangul[0]) - 0xAC00 if hangul else -1
    onsets = _ONSETS[code // 588] if 0 <= code < 11172 else None
    return onsets is None or latin.lower().startswith(onsets)


def rendered(hangul: str, english: str) -> bool:
    """Whether an English text renders a Hangul name.

    It does when it holds the name's known English form, the name itself, or one to
    three capitalised words in a row that sound like it and begin as it does
    (:func:`same_onset`).
    """
    known = ENGLISH_NAMES.get(hangul, ())
    if hangul in english or any(
        re.search(rf"(?<!\w){re.escape(k)}(?!\w)", english, re.I) for k in known
    ):
        return True
    runs = (
        " ".join(words[i : i + n])
        for words in (r.split() for r in _CAPITALISED_RUN.findall(english))
        for n in (1, 2, 3)
        for i in range(len(words) - n + 1)
    )
    return any(similarity(run, hangul) >= SIMILAR and same_onset(run, hangul) for run in runs)


def hangul_names(text: str) -> list[str]:
    """The names of a Korean text a translation must render.

    Kiwi's Hangul proper nouns of two syllables or more, institutions (which are
    translated, not romanised) aside.
    """
    found = (t.form for t in kiwi().tokenize(text) if t.tag == "NNP")
    return list(
        dict.fromkeys(n for n in found if _HANGUL_ONLY.match(n) and not _INSTITUTION.search(n))
    )


__all__ = [
    "ENGLISH_NAMES",
    "hangul_names",
    "rendered",
    "romanize",
    "same_onset",
    "similarity",
    "skeleton",
]
