from __future__ import annotations

import pytest

from rag.search.rewrite import needs_context, rewrite
from rag.text.lang import detect, korean_grammar, matches


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("한국의 AI 예산은 얼마야?", "ko"),
        ("AI 기본법은 OECD 기준을 따르나?", "ko"),
        ("How much is Korea's AI budget?", "en"),
        ("What is 디지털 권리장전?", "en"),
        ("", "en"),
    ],
)
def test_language_is_detected_from_hangul_share(text, lang):
    assert detect(text) == lang


def test_english_answer_may_quote_korean_names_but_not_be_korean():
    assert matches("The plan is called 디지털 권리장전 (Digital Bill of Rights) [1].", "en")
    assert not matches("정부는 9090억원을 투입한다고 밝혔다 [1].", "en")
    assert not matches("The government will invest 909 billion won.", "ko")


@pytest.mark.parametrize(
    ("answer", "english"),
    [
        # eval/heldout.jsonl h-en-18 and h-en-17, as the 0.5B and the 1.5B answered them
        ("Korea hyperscale AI leap event에서 70여명의 startups took part.[1]", False),
        ("Beijing의 embodied-intelligence test site is located in Beijing.[1]", False),
        ("Zhongguancun (중관춘) anchors Beijing's IT ecosystem.[1]", True),
        ("Minister 유상임 led the delegation.[1]", True),  # a bare name has no particle
        ("The minister said '국민 편의를 향상한다' at the event.[1]", True),
        ("The plan is called “베이징시 AI+ 추진 행동계획”.[1]", True),
        ("Korea's AI service's check is 한국의 인공지능이다.[1]", False),  # apostrophes
    ],
)
def test_an_english_answer_with_korean_grammar_in_its_words_is_not_english(answer, english):
    assert matches(answer, "en") is english
    assert bool(korean_grammar(answer)) is not english


HISTORY = [
    {"role": "user", "content": "한국 AI 도약방안이 뭐야?"},
    {"role": "assistant", "content": "인공지능 국제협력 확대 등입니다 [1]."},
]


def test_follow_up_gets_the_earlier_topic_and_loses_its_connective():
    assert rewrite("그럼 예산은 얼마야?", HISTORY) == "한국 AI 도약방안 예산은 얼마야?"


def test_standalone_question_is_left_alone():
    question = "베이징시의 AI+ 행동계획에서 교육 분야는 어떻게 되나?"
    assert not needs_context(question)
    assert rewrite(question, HISTORY) == question


def test_no_history_means_no_rewrite():
    assert rewrite("그럼 예산은 얼마야?", []) == "그럼 예산은 얼마야?"


def test_english_follow_up_with_a_pronoun_carries_the_earlier_subject():
    history = [{"role": "user", "content": "What did Korea present at the Paris AI Action Summit?"}]
    query = rewrite("How many countries signed it?", history)
    assert query.endswith("How many countries signed it?")
    assert "Paris" in query and "Summit" in query
