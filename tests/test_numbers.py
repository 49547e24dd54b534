from __future__ import annotations

import pytest

from rag.text.numbers import (
    Quantity,
    find_quantities,
    quantities,
    same_quantity,
    unsupported_numbers,
)


def values(text: str) -> list[tuple[str, float, str]]:
    return [(q.kind, q.value, q.unit) for q in find_quantities(text)]


@pytest.mark.parametrize(
    "text",
    [
        "9090억원",
        "9,090억 원",
        "9090억원을 투입",
        "909 billion won",
        "KRW 909 billion",
        "₩909 billion",
    ],
)
def test_korean_and_english_notations_of_909_billion_won_are_one_value(text: str) -> None:
    assert values(text) == [("money", 909_000_000_000, "KRW")]


def test_korean_amount_without_currency_is_a_number_of_the_same_value() -> None:
    assert values("9090억") == [("number", 909_000_000_000, "")]
    assert values("909.0 billion") == [("number", 909_000_000_000, "")]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("4억원", [("money", 4e8, "KRW")]),
        ("77억", [("number", 7.7e9, "")]),
        ("2500억위안", [("money", 2.5e11, "CNY")]),
        ("47조원", [("money", 4.7e13, "KRW")]),
        ("1조 2,000억원", [("money", 1.2e12, "KRW")]),
        ("2천억원", [("money", 2e11, "KRW")]),
        ("5천여만원", [("money", 5e7, "KRW")]),
        ("3천억여원", [("money", 3e11, "KRW")]),
        ("$35 billion", [("money", 3.5e10, "USD")]),
        ("1,000원", [("money", 1000, "KRW")]),
    ],
)
def test_amounts_with_korean_magnitudes_and_currencies(text: str, expected: list) -> None:
    assert values(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1,000여명", [("count", 1000, "")]),
        ("2천개", [("count", 2000, "")]),
        ("5백개", [("count", 500, "")]),
        ("3천 개 기업", [("count", 3000, "")]),
        ("3만 명", [("count", 30000, "")]),
        ("1만2천명", [("count", 12000, "")]),
        ("2만여명", [("count", 20000, "")]),
        ("3천", [("number", 3000, "")]),
        ("5천만 국민", [("number", 5e7, "")]),
        ("3 백신", [("number", 3, "")]),
        ("70여명", [("count", 70, "")]),
        ("183개 가운데 82개", [("count", 183, ""), ("count", 82, "")]),
        ("총 14회", [("count", 14, "")]),
        ("다섯 가지 분야", [("count", 5, "")]),
        ("양일간", [("count", 2, "")]),
        ("20%", [("percent", 20, "")]),
        ("20 percent", [("percent", 20, "")]),
        ("83.5%", [("percent", 83.5, "")]),
        ("10 fields", [("number", 10, "")]),
        ("eight companies", [("number", 8, "")]),
    ],
)
def test_counts_percentages_and_plain_numbers(text: str, expected: list) -> None:
    assert values(text) == expected


def test_a_range_gives_both_ends_with_the_range_as_text() -> None:
    found = find_quantities("기초 대형 AI 제품 3∼5개를 만든다")
    assert [(q.kind, q.value) for q in found] == [("count", 3), ("count", 5)]
    assert {q.text for q in found} == {"3∼5개"}
    assert values("3-5") == [("number", 3, ""), ("number", 5, "")]
    assert values("(2024∼2025년)") == [("year", 2024, ""), ("year", 2025, "")]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024년", [("year", 2024, "")]),
        ("in 2024", [("year", 2024, "")]),
        ("2024.07.29", [("year", 2024, ""), ("date", 729, "")]),
        ("2024-07-29", [("year", 2024, ""), ("date", 729, "")]),
        ("7월 29일", [("date", 729, "")]),
        ("July 29", [("date", 729, "")]),
        ("29 July 2024", [("date", 729, ""), ("year", 2024, "")]),
        ("2월 10~11일", [("date", 210, ""), ("date", 211, "")]),
        ("February 10-11", [("date", 210, ""), ("date", 211, "")]),
        ("2023년 11월", [("year", 2023, ""), ("month", 11, "")]),
        ("November 2023", [("month", 11, ""), ("year", 2023, "")]),
        ("15일 발표했다", [("day", 15, "")]),
        ("in March", [("month", 3, "")]),
    ],
)
def test_years_and_dates(text: str, expected: list) -> None:
    assert values(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("세 번째", 3),
        ("세번째", 3),
        ("두 번째로", 2),
        ("the third summit", 3),
        ("23rd", 23),
        ("2일차 회의", 2),
        ("제23회 공공솔루션마켓", 23),
        ("제14기", 14),
        ("2차 회의", 2),
        ("3위", 3),
        ("on day 2", 2),
        ("phase 1 of the plan", 1),
    ],
)
def test_ordinals(text: str, expected: int) -> None:
    assert values(text) == [("ordinal", expected, "")]


