from __future__ import annotations

import json
from pathlib import Path

import pytest

from rag.answering.assistant import Assistant
from rag.evaluation.evaluate import gold_passages, read_rows, run
from rag.evaluation.questions import Evidence, Question
from rag.search.searcher import Searcher
from tests.fakes import FakeGenerator, fake_embedder

CORPUS = Path(__file__).resolve().parents[1] / "corpus"
BUDGET = "2024년 9090억원 규모 예산을 투입해 전국민 인공지능 일상화를 추진한다"


@pytest.fixture
def config(fake_index):
    return fake_index


QUESTIONS = [
    Question(
        "ko-1",
        "2024년 전국민 인공지능 일상화 예산은 얼마야?",
        "ko",
        "9090억원입니다.",
        (("9090억", "909 billion"),),
        (Evidence("001_08bf954042452096", BUDGET),),
    ),
    Question(
        "ko-2",
        "베이징시 AI 계획의 다섯 분야는?",
        "ko",
        "로봇, 교육, 의료, 문화, 교통입니다.",
        (("로봇",), ("교육",)),
        (Evidence("000_acb59b784c8ff302", "로봇·교육·의료·문화·교통 등 다섯 가지 분야에서"),),
    ),
    Question(
        "ko-3", "EU AI 법 과징금은 최대 얼마야?", "ko", "기사에서 찾을 수 없습니다.", (), (), False
    ),
]


def budget_rank(a):
    """Where the passage holding the budget sentence ranks for the budget question."""
    hits = a.searcher.search(QUESTIONS[0].question)
    return next(i for i, h in enumerate(hits, start=1) if BUDGET in h.chunk.text)


def assistant(config, *replies):
    searcher = Searcher(config, embedder=fake_embedder())
    return Assistant(config, searcher=searcher, generator=FakeGenerator(*replies))


def test_gold_passages_are_the_chunks_holding_the_quote(config):
    chunks = Searcher(config, embedder=fake_embedder()).index.chunks
    gold = gold_passages(QUESTIONS[0], chunks)
    assert gold and all(BUDGET in c.text for c in chunks if c.chunk_id in gold)
    assert gold_passages(QUESTIONS[2], chunks) == set()


def test_retrieval_only_run_scores_retrieval_and_writes_rows_and_report(config, tmp_path):
    a = assistant(config)
    rows, summary = run(QUESTIONS, a, tmp_path, retrieval_only=True)
    assert [r.id for r in rows] == ["ko-1", "ko-2", "ko-3"]
    assert rows[0].metrics["doc_hit@5"] == 1.0
    assert "doc_hit@5" not in rows[2].metrics  # no evidence: nothing to score
    assert summary["all"]["questions"] == 3 and summary["ko"]["doc_hit@5"] == 1.0
    assert a._generator.prompts == []  # no generation
    report = json.loads((tmp_path / "report.json").read_text())
    assert report["summary"]["all"]["questions"] == 3 and len(report["rows"]) == 3
    assert len(read_rows(tmp_path / "rows.jsonl")) == 3
    table = (tmp_path / "report.md").read_text()
    assert table.startswith("| metric | all | ko |") and "| doc_hit@5 | 1.000 | 1.000 |" in table


def test_full_run_scores_facts_refusals_and_citations(config, tmp_path):
    a = assistant(config)
    n = budget_rank(a)
    a._generator.replies = [
        f"정부는 {BUDGET} [{n}].",
        "기사에서 찾을 수 없습니다.",
        "기사에서 찾을 수 없습니다.",
    ]
    rows, summary = run(QUESTIONS, a, tmp_path)
    first = rows[0].metrics
    assert (
        first["fact_recall"] == 1.0
        and first["citation_validity"] == 1.0
        and first["cites_gold"] == 1.0
    )
    assert rows[1].refused and rows[2].refused
    assert summary["all"]["refusal_recall"] == 1.0  # the unanswerable question was refused
    assert summary["all"]["false_refusal_rate"] == 0.5  # ko-2 was wrongly refused
    assert summary["all"]["total_ms"]["p50"] > 0


