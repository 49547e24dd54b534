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
# Korean names whose English form is not a romanisation (or is one a model may spell
# another way), and the common words among Kiwi's proper nouns: the corpus's, by hand.
# The first form is how an English sentence writes it (:func:`english_form`).
ENGLISH_NAMES = {
    "한국": ("Korea", "korean"),
    "대한민국": ("Korea", "korean"),
    "중국": ("China", "chinese"),
    "일본": ("Japan", "japanese"),
    "미국": ("United States", "u.s.", "us", "america", "american"),
    "영국": ("United Kingdom", "uk", "britain", "british"),
    "독일": ("Germany", "german"),
    "인도": ("India", "indian"),
    "유럽": ("Europe", "european"),
    "프랑스": ("France", "french"),
    "싱가포르": ("Singapore", "singaporean"),
    "캐나다": ("Canada", "canadian"),
    "유럽연합": ("European Union", "eu"),
    "아세안": ("ASEAN",),
    "중동": ("Middle East", "middle eastern"),
    "아태지역": ("Asia-Pacific", "asia pacific"),
    "뉴욕": ("New York",),
    "서울": ("Seoul",),
    "실리콘밸리": ("Silicon Valley",),
    "백악관": ("White House",),
    "청와대": ("Cheong Wa Dae", "cheongwadae", "blue house"),
    "전인대": ("National People's Congress", "national people’s congress", "npc"),
    "전국인민대표대회": ("National People's Congress", "national people’s congress", "npc"),
    "인민일보": ("People's Daily", "people’s daily"),
    "연합뉴스": ("Yonhap",),
    "전자신문": ("Electronic Times", "etnews"),
    "코엑스": ("COEX",),
    "엠마뉘엘": ("Emmanuel",),
    "마크롱": ("Macron",),
    "밴스": ("Vance",),
    "네이버": ("Naver",),
    "카카오": ("Kakao",),
    "리벨리온": ("Rebellions", "rebellion"),
    "코난테크놀로지": ("Konan Technology",),
    "스캐터랩": ("Scatter Lab", "scatterlab"),
    # Loanwords and words Kiwi tags as proper nouns, which are translated as words.
    "클라우드": ("cloud",),
    "플래그십": ("flagship",),
    "이노베이션": ("innovation",),
    "코칭": ("coaching",),
    "초거대": ("hyperscale", "hyper-scale", "super-large", "super-giant", "giant", "large-scale"),
}
# Skeleton similarity from which a Latin name counts as a romanisation.
SIMILAR = 0.6
# How many consonants a Latin name may have beyond the Hangul one's (h aside, which
# spells sh, ch, zh and rh): "Paris" for 파리, not "France", "Public" or "February".
LONGER = 1
# The share of the Hangul name's consonants the Latin one must hold: "An" holds one of
# 아세안's two (s, n), and so does "Choi" of 초거대's three.
COVERED = 0.6
# Common family names. A Hangul name of two or three syllables that begins with one is
# read as a person's, family name first: the given name must sound like its own, so
# "Choi Sung-hak" does not pass for 최현택 on the 최 and a shared n. A single word must
# sound like the whole name (0.8, every consonant): "Background" scores 0.62 against
# 배경훈, while Seoul (서울) and Gojin (고진) pass.
# Each is given with the way it is usually written in English (not Revised
# Romanisation's Gim, I, Bak, Choe), which a translation is handed (:func:`english_form`).
_FAMILY_ENGLISH = dict(
    zip(
        "김이박최정강조윤장임한오서신권황안송류전홍고문양손배백허유남심노하곽성차주우구민진나지엄채원천방공현함변염",
        (
            "Kim Lee Park Choi Jung Kang Cho Yoon Jang Lim Han Oh Seo Shin Kwon Hwang Ahn Song "
            "Ryu Jeon Hong Ko Moon Yang Son Bae Baek Heo Yoo Nam Shim Roh Ha Kwak Sung Cha Joo "
            "Woo Koo Min Jin Na Ji Eom Chae Won Cheon Bang Kong Hyun Ham Byun Yeom"
        ).split(),
        strict=True,
    )
)
_FAMILY_NAMES = frozenset(_FAMILY_ENGLISH)
SIMILAR_WORD = 0.8
# How a name's first consonant may be spelled, by its initial (ㄱ, ㄲ, ㄴ, ...). The
# skeletons merge g/k/c, so "Kwon" would pass for 최 on them alone. Foreign names
# written in Hangul keep their own spelling: 베트남 Vietnam, 제네바 Geneva, 칭화
# Tsinghua or Qinghua, 후쿠시마 Fukushima.
_ONSETS = (
    ("g", "k"), ("k", "g"), ("n",), ("d", "t"), ("t", "d"), ("r", "l"), ("m",),
    ("b", "p", "v"), ("p", "b"), ("s", "x", "c"), ("s", "c"), tuple("aeiouyw"),
    ("j", "ch", "c", "z", "g"), ("j", "ch", "z"), ("ch", "c", "j", "q", "ts"), ("k", "c"),
    ("t",), ("p", "f"), ("h", "f"),
)  # fmt: skip
# Family names in ㄴ, ㄹ and ㅇ are spelled more ways: 노 Roh, 류 Yoo, 이 Lee or Rhee, 임 Lim.
_FAMILY_ONSETS = {2: ("n", "r"), 5: ("r", "l", "y", "n"), 11: tuple("aeiouywlr")}
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


