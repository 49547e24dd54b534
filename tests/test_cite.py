from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import numpy as np
import pytest

from rag.answering.cite.markers import is_dont_know, parse
from rag.answering.cite.score import THRESHOLDS, Support, embedding_similarity, needs_citation
from rag.answering.cite.verify import sole_support, verify
from rag.records import Chunk
from rag.text.lang import language
from tests.fakes import FakeGenerator, fake_embedder


def chunk(doc: str, text: str, start: int = 0, title: str | None = None) -> Chunk:
    return Chunk(
        chunk_id=f"{doc}#0",
        doc_id=doc,
        ordinal=0,
        start=start,
        end=start + len(text),
        text=text,
        title=title,
        outlet="테스트일보",
        published="2024-07-29",
    )


BUDGET = chunk(
    "budget",
    "우선, 관계부처 합동으로 2024년 9090억원 규모 예산을 투입해 전국민 인공지능 일상화를 "
    "추진한다. 국민 편의를 향상하고 대규모 수요 창출을 통한 산업 육성을 견인하기 위한 목적이다.",
    start=120,
)
VOUCHER = chunk(
    "voucher",
    "AI·데이터·클라우드 바우처 사업에 1000억원을 투입, 중소·스타트업 맞춤 혁신을 지원한다. "
    "한편 이날 행사에는 공공부문 정보화 담당자와 기업 관계자 1000여명이 참석해 최신 트렌드를 "
    "공유했다.",
)
SUMMIT = chunk(
    "summit",
    "과학기술정보통신부는 유상임 장관을 수석대표로 2월 10~11일 양일간 파리에서 열린 인공지능 "
    "행동 정상회의(AI Action Summit)에 참석했다. 이번 정상회의에서 60개 국가가 공동으로 "
    "참여한 선언문이 발표됐다.",
)
BEIJING = chunk(
    "beijing",
    "인민일보는 작년 기준 베이징시 AI 핵심 산업 총생산액이 2500억위안(약 47조원)을 넘었다고 "
    "전했다. 중국 전체 대형 AI 모델(183개) 가운데 82개가 베이징에서 출시됐다.",
)
SERVICES = chunk(
    "services",
    "초거대 AI 서비스 개발지원 사업은 지난해 4억원 규모의 예산을 올해 77억원으로 대폭 늘렸다. "
    "디플정위원회와 과기정통부는 8개 과제별 구체적 사업 목표와 수행 방안을 점검했다.",
)
PASSAGES = (BUDGET, VOUCHER, SUMMIT, BEIJING, SERVICES)

# What a small chat model might answer, by what it gets wrong.
SPEND = "정부는 2024년 9090억원 규모 예산을 투입해 전국민 인공지능 일상화를 추진한다"
CANNED = {
    "good": f"{SPEND} [1].",
    "wrong": f"{SPEND} [4].",
    "missing": f"{SPEND}.",
    "out_of_range": f"{SPEND} [9].",
    "reordered": (
        "유상임 장관은 2월 10~11일 파리에서 열린 인공지능 행동 정상회의에 참석했다 [3]. "
        "정부는 2024년 9090억원 규모 예산을 투입해 인공지능 일상화를 추진한다 [1]. "
        "이번 정상회의에서 60개 국가가 참여한 선언문이 발표됐다 [3]."
    ),
    "wrong_number": SPEND.replace("9090억원", "9000억원") + " [1].",
    "fabricated": "베이징시는 자율주행 택시를 전면 상용화하고 법인세를 면제하기로 했다 [4].",
    "two_facts": (
        "정부는 2024년 9090억원 규모 예산을 투입하고, 바우처 사업에 1000억원을 투입한다 [1][2]."
    ),
    "dont_know": "제공된 기사에서는 해당 정보를 찾을 수 없습니다.",
}


def fake_generate(case: str) -> str:
    """The fake generator's streamed reply for a case, joined."""
    generator = FakeGenerator(CANNED[case])
    return "".join(generator.stream([{"role": "user", "content": case}], max_new_tokens=512))