def test_resume_keeps_finished_rows_and_asks_only_the_rest(config, tmp_path):
    first = assistant(config, "기사에서 찾을 수 없습니다.", "기사에서 찾을 수 없습니다.")
    run(QUESTIONS[:2], first, tmp_path)
    second = assistant(config, "기사에서 찾을 수 없습니다.")
    rows, _ = run(QUESTIONS, second, tmp_path, resume=True)
    assert [r.id for r in rows] == ["ko-1", "ko-2", "ko-3"]
    assert len(second._generator.prompts) == 1  # only ko-3 was asked
    assert len(read_rows(tmp_path / "rows.jsonl")) == 3


def _row(qid, answerable, top):
    from rag.evaluation.evaluate import Row

    return Row(qid, "q", "ko", answerable, top_score=top)


def test_calibration_picks_the_threshold_with_the_best_refusal_f1():
    from rag.evaluation.calibrate import best_cut, refusal_tradeoff

    rows = [
        _row("a", True, 0.8),
        _row("b", True, 0.6),
        _row("c", False, 0.3),
        _row("d", False, 0.5),
    ]
    chosen = best_cut(refusal_tradeoff(rows))
    assert 0.5 < chosen.threshold <= 0.6  # refuses c and d, answers a and b
    assert (chosen.precision, chosen.recall, chosen.f1, chosen.false_refusal_rate) == (
        1.0,
        1.0,
        1.0,
        0.0,
    )


def test_a_question_with_no_score_to_cut_is_left_to_the_answerability_check():
    from dataclasses import replace

    from rag.evaluation.calibrate import best_cut, refusal_tradeoff

    rows = [_row("a", True, 0.8), _row("u", False, 0.3)]
    # Cross-lingual (refusal_score None): only P(YES) can refuse them.
    rows += [replace(_row("x", True, None), answerability=0.9)]
    rows += [replace(_row("y", False, None), answerability=0.2)]
    chosen = best_cut(refusal_tradeoff(rows))
    assert (chosen.recall, chosen.false_refusal_rate) == (1.0, 0.0)
    assert 0.2 < chosen.answerable_below <= 0.9 and 0.3 < chosen.threshold <= 0.8


def test_calibration_catches_most_unanswerable_questions_within_the_false_refusal_budget():
    from rag.evaluation.calibrate import best_cut, refusal_tradeoff

    rows = [_row(f"a{i}", True, 0.5 + i / 100) for i in range(20)]  # 0.50 .. 0.69
    rows += [_row("u1", False, 0.2), _row("u2", False, 0.4), _row("u3", False, 0.505)]
    strict = best_cut(refusal_tradeoff(rows), max_false_refusals=0.0)
    assert strict.false_refusal_rate == 0.0 and strict.recall == 2 / 3
    loose = best_cut(refusal_tradeoff(rows), max_false_refusals=0.05)
    assert loose.false_refusal_rate == 0.05 and loose.recall == 1.0  # one answerable refused


def test_held_out_scores_each_fold_with_thresholds_chosen_on_the_others():
    from dataclasses import replace

    from rag.evaluation.calibrate import held_out

    # Fold A says "refuse below 0.5"; fold B says "refuse below 0.3".
    fold_a = [_row("a1", True, 0.6), _row("a2", False, 0.45)]
    fold_b = [_row("b1", True, 0.4), _row("b2", False, 0.2)]
    rows = [replace(r, mode="generate") for r in (*fold_a, *fold_b)]
    scored = {r.id: r for r in held_out(rows, [{"a1", "a2"}, {"b1", "b2"}], 0.0)}
    assert [r.id for r in held_out(rows, [{"a1", "a2"}, {"b1", "b2"}], 0.0)] == [r.id for r in rows]
    # A is scored with B's cut (0.2 < t <= 0.4): a2 at 0.45 gets through.
    assert not scored["a2"].refused and not scored["a1"].refused
    # B is scored with A's cut (0.45 < t <= 0.6): b1 at 0.4 is refused although answerable.
    assert scored["b1"].refused and scored["b2"].refused


