from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from rag.indexing.clean import clean, normalize
from rag.indexing.ingest import Source, read_corpus, read_source
from rag.records import Document

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
GOLDEN = Path(__file__).resolve().parent / "golden"
SEEDS = sorted(p.stem for p in CORPUS.glob("*.txt"))


def _clean_seed(doc_id: str, sidecar: bool = True) -> Document:
    path = CORPUS / f"{doc_id}.txt"
    if not sidecar:
        return clean(read_source(path))
    sources, _ = read_corpus(CORPUS)
    return clean(next(s for s in sources if s.doc_id == doc_id))


def _doc(text: str, **meta: str) -> Document:
    return clean(Source(doc_id="t", path=Path("t.txt"), text=text, meta=dict(meta)))


def _paras(doc: Document) -> list[str]:
    return doc.text.split("\n\n") if doc.text else []


def _seed(prefix: str) -> str:
    return next(s for s in SEEDS if s.startswith(prefix))


# A plain story used by the synthetic tests: three sentence paragraphs.
STORY = [
    "과학기술정보통신부는 20일 인공지능 기본법 시행령 제정안을 공개했다.",
    "시행령은 고영향 인공지능의 범위와 사업자의 의무를 구체적으로 정했다.",
    "정부는 다음 달까지 의견을 수렴한 뒤 시행령을 확정할 계획이다.",
    "업계는 규제 부담이 지나치지 않도록 해달라고 요청했다.",
]


# --- golden files -----------------------------------------------------------------


def test_there_are_five_seed_articles() -> None:
    assert len(SEEDS) == 5


@pytest.mark.parametrize("doc_id", SEEDS)
def test_seed_clean_text_matches_golden(doc_id: str) -> None:
    golden = (GOLDEN / f"{doc_id}.txt").read_text(encoding="utf-8")
    assert _clean_seed(doc_id).text + "\n" == golden


@pytest.mark.parametrize("doc_id", SEEDS)
def test_every_golden_paragraph_is_in_the_clean_text_once(doc_id: str) -> None:
    golden = (GOLDEN / f"{doc_id}.txt").read_text(encoding="utf-8").strip().split("\n\n")
    paras = _paras(_clean_seed(doc_id))
    for para in golden:
        assert paras.count(para) == 1, para


@pytest.mark.parametrize("doc_id", SEEDS)
def test_clean_text_does_not_depend_on_the_sidecar(doc_id: str) -> None:
    assert _clean_seed(doc_id).text == _clean_seed(doc_id, sidecar=False).text


@pytest.mark.parametrize("doc_id", SEEDS)
def test_every_input_line_is_kept_or_accounted_for_in_removed(doc_id: str) -> None:
    doc = _clean_seed(doc_id)
    paras = _paras(doc)
    removed = [r.line for r in doc.removed]
    for line in normalize((CORPUS / f"{doc_id}.txt").read_text(encoding="utf-8")):
        kept = line in paras or any(line.endswith(p) for p in paras)
        assert kept or line in removed, line


@pytest.mark.parametrize("doc_id", SEEDS)
def test_paragraphs_are_stripped_single_spaced_and_non_empty(doc_id: str) -> None:
    for para in _paras(_clean_seed(doc_id)):
        assert para and para == para.strip()
        assert "  " not in para and "\n" not in para and "\u00a0" not in para


def test_weather_ticker_lines_are_gone_from_seed_004() -> None:
    doc = _clean_seed(_seed("004"))
    assert "℃" not in doc.text
    assert "기상청" not in doc.text
    assert "2025.11.08" not in doc.text
    assert sum(r.reason == "weather" for r in doc.removed) == 17


def test_share_buttons_are_gone_from_seed_003() -> None:
    paras = _paras(_clean_seed(_seed("003")))
    for chrome in ("-", "기사 스크랩", "공유", "댓글", "클린뷰", "프린트"):
        assert chrome not in paras


def test_trailing_headline_list_is_gone_from_seed_001() -> None:
    doc = _clean_seed(_seed("001"))
    assert "2025-01-19" not in doc.text
    assert "알뜰폰" not in doc.text
    assert "공매도" not in doc.text
    assert _paras(doc)[-1].startswith("이날 이종호 장관은")
    assert [r.reason for r in doc.removed].count("headline list") == 6


