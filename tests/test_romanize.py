"""Romanised names: a translation may write 네이버 as Naver, never as Google."""

from __future__ import annotations

import pytest

from rag.text.institutions import invented_names
from rag.text.romanize import (
    _FAMILY_ENGLISH,
    capitalised_runs,
    english_form,
    hangul_names,
    rendered,
    romanize,
    same_onset,
    similarity,
    sounds_like,
    with_english_names,
)


def test_romanize_follows_revised_romanisation_syllable_by_syllable():
    assert romanize("카카오") == "kakao"
    assert romanize("베이징") == "beijing"
    assert romanize("중관춘 AI") == "junggwanchun ai"


@pytest.mark.parametrize(
    ("latin", "hangul"),
    [
        ("Naver", "네이버"),
        ("Kakao", "카카오"),
        ("Rebellions", "리벨리온"),
        ("Zhongguancun", "중관춘"),
        ("Macron", "마크롱"),
        ("Li Qiang", "리창"),
        ("Konan Technology", "코난테크놀로지"),
        ("Yoo Sang-im", "유상임"),
    ],
)
def test_real_romanisations_sound_alike(latin, hangul):
    assert similarity(latin, hangul) >= 0.6


@pytest.mark.parametrize(
    ("latin", "hangul"),
    [("Google", "네이버"), ("Samsung", "코난테크놀로지"), ("Tokyo", "베이징"), ("", "네이버")],
)
def test_other_names_do_not(latin, hangul):
    assert similarity(latin, hangul) < 0.6


def test_rendered_accepts_known_english_forms_and_romanisations_in_a_sentence():
    assert rendered("중국", "Chinese Premier Li Qiang spoke.")
    assert rendered("미국", "the U.S. vice president")
    assert not rendered("미국", "the focus of the talks")  # "us" only as a word
    assert rendered("코난테크놀로지", "Naver, Konan Technology and Kakao")
    assert not rendered("네이버", "Google, Kakao and KT")
    assert rendered("네이버", "네이버 (Naver)")
    # lower-case words are not names, however alike they sound by chance
    assert not rendered("코난테크놀로지", "Samsung Techcon will strengthen investment in order")


@pytest.mark.parametrize(
    ("hangul", "english", "right"),
    [
        ("전인대", "at the National People's Congress in March", True),  # no romanisation
        ("전인대", "at the NPC", True),
        ("유럽연합", "the EU and Singapore", True),
        ("청와대", "at Cheong Wa Dae", True),
        ("청와대", "China's Silicon Valley", False),  # once accepted on its ch and n
        ("마크롱", "in March", False),
        ("마크롱", "President Emmanuel Macron", True),
        # loanwords Kiwi tags as names are translated as words, in lower case too
        ("클라우드", "a fund to support cloud transformation", True),
        ("클라우드", "Culture", False),
        ("초거대", "the hyperscale AI program", True),
        ("코칭", "China", False),
    ],
)
def test_names_and_loanwords_with_an_english_form_are_rendered_by_it(hangul, english, right):
    assert rendered(hangul, english) is right


def test_hangul_names_leave_out_institutions_and_latin_names():
    text = "한국소프트웨어산업협회와 네이버, 카카오, SK텔레콤은 과학기술정보통신부와 약속했다."
    names = hangul_names(text)
    assert "네이버" in names and "카카오" in names
    assert not any(n.endswith(("협회", "부")) for n in names)
    assert all("SK" not in n for n in names)


@pytest.mark.parametrize(
    ("hangul", "english"),
    [
        ("최현택", "Choi Hyun-taek"),
        ("최현택", "Choe Hyeon-taek"),
        ("정의선", "Chung Eui-sun"),
        ("고진", "Goh Jin"),
        ("시진핑", "Xi Jinping"),
        ("중관춘", "Zhongguancun"),
        ("이종호", "Lee Jong-ho"),
        ("유상임", "Yoo Sang-im"),
        ("베트남", "Vietnam"),
        ("제네바", "Geneva"),
        ("칭화", "Tsinghua"),
        ("후쿠시마", "Fukushima"),
    ],
)
def test_a_name_is_rendered_by_the_spellings_of_its_first_consonant(hangul, english):
    assert rendered(hangul, f"{english} said so.")


def test_a_name_with_another_first_consonant_is_not_rendered():
    # "Hyun-tak" sounds like 현택, but 최 is never spelled Kwon: another person.
    assert not rendered("최현택", "Kwon Hyun-tak, the chairman, said so.")
    assert not same_onset("Kwon", "최") and same_onset("Kwon", "권") and same_onset("Im", "임")