@pytest.fixture(scope="module")
def similarity():
    """Cosines from the fake bag-of-morphemes embedder (no real model)."""
    return embedding_similarity(fake_embedder(dim=512))


def table_similarity(pairs: dict[tuple[str, str], float], default: float = 0.1):
    """A similarity callable from (answer substring, passage substring) -> cosine."""

    def similarity(answers: list[str], sentences: list[str]) -> np.ndarray:
        out = np.full((len(answers), len(sentences)), default, dtype=np.float32)
        for i, a in enumerate(answers):
            for j, s in enumerate(sentences):
                for (x, y), value in pairs.items():
                    if x in a and y in s:
                        out[i, j] = value
        return out

    return similarity


# ---------------------------------------------------------------- parse


@pytest.mark.parametrize(
    ("marker", "ids"),
    [
        ("[1]", (1,)),
        ("[1, 2]", (1, 2)),
        ("[1,2]", (1, 2)),
        ("[1][2]", (1, 2)),
        ("[1-3]", (1, 2, 3)),
        ("【1】", (1,)),
        ("［１］", (1,)),
        ("(출처 1)", (1,)),
        ("(출처: 1, 2)", (1, 2)),
        ("[출처 1]", (1,)),
        ("[Source 1]", (1,)),
        ("(source 2)", (2,)),
        ("^1", (1,)),
        ("[^2]", (2,)),
        ("[3][1][3]", (3, 1)),
    ],
)
def test_parse_reads_each_marker_style(marker: str, ids: tuple[int, ...]) -> None:
    assert parse(f"정부는 예산을 투입한다{marker}.", 5) == [("정부는 예산을 투입한다.", ids)]


def test_parse_gives_a_marker_after_the_full_stop_to_the_sentence_before() -> None:
    text = "정부는 9090억원을 투입한다. [1] 또한 내년부터 공동연구를 추진한다.[2]"
    assert parse(text, 5) == [
        ("정부는 9090억원을 투입한다.", (1,)),
        ("또한 내년부터 공동연구를 추진한다.", (2,)),
    ]


def test_parse_gives_each_marker_to_the_sentence_after_it_when_the_answer_opens_with_one():
    text = "[1] 정부는 9090억원을 투입한다. [2] 또한 내년부터 공동연구를 추진한다 [3]."
    assert parse(text, 5) == [
        ("정부는 9090억원을 투입한다.", (1,)),
        ("또한 내년부터 공동연구를 추진한다.", (2, 3)),
    ]


def test_parse_drops_ids_outside_the_sources_but_removes_their_markers() -> None:
    assert parse("정부는 예산을 늘렸다 [0][2][7].", 5) == [("정부는 예산을 늘렸다.", (2,))]


def test_parse_cleans_the_spacing_markers_leave() -> None:
    assert parse("정부는 예산을 ( [1] ) 늘렸다 [2] .", 5) == [("정부는 예산을 늘렸다.", (1, 2))]


@pytest.mark.parametrize(
    ("answer", "sentence"),
    [
        ("과제가 또 있어.[1], [2], [3]", "과제가 또 있어."),  # not-stated ko-15's ".,,"
        ("서비스를 선보인대.[1],", "서비스를 선보인대."),
        ("예산은 9090억원이다 [1], [2].", "예산은 9090억원이다."),
        ("서울, 부산, 대구가 참여했다.[1]", "서울, 부산, 대구가 참여했다."),
        ("1,000여명이 참석했다.[1]", "1,000여명이 참석했다."),
    ],
)
def test_parse_drops_the_commas_of_a_marker_list(answer: str, sentence: str) -> None:
    assert parse(answer, 3)[0][0] == sentence


def test_parse_does_not_read_a_power_of_ten_as_a_citation() -> None:
    assert parse("규모는 10^3 수준이다.", 5) == [("규모는 10^3 수준이다.", ())]