def test_duplicated_paragraphs_of_seed_003_appear_once() -> None:
    doc = _clean_seed(_seed("003"))
    paras = _paras(doc)
    assert paras.count("작년 4억원->올해 77억원으로 예산 확대") == 1
    assert doc.text.count("15일 발표했다") == 1
    assert doc.text.count("도약하는 계기가 되길 바란다") == 1
    assert [r.reason for r in doc.removed].count("duplicate") == 11
    assert "leeswoo@hankyung.com" not in doc.text


def test_appended_story_after_news_source_is_gone_from_seed_004() -> None:
    doc = _clean_seed(_seed("004"))
    assert "통큰 세일" not in doc.text
    assert "뉴스출처" not in doc.text
    assert "더보기" not in doc.text
    assert _paras(doc)[-1].endswith("다양한 협력 방안에 대해 논의했다.")
    assert any(r.reason == "after article end" and "통큰 세일" in r.line for r in doc.removed)


def test_photo_caption_of_seed_000_is_kept_once_and_tail_junk_is_gone() -> None:
    doc = _clean_seed(_seed("000"))
    assert doc.text.count("정부업무보고를 발표하고 있다. AFP 연합뉴스") == 1
    assert "fnSurvey" not in doc.text
    assert "june@fnnews.com" not in doc.text
    assert "입력" not in doc.text
    assert _paras(doc)[0] == "2025년 세계 선도 수준 프로젝트 5개 수행"
    assert "중국 베이징시가 'AI 네이티브' 도시구축을 위한 청사진을 내놓았다." in _paras(doc)


def test_leading_outlet_tags_are_stripped_from_seed_lead_paragraphs() -> None:
    assert _paras(_clean_seed(_seed("001")))[0].startswith("챗GPT에 대응해")
    assert _paras(_clean_seed(_seed("004")))[1].startswith("과학기술정보통신부는 유상임 장관을")


EXPECTED_META = {
    "000": (
        "베이징시, 'AI 네이티브' 도시 구축을 위한 청사진 공개",
        "파이낸셜뉴스",
        date(2024, 7, 29),
        "이석우",
    ),
    "001": (
        "대한민국 초거대 인공지능 도약, 2024년 9090억원 투입",
        "디지털데일리",
        date(2023, 9, 13),
        "최민지",
    ),
    "002": (
        "정부, 공공부문 AI 성공사례 확산 추진…한국형 정부 전용 초거대 AI 구축",
        "전자신문",
        None,
        "김지선",
    ),
    "003": (
        "AI 근로감독관 나온다…초거대 AI 기반 공공 서비스 개발 착수",
        "한국경제",
        None,
        "이승우",
    ),
    "004": (
        "과기정통부, 인공지능 행동 정상회의에서 인공지능의 공공성과 지속가능성 논의",
        "포탈뉴스통신",
        None,
        None,
    ),
}


@pytest.mark.parametrize("prefix", sorted(EXPECTED_META))
def test_seed_metadata_with_sidecar(prefix: str) -> None:
    doc = _clean_seed(_seed(prefix))
    assert (doc.title, doc.outlet, doc.published, doc.author) == EXPECTED_META[prefix]
    assert doc.doc_id == _seed(prefix)
    assert doc.source.endswith(f"{_seed(prefix)}.txt")


# What the text alone yields, without the sidecar.
TEXT_META = {
    "000": EXPECTED_META["000"],
    "001": (EXPECTED_META["001"][0], "디지털데일리", None, "최민지"),
    "002": (None, "전자신문", None, "김지선"),
    "003": (EXPECTED_META["003"][0], "한국경제", None, "이승우"),
    "004": (EXPECTED_META["004"][0], "포탈뉴스통신", None, None),
}


@pytest.mark.parametrize("prefix", sorted(TEXT_META))
def test_seed_metadata_from_text_alone(prefix: str) -> None:
    doc = _clean_seed(_seed(prefix), sidecar=False)
    assert (doc.title, doc.outlet, doc.published, doc.author) == TEXT_META[prefix]


def test_page_save_date_of_seed_004_is_not_taken_as_published() -> None:
    assert _clean_seed(_seed("004"), sidecar=False).published is None


