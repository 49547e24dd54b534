"""Clean a scraped article: keep the story, drop the page around it.

Text saved from a news page carries weather tickers, share buttons, section
names, lists of other headlines and sometimes a second story after the first
one ends. :func:`clean` applies generic line rules, in this order:

1. Whitespace is normalised; each non-empty line is one paragraph.
2. Context-free rules drop weather, page chrome, section names, date headers
   and metadata lines (date stamps, bylines, outlet names, news source), and
   strip outlet/reporter tags from the start of a paragraph.
3. Runs of timestamped headlines, with the headline just before them, go.
4. The first remaining line, if it looks like a headline (short, no sentence
   terminator) or equals the known title, is the title line; it and any
   repeat of it go. A title given by the page or the sidecar wins.
5. Repeated paragraphs are kept once.
6. An end marker (e-mail byline, news source, copyright, a "more news" block)
   in the later part of the article ends it: everything after it goes.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date

from rag.indexing import meta
from rag.indexing.ingest import Source
from rag.records import Document, Removed
from rag.text.korean import unspaced

_SPACES = re.compile(r"[\s\u00a0\u2000-\u200a\u202f\u205f\u3000]+")
_INVISIBLE = re.compile(r"[\u200b-\u200f\u2060\ufeff\u00ad]")
_BULLET = re.compile(r"^[•·▪◦‣∙●○■□◆◇▶▷►\-*]+\s*")
_SENTENCE_END = re.compile(r"[.!?。][\"'”’)\]」』]*$")
_WEATHER_COND = (
    r"(?:맑음|흐림|흐리고\s*비|구름많음|구름조금|구름|비|눈|소나기|안개|황사|박무|연무|뇌우|"
    r"천둥번개|진눈깨비|비/눈|눈/비|빗방울)"
)
_WEATHER_TOKEN = rf"{_WEATHER_COND}?\s*[가-힣]{{0,6}}\s*-?\d{{1,2}}(?:\.\d+)?\s*(?:℃|°C|°)"
_WEATHER = re.compile(
    rf"{_WEATHER_TOKEN}(?:\s*[/,|·]?\s*{_WEATHER_TOKEN})*"
    r"|기상청\s*제공|(?:오늘|내일)의?\s*날씨|날씨|미세먼지\s*(?:좋음|보통|나쁨|매우\s*나쁨)"
)
_DATE_HEADER = re.compile(
    r"\d{4}\s*[.\-/년]\s*\d{1,2}\s*[.\-/월]\s*\d{1,2}\s*일?\.?"
    r"\s*(?:\(?[월화수목금토일](?:요일)?\)?)?"
)
_BARE_TIMESTAMP = re.compile(r"\d{4}[.\-/]\d{1,2}[.\-/]\d{1,2}\.?\s*\d{1,2}:\d{2}(?::\d{2})?")
_TIMESTAMP = re.compile(
    r"^\d{4}[.\-/]\d{1,2}[.\-/]\d{1,2}\.?\s*\d{1,2}:\d{2}(?::\d{2})?"
    r"|\s(?:\d{2,4}[.\-/])?\d{1,2}[.\-/]\d{1,2}\.?\s+\d{1,2}:\d{2}(?::\d{2})?$"
)
_COPYRIGHT = re.compile(r"ⓒ|©|copyright|all rights reserved", re.IGNORECASE)
# "무단전재 및 재배포 금지", "무단 전재-재배포, AI 학습 및 활용 금지": a notice ends in 금지.
_COPYRIGHT_KO = re.compile(
    r"(?:무단\s*(?:전재|복제|배포|게재|사용)|재배포).*금지(?:합니다|함)?[.>)\]]*$"
)
_CODE_TOKEN = re.compile(r"[a-z]+[A-Z][A-Za-z0-9_]*")
# Buttons and labels of Korean news pages, spaces removed, lower case.
CHROME = frozenset(
    (
        "기사스크랩 스크랩 공유 공유하기 sns공유 댓글 댓글쓰기 클린뷰 프린트 인쇄 인쇄하기 "
        "더보기 포토이슈 글자크기 글씨크기 글자크기설정 본문글자크기 구독 구독하기 좋아요 "
        "싫어요 추천 추천하기 공감 목록 목록보기 이전기사 다음기사 url복사 링크복사 주소복사 "
        "기사제보 제보하기 많이본뉴스 많이본기사 관련기사 관련뉴스 인기기사 주요뉴스 최신뉴스 "
        "실시간뉴스 랭킹뉴스 추천기사 이시각주요뉴스 오늘의주요뉴스 핫이슈 포토뉴스 영상뉴스 "
        "기사듣기 음성듣기 번역 북마크 저장 기사저장 닫기 확대 축소 카카오톡 카카오스토리 "
        "페이스북 트위터 x 네이버블로그 밴드 텔레그램 라인 이메일 메일 로그인 회원가입 검색 "
        "전체메뉴 메뉴 맨위로 top 광고 ad 원문보기 기사원문 네이버에서구독 구글뉴스 "
        "뉴스스탠드 팔로우 입력창 가 가가 글씨키우기 글씨줄이기 본문듣기 기사공유 "
        "다른기사보기 기자의다른기사 기자구독 응원하기 후원하기"
    ).split()
)
# Chrome that opens a block of other stories: late in the page it ends the article.
BLOCK_MARKERS = frozenset(
    "더보기 포토이슈 많이본뉴스 많이본기사 관련기사 관련뉴스 인기기사 주요뉴스 최신뉴스 실시간뉴스"
    " 랭킹뉴스 추천기사 이시각주요뉴스 오늘의주요뉴스 핫이슈 포토뉴스 이전기사 다음기사".split()
)
SECTIONS = frozenset(
    "홈 정치 경제 사회 국제 세계 글로벌 월드 문화 스포츠 연예 생활 라이프 오피니언 사설 칼럼 기고"
    " it it/과학 it·과학 과학 테크 산업 금융 증권 부동산 유통 자동차 전국 지역 북한 국방 외교 교육"
    " 건강 의료 여행 인물 피플 부고 포토 영상 비즈 게임 인터넷 방송통신 모바일 반도체 전자 ai"
    " 인공지능 정책 행정 노동 환경 기업 재계 통상 국회 청와대 대통령실".split()
)
_SECTION_SUFFIXES = ("일반", "종합", "핫이슈", "이슈", "뉴스", "정책", "현장")


@dataclass
class _Line:
    text: str
    body: str = ""
    reason: str | None = None
    tags: list[str] = field(default_factory=list)
    found: meta.Found | None = None
    marker: bool = False


def normalize(text: str) -> list[str]:
    """Split text into NFC, whitespace-normalised, non-empty lines."""
    text = unicodedata.normalize("NFC", _INVISIBLE.sub("", text))
    lines = (_SPACES.sub(" ", line).strip() for line in text.splitlines())
    return [line for line in lines if line]


def _squash(text: str) -> str:
    return unspaced(text).lower()


def _key(text: str) -> str:
    """Compare paragraphs ignoring spaces and punctuation."""
    return re.sub(r"[\W_]+", "", text).lower()


def is_headline_like(line: str) -> bool:
    """Short, at least one letter, no sentence terminator at the end."""
    return 2 <= len(line) <= 80 and re.search(r"\w", line) is not None and not ends_sentence(line)


def ends_sentence(line: str) -> bool:
    """Return whether a line ends with ``.``, ``!``, ``?`` (quotes allowed after)."""
    return _SENTENCE_END.search(line) is not None


def _chrome_words(squashed: str) -> bool:
    """Whether ``squashed`` splits entirely into chrome words (``기사스크랩공유댓글``)."""
    text = re.sub(r"\(?\d+\)?", "", squashed)
    if not text or len(text) > 40:
        return False
    ok = [True] + [False] * len(text)
    for end in range(1, len(text) + 1):
        ok[end] = any(ok[s] and text[s:end] in CHROME for s in range(max(0, end - 12), end))
    return ok[-1]


def is_chrome(line: str) -> bool:
    """Share buttons, menus, counters and other labels of the page around the story.

    Also lines of punctuation only, short lines of digits and punctuation (counters)
    and a lone camelCase token (``fnSurvey``, left over from a script).
    """
    bare = _BULLET.sub("", line)
    if _CODE_TOKEN.fullmatch(bare) or re.fullmatch(r"[\W_]+|[\W\d_]{1,12}", line):
        return True
    parts = [p for p in re.split(r"\s*[|·/•]\s*", bare) if p]
    return bool(parts) and all(_chrome_words(_squash(p)) for p in parts)


def is_copyright(line: str) -> bool:
    """A copyright or no-reprint notice (``ⓒ 파이낸셜뉴스``, ``무단전재 및 재배포 금지``)."""
    if len(line) > 100 or re.search(r"다[.!?]?[\"'”’]*$", line):
        return False
    return bool(_COPYRIGHT.search(line) or _COPYRIGHT_KO.search(line))


def is_section_name(line: str) -> bool:
    """A line whose every token is a section name (``국제 국제일반``, ``홈 > 경제``)."""
    tokens = [t for t in re.split(r"[\s>›»|·]+", _squash_case(line)) if t]
    return 0 < len(tokens) <= 6 and all(_is_section(t) for t in tokens)


def _squash_case(text: str) -> str:
    return _BULLET.sub("", text).lower()


def _is_section(token: str) -> bool:
    if token in SECTIONS or all(part in SECTIONS for part in token.split("/")):
        return True
    return any(token.endswith(s) and token[: -len(s)] in SECTIONS for s in _SECTION_SUFFIXES)


def line_reason(line: str) -> str | None:
    """Classify a line on its own: weather, page chrome, section name or None."""
    bare = _BULLET.sub("", line)
    if _WEATHER.fullmatch(bare):
        return "weather"
    if is_chrome(line) or _DATE_HEADER.fullmatch(bare) or is_copyright(line):
        return "page chrome"
    if is_section_name(line):
        return "section name"
    return None


def _classify(text: str, outlets: frozenset[str]) -> _Line:
    line = _Line(text=text, body=text)
    line.reason = line_reason(text)
    if line.reason:
        line.marker = is_copyright(text) or _squash(_BULLET.sub("", text)) in BLOCK_MARKERS
        return line
    found = meta.metadata_line(text, outlets)
    if found:
        line.reason, line.found, line.marker = "metadata", found, found.end
        return line
    line.tags, line.body, line.found = meta.leading_tags(text)
    if not line.body:
        line.reason = "metadata"
    return line


def _kept(lines: list[_Line]) -> list[int]:
    return [i for i, line in enumerate(lines) if line.reason is None]


def _mark_headline_lists(lines: list[_Line]) -> None:
    """Drop runs of two or more timestamped lines and the headline just before a run."""
    kept = _kept(lines)
    run: list[int] = []
    for pos, i in enumerate([*kept, -1]):
        if i >= 0 and _TIMESTAMP.search(lines[i].body):
            run.append(pos)
            continue
        if len(run) >= 2:
            before = run[0] - 1
            if before >= 0 and is_headline_like(lines[kept[before]].body):
                run.insert(0, before)
            for p in run:
                lines[kept[p]].reason = "headline list"
        run = []
    for i in kept:
        if lines[i].reason is None and _BARE_TIMESTAMP.fullmatch(lines[i].body):
            lines[i].reason = "page chrome"


def _mark_title(lines: list[_Line], known: str | None) -> str | None:
    """Drop the title line (and its repeats); return the title found in the text."""
    kept = _kept(lines)
    found = None
    if kept and (
        is_headline_like(lines[kept[0]].body) or _key(lines[kept[0]].body) == _key(known or "")
    ):
        found = lines[kept[0]].body
    keys = {_key(t) for t in (found, known) if t} - {""}
    for i in kept:
        if _key(lines[i].body) in keys:
            lines[i].reason = "title"
    return found


def _mark_duplicates(lines: list[_Line]) -> None:
    seen: set[str] = set()
    for i in _kept(lines):
        key = _key(lines[i].body)
        if key in seen:
            lines[i].reason = "duplicate"
        seen.add(key)


def _find_end(lines: list[_Line]) -> int | None:
    """Index of the first end marker in the later part of the article, or None.

    "Later part": at least three sentence paragraphs or half of the kept text
    come before it, so a byline at the top does not cut the story.
    """
    kept = _kept(lines)
    total = sum(len(lines[i].body) for i in kept)
    for m, line in enumerate(lines):
        if not line.marker:
            continue
        before = [lines[i].body for i in kept if i < m]
        sentences = sum(ends_sentence(b) for b in before)
        if before and (sentences >= 3 or 2 * sum(map(len, before)) >= total):
            return m
    return None


def _mark_after_end(lines: list[_Line], end: int | None) -> None:
    if end is None:
        return
    for line in lines[end + 1 :]:
        if line.reason in (None, "metadata"):
            line.reason, line.found, line.tags = "after article end", None, []


def _collect(lines: list[_Line]) -> meta.Found:
    """Merge what metadata lines and tags say; the first mention wins."""
    author = outlet = published = None
    for line in lines:
        if line.found and line.reason in (None, "metadata"):
            author = author or line.found.author
            outlet = outlet or line.found.outlet
            published = published or line.found.published
    return meta.Found(author=author, outlet=outlet, published=published)


def _removed(lines: list[_Line]) -> tuple[Removed, ...]:
    out: list[Removed] = []
    for line in lines:
        if line.reason:
            out.append(Removed(line.text, line.reason))
        else:
            out.extend(Removed(tag, "metadata") for tag in line.tags)
    return tuple(out)


def _iso_date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def clean(source: Source) -> Document:
    """Clean one source into a document: story text, metadata, and what was dropped.

    Metadata from the source (the HTML page and the sidecar) wins over what the
    text says.

    Args:
        source: A decoded article.

    Returns:
        The document; ``text`` holds one paragraph per kept line, joined by a
        blank line.
    """
    given = source.meta
    outlets = frozenset({given["outlet"]} if given.get("outlet") else ())
    lines = [_classify(text, outlets) for text in normalize(source.text)]
    _mark_headline_lists(lines)
    title = _mark_title(lines, given.get("title"))
    _mark_duplicates(lines)
    _mark_after_end(lines, _find_end(lines))
    found = _collect(lines)
    return Document(
        doc_id=source.doc_id,
        text="\n\n".join(line.body for line in lines if line.reason is None),
        title=given.get("title") or title,
        outlet=given.get("outlet") or found.outlet,
        published=_iso_date(given.get("published")) or found.published,
        author=given.get("author") or found.author,
        url=given.get("url"),
        source=str(source.path),
        removed=_removed(lines),
    )