@pytest.mark.parametrize(
    "text",
    [
        "정부는 예산을 늘렸다 [1].",
        "정부는 예산을 늘렸다 [1, 2][3].",
        "정부는 예산을 늘렸다 【1】 (출처: 2) [Source 3] [1-3] ^4",
        "1. 첫 항목이다",
        "GPT-4 and AI2XL and G3 and 5G",
        "First, the plan",
        "Second, the plan",
        "May we add one more",
        "This may help",
        "[출처: 기사 1] 정부는",
    ],
)
def test_citation_markers_enumerators_and_model_names_are_not_numbers(text: str) -> None:
    assert find_quantities(text) == []


def test_an_ordinal_before_a_comma_is_a_rank_after_the_or_a_possessive() -> None:
    ranked = find_quantities("Korea was the world's second, after the EU, to pass it.")
    assert [(q.kind, q.value, q.text) for q in ranked] == [("ordinal", 2, "second")]
    assert [q.value for q in find_quantities("It was the third, and last, meeting.")] == [3]
    assert find_quantities("Then, second, the plan adds a lab.") == []  # a step of a list


def test_quantities_is_a_set_by_value_not_by_spelling() -> None:
    assert quantities("9090억원과 9,090억 원") == {Quantity("money", 909_000_000_000, "KRW")}


def test_a_hedge_marks_the_quantity_approximate() -> None:
    assert find_quantities("약 47조원")[0].approx
    assert find_quantities("about 47 trillion won")[0].approx
    assert find_quantities("1,000여명")[0].approx
    assert find_quantities("2만여명")[0].approx and find_quantities("3천억여원")[0].approx
    assert not find_quantities("47조원")[0].approx


@pytest.mark.parametrize(
    ("sentence", "evidence"),
    [
        ("The government will spend 909 billion won in 2024.", "2024년 9090억원 규모 예산을 투입"),
        ("예산은 9,090억 원이다.", "2024년 9090억원 규모"),
        ("Output was about 47 trillion won.", "2500억위안(약 47조원)을 넘었고"),
        ("It was 0.9 trillion won.", "9090억원"),
        ("About 70 people attended.", "70여명이 참여했다"),
        ("More than 1,000 people attended.", "총 1,000여명이 참석했다"),
        ("It will build three to five products.", "기초 대형 AI 제품 3∼5개를 만들고"),
        ("Held on February 10-11.", "2월 10~11일 양일간 파리에서"),
        ("The summit was the third.", "세 번째로 개최되는 정상회의"),
        ("He announced it on the 15th.", "15일 발표했다"),
        ("Beijing presented the plan on 2024.07.29.", "입력 2024-07-29"),
        ("In March, Li spoke.", "지난 3월 5일 전인대"),
        ("The growth was 20%.", "20퍼센트 늘었다"),
        ("Eight companies joined.", "리벨리온 8개사는"),
        ("It was the 23rd edition.", "제23회 공공솔루션마켓"),
        ("제14기 회의였다.", "전인대 제14기 2차회의"),
        ("14기 2차회의였다.", "전인대 제14기 2차회의"),
        ("On day 2, leaders met.", "2일차 회의에서는"),
        ("2단계에서는 10개 분야로 넓힌다.", "두번째 단계로 10개 분야로 확장"),
        ("It runs in 3 stages.", "3단계로 나눠 추진"),
    ],
)
def test_numbers_found_in_evidence_are_supported(sentence: str, evidence: str) -> None:
    assert unsupported_numbers(sentence, [evidence]) == []