def test_removed_records_of_seed_000_are_in_file_order() -> None:
    doc = _clean_seed(_seed("000"))
    expected = [
        ("section name", "국제 국제일반"),
        ("title", "베이징시, 'AI 네이"),
        ("metadata", "이석우 기자"),
        ("metadata", "파이낸셜뉴스"),
        ("metadata", "입력 2024.07.29"),
        ("metadata", "수정 2024.07.29"),
        ("duplicate", "리창 중국 총리가 지난"),
        ("metadata", "[파이낸셜뉴스]"),
        ("metadata", "【베이징=이석우 특파원"),
        ("metadata", "june@fnnews."),
        ("page chrome", "fnSurvey"),
    ]
    assert len(doc.removed) == len(expected)
    for record, (reason, start) in zip(doc.removed, expected, strict=True):
        assert record.reason == reason and record.line.startswith(start), record


# --- generic rules on synthetic articles ----------------------------------------


def test_weather_ticker_lines_are_removed() -> None:
    text = "\n".join(
        [
            "흐림서울 15.8℃",
            "• 맑음부산 -2.1℃",
            "구름많음 대전 3°C / 비 광주 4.5℃",
            "기상청 제공",
            *STORY,
        ]
    )
    doc = _doc(text)
    assert _paras(doc) == STORY
    assert [r.reason for r in doc.removed] == ["weather"] * 4


def test_sentence_about_temperature_is_kept() -> None:
    line = "서울의 낮 최고기온은 15.8℃까지 오르겠다."
    assert _paras(_doc("\n".join([*STORY, line]))) == [*STORY, line]


def test_other_outlet_chrome_lines_are_removed() -> None:
    chrome = [
        "글자크기 설정",
        "URL복사",
        "좋아요 12",
        "댓글 (3)",
        "이전기사 다음기사",
        "카카오톡 | 페이스북 | 트위터",
        "구독하기",
        "기사제보",
        "SNS 공유",
        "인쇄 목록",
        "···",
        "▲",
    ]
    doc = _doc("\n".join([*chrome, *STORY]))
    assert _paras(doc) == STORY
    assert [r.reason for r in doc.removed] == ["page chrome"] * len(chrome)


def test_section_name_lines_are_removed() -> None:
    lines = ["경제", "홈 > 경제 > 산업일반", "IT/과학", "정치 | 사회 | 국제", *STORY]
    doc = _doc("\n".join(lines))
    assert _paras(doc) == STORY
    assert [r.reason for r in doc.removed] == ["section name"] * 4


def test_short_story_line_with_a_section_word_is_kept() -> None:
    line = "경제 회복이 먼저다"
    assert line in _paras(_doc("\n".join([STORY[0], line, *STORY[1:]])))


def test_date_header_line_is_removed_and_not_taken_as_published() -> None:
    doc = _doc("\n".join(["2025.11.08 (토)", "2025년 1월 3일 금요일", *STORY]))
    assert _paras(doc) == STORY
    assert doc.published is None


def test_timestamped_headline_run_and_the_headline_before_it_are_removed() -> None:
    tail = [
        "다른 기사 제목 하나…업계 반발",
        "2025-01-19 14:20:28다른 기사 제목 둘",
        "2025-01-19 13:16:35다른 기사 제목 셋",
        "2025-01-19 11:34:14",
    ]
    doc = _doc("\n".join([*STORY, *tail]))
    assert _paras(doc) == STORY
    assert [r.reason for r in doc.removed] == ["headline list"] * 4


def test_sentence_before_a_timestamp_run_is_kept() -> None:
    tail = ["2025-01-19 14:20:28다른 기사 제목 둘", "2025-01-19 13:16:35다른 기사 제목 셋"]
    doc = _doc("\n".join([*STORY, *tail]))
    assert _paras(doc) == STORY


def test_headline_list_with_trailing_times_is_removed() -> None:
    tail = ["다른 기사 제목 하나 01-19 14:20", "다른 기사 제목 둘 01-19 13:16"]
    assert _paras(_doc("\n".join([*STORY, *tail]))) == STORY


def test_repeated_paragraph_is_kept_once_ignoring_spacing_and_punctuation() -> None:
    repeat = "과학기술정보통신부는  20일 인공지능 기본법 시행령 제정안을 공개했다"
    doc = _doc("\n".join([*STORY, repeat]))
    assert _paras(doc) == STORY
    assert doc.removed[-1].reason == "duplicate"


def test_first_headline_like_line_is_the_title() -> None:
    doc = _doc("\n".join(["공유", "정부, AI 기본법 시행령 공개", *STORY]))
    assert doc.title == "정부, AI 기본법 시행령 공개"
    assert _paras(doc) == STORY
    assert [r.reason for r in doc.removed] == ["page chrome", "title"]


