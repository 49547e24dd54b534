from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest

from rag.errors import CorpusError
from rag.indexing.clean import clean
from rag.indexing.ingest import SUFFIXES, load_sidecar, read_corpus, read_source

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"

KOREAN = "정부가 인공지능 기본법 시행령을 공개했다.\n업계는 의견을 제출할 계획이다.\n"

HTML = """<!DOCTYPE html>
<html lang="ko"><head><meta charset="utf-8">
<title>정부, AI 기본법 시행령 공개 | 테스트일보</title>
<meta property="og:title" content="정부, AI 기본법 시행령 공개">
<meta property="og:site_name" content="테스트일보">
<meta property="article:published_time" content="2025-01-20T09:00:00+09:00">
<link rel="canonical" href="https://news.example.com/article/1">
<script>var tracking = "추적 스크립트 문자열";</script>
</head><body>
<nav><a href="/">홈</a> <a href="/politics">정치 메뉴</a> <a href="/economy">경제 메뉴</a></nav>
<header><div class="logo">테스트일보 로고</div></header>
<article>
<h1>정부, AI 기본법 시행령 공개</h1>
<p>과학기술정보통신부는 20일 인공지능 기본법 시행령 제정안을 공개했다. 시행령은 고영향 인공지능의
범위와 사업자의 의무를 구체적으로 정했다.</p>
<p>정부는 다음 달까지 의견을 수렴한 뒤 시행령을 확정할 계획이다. 업계는 규제 부담이 지나치지
않도록 해달라고 요청했다.</p>
<p>전문가들은 시행령이 투명성 의무를 명확히 한 점을 긍정적으로 평가했다. 다만 처벌 조항의 유예
기간에 대해서는 의견이 엇갈렸다.</p>
</article>
<footer>회사소개 | 광고문의 | 개인정보처리방침 하단 정보</footer>
<script>document.write("광고 배너 스크립트");</script>
</body></html>
"""


def _write(folder: Path, name: str, data: bytes | str) -> Path:
    path = folder / name
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


# --- the seed corpus ---------------------------------------------------------------


def test_seed_corpus_loads_without_warnings_sorted_by_doc_id() -> None:
    sources, warnings = read_corpus(CORPUS)
    assert warnings == []
    assert [s.doc_id for s in sources] == sorted(p.stem for p in CORPUS.glob("*.txt"))
    assert all(s.text and s.path.parent == CORPUS for s in sources)


def test_seed_corpus_gets_sidecar_metadata() -> None:
    sources, _ = read_corpus(CORPUS)
    by_id = {s.doc_id: s for s in sources}
    assert by_id["000_acb59b784c8ff302"].meta["published"] == "2024-07-29"
    assert by_id["003_96f4a087ea06f479"].meta["outlet"] == "한국경제"
    assert "published" not in by_id["004_5b03f742cc9b530e"].meta


# --- encodings ---------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp949", "euc-kr"])
def test_encodings_decode_to_the_same_text(tmp_path: Path, encoding: str) -> None:
    path = _write(tmp_path, "a.txt", KOREAN.encode(encoding))
    assert read_source(path).text == KOREAN


def test_cp949_only_syllables_decode(tmp_path: Path) -> None:
    text = "똠방각하와 햏자 이야기를 소개했다.\n"  # not in EUC-KR, only in CP949
    assert read_source(_write(tmp_path, "a.txt", text.encode("cp949"))).text == text


def test_utf16_with_bom_decodes(tmp_path: Path) -> None:
    assert read_source(_write(tmp_path, "a.txt", KOREAN.encode("utf-16"))).text == KOREAN


def test_decoded_text_is_nfc(tmp_path: Path) -> None:
    path = _write(tmp_path, "a.txt", unicodedata.normalize("NFD", KOREAN))
    assert read_source(path).text == KOREAN


BAD_FILES = {
    "binary.txt": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)),
    "controls.txt": bytes([1, 2, 3, 4, 5, 6, 7, 8, 11, 12, 14, 15, 16]) * 20,
    "empty.txt": b"",
    "blank.md": b" \n\t\r\n",
    "garbage.txt": bytes(range(0x80, 0x100)) * 3,
}


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_bad_file_raises_corpus_error_naming_the_file(tmp_path: Path, name: str) -> None:
    path = _write(tmp_path, name, BAD_FILES[name])
    with pytest.raises(CorpusError) as info:
        read_source(path)
    assert name in str(info.value)
    assert "\n" not in str(info.value)