def _skeletons(latin: str, hangul: str) -> tuple[str, str, int]:
    """Both consonant skeletons and how many consonants they share, in order."""
    a, b = skeleton(latin), skeleton(romanize(hangul))
    blocks = difflib.SequenceMatcher(None, a, b).get_matching_blocks()
    return a, b, sum(block.size for block in blocks)


def _ratio(a: str, b: str, shared: int) -> float:
    """How alike two skeletons are, 0-1, from the consonants they share."""
    return 2 * shared / (len(a) + len(b)) if a and b else 0.0


def similarity(latin: str, hangul: str) -> float:
    """How alike a Latin spelling and a Hangul word sound, 0-1 (consonant skeletons)."""
    return _ratio(*_skeletons(latin, hangul))


def _person(hangul: str) -> bool:
    """Whether a Hangul name reads as a person's: two or three syllables, a family name first."""
    return len(hangul) in (2, 3) and hangul[0] in _FAMILY_NAMES


def same_onset(latin: str, hangul: str) -> bool:
    """Whether a Latin name can begin with the first consonant of a Hangul one.

    최 may be Choi, Choe or Chey, never Kwon; 뉴욕 begins with an n, and 이 with a
    vowel, y, w, l or r. A name that begins with no Hangul is not checked.
    """
    code = ord(hangul[0]) - 0xAC00 if hangul else -1
    if not 0 <= code < 11172:
        return True
    initial = code // 588
    onsets = _FAMILY_ONSETS.get(initial) if _person(hangul) else None
    return latin.lower().startswith(onsets or _ONSETS[initial])


def capitalised_runs(english: str) -> list[str]:
    """The runs of capitalised words of an English text: where a romanised name can be."""
    return _CAPITALISED_RUN.findall(english)


def rendered(hangul: str, english: str) -> bool:
    """Whether an English text renders a Hangul name.

    It does when it holds the name itself, the name's known English form (a name
    that has one is rendered by nothing else: "Paris" is no rendering of 프랑스), or
    one to three capitalised words in a row that sound like it (:func:`sounds_like`).
    """
    known = ENGLISH_NAMES.get(hangul, ())
    if hangul in english:
        return True
    if known:
        return any(holds_words(english, k, ignore_case=True) for k in known)
    runs = (
        words[i : i + n]
        for words in (r.split() for r in capitalised_runs(english))
        for n in (1, 2, 3)
        for i in range(len(words) - n + 1)
    )
    return any(sounds_like(run, hangul) for run in runs)


def sounds_like(words: list[str], hangul: str) -> bool:
    """Whether a run of Latin words can be the romanisation of a Hangul name.

    The skeletons are alike (:data:`SIMILAR`), the Latin one holds most of the Hangul
    one's consonants (:data:`COVERED`) and few more (:data:`LONGER`), and the run
    begins as the name does (:func:`same_onset`). A person's name is one word that
    sounds like all of it, or a family name followed by words that sound like the
    given name.
    """
    run = " ".join(words)
    a, b, shared = _skeletons(run, hangul)
    ratio = _ratio(a, b, shared)
    if len(a.replace("h", "")) > len(b.replace("h", "")) + LONGER:
        return False
    if ratio < SIMILAR or shared < COVERED * len(b) or not same_onset(run, hangul):
        return False
    if not _person(hangul):
        return True
    if len(words) == 1:
        return ratio >= SIMILAR_WORD and shared == len(b)
    given, rest = hangul[1:], " ".join(words[1:])
    return similarity(rest, given) >= SIMILAR and same_onset(rest, given)


