from __future__ import annotations

import json
from pathlib import Path

import pytest
from fakes import FakeGenerator, fake_embedder

from rag.evaluate import gold_passages, read_rows, run
from rag.pipeline import Assistant, Searcher
from rag.questions import Evidence, Question

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
    n = next(
        i
        for i, h in enumerate(a.searcher.search(QUESTIONS[0].question), start=1)
        if BUDGET in h.chunk.text
    )
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
    assert summary["all"]["recall"] == 1.0  # the unanswerable question was refused
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
    from rag.evaluate import Row

    return Row(qid, "q", "ko", answerable, top_score=top)


def test_calibration_picks_the_threshold_with_the_best_refusal_f1():
    from rag.evaluate import best_cut, refusal_tradeoff

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


def test_calibration_without_unanswerable_questions_has_no_f1():
    from rag.evaluate import refusal_tradeoff

    assert all(c.f1 is None for c in refusal_tradeoff([_row("a", True, 0.8)]))


def test_threshold_is_written_into_rag_toml_keeping_other_settings(tmp_path):
    from rag.config import load_config
    from rag.evaluate import write_threshold

    toml = tmp_path / "rag.toml"
    toml.write_text('top_k = 7\nrefuse_below = 0.1\nmode = "dense"\n')
    write_threshold(toml, 0.4321)
    config = load_config(toml, env={})
    assert (config.refuse_below, config.top_k, config.mode) == (0.4321, 7, "dense")
    fresh = tmp_path / "new.toml"
    write_threshold(fresh, 0.5)
    assert load_config(fresh, env={}).refuse_below == 0.5


def test_compare_table_has_a_column_per_configuration_and_deltas():
    from rag.evaluate import compare_table

    table = compare_table(
        {"mode=dense": {"all": {"doc_hit@1": 0.9}}, "mode=bm25": {"all": {"doc_hit@1": 0.6}}}
    )
    assert table.splitlines()[0] == "| metric | mode=dense | mode=bm25 | Δ mode=bm25 |"
    assert "| doc_hit@1 | 0.900 | 0.600 | -0.300 |" in table
