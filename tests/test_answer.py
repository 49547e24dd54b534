from __future__ import annotations

from rag.answering.compose import (
    drop_repeats,
    grounded,
    language_matches,
    refusal_score,
    weak_evidence,
)
from rag.records import Chunk, Claim, Hit


def test_a_looping_models_repeated_sentences_are_kept_once():
    line = "베이징시는 10개 분야로 확장한다."
    text = f"[1] {line}\n[2] {line}\n다른 문장이다 [3]."
    assert drop_repeats(text) == f"[1] {line}\n\n다른 문장이다 [3]."


def test_distinct_sentences_are_untouched():
    text = "정부는 예산을 늘렸다 [1]. 장관은 계획을 발표했다 [2]."
    assert drop_repeats(text) == text


def _hit(dense, text="x"):
    return Hit(
        Chunk("d#0", "d", 0, 0, 1, text), 1.0, dense_score=dense, dense_rank=1 if dense else None
    )


def test_evidence_is_weak_when_nothing_came_back_or_the_best_cosine_is_low():
    assert weak_evidence([], 0.3, "en")
    assert weak_evidence([_hit(0.2), _hit(0.25)], 0.3, "en")
    assert not weak_evidence([_hit(0.2), _hit(0.5)], 0.3, "en")
    assert not weak_evidence([_hit(None)], 0.3, "en")  # BM25-only hits carry no cosine


def test_a_low_cosine_across_languages_is_left_to_the_answerability_check():
    korean = _hit(0.25, "정부는 예산을 늘렸다.")
    assert weak_evidence([korean, _hit(0.2)], 0.3, "ko")
    assert not weak_evidence([korean, _hit(0.2)], 0.3, "en")  # best passage is Korean
    assert refusal_score([korean, _hit(0.2)], "en") is None
    assert refusal_score([_hit(0.2), _hit(0.1, "정부는 예산을 늘렸다.")], "en") == 0.2


def test_citation_markers_do_not_count_towards_the_answer_language():
    assert language_matches("예산은 9090억원이다 [1][2].", "ko")
    assert not language_matches("예산은 9090억원이다 [1][2].", "en")


def test_an_answer_is_grounded_only_if_some_sentence_is_supported_by_a_citation():
    assert grounded([Claim("a", (1,), True), Claim("b", (), False)])
    assert not grounded([Claim("a", (), True), Claim("b", (1,), False)])
