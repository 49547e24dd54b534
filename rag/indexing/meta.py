"""Metadata found in article text: bylines, outlet tags, date stamps.

Korean news pages put the reporter, the outlet and the dates in a few fixed
shapes: a ``입력 2024.07.29 13:25`` stamp, a ``홍길동 기자`` line, an e-mail
byline (``hong@fnnews.com 홍길동 기자``), and leading tags on the first
paragraph (``[파이낸셜뉴스]``, ``【베이징=홍길동 특파원】``, ``(서울=연합뉴스)``).
The helpers here recognise those shapes; :mod:`rag.indexing.clean` decides which lines
to drop.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

# E-mail domain (or site host) -> outlet name. A host matches its subdomains.
OUTLET_BY_DOMAIN: dict[str, str] = {
    "fnnews.com": "파이낸셜뉴스",
    "etnews.com": "전자신문",
    "hankyung.com": "한국경제",
    "ddaily.co.kr": "디지털데일리",
    "yna.co.kr": "연합뉴스",
    "yonhapnews.co.kr": "연합뉴스",
    "newsis.com": "뉴시스",
    "news1.kr": "뉴스1",
    "chosun.com": "조선일보",
    "joongang.co.kr": "중앙일보",
    "joins.com": "중앙일보",
    "donga.com": "동아일보",
    "hani.co.kr": "한겨레",
    "khan.co.kr": "경향신문",
    "hankookilbo.com": "한국일보",
    "seoul.co.kr": "서울신문",
    "kmib.co.kr": "국민일보",
    "segye.com": "세계일보",
    "munhwa.com": "문화일보",
    "mk.co.kr": "매일경제",
    "sedaily.com": "서울경제",
    "mt.co.kr": "머니투데이",
    "edaily.co.kr": "이데일리",
    "asiae.co.kr": "아시아경제",
    "heraldcorp.com": "헤럴드경제",
    "ajunews.com": "아주경제",
    "dt.co.kr": "디지털타임스",
    "zdnet.co.kr": "지디넷코리아",
    "inews24.com": "아이뉴스24",
    "bloter.net": "블로터",
    "boannews.com": "보안뉴스",
    "aitimes.com": "AI타임스",
    "aitimes.kr": "인공지능신문",
    "kbs.co.kr": "KBS",
    "imbc.com": "MBC",
    "sbs.co.kr": "SBS",
    "ytn.co.kr": "YTN",
    "jtbc.co.kr": "JTBC",
    "mbn.co.kr": "MBN",
    "korea.kr": "대한민국 정책브리핑",
}
KNOWN_OUTLETS = frozenset(OUTLET_BY_DOMAIN.values())
# Words an outlet name ends with, for tags like "(포탈뉴스통신)".
_OUTLET_SUFFIX = re.compile(
    r"(뉴스|통신|신문|일보|데일리|경제|미디어|타임스|투데이|방송|저널|위크|닷컴|포스트|뉴시스)$"
)
# Reporter titles, longest first so "대기자" is not read as "대" + "기자".
_TITLE = r"(?:대기자|선임기자|전문기자|객원기자|수습기자|기자|특파원|논설위원|편집위원|통신원)"
_NAME = r"[가-힣]{2,4}?"
_NAMES = rf"{_NAME}(?:\s*[,·ㆍ]\s*{_NAME})*"
_REPORTER = re.compile(rf"(?:글\s*[=:]?\s*|/\s*)?(?P<names>{_NAMES})\s*{_TITLE}\s*=?")
# A newsroom desk signing a story: "온라인뉴스팀", "국제부".
_DESK = re.compile(r"[가-힣A-Za-z]{1,12}(?:부|팀|국|데스크)")
_EMAIL = re.compile(r"[\w.+-]+@([\w-]+(?:\.[\w-]+)+)")
_DATE = r"(\d{4})\s*[.\-/년]\s*(\d{1,2})\s*[.\-/월]\s*(\d{1,2})\s*일?\.?"
_TIME = (
    r"(?:\s*\([월화수목금토일]\))?(?:\s*(?:오전|오후))?"
    r"(?:\s*\d{1,2}\s*[:시]\s*\d{2}(?:\s*[:분]\s*\d{2}초?)?분?)?"
)
_PUBLISHED = r"(?:기사\s*)?(?:입력|등록|작성|게재|발행|승인|송고)(?:일|일시|시간)?"
_MODIFIED = r"(?:최종\s*)?(?:수정|업데이트|갱신)(?:일|일시|시간)?"
_STAMP = re.compile(rf"(?P<label>{_PUBLISHED}|{_MODIFIED})\s*[:：]?\s*{_DATE}{_TIME}")
_STAMP_SEP = re.compile(r"[\s|·/]*")
# Only a news-source credit ends an article; "출처: 통계청" under a chart does not.
_SOURCE = re.compile(r"[\[(【]?\s*(?:뉴스|기사)\s*출처\s*[:：]\s*[^\])】]{1,40}[\])】]?")
_TAG = re.compile(r"\[([^\[\]]{1,40})\]|【([^【】]{1,40})】|\(([^()]{1,40})\)")
# "(사진=연합뉴스)" credits a picture, not the article.
_CREDIT_WORDS = frozenset(
    {"사진", "그래픽", "자료", "자료사진", "영상", "이미지", "출처", "제공", "편집"}
)
_YONHAP_BYLINE = re.compile(rf"({_NAMES})\s*{_TITLE}\s*=\s*")


@dataclass(frozen=True)
class Found:
    """Metadata read from one line.

    Attributes:
        author: Reporter name(s), joined with ", ".
        outlet: Publisher name.
        published: Publication date.
        end: The line is an end-of-article marker (e-mail byline, news source).
    """

    author: str | None = None
    outlet: str | None = None
    published: date | None = None
    end: bool = False


def outlet_for_host(host: str) -> str | None:
    """Return the outlet of an e-mail domain or web host, if it is a known one."""
    host = host.lower().rstrip(".")
    for domain, outlet in OUTLET_BY_DOMAIN.items():
        if host == domain or host.endswith("." + domain):
            return outlet
    return None


def parse_date(text: str) -> date | None:
    """Return the first ``yyyy.mm.dd``-like date in ``text`` (also ``-``, ``/``, 년월일)."""
    match = re.search(_DATE, text)
    return _to_date(match.groups()) if match else None


def _to_date(parts: tuple[str, ...]) -> date | None:
    try:
        return date(int(parts[0]), int(parts[1]), int(parts[2]))
    except ValueError:
        return None


def _authors(names: str) -> str:
    return ", ".join(n for n in re.split(r"\s*[,·ㆍ]\s*", names.strip()) if n)


def stamp_line(line: str) -> Found | None:
    """Read a line made only of date stamps (``입력 2024.07.29 13:25 수정 ...``).

    Returns:
        The publication date (from 입력/등록, not from 수정), or None if the
        line is not a stamp line.
    """
    pos, published, matched = 0, None, False
    while (pos := _STAMP_SEP.match(line, pos).end()) < len(line):
        match = _STAMP.match(line, pos)
        if match is None:
            return None
        if published is None and re.fullmatch(_PUBLISHED, match["label"]):
            published = _to_date(match.groups()[1:4])
        pos, matched = match.end(), True
    return Found(published=published) if matched else None


def email_byline(line: str) -> Found | None:
    """Read an e-mail byline: ``홍길동 기자 hong@fnnews.com``, ``hong@x.com 홍길동 대기자``.

    Besides the address the line may hold only a reporter with a title (기자,
    특파원, …), optionally after a desk name, or only a desk (``온라인뉴스팀``).
    """
    emails = list(_EMAIL.finditer(line))
    if not emails or len(line) > 80:
        return None
    rest = _EMAIL.sub(" ", line)
    rest = re.sub(r"[\[\]()<>/=|:]", " ", rest).strip()
    outlet = outlet_for_host(emails[0].group(1))
    if not rest or _DESK.fullmatch(rest):
        return Found(outlet=outlet, end=True)
    match = re.fullmatch(rf"(?:{_DESK.pattern}\s+)?({_NAMES})\s*{_TITLE}", rest)
    if match is None:
        return None
    return Found(author=_authors(match.group(1)), outlet=outlet, end=True)


def reporter_line(line: str) -> Found | None:
    """Read a bare reporter line: ``홍길동 기자``, ``홍길동·김철수 기자``."""
    match = _REPORTER.fullmatch(line)
    return Found(author=_authors(match["names"])) if match else None


def source_line(line: str) -> bool:
    """Return whether the line credits a source: ``[뉴스출처 : 과학기술정보통신부]``."""
    return _SOURCE.fullmatch(line) is not None


def looks_like_outlet(name: str) -> bool:
    """Return whether a short name is a known outlet or ends like one (``…뉴스``, ``…일보``)."""
    name = name.strip()
    if name in KNOWN_OUTLETS:
        return True
    suffix = _OUTLET_SUFFIX.search(name)
    return bool(suffix) and " " not in name and len(name) >= max(3, len(suffix.group()) + 2)


def metadata_line(line: str, outlets: frozenset[str] = frozenset()) -> Found | None:
    """Read a whole line that is only metadata, or return None.

    Args:
        line: A stripped line.
        outlets: Extra outlet names a bare line may consist of.
    """
    found = stamp_line(line) or email_byline(line) or reporter_line(line)
    if found:
        return found
    if source_line(line):
        return Found(end=True)
    if line in KNOWN_OUTLETS or line in outlets:
        return Found(outlet=line)
    return None


def _read_tag(inner: str) -> Found | None:
    """Read the inside of a leading tag: outlet, ``place=outlet`` or ``[outlet] name 기자``."""
    inner = " ".join(inner.split())
    if "=" in inner:
        left, inner = (part.strip() for part in inner.split("=", 1))
        if left in _CREDIT_WORDS:
            return None
    reporter = re.fullmatch(rf"(?:(?P<outlet>.+?)\s+)?(?P<names>{_NAMES})\s*{_TITLE}", inner)
    if reporter:
        outlet = reporter["outlet"]
        if outlet and not looks_like_outlet(outlet):
            return None
        return Found(author=_authors(reporter["names"]), outlet=outlet)
    return Found(outlet=inner) if looks_like_outlet(inner) else None


def leading_tags(line: str) -> tuple[list[str], str, Found]:
    """Strip outlet and reporter tags from the start of a line.

    ``[파이낸셜뉴스]【베이징=홍길동 특파원】중국…`` gives the two tags, ``중국…`` and
    the outlet and author; ``(서울=연합뉴스) 홍길동 기자 = …`` also drops the
    ``홍길동 기자 =``. Tags like ``[단독]`` or ``(사진)`` are not metadata and stay.

    Returns:
        The tags removed, the rest of the line, and what they say.
    """
    tags: list[str] = []
    author = outlet = None
    rest = line
    while match := _TAG.match(rest):
        found = _read_tag(next(g for g in match.groups() if g is not None))
        if found is None:
            break
        tags.append(match.group())
        author, outlet = author or found.author, outlet or found.outlet
        rest = rest[match.end() :].lstrip()
        if byline := _YONHAP_BYLINE.match(rest):
            tags.append(byline.group().strip())
            author = author or _authors(byline.group(1))
            rest = rest[byline.end() :].lstrip()
    return tags, rest, Found(author=author, outlet=outlet)