@pytest.mark.parametrize(
    ("hangul", "english"),
    [
        ("최현택", "Choi Sung-hak"),  # the family name, then another given name
        ("배경훈", "Background"),  # one word, alike in two consonants of three
        ("하정우", "Han Sungwoo"),
        ("유상임", "Han Sungwoo"),  # 유 begins with no h
        ("이종호", "Beijing"),
        ("아세안", "An"),  # one of its two consonants
        ("리창", "China"),  # 리 begins with an r or an l
        ("네이버", "By"),
        ("파리", "France"),  # two consonants more than 파리's
        ("파리", "Public"),
        ("프랑스", "Paris"),  # a name with an English form is rendered by that form
        ("인도", "United States"),
    ],
)
def test_a_name_is_not_rendered_by_words_that_share_a_few_consonants(hangul, english):
    assert not rendered(hangul, f"{english} said so.")


def test_a_persons_name_is_rendered_family_name_first_with_the_given_name():
    assert rendered("배경훈", "Minister Bae Kyung-hoon said so.")
    assert rendered("하정우", "Ha Jung-woo, the head of the center")
    assert rendered("서울", "in Seoul")  # 서 is a family name, but 서울 is one word
    assert rendered("한국", "Korean companies")
    assert rendered("싱가포르", "the Singaporean government")
    assert rendered("선전", "in Shenzhen")  # h spells sh and zh: not a consonant more
    assert rendered("파리", "the Paris summit")


def test_capitalised_runs_are_where_a_romanised_name_can_be():
    text = "Minister Yoo Sang-im met J. D. Vance in Paris, and the talks went well."
    assert capitalised_runs(text) == ["Minister Yoo Sang-im", "J", "D", "Vance", "Paris"]


@pytest.mark.parametrize(
    ("hangul", "question", "english"),
    [
        ("전인대", "", "National People's Congress"),  # the table's form, as written
        ("리벨리온", "", "Rebellions"),
        ("클라우드", "", "cloud"),  # a loanword stays a word
        ("리창", "Where did Premier Li Qiang make 'AI+' a top priority?", "Li Qiang"),
        ("고진", "What did Ko Jin ask of the teams?", "Ko Jin"),  # not Revised Go Jin
        ("최현택", "", "Choi Hyeon-taek (최현택)"),  # a person: usual family name, RR given
        ("이종호", "", "Lee Jong-ho (이종호)"),
        ("리창", "", ""),  # no family name, no table entry, not in the question
        ("강릉", "", ""),  # two syllables: as often a place as a person
        ("서울", "", "Seoul"),
        ("베이징", "Who leads Korea's AI policy?", ""),
        ("스캐터랩", "", "Scatter Lab"),
    ],
)
def test_english_form_takes_the_table_then_the_question_then_a_persons_romanisation(
    hangul, question, english
):
    assert english_form(hangul, question) == english


def test_every_persons_english_name_passes_the_name_check():
    for family, english in _FAMILY_ENGLISH.items():
        name = f"{family}현택"
        written = english_form(name).split(" (")[0]
        assert written.startswith(f"{english} Hyeon-taek")
        assert sounds_like(written.split(), name), (name, written)
        assert rendered(name, f"{written} said so")


def test_names_are_written_in_english_in_place_only_where_they_stand_as_words():
    text = "리창 중국 총리가 전인대에서 말했다. 한국소프트웨어산업협회와 네이버, 카카오는 한국IT와"
    shown = with_english_names(text, "What did Premier Li Qiang say?")
    assert shown == (
        "Li Qiang China 총리가 National People's Congress에서 말했다. "
        "한국소프트웨어산업협회와 Naver, Kakao는 한국IT와"
    )
    assert with_english_names("베이징 AI 계획") == "베이징 AI 계획"  # nothing known: as it was


def test_invented_names_are_the_tables_names_the_korean_does_not_give():
    korean = "2025년 말까지 중국 선도 수준의 시범 응용 프로젝트 10개를 수행한다."
    english = "By 2025, the United States and China will complete ten pilot projects."
    assert invented_names(english, korean) == ["United States"]
    assert invented_names("The EU and ASEAN agreed.", "유럽연합과 아세안이 합의했다.") == []
    assert invented_names("The European Union agreed.", "EU가 합의했다.") == []  # in Latin
    assert invented_names("It helps us.", "정부가 돕는다.") == []  # "us" is no United States
    # The full name as well as the short one (the faithful f-012 of eval/faithfulness.jsonl).
    congress = "At the National People's Congress, Li Qiang stressed 'AI+'."
    assert invented_names(congress, "리창 총리는 전국인민대표대회에서 'AI+'를 강조했다.") == []
    assert invented_names("The Korean government said so.", "정부가 밝혔다.") == []  # implicit
    # Other forms, as a sentence writes them (dev en-22's "The U.S. Secretary of State")
    talks = "유상임 장관은 유럽연합, 싱가포르 등과 회담했다."
    assert invented_names("The U.S. Secretary of State held talks.", talks) == ["United States"]
    assert invented_names("US and American officials met.", talks) == ["United States"]
    assert invented_names("The U.S. envoy met them.", "미국 린 파커 수석부실장을 만나") == []
    assert invented_names("The European Union and Singapore met.", talks) == []  # not "European"
    assert invented_names("A UK delegation came.", talks) == ["United Kingdom"]