def test_parse_splits_list_items_and_drops_the_trailing_source_list() -> None:
    text = (
        "주요 내용은 다음과 같습니다:\n- 예산은 9090억원이다 [1]\n1. 참석자는 70여명이다 [2]\n\n"
        "출처:\n[1] 대한민국 초거대 인공지능 도약 - 디지털데일리\n[2] 다른 기사"
    )
    assert parse(text, 5) == [
        ("주요 내용은 다음과 같습니다:", ()),
        ("예산은 9090억원이다", (1,)),
        ("참석자는 70여명이다", (2,)),
    ]


def test_parse_gives_a_marker_at_the_start_of_a_line_to_that_line() -> None:
    assert parse("첫 문장이다.\n[2] 둘째 문장이다.", 5) == [
        ("첫 문장이다.", ()),
        ("둘째 문장이다.", (2,)),
    ]


# ---------------------------------------------------------------- verify


def test_a_supporting_citation_is_kept(similarity) -> None:
    out = verify(fake_generate("good"), PASSAGES, similarity)
    assert [c.chunk_id for c in out.citations] == ["budget#0"]
    assert out.claims[0].supported
    assert out.claims[0].citations == (1,)
    assert out.text.endswith("추진한다.[1]")


def test_the_evidence_span_is_the_supporting_passage_sentence(similarity) -> None:
    citation = verify(fake_generate("good"), PASSAGES, similarity).citations[0]
    start, end = citation.span
    assert citation.evidence == BUDGET.text[start:end]
    assert citation.evidence.startswith("우선, 관계부처 합동으로 2024년 9090억원")
    assert citation.evidence.endswith("추진한다.")
    assert (citation.doc_id, citation.outlet, citation.published) == (
        "budget",
        "테스트일보",
        "2024-07-29",
    )


def test_a_wrong_citation_is_replaced_by_the_one_passage_that_supports_it(similarity) -> None:
    out = verify(fake_generate("wrong"), PASSAGES, similarity)
    assert [c.chunk_id for c in out.citations] == ["budget#0"]
    assert out.claims[0].citations == (1,)
    assert out.claims[0].supported


def test_an_uncited_supported_sentence_gains_its_citation(similarity) -> None:
    out = verify(fake_generate("missing"), PASSAGES, similarity)
    assert [c.chunk_id for c in out.citations] == ["budget#0"]
    assert out.text.endswith("[1]")


def test_an_out_of_range_citation_is_dropped_and_the_right_one_added(similarity) -> None:
    out = verify(fake_generate("out_of_range"), PASSAGES, similarity)
    assert "[9]" not in out.text
    assert [c.chunk_id for c in out.citations] == ["budget#0"]


def test_citations_are_renumbered_in_order_of_first_use(similarity) -> None:
    out = verify(fake_generate("reordered"), PASSAGES, similarity)
    assert [(c.n, c.chunk_id) for c in out.citations] == [(1, "summit#0"), (2, "budget#0")]
    assert [claim.citations for claim in out.claims] == [(1,), (2,), (1,)]
    assert out.text.count("[1]") == 2 and out.text.count("[2]") == 1
    assert "[3]" not in out.text


def test_markers_within_a_sentence_are_sorted_after_renumbering(similarity) -> None:
    answer = (
        "정부는 2024년 9090억원 규모 예산을 투입하고, 바우처 사업에 1000억원을 투입한다 [2][1]."
    )
    out = verify(answer, PASSAGES, similarity)
    assert [c.chunk_id for c in out.citations] == ["voucher#0", "budget#0"]
    assert out.text.endswith("투입한다.[1][2]")


def test_a_sentence_stating_two_facts_keeps_both_citations(similarity) -> None:
    out = verify(fake_generate("two_facts"), PASSAGES, similarity)
    assert {c.chunk_id for c in out.citations} == {"budget#0", "voucher#0"}
    assert out.claims[0].supported


def test_a_wrong_number_is_flagged_but_the_right_citation_stays(similarity) -> None:
    out = verify(fake_generate("wrong_number"), PASSAGES, similarity)
    claim = out.claims[0]
    assert not claim.supported
    assert claim.reason == "number not in sources: 9000억원"
    assert [c.chunk_id for c in out.citations] == ["budget#0"]