def test_bad_files_are_skipped_with_one_line_warnings_and_good_files_load(tmp_path: Path) -> None:
    for name, data in BAD_FILES.items():
        _write(tmp_path, name, data)
    _write(tmp_path, "good.txt", KOREAN)
    _write(tmp_path, "good2.txt", KOREAN.encode("cp949"))
    sources, warnings = read_corpus(tmp_path)
    assert [s.doc_id for s in sources] == ["good", "good2"]
    assert len(warnings) == len(BAD_FILES)
    for name in BAD_FILES:
        (warning,) = [w for w in warnings if name in w]
        assert warning.startswith("skipped ")
        assert "\n" not in warning


def test_undecodable_file_warning_says_why(tmp_path: Path) -> None:
    _write(tmp_path, "x.txt", BAD_FILES["garbage.txt"])
    _, warnings = read_corpus(tmp_path)
    assert warnings == [f"skipped {tmp_path / 'x.txt'}: not valid UTF-8 or CP949 text"]


# --- folder handling ---------------------------------------------------------------


def test_missing_corpus_folder_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(CorpusError, match=r"corpus folder .*nope does not exist"):
        read_corpus(tmp_path / "nope")


def test_duplicate_stems_keep_the_first_and_warn(tmp_path: Path) -> None:
    _write(tmp_path, "a.md", "첫 번째 파일의 문단이다.\n")
    _write(tmp_path, "a.txt", "두 번째 파일의 문단이다.\n")
    sources, warnings = read_corpus(tmp_path)
    assert [s.path.name for s in sources] == ["a.md"]
    assert len(warnings) == 1 and "a.txt" in warnings[0] and "a.md" in warnings[0]


def test_unsupported_files_are_skipped_with_a_warning(tmp_path: Path) -> None:
    _write(tmp_path, "a.txt", KOREAN)
    _write(tmp_path, "b.pdf", b"%PDF-1.4")
    _write(tmp_path, ".hidden.txt", KOREAN)
    (tmp_path / "sub").mkdir()
    _write(tmp_path / "sub", "c.txt", KOREAN)
    sources, warnings = read_corpus(tmp_path)
    assert [s.doc_id for s in sources] == ["a"]
    assert len(warnings) == 1 and "b.pdf" in warnings[0]


def test_sources_are_sorted_by_doc_id(tmp_path: Path) -> None:
    for name in ("c.txt", "a.html", "b.md"):
        _write(tmp_path, name, HTML if name.endswith("html") else KOREAN)
    sources, _ = read_corpus(tmp_path)
    assert [s.doc_id for s in sources] == ["a", "b", "c"]


def test_suffixes() -> None:
    assert SUFFIXES == (".txt", ".md", ".html", ".htm")


def test_markdown_heading_marks_are_dropped(tmp_path: Path) -> None:
    path = _write(tmp_path, "a.md", "# 정부, AI 기본법 시행령 공개\n\n" + KOREAN)
    assert read_source(path).text.startswith("정부, AI 기본법 시행령 공개\n")


# --- HTML --------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", [".html", ".htm"])
def test_html_yields_article_text_without_nav_footer_or_script(tmp_path: Path, suffix: str) -> None:
    source = read_source(_write(tmp_path, "page" + suffix, HTML))
    assert "과학기술정보통신부는 20일 인공지능 기본법 시행령 제정안을 공개했다." in source.text
    assert "기간에 대해서는 의견이 엇갈렸다." in source.text
    for noise in ("메뉴", "로고", "회사소개", "광고문의", "tracking", "스크립트", "document.write"):
        assert noise not in source.text


def test_html_metadata_comes_from_trafilatura(tmp_path: Path) -> None:
    source = read_source(_write(tmp_path, "page.html", HTML))
    assert source.meta["title"] == "정부, AI 기본법 시행령 공개"
    assert source.meta["outlet"] == "테스트일보"
    assert source.meta["published"] == "2025-01-20"
    assert source.meta["url"] == "https://news.example.com/article/1"