def test_title_repeated_in_the_body_is_removed_as_title() -> None:
    doc = _doc("\n".join(["정부, AI 기본법 시행령 공개", *STORY, "정부, AI 기본법 시행령 공개"]))
    assert _paras(doc) == STORY
    assert [r.reason for r in doc.removed] == ["title", "title"]


def test_sentence_as_first_line_is_not_a_title() -> None:
    doc = _doc("\n".join(STORY))
    assert doc.title is None
    assert _paras(doc) == STORY


def test_given_title_wins_and_its_line_is_removed() -> None:
    doc = _doc("\n".join(["정부, AI 기본법 시행령 공개", *STORY]), title="AI 기본법 시행령 공개")
    assert doc.title == "AI 기본법 시행령 공개"
    assert _paras(doc) == STORY


def test_given_metadata_wins_over_the_text() -> None:
    text = "\n".join(["입력 2024.07.29 13:25", *STORY, "홍길동 기자 hong@fnnews.com"])
    doc = _doc(
        text, outlet="다른일보", published="2024-08-01", author="김철수", url="https://x.kr/1"
    )
    assert (doc.outlet, doc.published, doc.author, doc.url) == (
        "다른일보",
        date(2024, 8, 1),
        "김철수",
        "https://x.kr/1",
    )


def test_byline_at_the_top_does_not_cut_the_story() -> None:
    doc = _doc("\n".join(["정부, AI 기본법 시행령 공개", "홍길동 기자 hong@etnews.com", *STORY]))
    assert _paras(doc) == STORY
    assert (doc.author, doc.outlet) == ("홍길동", "전자신문")


def test_email_byline_at_the_end_ends_the_article() -> None:
    tail = ["홍길동 기자 hong@yna.co.kr", "다른 기사의 첫 문단이 여기에 붙어 있다.", "광고 문의"]
    doc = _doc("\n".join([*STORY, *tail]))
    assert _paras(doc) == STORY
    assert [r.reason for r in doc.removed] == ["metadata", "after article end", "after article end"]
    assert (doc.author, doc.outlet) == ("홍길동", "연합뉴스")


def test_copyright_line_ends_the_article() -> None:
    tail = ["ⓒ 테스트일보 무단전재 및 재배포 금지", "다음 기사: 반도체 수출 석 달째 증가했다."]
    doc = _doc("\n".join([*STORY, *tail]))
    assert _paras(doc) == STORY
    assert [r.reason for r in doc.removed] == ["page chrome", "after article end"]


def test_related_news_block_ends_the_article() -> None:
    tail = ["관련기사", "반도체 수출 석 달째 증가", "다른 부처도 AI 전담 조직을 만들었다."]
    doc = _doc("\n".join([*STORY, *tail]))
    assert _paras(doc) == STORY


def test_more_news_marker_at_the_top_does_not_cut_the_story() -> None:
    doc = _doc("\n".join(["많이 본 뉴스", "정부, AI 기본법 시행령 공개", *STORY]))
    assert _paras(doc) == STORY


def test_sentence_mentioning_reprints_is_kept() -> None:
    line = "법원은 기사를 무단 전재한 업체에 손해배상을 명령했다."
    assert _paras(_doc("\n".join([*STORY, line]))) == [*STORY, line]


def test_news_source_line_ends_the_article() -> None:
    tail = ["[뉴스출처 : 과학기술정보통신부]", "포토이슈", "다른 보도자료의 첫 문단이다."]
    doc = _doc("\n".join([*STORY, *tail]))
    assert _paras(doc) == STORY


def test_stamp_lines_give_the_published_date_and_are_removed() -> None:
    doc = _doc(
        "\n".join(["기사입력 2025.01.20. 오후 3:12 | 최종수정 2025.01.21. 오전 9:00", *STORY])
    )
    assert doc.published == date(2025, 1, 20)
    assert _paras(doc) == STORY
    assert doc.removed[0].reason == "metadata"


def test_modified_stamp_alone_gives_no_published_date() -> None:
    doc = _doc("\n".join(["수정 2025-01-21 09:00", *STORY]))
    assert doc.published is None
    assert _paras(doc) == STORY