def test_a_fabricated_claim_loses_its_citation_and_is_flagged(similarity) -> None:
    out = verify(fake_generate("fabricated"), PASSAGES, similarity)
    assert out.citations == ()
    assert not out.claims[0].supported
    assert out.claims[0].reason == "no cited source supports it"
    assert "[" not in out.text


def test_an_uncited_unsupported_claim_is_flagged_as_uncited(similarity) -> None:
    out = verify("베이징시는 법인세를 면제하기로 했다.", PASSAGES, similarity)
    assert out.claims[0].reason == "no source cited"


def test_discourse_sentences_need_no_citation(similarity) -> None:
    answer = "요약하면 다음과 같습니다:\n- 정부는 2024년 9090억원 규모 예산을 투입한다 [1]."
    out = verify(answer, PASSAGES, similarity)
    assert out.claims[0].supported and out.claims[0].citations == ()
    assert (
        out.text == "요약하면 다음과 같습니다:\n- 정부는 2024년 9090억원 규모 예산을 투입한다.[1]"
    )


def test_two_passages_holding_the_same_fact_add_no_citation(similarity) -> None:
    twin = chunk("budget-copy", BUDGET.text)
    out = verify(fake_generate("missing"), (BUDGET, twin, SUMMIT), similarity)
    assert out.citations == ()
    assert out.claims[0].reason == "no source cited"


def test_overlapping_passages_of_one_article_count_as_one_when_adding(similarity) -> None:
    first = BUDGET
    second = Chunk("budget#1", "budget", 1, BUDGET.start, BUDGET.end, BUDGET.text)
    out = verify(fake_generate("missing"), (SUMMIT, first, second), similarity)
    assert [c.chunk_id for c in out.citations] == ["budget#0"]


def test_lexical_check_works_without_a_similarity() -> None:
    good = verify(fake_generate("good"), PASSAGES, None)
    wrong = verify(fake_generate("fabricated"), PASSAGES, None)
    assert [c.chunk_id for c in good.citations] == ["budget#0"]
    assert wrong.citations == ()


def test_english_answer_rests_on_the_similarity_across_languages() -> None:
    similarity = table_similarity(
        {
            ("909 billion won", "9090억원"): 0.72,
            ("60 countries", "60개 국가"): 0.70,
            ("robotaxis", "9090억원"): 0.30,
        }
    )
    answer = (
        "The government will spend 909 billion won in 2024 on everyday AI [1]. "
        "A declaration joined by 60 countries was announced [1]. "
        "Beijing will commercialize robotaxis [1]."
    )
    out = verify(answer, PASSAGES, similarity)
    assert [claim.citations for claim in out.claims] == [(1,), (2,), ()]
    assert [c.chunk_id for c in out.citations] == ["budget#0", "summit#0"]
    assert [claim.supported for claim in out.claims] == [True, True, False]


def test_english_amount_differing_from_the_source_is_flagged() -> None:
    similarity = table_similarity({("billion won", "9090억원"): 0.72})
    out = verify("The government will spend 900 billion won in 2024 [1].", PASSAGES, similarity)
    assert out.claims[0].reason == "number not in sources: 900 billion won"
    assert out.claims[0].citations == (1,)


def test_the_article_year_counts_as_evidence_but_not_its_day() -> None:
    # BUDGET came out on 2024-07-29; its text says 2024 but no month or day.
    similarity = table_similarity({("July 29", "9090억원"): 0.8, ("In 2024", "9090억원"): 0.8})
    out = verify("On July 29, 2024, a 909 billion won budget was set [1].", PASSAGES, similarity)
    assert not out.claims[0].supported
    assert out.claims[0].reason == "number not in sources: July 29, 2024"
    this_year = replace(BUDGET, text=BUDGET.text.replace("2024년", "올해"))
    out = verify("In 2024, a 909 billion won budget was set [1].", (this_year,), similarity)
    assert out.claims[0].supported


def test_without_passages_every_claim_is_unsupported() -> None:
    out = verify(fake_generate("good"), (), None)
    assert out.citations == ()
    assert not out.claims[0].supported
    assert "[" not in out.text


