from __future__ import annotations

from rag.indexing.bm25 import Bm25
from rag.text.korean import split_sentences, tokenize


def test_particles_are_dropped_so_inflected_forms_share_a_token():
    assert tokenize("서울은")[0] == "서울"
    assert tokenize("서울의")[0] == "서울"


def test_amount_with_unit_contains_the_query_amount_tokens():
    assert set(tokenize("9090억")) <= set(tokenize("9090억원"))
    assert tokenize("9,090억원") == tokenize("9090억원")


def test_english_is_lowercased_and_stopwords_dropped():
    assert tokenize("The AI Safety Summit in Seoul") == ["ai", "safety", "summit", "seoul"]


def test_verb_and_adjective_stems_are_kept_endings_dropped():
    tokens = tokenize("정부가 예산을 투입했다")
    assert "정부" in tokens and "예산" in tokens and "투입" in tokens
    assert not any(t in tokens for t in ("가", "을", "했다", "다"))


def test_bm25_matches_inflected_korean_and_amounts():
    docs = ["서울은 한국의 수도이다", "부산 날씨가 맑다", "정부는 9090억원을 투입한다"]
    bm25 = Bm25.build([tokenize(d) for d in docs])
    assert bm25.search("서울의", 3)[0][0] == 0
    assert bm25.search("서울", 3)[0][0] == 0
    assert bm25.search("9090억", 3)[0][0] == 2


def test_bm25_query_of_unknown_words_returns_nothing():
    bm25 = Bm25.build([tokenize("서울은 한국의 수도이다")])
    assert bm25.search("화성 탐사선", 5) == []
    assert bm25.search("", 5) == []


def test_sentences_split_korean_and_english_with_exact_offsets():
    text = "정부가 투입한다. 장관은 “좋다”고 말했다. This is English. Next one!\n새 문단이다"
    spans = split_sentences(text)
    pieces = [text[a:b] for a, b in spans]
    assert pieces == [
        "정부가 투입한다.",
        "장관은 “좋다”고 말했다.",
        "This is English.",
        "Next one!",
        "새 문단이다",
    ]


def test_decimal_numbers_and_abbreviations_do_not_split_a_sentence():
    text = "예산은 3.5% 늘었다. The U.S. plan costs 1.5 billion dollars."
    pieces = [text[a:b] for a, b in split_sentences(text)]
    assert pieces == ["예산은 3.5% 늘었다.", "The U.S. plan costs 1.5 billion dollars."]
