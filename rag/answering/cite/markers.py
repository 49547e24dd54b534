"""Reading the citation markers and refusals of a generated answer.

:func:`parse` splits an answer into sentences and reads each sentence's citation
markers, in any of the styles small models produce (``[1]``, ``[1-3]``, ``【1】``,
``(출처: 1, 2)``, ``[Source 1]``, ``^1``), dropping a trailing "출처:" list;
:func:`split_answer` is the same reading with positions, for :mod:`rag.answering.cite.verify` to
rebuild the answer from. :func:`is_dont_know` tells whether the model declined to
answer, :func:`is_refusal` whether one sentence is a refusal, and :data:`BOILERPLATE`
matches sentences that frame an answer rather than state anything.
:func:`strip_markers` removes the same markers from a text.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from rag.text.korean import split_sentences

_ID = r"[0-9０-９]+"
_SEP = r"\s*(?:[,，、;/&]|and|및)\s*"
_SPAN = r"\s*[-–~∼]\s*"
_IDS = rf"#?{_ID}(?:(?:{_SEP}|{_SPAN})#?{_ID})*"
_LABEL = (
    r"(?:(?:출처|소스|source|sources|src|refs?|reference|참고|근거|자료|문서|문단|기사|"
    r"passage|doc|document)\s*[:：.]?\s*){1,2}"
)
_MARKER = re.compile(
    rf"[\[【［〔〚]\s*\^?\s*(?:{_LABEL})?(?P<b>{_IDS})\s*[\]】］〕〛]"
    rf"|[(（]\s*{_LABEL}(?P<p>{_IDS})\s*[)）]"
    rf"|(?<![0-9^])\^(?P<c>{_ID})(?!\w|[.,]\d)",
    re.IGNORECASE,
)
_LIST_PREFIX = re.compile(r"\s*(?:[-*•·▪‣◦]|\d{1,2}[.)]|\(\d{1,2}\)|[①-⑳]|#{1,6})\s+")
_STARTS_WITH_MARKER = re.compile(rf"^\s*(?:[-*•]\s*)?(?:{_MARKER.pattern})", re.IGNORECASE)
# A "출처:" / "Sources: [1][2]" line: the start of a list the model appended.
_REFERENCES = re.compile(
    r"(?im)^\s*(?:\*\*|#+\s*)?(?:출처|참고\s*(?:자료|문헌)?|근거|sources?|references?|citations?)"
    rf"(?:\*\*)?\s*[:：]?\s*(?:\*\*)?(?:\s*(?:{_MARKER.pattern}|[,，;]))*\s*$"
)
# Sentences that frame an answer rather than state anything.
BOILERPLATE = re.compile(
    r"(?:다음과|아래와)\s*같(?:습니다|다|아요)\W*$"
    r"|(?:답변|설명|정리|요약|소개|안내|말씀)\s*(?:드리|하)겠습니다\W*$"
    r"|(?:살펴보|알아보|알려\s*드리)겠습니다\W*$|도움이\s*되\w*\s*(?:바랍니다|좋겠습니다)"
    r"|^\W*(?:요약하면|정리하면|요약하자면|in summary|to summarize|in short|overall)\W*$"
    r"|^\W*(?:here\s+(?:is|are)|let\s+me|the following)\b[^:]*$"
    r"|\bhope\s+(?:this|that|it)\s+helps\b",
    re.IGNORECASE,
)
# Refusals: phrases that say so by themselves ...
_REFUSAL = re.compile(
    r"(?:찾을|찾아볼|확인할|답변할|답할|파악할)\s*수\s*(?:가\s*)?없"
    r"|알\s*수\s*(?:가\s*)?없(?:습니다|어요|네요|음)|모르겠|알지\s*못합니"
    r"|나와\s*있지\s*않|(?:언급|명시|기재)(?:되어\s*있|돼\s*있|되|하고\s*있)지\s*않"
    r"|(?:정보|언급|내용|자료|데이터)[^.!?\n]{0,20}?(?:없습니다|없어요|없네요|없음|없다)\W*$"
    r"|\b(?:i|we)\s+(?:could\s*n[o']t|can\s*n[o']t|cannot|was\s+unable\s+to|am\s+unable\s+to|"
    r"were\s+unable\s+to|did\s*n[o']t|do\s*n[o']t)\s+(?:find|locate|determine|know)"
    r"|\bnot\s+(?:mentioned|specified|stated|provided|given|available|found)\b"
    r"|\bno\s+(?:information|mention|details?|data)\b|\bi\s+don'?t\s+know\b",
    re.IGNORECASE,
)
# ... and phrases that are refusals only when the sentence talks about the sources.
_WEAK_REFUSAL = re.compile(
    r"(?:포함(?:되어|돼)|담겨|나타나)\s*있지\s*않|없습니다\W*$"
    r"|\b(?:do|does|did)\s*(?:n[o']t|not)\s+(?:contain|include|mention|provide|say|specify|state|"
    r"cover|discuss|address|give)\b",
    re.IGNORECASE,
)
_SOURCES = re.compile(
    r"기사|자료|문서|출처|제공된|본문|검색|\b(?:articles?|sources?|passages?|texts?|context|"
    r"documents?|provided|reports?)\b",
    re.IGNORECASE,
)

# ---------------------------------------------------------------- parsing


@dataclass(frozen=True)
class Sentence:
    """One answer sentence: its span in the marker-free text and its cited ids."""

    start: int
    end: int
    ids: tuple[int, ...]


@dataclass(frozen=True)
class Layout:
    """An answer with markers removed, and its sentences."""

    text: str
    sentences: tuple[Sentence, ...]


def _marker_ids(match: re.Match[str], n_sources: int) -> list[int]:
    """Read ``1, 2``, ``1-3``, ``１`` from a marker; keep ids in 1..n_sources."""
    body = match.group("b") or match.group("p") or match.group("c") or ""
    ids: list[int] = []
    for part in re.split(_SEP, body, flags=re.IGNORECASE):
        ends = [int(x) for x in re.findall(_ID, part)]
        if len(ends) == 2 and 0 < ends[1] - ends[0] <= 10:
            ends = list(range(ends[0], ends[1] + 1))
        ids.extend(ends)
    return [i for i in ids if 1 <= i <= n_sources]


def _strip_references(text: str) -> str:
    """Drop a trailing "출처:" / "Sources:" list the model appended."""
    heading = _REFERENCES.search(text)
    if heading is not None and text[: heading.start()].strip():
        return text[: heading.start()]
    lines = text.split("\n")
    while len(lines) > 1 and _STARTS_WITH_MARKER.match(lines[-1]) and _is_reference(lines[-1]):
        lines.pop()
    return "\n".join(lines)


def _is_reference(line: str) -> bool:
    """A line that is only a marker and a title, e.g. ``[1] 베이징시 ... - 파이낸셜뉴스``."""
    rest = _MARKER.sub(" ", line).strip(" -*•:")
    return not rest or not re.search(r"[.!?。]|다$|요$", rest)


def _remove_markers(text: str, n_sources: int) -> tuple[str, list[tuple[int, list[int]]]]:
    """Cut markers out of ``text``; return the clean text and (position, ids) per marker."""
    pieces: list[str] = []
    markers: list[tuple[int, list[int]]] = []
    cursor = length = 0
    for match in _MARKER.finditer(text):
        piece = text[cursor : match.start()]
        pieces.append(piece)
        length += len(piece)
        markers.append((length, _marker_ids(match, n_sources)))
        before = text[match.start() - 1] if match.start() else " "
        after = text[match.end()] if match.end() < len(text) else " "
        if not before.isspace() and not after.isspace() and after.isalnum():
            pieces.append(" ")
            length += 1
        cursor = match.end()
    pieces.append(text[cursor:])
    return "".join(pieces), markers


def _sentence_spans(text: str) -> list[tuple[int, int]]:
    """Sentences of each line, after any list bullet or number."""
    spans: list[tuple[int, int]] = []
    for line in re.finditer(r"[^\n]+", text):
        prefix = _LIST_PREFIX.match(line.group())
        offset = line.start() + (prefix.end() if prefix else 0)
        body = text[offset : line.end()]
        for start, end in split_sentences(body):
            if re.search(r"\w", body[start:end]):
                spans.append((offset + start, offset + end))
    return spans


def _owner(position: int, spans: Sequence[tuple[int, int]], text: str) -> int:
    """Which sentence a marker at ``position`` belongs to.

    A marker belongs to the sentence it sits in or follows ("…투입한다. [1]
    또한…" -> the first sentence), except at the start of a line, where it
    belongs to the sentence that follows on that line.
    """
    line_start = text.rfind("\n", 0, position) + 1
    if not _LIST_PREFIX.sub("", text[line_start:position]).strip():
        line_end = text.find("\n", position)
        line_end = len(text) if line_end < 0 else line_end
        for i, (start, _) in enumerate(spans):
            if position <= start < line_end:
                return i
    owner = 0
    for i, (start, _) in enumerate(spans):
        if start < position:
            owner = i
    return owner


def _next_owner(position: int, spans: Sequence[tuple[int, int]]) -> int:
    """Which sentence a marker belongs to in an answer that opens with one.

    Such an answer puts each marker before its sentence ("[1] A. [2] B."), so a
    marker between sentences belongs to the one after it; one inside a sentence
    ("[1] A [1]. B") to that sentence.
    """
    for i, (start, end) in enumerate(spans):
        if start < position < end or position <= start:
            return i
    return len(spans) - 1


def split_answer(answer: str, n_sources: int) -> Layout:
    """Remove the markers of ``answer`` and give each sentence the ids it cites.

    What :func:`parse` returns, with positions in the marker-free text; ids outside
    1..n_sources are dropped.
    """
    text, markers = _remove_markers(_strip_references(answer), n_sources)
    spans = _sentence_spans(text)
    ids: list[list[int]] = [[] for _ in spans]
    leading = bool(markers) and not text[: markers[0][0]].strip()
    for position, found in markers:
        if spans:
            at = _next_owner(position, spans) if leading else _owner(position, spans, text)
            owned = ids[at]
            owned.extend(i for i in found if i not in owned)
    sentences = tuple(Sentence(a, b, tuple(i)) for (a, b), i in zip(spans, ids, strict=True))
    return Layout(text, sentences)


def tidy(sentence: str) -> str:
    """Collapse spaces and close the gaps markers left before punctuation.

    The commas of a marker list ("있어.[1], [2], [3]", "이다 [1], [2].") go with it:
    a sentence does not end in "있어.,," or "이다,.".
    """
    sentence = re.sub(r"[(（]\s*[)）]", "", sentence)
    sentence = re.sub(r"[ \t\u00a0]+", " ", sentence)
    sentence = re.sub(r" +(?=[.,!?:;。、)\]」』”’%])", "", sentence)
    sentence = re.sub(r"(?<=[(\[「『“‘]) +", "", sentence)
    sentence = re.sub(r"(?:[ ,，]*,[ ,，]*)(?=[.!?。]?\s*$)", "", sentence.rstrip())
    return sentence.strip()


def parse(text: str, n_sources: int) -> list[tuple[str, tuple[int, ...]]]:
    """Split an answer into sentences and the source ids each cites.

    Reads ``[1]``, ``[1, 2]``, ``[1][2]``, ``[1-3]``, ``【1】``, ``［１］``,
    ``(출처 1)``, ``(출처: 1, 2)``, ``[출처 1]``, ``[Source 1]``,
    ``(source 1)`` and ``^1`` (not after a letter or digit, so ``10^3`` is
    not a citation). A marker right after a sentence's full stop belongs to
    that sentence, unless the answer opens with a marker: then each marker goes
    before its sentence ("[1] A. [2] B."). A trailing "출처:" / "Sources:" list is dropped.

    Args:
        text: The generated answer.
        n_sources: How many passages the model saw; other ids are dropped.

    Returns:
        ``(sentence, ids)`` per sentence, markers removed, ids in order of
        appearance without repeats.
    """
    layout = split_answer(text, n_sources)
    return [(tidy(layout.text[s.start : s.end]), s.ids) for s in layout.sentences]


# ---------------------------------------------------------------- refusals


def is_refusal(sentence: str) -> bool:
    """Whether a sentence says the sources do not hold something."""
    if _REFUSAL.search(sentence):
        return True
    return bool(_WEAK_REFUSAL.search(sentence) and _SOURCES.search(sentence))


def is_dont_know(text: str) -> bool:
    """Whether the answer says the sources do not hold the answer.

    True when the first sentence is a refusal ("기사에서 찾을 수 없습니다",
    "제공된 자료에는 … 없습니다", "I couldn't find", "the sources do not
    contain", "not mentioned", "no information") and no later sentence cites
    a source: "X is not mentioned, but the articles say Y [2]" is an answer.
    """
    sentences = parse(text, n_sources=10**6)
    if not sentences or not is_refusal(sentences[0][0]):
        return False
    return not any(ids for sentence, ids in sentences[1:] if not is_refusal(sentence))


def with_markers(sentence: str, numbers: Sequence[int]) -> str:
    """A sentence followed by its citation markers, as answers show them: ``…다.[1][2]``."""
    return sentence + "".join(f"[{n}]" for n in numbers)


def strip_markers(text: str, replacement: str = "") -> str:
    """Replace every citation marker :func:`parse` reads (``[1]``, ``(출처: 1, 2)``, ``^1``)."""
    return _MARKER.sub(replacement, text)


__all__ = [
    "BOILERPLATE",
    "Layout",
    "Sentence",
    "is_dont_know",
    "is_refusal",
    "parse",
    "split_answer",
    "strip_markers",
    "tidy",
    "with_markers",
]