def test_embedding_similarity_embeds_passage_sentences_once() -> None:
    embedder = fake_embedder(dim=64)
    similarity = embedding_similarity(embedder)
    verify(fake_generate("good"), PASSAGES, similarity)
    seen = len(embedder.model.encoded)
    verify(fake_generate("wrong"), PASSAGES, similarity)
    assert len(embedder.model.encoded) == seen + 1  # only the new answer sentence


# ---------------------------------------------------------------- helpers


@pytest.mark.parametrize(
    ("sentence", "needed"),
    [
        ("다음과 같습니다:", False),
        ("Here are the main points:", False),
        ("네.", False),
        ("기사에서 해당 내용을 찾을 수 없습니다.", False),
        ("정부는 예산을 투입해 인공지능 일상화를 추진한다.", True),
        ("예산은 9090억원이다.", True),
    ],
)
def test_which_sentences_need_a_citation(sentence: str, needed: bool) -> None:
    assert needs_citation(sentence) is needed


@pytest.mark.parametrize(
    ("text", "lang"),
    [("정부는 AI 예산을 늘렸다.", "ko"), ("The OECD said 9090억원.", "en"), ("AI", "en")],
)
def test_language_of_a_sentence(text: str, lang: str) -> None:
    assert language(text) == lang


@pytest.mark.parametrize(
    "text",
    [
        "기사에서 찾을 수 없습니다.",
        "제공된 자료에는 해당 정보가 없습니다.",
        "제공된 기사에는 구체적인 일정이 나와 있지 않습니다.",
        "알 수 없습니다.",
        "해당 내용은 기사에 언급되어 있지 않습니다.",
        "I couldn't find this in the provided articles.",
        "The sources do not contain that information.",
        "The date is not mentioned in the articles.",
        "There is no information about the budget.",
        "I don't know.",
        "The articles don't say when it starts.",
        "기사에서 찾을 수 없습니다 [1].",
    ],
)
def test_dont_know_is_detected(text: str) -> None:
    assert is_dont_know(text)


@pytest.mark.parametrize(
    "text",
    [
        CANNED["good"],
        "The government will spend 909 billion won [1].",
        "구체적인 금액은 나와 있지 않습니다. 다만 정부는 예산을 77억원으로 늘렸습니다 [5].",
        "미국은 선언문에 포함되어 있지 않습니다.",
        "The declaration does not include the United States.",
        "정부는 관련 자료가 없다고 밝혔다.",
        "법적 근거가 없어 특별법 제정을 추진한다.",
        "",
    ],
)
def test_an_answer_is_not_mistaken_for_dont_know(text: str) -> None:
    assert not is_dont_know(text)


def test_a_dont_know_reply_from_the_generator_is_detected() -> None:
    assert is_dont_know(fake_generate("dont_know"))


def _ids(parsed: Sequence[tuple[str, tuple[int, ...]]]) -> list[tuple[int, ...]]:
    return [ids for _, ids in parsed]


def test_full_width_digits_and_brackets_parse_like_ascii() -> None:
    assert _ids(parse("가나다라 문장이다［１，２］. 마바사 문장이다【３】.", 5)) == [(1, 2), (3,)]


def _support(score: float) -> Support:
    return Support(score=score, embedding=None, lexical=0.0, numbers=None, span=(0, 10))


@pytest.mark.parametrize(
    ("scores", "picked"),
    [
        ((0.93, 1.52), 1),  # copied from [2], cited [1]: [2] beats [1] by far more than margin
        ((0.95, 1.0), None),  # two passages state it about as well: neither is added
        ((0.5, 0.91), 1),  # only one clears the bar
        ((0.5, 0.6), None),  # none does
    ],
)
def test_an_uncited_claim_gains_the_passage_that_clearly_beats_the_others(scores, picked):
    same = THRESHOLDS["same"]
    chunks = [chunk(f"doc{i}", "본문 " * 10) for i in range(len(scores))]
    row = [_support(s) for s in scores]
    assert sole_support(row, [same] * len(row), chunks) == picked