def test_calibration_without_unanswerable_questions_has_no_f1():
    from rag.evaluation.calibrate import refusal_tradeoff

    assert all(c.f1 is None for c in refusal_tradeoff([_row("a", True, 0.8)]))


def test_thresholds_are_written_into_rag_toml_keeping_other_settings(tmp_path):
    from rag.config import load_config
    from rag.evaluation.calibrate import write_settings

    toml = tmp_path / "rag.toml"
    toml.write_text('top_k = 7\nrefuse_below = 0.1\nmode = "dense"\n')
    write_settings(toml, {"refuse_below": 0.4321, "answerable_below": 0.6})
    config = load_config(toml, env={})
    assert (config.refuse_below, config.answerable_below) == (0.4321, 0.6)  # no model: top level
    assert (config.top_k, config.mode) == (7, "dense")
    fresh = tmp_path / "new.toml"
    write_settings(fresh, {"refuse_below": 0.5})
    assert load_config(fresh, env={}).refuse_below == 0.5


def test_a_chat_models_thresholds_go_to_its_own_table(tmp_path):
    import tomllib
    from pathlib import Path as _Path

    from rag.config import checks, load_config
    from rag.evaluation.calibrate import write_settings

    toml = _Path(__import__("tempfile").mkdtemp()) / "rag.toml"
    toml.write_text('top_k = 7\n\n[thresholds."other-model"]\nanswerable_below = 0.3\n')
    write_settings(toml, {"refuse_below": 0.4, "answerable_below": 0.6}, "qwen-1.5b")
    write_settings(toml, {"faithful_below": 0.7}, "qwen-1.5b")
    raw = tomllib.loads(toml.read_text())
    assert raw["refuse_below"] == 0.4 and raw["top_k"] == 7
    assert raw["thresholds"]["qwen-1.5b"] == {"answerable_below": 0.6, "faithful_below": 0.7}
    assert raw["thresholds"]["other-model"] == {"answerable_below": 0.3}
    ours = load_config(toml, env={"RAG_LLM_MODEL": "/models/Qwen-1.5B.gguf"})
    assert checks(ours).answerable_below == 0.6 and checks(ours).faithful_below == 0.7
    theirs = load_config(toml, env={"RAG_LLM_MODEL": "other-model"})
    assert checks(theirs).answerable_below == 0.3 and checks(theirs).faithful_below == 0.0
    unknown = checks(load_config(toml, env={"RAG_LLM_MODEL": "new-model"}))
    assert not unknown.calibrated and unknown.answerable_below == 0.0
    forced = load_config(toml, env={"RAG_LLM_MODEL": "new-model", "RAG_ANSWERABLE_BELOW": "0.2"})
    assert checks(forced).answerable_below == 0.2 and checks(forced).calibrated


def test_compare_table_has_a_column_per_configuration_and_deltas():
    from rag.evaluation.evaluate import compare_table

    table = compare_table(
        {"mode=dense": {"all": {"doc_hit@1": 0.9}}, "mode=bm25": {"all": {"doc_hit@1": 0.6}}}
    )
    assert table.splitlines()[0] == "| metric | mode=dense | mode=bm25 | Δ mode=bm25 |"
    assert "| doc_hit@1 | 0.900 | 0.600 | -0.300 |" in table


def test_calibration_counts_the_model_refusals_on_top_of_the_threshold():
    from dataclasses import replace

    from rag.evaluation.calibrate import best_cut, refusal_tradeoff

    rows = [
        _row("a", True, 0.8),
        _row("b", True, 0.6),
        # Unanswerable, scored high, but the model said it does not know.
        replace(_row("c", False, 0.9), refused=True, mode="refusal"),
        _row("d", False, 0.5),
    ]
    chosen = best_cut(refusal_tradeoff(rows))
    assert 0.5 < chosen.threshold <= 0.6 and chosen.f1 == 1.0
    assert refusal_tradeoff(rows)[0].recall == 0.5  # threshold 0: only the model's refusal