def hangul_names(text: str) -> list[str]:
    """The names of a Korean text a translation must render.

    Kiwi's Hangul proper nouns of two syllables or more, institutions (which are
    translated, not romanised) aside.
    """
    found = (t.form for t in kiwi().tokenize(text) if t.tag == "NNP")
    return list(
        dict.fromkeys(n for n in found if _HANGUL_ONLY.match(n) and not _INSTITUTION.search(n))
    )


def words_pattern(words: str, ignore_case: bool = False) -> re.Pattern[str]:
    """The pattern of ``words`` as whole Latin words ("EU" in "EU가" too).

    The one rule for finding a Latin name in text: letters and digits around it make
    another word ("US" is not in "USB"), Hangul does not (Korean particles attach).
    """
    pattern = rf"(?<![A-Za-z0-9]){re.escape(words)}(?![A-Za-z0-9])"
    return re.compile(pattern, re.IGNORECASE if ignore_case else 0)


def holds_words(text: str, words: str, ignore_case: bool = False) -> bool:
    """Whether ``text`` holds ``words`` as whole Latin words (:func:`words_pattern`)."""
    return words_pattern(words, ignore_case).search(text) is not None


def english_form(hangul: str, question: str = "") -> str:
    """How an English sentence should write a Hangul name, or "" when that is not known.

    The name's known English form (``전인대`` -> ``National People's Congress``); else
    the spelling of an English question that names it (``리창`` -> ``Li Qiang``, one to
    three capitalised words that :func:`sounds_like` it, the fewest first); else, for a
    Korean person's name of three syllables, the usual spelling of the family name and
    the given name in Revised Romanisation, with the Hangul after it for the reader to
    check (``최현택`` -> ``Choi Hyeon-taek (최현택)``). Other names (a company the table
    does not know, a two-syllable name, which is as often a place: 서울, 강릉) are left
    to the translator.
    """
    known = ENGLISH_NAMES.get(hangul)
    if known:
        return known[0]
    words = [r.split() for r in capitalised_runs(question)]
    for n in (1, 2, 3):
        for run in (w[i : i + n] for w in words for i in range(len(w) - n + 1)):
            if sounds_like(run, hangul):
                return " ".join(run)
    if _person(hangul) and len(hangul) == 3:
        given = "-".join(romanize(syllable) for syllable in hangul[1:]).capitalize()
        return f"{_FAMILY_ENGLISH[hangul[0]]} {given} ({hangul})"
    return ""


def with_english_names(text: str, question: str = "") -> str:
    """``text`` with each name :func:`english_form` knows written in English, in place.

    A small model translating "리창 중국 총리가" or "네이버, 카카오, 리벨리온" drops the
    premier or writes Google for 네이버; given "Li Qiang China 총리가" it copies the
    name, as it copies the figures already in English (:mod:`rag.text.english`). Only a
    name that stands as a word is replaced: one followed by a particle, a space or
    punctuation, not the 한국 of 한국소프트웨어산업협회 or 한국IT.
    """
    tokens = kiwi().tokenize(text)
    out, cursor = [], 0
    for i, token in enumerate(tokens):
        end = token.start + token.len
        after = tokens[i + 1] if i + 1 < len(tokens) else None
        glued = after is not None and after.start == end and not after.tag.startswith(("J", "S"))
        if (
            token.tag != "NNP"
            or text[token.start : end] != token.form
            or not _HANGUL_ONLY.match(token.form)
            or _INSTITUTION.search(token.form)
            or glued
            or (end < len(text) and text[end].isascii() and text[end].isalnum())
            or (token.start > 0 and text[token.start - 1].isalnum())
        ):
            continue
        english = english_form(token.form, question)
        if english:
            out.append(text[cursor : token.start] + english)
            cursor = end
    out.append(text[cursor:])
    return "".join(out)


__all__ = [
    "ENGLISH_NAMES",
    "capitalised_runs",
    "english_form",
    "hangul_names",
    "holds_words",
    "rendered",
    "romanize",
    "same_onset",
    "similarity",
    "skeleton",
    "sounds_like",
    "with_english_names",
    "words_pattern",
]
