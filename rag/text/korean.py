"""Korean-aware sentence splitting and lexical tokens, both from kiwipiepy.

One Kiwi instance is loaded lazily and shared (loading takes about a second).
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kiwipiepy import Kiwi

# Kiwi tags kept for BM25: common/proper nouns, numerals, verb and adjective
# stems, roots, foreign words, numbers and hanja. Particles (J*), endings (E*),
# suffixes (XS*), symbols (S* other than SL/SN/SH) and bound nouns are dropped.
KEEP_TAGS = frozenset({"NNG", "NNP", "NR", "VV", "VA", "XR", "SL", "SN", "SH"})
# Units and currencies that Kiwi tags as bound nouns but that carry meaning.
KEEP_BOUND = frozenset({"원", "달러", "위안", "엔", "유로", "파운드", "명", "개국"})
# English function words; Korean ones are already gone by tag.
STOPWORDS = frozenset(
    "a an and are as at be been by did do does for from had has have how in is it its of on or"
    " that the their this to was were what when where which who whom why will with".split()
)
_LATIN_BOUNDARY = re.compile(r"(?<=[A-Za-z0-9)%][.!?])[\"')\]]?\s+(?=[\"'(\[“]?[A-Z0-9가-힣])")
# Words whose trailing period does not end a sentence.
_ABBREVIATION = re.compile(
    r"(?:\b(?:[A-Za-z]\.)+|\b(?:Mr|Mrs|Ms|Dr|Prof|Sr|Jr|St|vs|etc|Inc|Co|Corp|Ltd|No|Gov|Sen|Rep|Fig|Vol|pp|approx|Jan|Feb|Aug|Sept|Oct|Nov|Dec)\.)$"
)
_WORD = re.compile(r"[a-z0-9]+(?:[.'][a-z0-9]+)*")
_SPACE = re.compile(r"\s+")


@cache
def kiwi() -> Kiwi:
    """Return the shared Kiwi analyser, loading it on first use."""
    from kiwipiepy import Kiwi

    return Kiwi()


def unspaced(text: str) -> str:
    """``text`` without its spaces: how texts are compared whatever their Korean spacing.

    Korean spacing varies between writers (네이버 클라우드, 네이버클라우드), so names,
    sentences, paragraphs and character shingles are all compared without it.
    """
    return _SPACE.sub("", text)


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Split text into sentences, as character spans into ``text``.

    Kiwi splits Korean; English runs it leaves whole are split again at
    ``. ! ?`` followed by a capital or a digit. Line breaks always end a
    sentence, so a paragraph never shares a sentence with the next.

    Returns:
        ``(start, end)`` spans, in order, stripped of surrounding whitespace.
    """
    spans: list[tuple[int, int]] = []
    for para in re.finditer(r"[^\n]+", text):
        offset = para.start()
        for sent in kiwi().split_into_sents(para.group()):
            spans.extend(_split_latin(text, offset + sent.start, offset + sent.end))
    return spans


def _split_latin(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Split one Kiwi sentence further at English sentence boundaries."""
    pieces: list[tuple[int, int]] = []
    cursor = start
    for match in _LATIN_BOUNDARY.finditer(text, start, end):
        if _ABBREVIATION.search(text, start, match.start()):
            continue
        pieces.append((cursor, match.start() + len(match.group().rstrip())))
        cursor = match.end()
    pieces.append((cursor, end))
    return [s for s in (_strip_span(text, a, b) for a, b in pieces) if s[1] > s[0]]


def _strip_span(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def tokenize(text: str) -> list[str]:
    """Return the lexical tokens BM25 indexes: morphemes for Korean, words for English.

    Korean keeps nouns, verb and adjective stems, numbers and foreign words and
    drops particles and endings, so ``서울은`` and ``서울의`` both give ``서울``.
    Latin text is lower-cased; digits inside numbers with commas are joined
    (``9,090`` -> ``9090``).
    """
    text = unicodedata.normalize("NFKC", text)
    text = re.sub(r"(?<=\d),(?=\d{3})", "", text)
    tokens: list[str] = []
    for token in kiwi().tokenize(text):
        if token.tag in KEEP_TAGS or (token.tag == "NNB" and token.form in KEEP_BOUND):
            form = token.form.lower()
            words = _WORD.findall(form) if token.tag in ("SL", "SN") else [form]
            tokens.extend(w for w in words if w not in STOPWORDS)
    return tokens


NOUN_TAGS = frozenset({"NNG", "NNP", "NR", "XR", "SL", "SN", "SH"})


def content_words(text: str, tags: frozenset[str] = KEEP_TAGS) -> list[str]:
    """Words of the text cut after their last content morpheme, particles dropped.

    ``"한국 AI 도약방안이 뭐야?"`` gives ``["한국", "AI", "도약방안"]``; English
    function words go, as in :func:`tokenize`. ``tags`` selects the morphemes
    that count (e.g. :data:`NOUN_TAGS` for names and things only).
    """
    ends: dict[int, int] = {}  # word start -> end of its last content morpheme
    words = list(re.finditer(r"\S+", text))
    starts = [w.start() for w in words]
    for token in kiwi().tokenize(text):
        if token.tag not in tags or token.form.lower() in STOPWORDS:
            continue
        word = max((s for s in starts if s <= token.start), default=None)
        if word is not None:
            ends[word] = max(ends.get(word, 0), token.start + token.len)
    return [text[w.start() : ends[w.start()]] for w in words if w.start() in ends]