def test_summary_names_refusal_scores_and_their_f1(config, tmp_path):
    a = assistant(config, "기사에서 찾을 수 없습니다.")
    _, summary = run(QUESTIONS[2:], a, tmp_path)
    block = summary["all"]
    assert (block["refusal_precision"], block["refusal_recall"], block["refusal_f1"]) == (1, 1, 1)
    assert block["false_refusal_rate"] is None  # no answerable question in the set


def test_html_report_is_self_contained_with_plots_and_a_row_per_question(config, tmp_path):
    a = assistant(config)
    n = budget_rank(a)
    a._generator.replies = [
        f"정부는 {BUDGET} [{n}].",
        "모릅니다 <b>x</b>",
        "기사에서 찾을 수 없습니다.",
    ]
    rows, _ = run(QUESTIONS, a, tmp_path, title="질문 <세트>")
    page = (tmp_path / "report.html").read_text()
    assert "<title>질문 &lt;세트&gt;</title>" in page
    assert page.count("<svg") == 2  # metrics per configuration (here per language), latency
    assert "src=" not in page and "<script" not in page and "<link" not in page
    for r in rows:
        assert f"<td>{r.id}</td>" in page
    assert "<a href='#q_ko_1-c1'>[1]</a>" in page and "id='q_ko_1-c1'" in page  # marker → passage
    assert BUDGET in page  # the cited passage itself
    assert "class='num pass'>1.00</td>" in page  # ko-1 cites gold


def test_html_report_shows_markup_from_articles_and_answers_as_text(config, tmp_path):
    from rag.evaluation.evaluate import Row
    from rag.evaluation.report import render
    from rag.records import Chunk

    row = Row(
        "x",
        "<img src=x onerror=alert(1)>?",
        "ko",
        True,
        answer="<script>alert(1)</script> [1]",
        mode="generate",
        cited=("d#0",),
        timings={"retrieval": 80.0, "total": 2000.0},
    )
    chunk = Chunk("d#0", "d", 0, 0, 10, "<script>evil()</script>", "<b>t</b>", "", "")
    page = render({"": {"all": {"questions": 1}}}, {"": [row]}, {"d#0": chunk}, "t")
    assert "<script" not in page and "<img" not in page and "<b>t" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "&lt;script&gt;evil()" in page


def test_semantic_score_compares_answer_and_reference_alike_without_markers():
    from rag.evaluation.evaluate import answer_metrics, semantic_similarity
    from rag.records import Answer

    seen = []

    class Embedder:
        def encode_symmetric(self, texts):
            import numpy as np

            seen.extend(texts)
            return np.eye(2, dtype=np.float32)[[0, 0]]

    answer = Answer("q", "q", "9090억원이다.[1]", "ko", False, "generate")
    scores = answer_metrics(answer, QUESTIONS[0], semantic_similarity(Embedder()))
    assert scores["semantic"] == 1.0 and seen == ["9090억원이다.", "9090억원입니다."]


def test_calibration_picks_both_cuts_when_the_model_judged_answerability():
    from dataclasses import replace

    from rag.evaluation.calibrate import best_cut, chosen_settings, refusal_tradeoff, tradeoff_table

    rows = [
        replace(_row("a", True, 0.8), answerability=0.9),
        replace(_row("b", True, 0.4), answerability=0.8),  # low score, but answerable
        replace(_row("c", False, 0.7), answerability=0.3),  # high score, judged off-topic
        replace(_row("d", False, 0.3), answerability=0.7),  # judged on-topic, low score
    ]
    cuts = refusal_tradeoff(rows)
    chosen = best_cut(cuts)
    assert chosen.f1 == 1.0 and chosen.false_refusal_rate == 0.0
    assert 0.3 < chosen.threshold <= 0.4 and 0.3 < chosen.answerable_below <= 0.7
    assert chosen_settings(chosen, rows) == {
        "refuse_below": chosen.threshold,
        "answerable_below": chosen.answerable_below,
    }
    table = tradeoff_table(cuts, chosen)
    assert "answerable below" in table and table.count("←") == 1
    assert chosen_settings(chosen, [_row("a", True, 0.8)]) == {"refuse_below": chosen.threshold}