def test_cleaned_html_keeps_paragraphs_and_drops_the_title_line(tmp_path: Path) -> None:
    doc = clean(read_source(_write(tmp_path, "page.html", HTML)))
    paras = doc.text.split("\n\n")
    assert doc.title == "정부, AI 기본법 시행령 공개"
    assert len(paras) == 3
    assert paras[0].startswith("과학기술정보통신부는 20일")
    assert doc.outlet == "테스트일보"
    assert str(doc.published) == "2025-01-20"


def test_euc_kr_html_decodes(tmp_path: Path) -> None:
    html = HTML.replace('charset="utf-8"', 'charset="euc-kr"')
    source = read_source(_write(tmp_path, "page.html", html.encode("euc-kr")))
    assert "시행령 제정안을 공개했다" in source.text


def test_html_without_article_text_is_skipped(tmp_path: Path) -> None:
    _write(
        tmp_path, "empty.html", "<html><head><title>빈 페이지</title></head><body></body></html>"
    )
    sources, warnings = read_corpus(tmp_path)
    assert sources == []
    assert len(warnings) == 1 and "empty.html" in warnings[0]


# --- sidecar -----------------------------------------------------------------------


def test_missing_sidecar_is_empty(tmp_path: Path) -> None:
    assert load_sidecar(tmp_path) == {}


def test_sidecar_values_are_read_and_dates_normalized(tmp_path: Path) -> None:
    _write(
        tmp_path,
        "metadata.toml",
        '[a]\ntitle = "제목"\noutlet = "테스트일보"\npublished = 2024-07-29\n'
        'author = "홍길동"\nurl = "https://x.kr/1"\n\n[b]\npublished = "2024-01-02"\n',
    )
    assert load_sidecar(tmp_path) == {
        "a": {
            "title": "제목",
            "outlet": "테스트일보",
            "published": "2024-07-29",
            "author": "홍길동",
            "url": "https://x.kr/1",
        },
        "b": {"published": "2024-01-02"},
    }


def test_sidecar_overrides_html_and_text_metadata(tmp_path: Path) -> None:
    _write(tmp_path, "page.html", HTML)
    _write(
        tmp_path, "note.txt", "입력 2024.07.29 13:25\n" + KOREAN + "홍길동 기자 hong@fnnews.com\n"
    )
    _write(
        tmp_path,
        "metadata.toml",
        '[page]\ntitle = "다른 제목"\noutlet = "다른일보"\npublished = 2025-02-01\n\n'
        '[note]\nauthor = "김철수"\npublished = 2024-08-01\n',
    )
    sources, warnings = read_corpus(tmp_path)
    assert warnings == []
    page, note = (clean(s) for s in sorted(sources, key=lambda s: s.doc_id, reverse=True))
    assert (page.title, page.outlet, str(page.published)) == ("다른 제목", "다른일보", "2025-02-01")
    assert page.url == "https://news.example.com/article/1"
    assert (note.author, note.outlet, str(note.published)) == (
        "김철수",
        "파이낸셜뉴스",
        "2024-08-01",
    )


@pytest.mark.parametrize(
    ("toml", "needle"),
    [
        ("[a]\ntitle = \n", "invalid TOML"),
        ('[a]\nheadline = "x"\n', "headline"),
        ('[a]\npublished = "29.07.2024"\n', "published"),
        ('[a]\npublished = "2024-02-30"\n', "published"),
        ("[a]\ntitle = 3\n", "title"),
        ('[a]\nurl = "not a url"\n', "url"),
        ('a = "x"\n', "a"),
    ],
)
def test_broken_sidecar_is_an_error_naming_file_and_key(
    tmp_path: Path, toml: str, needle: str
) -> None:
    _write(tmp_path, "metadata.toml", toml)
    _write(tmp_path, "a.txt", KOREAN)
    with pytest.raises(CorpusError) as info:
        read_corpus(tmp_path)
    message = str(info.value)
    assert "metadata.toml" in message and needle in message
    assert "\n" not in message


def test_sidecar_entry_without_a_file_gives_a_warning(tmp_path: Path) -> None:
    _write(tmp_path, "a.txt", KOREAN)
    _write(tmp_path, "metadata.toml", '[a]\ntitle = "제목"\n\n[zzz]\ntitle = "없는 문서"\n')
    sources, warnings = read_corpus(tmp_path)
    assert sources[0].meta == {"title": "제목"}
    assert len(warnings) == 1 and "zzz" in warnings[0]