@pytest.mark.parametrize(
    ("sentence", "evidence", "missing"),
    [
        ("정부는 9000억원을 투입한다.", "2024년 9090억원 규모", ["9000억원"]),
        ("The government will spend 900 billion won.", "9090억원", ["900 billion won"]),
        ("It was about 1 trillion won.", "9090억원", ["1 trillion won"]),
        ("2500억달러 규모다.", "2500억위안", ["2500억달러"]),
        ("92개가 출시됐다.", "183개 가운데 82개", ["92개"]),
        ("2월 12~13일 열렸다.", "2월 10~11일 양일간", ["2월 12~13일"]),
        ("It happened in 2023.", "2024년", ["2023"]),
        ("the fourth phase", "세번째 단계", ["fourth"]),
        ("20%가 늘었다.", "20명이 늘었다", ["20%"]),
        # A place in a sequence is not a count of things.
        ("3 countries took part.", "세 번째로 개최되는 정상회의", ["3"]),
        ("3개국이 참여했다.", "세 번째로 개최되는 정상회의", ["3개국"]),
        ("23 companies exhibited.", "제23회 공공솔루션마켓", ["23"]),
        ("2 leaders attended.", "2일차 회의에서는", ["2"]),
        # A day of the month does not say which month: a model that names one guessed.
        ("Announced on May 15, 2024.", "2024년 사업을 15일 발표했다.", ["May 15, 2024"]),
        ("1월 15일 발표했다.", "추진한다고 15일 발표했다.", ["1월 15일"]),
    ],
)
def test_numbers_missing_from_evidence_are_reported_as_written(
    sentence: str, evidence: str, missing: list[str]
) -> None:
    assert unsupported_numbers(sentence, [evidence]) == missing


def test_a_day_of_the_month_backs_a_date_when_the_evidence_gives_its_month() -> None:
    # The article's own date, one of a cited passage's evidence texts, gives the month.
    assert unsupported_numbers("Announced on July 29.", ["29일 이 같은 계획을", "2024-07-29"]) == []
    assert unsupported_numbers("It ran until February 11.", ["2월 10일 개막해 11일까지"]) == []
    assert unsupported_numbers("It was announced on the 15th.", ["15일 발표했다."]) == []
    assert unsupported_numbers("It was announced on May 15.", ["15일", "2024-01-15"]) == ["May 15"]


def test_a_number_in_any_evidence_text_counts() -> None:
    evidence = ["예산은 9090억원", "참석자는 70여명"]
    assert unsupported_numbers("9090억원을 들여 70여명이 참석한 행사", evidence) == []


def test_unsupported_numbers_ignores_citation_markers_and_reports_each_surface_once() -> None:
    assert unsupported_numbers("77억원 [3], 다시 77억원 [4]", ["4억원"]) == ["77억원"]


def test_same_quantity_needs_the_same_currency() -> None:
    won = Quantity("money", 2.5e11, "KRW")
    yuan = Quantity("money", 2.5e11, "CNY")
    bare = Quantity("number", 2.5e11, "")
    assert not same_quantity(won, yuan)
    assert same_quantity(won, bare)
    assert same_quantity(bare, yuan)


@pytest.mark.parametrize(
    ("text", "unit"),
    [
        ("5 pounds", "GBP"),
        ("20 GBP", "GBP"),
        ("7 JPY", "JPY"),
        ("3 EUR", "EUR"),
        ("10 RMB", "CNY"),
        ("1.5 billion EUR", "EUR"),
    ],
)
def test_every_currency_word_and_code_makes_money(text: str, unit: str) -> None:
    # Found by fuzzing: render_en of 0 GBP ("0 pounds") read back as a bare number.
    assert [(q.kind, q.unit) for q in find_quantities(text)] == [("money", unit)]


@pytest.mark.parametrize(
    ("text", "en", "ko"),
    [
        ("9090억원", "909 billion won", "9090억원"),
        ("909 billion won", "909 billion won", "9090억원"),
        ("1조 2000억원", "1.2 trillion won", "1조 2000억원"),
        ("$1.5 million", "1.5 million dollars", "150만달러"),
        ("1,234,567원", "1,234,567 won", "1,234,567원"),
        ("2,024", "2,024", "2,024"),
        ("12.5%", "12.5%", "12.5%"),
        ("2월 10일", "February 10", "2월 10일"),
        ("2024년", "2024", "2024년"),
        ("세 번째", "3rd", "3번째"),
    ],
)
def test_a_quantity_renders_in_english_and_korean_and_reads_back(text, en, ko) -> None:
    from rag.text.numbers import render_en, render_ko

    (q,) = find_quantities(text)
    assert (render_en(q), render_ko(q)) == (en, ko)
    for written in (en, ko):
        assert [(b.kind, b.value, b.unit) for b in find_quantities(written)] == [
            (q.kind, q.value, q.unit)
        ]