def test_a_report_that_cannot_be_written_is_one_line_and_keeps_the_old_file(tmp_path):
    from rag.errors import ConfigError, RagError
    from rag.files import write_atomic

    target = tmp_path / "report.md"
    target.write_text("old")
    (tmp_path / ".report.md.tmp").mkdir()  # the temporary name is taken by a folder
    with pytest.raises(RagError, match=r"cannot write .*report\.md") as info:
        write_atomic(target, "new")
    assert "\n" not in str(info.value) and target.read_text() == "old"
    with pytest.raises(ConfigError):
        write_atomic(tmp_path / "missing" / "rag.toml", "x", ConfigError)


def test_applying_a_cut_turns_the_questions_it_catches_into_refusals_before_generation():
    from dataclasses import replace

    from rag.evaluation.calibrate import Cut, apply_cut
    from rag.evaluation.evaluate import summarize

    timings = {"retrieval": 80.0, "check": 1000.0, "first_token": 3000.0, "total": 9000.0}
    answered = replace(
        _row("a", True, 0.8),
        mode="generate",
        answer="답 [1]",
        cited=("d#0",),
        answerability=0.9,
        metrics={"doc_hit@5": 1.0, "fact_recall": 1.0, "citation_validity": 1.0},
        timings={**timings, "tokens_per_s": 5.0},
    )
    caught = replace(answered, id="c", answerable=False, answerability=0.2)
    lost = replace(
        answered, id="l", answerability=0.3, metrics={**answered.metrics, "strict_accuracy": 1.0}
    )
    cut = Cut(0.5, None, None, None, None, answerable_below=0.5)
    rows = apply_cut([answered, caught, lost], cut)
    assert rows[0] == answered  # untouched: the same greedy answer
    assert rows[1].refused and rows[1].mode == "refusal" and rows[1].cited == ()
    assert rows[1].metrics == {"doc_hit@5": 1.0}  # retrieval kept, answer scores gone
    # A falsely refused answerable question counts as wrong, not as missing.
    assert rows[2].refused and rows[2].metrics == {"doc_hit@5": 1.0, "strict_accuracy": 0.0}
    assert summarize(rows)["all"]["strict_accuracy"] == 0.0
    rows = rows[:2]
    assert rows[1].timings["total"] == 1080.0 and rows[1].timings["first_token"] == 0.0
    block = summarize(rows)["all"]
    assert block["refusal_recall"] == 1.0 and block["false_refusal_rate"] == 0.0
    assert block["first_token_ms"]["p50"] == 3000.0  # the refusal has no first token
    no_check = apply_cut([answered], Cut(0.0, None, None, None, None, answerable_below=0.0))
    # Times as measured: the answer reused the prompt the check read.
    assert no_check[0] == answered


def _claims(tmp_path, rows):
    path = tmp_path / "claims.jsonl"
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n")
    return path


LEADERS = "배경훈 LG AI 연구원장과 하정우 네이버클라우드 센터장이 대화를 진행했다."
CLAIM = {
    "id": "f-1",
    "lang": "ko",
    "doc_id": "d",
    "passage": "행사는 청와대 영빈관에서 열렸고 70여명이 참석했다.",
    "claim": "행사에는 70여명이 참석했다.",
    "faithful": True,
    "kind": "faithful",
}