def test_bare_reporter_and_outlet_lines_are_metadata() -> None:
    doc = _doc("\n".join(["홍길동·김철수 기자", "한국경제", *STORY]))
    assert (doc.author, doc.outlet) == ("홍길동, 김철수", "한국경제")
    assert _paras(doc) == STORY


def test_yonhap_style_lead_tag_is_stripped_and_read() -> None:
    lead = "(서울=연합뉴스) 홍길동 기자 = " + STORY[0]
    doc = _doc("\n".join([lead, *STORY[1:]]))
    assert _paras(doc) == STORY
    assert (doc.author, doc.outlet) == ("홍길동", "연합뉴스")
    assert [r.line for r in doc.removed] == ["(서울=연합뉴스)", "홍길동 기자 ="]


def test_bracket_outlet_and_reporter_tag_is_stripped_and_read() -> None:
    doc = _doc("\n".join(["[테크데일리 박영희 기자] " + STORY[0], *STORY[1:]]))
    assert _paras(doc) == STORY
    assert (doc.author, doc.outlet) == ("박영희", "테크데일리")


def test_non_metadata_leading_tags_are_kept() -> None:
    lines = ["[단독] " + STORY[0], "(사진=연합뉴스) " + STORY[1], *STORY[2:]]
    doc = _doc("\n".join(lines))
    assert _paras(doc) == lines
    assert doc.outlet is None


def test_metadata_after_the_article_end_is_ignored() -> None:
    tail = [
        "ⓒ 테스트일보",
        "(부산=뉴시스) 김철수 기자 = 다른 기사의 첫 문단이다.",
        "입력 2020.01.01 10:00",
    ]
    doc = _doc("\n".join([*STORY, *tail]))
    assert (doc.author, doc.outlet, doc.published) == (None, None, None)


def test_whitespace_and_invisible_characters_are_normalized() -> None:
    text = (
        "  과학기술정보통신부는\u00a0\u00a020일\t인공지능\u3000기본법\u200b 시행령을 공개했다."
        "  \r\n\u00a0\n\n"
    )
    assert _doc(text).text == "과학기술정보통신부는 20일 인공지능 기본법 시행령을 공개했다."


def test_text_is_nfc() -> None:
    import unicodedata

    decomposed = unicodedata.normalize("NFD", STORY[0])
    assert _doc(decomposed).text == STORY[0]


def test_empty_text_gives_an_empty_document() -> None:
    doc = _doc("공유\n댓글\n")
    assert doc.text == ""
    assert len(doc.removed) == 2


def test_counter_lines_are_removed() -> None:
    doc = _doc("\n".join(["0", "(12)", *STORY]))
    assert _paras(doc) == STORY


def test_list_item_and_headlines_about_copyright_do_not_end_the_article() -> None:
    lines = [
        STORY[0],
        "(c) 데이터 공유 체계 구축",
        "저작권자 단체, AI 학습 보상 요구",
        "AI 기업의 뉴스 무단 전재 금지법 발의",
        *STORY[1:],
    ]
    assert _paras(_doc("\n".join(lines))) == lines


def test_email_in_a_short_sentence_is_not_a_byline() -> None:
    lines = [*STORY, "문의는 help@msit.go.kr", "마지막 문단도 기사의 일부다."]
    doc = _doc("\n".join(lines))
    assert _paras(doc) == lines
    assert doc.author is None


def test_desk_email_byline_gives_outlet_and_ends_the_article() -> None:
    doc = _doc("\n".join([*STORY, "온라인뉴스팀 news@etnews.com", "다른 기사 문단이다."]))
    assert _paras(doc) == STORY
    assert (doc.author, doc.outlet) == (None, "전자신문")


def test_desk_and_reporter_email_byline_gives_author() -> None:
    doc = _doc("\n".join([*STORY, "국제부 홍길동 특파원 hong@hankyung.com"]))
    assert (doc.author, doc.outlet) == ("홍길동", "한국경제")


def test_parenthesized_figure_or_cctv_is_not_an_outlet_tag() -> None:
    lines = ["(그림1) " + STORY[0], "(CCTV) " + STORY[1], *STORY[2:]]
    doc = _doc("\n".join(lines))
    assert _paras(doc) == lines
    assert doc.outlet is None


def test_chart_source_line_in_the_middle_does_not_end_the_article() -> None:
    lines = [*STORY[:3], "출처: 통계청", STORY[3]]
    assert _paras(_doc("\n".join(lines))) == lines