def test_claim_sets_are_told_apart_and_validated(tmp_path):
    from rag.errors import QuestionSetError
    from rag.evaluation.faithfulness import is_claim_set, load_claims

    good = _claims(tmp_path, [CLAIM])
    assert is_claim_set(good) and load_claims(good)[0].claim == CLAIM["claim"]
    shipped = Path(__file__).resolve().parents[1] / "eval"
    assert is_claim_set(shipped / "faithfulness.jsonl")
    assert not is_claim_set(shipped / "questions.jsonl")
    assert len(load_claims(shipped / "faithfulness.jsonl")) >= 140
    for bad, message in (
        ({**CLAIM, "faithful": "yes"}, "true or false"),
        ({**CLAIM, "extra": 1}, "exactly the fields"),
        ({**CLAIM, "claim": " "}, "non-empty string"),
    ):
        with pytest.raises(QuestionSetError, match=message):
            load_claims(_claims(tmp_path, [bad]))
    with pytest.raises(QuestionSetError, match="repeat"):
        load_claims(_claims(tmp_path, [CLAIM, CLAIM]))


def test_faithfulness_scores_rules_and_the_model_and_calibrates_on_other_folds(tmp_path):
    from rag.evaluation.faithfulness import calibrate, check_all, load_claims, score, verdicts

    rows = [
        CLAIM,
        {**CLAIM, "id": "f-2", "claim": "행사는 프랑스 파리에서 열렸다.", "faithful": False},
        {**CLAIM, "id": "f-3", "claim": "행사에는 90여명이 참석했다.", "faithful": False},
        {**CLAIM, "id": "f-4", "claim": "행사에 많은 사람이 왔다.", "kind": "paraphrase"},
        {**CLAIM, "id": "f-5", "claim": "행사는 영빈관에서 조용히 열렸다.", "faithful": False},
        {
            **CLAIM,
            "id": "f-6",
            "passage": LEADERS,
            "claim": "하정우 LG 원장이 왔다.",
            "faithful": False,
        },
        {**CLAIM, "id": "f-7", "claim": "행사는 청와대 영빈관에서 열렸고"},  # its own words
    ]
    said = {"f-1": 0.9, "f-2": 0.6, "f-3": 0.8, "f-4": 0.7, "f-5": 0.3, "f-6": 0.6}

    class Judge:
        def yes_probability(self, messages):
            claim = messages[-1]["content"].split("Sentence: ")[1].split("\n")[0]
            return said[next(r["id"] for r in rows if r["claim"] == claim)]

    checked = check_all(load_claims(_claims(tmp_path, rows)), Judge())
    rules = {c.claim.id: c.rule for c in checked}
    assert rules == {
        **{"f-1": "", "f-2": "names", "f-3": "numbers", "f-4": "", "f-5": ""},
        **{"f-6": "pairs", "f-7": ""},
    }
    assert checked[-1].p_yes is None  # the passage's own words: the model is not asked
    assert score(verdicts(checked, 0.0)).recall == 3 / 4  # rules alone catch three of four
    full = score(verdicts(checked, 0.5))
    assert (full.precision, full.recall, full.rejected_faithful) == (1.0, 1.0, 0)
    chosen, held = calibrate(checked)
    assert 0.3 < chosen <= 0.7 and [c.id for c, _ in held] == [r["id"] for r in rows]


def test_rag_eval_on_a_claim_set_reports_and_calibrates_faithful_below(tmp_path, monkeypatch):
    from rag.cli import main
    from rag.config import load_config
    from tests.fakes import FakeGenerator

    path = _claims(
        tmp_path,
        [CLAIM, {**CLAIM, "id": "f-2", "claim": "행사는 파리에서 열렸다.", "faithful": False}],
    )
    monkeypatch.setattr(
        "rag.answering.assistant.Assistant.generator", lambda self: FakeGenerator(yes=0.8)
    )
    toml = tmp_path / "rag.toml"
    toml.write_text('llm_model = "tiny.gguf"\n')
    with pytest.raises(SystemExit) as done:
        main(
            ["eval", str(path), "--calibrate", "--config", str(toml), "--out", str(tmp_path / "o")]
        )
    assert done.value.code == 0
    assert (tmp_path / "o" / "claims.json").exists()
    assert load_config(toml, env={}).thresholds["tiny"]["faithful_below"] >= 0.0
