from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from rag.cli import main

CORPUS = Path(__file__).resolve().parents[1] / "corpus"


def run(capsys, *argv):
    with pytest.raises(SystemExit) as exit_info:
        main(list(argv))
    out, err = capsys.readouterr()
    return exit_info.value.code, out, err


@pytest.fixture
def dirs(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for key in ("RAG_CONFIG", "RAG_INDEX_DIR", "RAG_CORPUS_DIR", "RAG_EMBED_MODEL", "RAG_TOP_K"):
        monkeypatch.delenv(key, raising=False)
    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS, corpus)
    return ["--corpus", str(corpus), "--index", str(tmp_path / "index")]


def test_import_and_help_do_not_load_torch_or_models():
    code = (
        "import sys, rag, rag.cli, rag.answering.assistant\n"
        "heavy = {'torch', 'transformers', 'sentence_transformers', 'gradio', 'faiss'}\n"
        "heavy &= set(sys.modules)\n"
        "assert not heavy, heavy\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
    done = subprocess.run(
        [sys.executable, "-m", "rag", "--help"], capture_output=True, text=True, check=True
    )
    assert "build" in done.stdout and "search" in done.stdout and "corpus" in done.stdout


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["search", ""], "question is empty"),
        (["search", "   "], "question is empty"),
        (["search", "예산", "-k", "0"], "at least 1"),
        (["search", "예산", "-k", "many"], "whole number"),
        (["search", "예산", "--mode", "fuzzy"], "invalid choice"),
        (["search", "예산"], "rag build"),
        (["frobnicate"], "invalid choice"),
        (["corpus", "show", "no-such-doc"], "no article"),
    ],
)
def test_bad_invocations_print_one_line_and_exit_1(capsys, dirs, argv, needle):
    code, _, err = run(capsys, *argv, *dirs)
    assert code == 1
    assert needle in err
    assert err.count("\n") == 1 and "Traceback" not in err


def test_missing_corpus_folder_is_one_line(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, _, err = run(
        capsys, "build", "--corpus", str(tmp_path / "none"), "--index", str(tmp_path / "i")
    )
    assert code == 1 and err.count("\n") == 1 and "does not exist" in err


def test_build_then_search_json_with_a_real_tiny_model(capsys, dirs, tiny_embedder):
    model = ["--embed-model", str(tiny_embedder)]
    code, out, _ = run(capsys, "build", *dirs, *model)
    assert code == 0 and "5 documents" in out
    code, out, _ = run(capsys, "build", *dirs, *model)
    assert code == 0 and "up to date" in out and "embedded 0" in out
    code, out, _ = run(capsys, "search", "9090억원 예산", "-k", "3", "--json", *dirs, *model)
    assert code == 0
    rows = json.loads(out)
    assert len(rows) == 3
    assert {"doc_id", "chunk_id", "title", "text", "score"} <= set(rows[0])
    assert rows[0]["chunk_id"].startswith(rows[0]["doc_id"] + "#")
    code, out, _ = run(capsys, "search", "베이징", "--mode", "bm25", *dirs, *model)
    assert code == 0 and out.startswith("1. [") and "bm25 #1" in out


def test_env_variables_select_folders_and_model(capsys, dirs, tiny_embedder, monkeypatch, tmp_path):
    monkeypatch.setenv("RAG_CORPUS_DIR", dirs[1])
    monkeypatch.setenv("RAG_INDEX_DIR", str(tmp_path / "env-index"))
    monkeypatch.setenv("RAG_EMBED_MODEL", str(tiny_embedder))
    code, _, _ = run(capsys, "build")
    assert code == 0 and (tmp_path / "env-index" / "manifest.json").exists()


def test_corpus_list_and_show_removed(capsys, dirs, tiny_embedder):
    code, out, _ = run(capsys, "corpus", "list", "--json", *dirs)
    assert code == 0
    rows = json.loads(out)
    assert len(rows) == 5 and all(r["chunks"] is None for r in rows)
    run(capsys, "build", *dirs, "--embed-model", str(tiny_embedder))
    _, out, _ = run(capsys, "corpus", "list", "--json", *dirs)
    assert all(isinstance(r["chunks"], int) and r["chunks"] > 0 for r in json.loads(out))
    code, out, _ = run(capsys, "corpus", "show", "004_5b03f742cc9b530e", "--removed", *dirs)
    assert code == 0
    text, removed = out.split("--- removed by cleaning", 1)
    assert "흐림서울 15.8℃" not in text and "흐림서울 15.8℃" in removed
    assert "인공지능 행동 정상회의" in text


def test_ask_json_has_answer_citations_passages_and_timings(capsys, dirs, tiny_embedder):
    model = ["--embed-model", str(tiny_embedder)]
    run(capsys, "build", *dirs, *model)
    code, out, _ = run(
        capsys,
        "ask",
        "2024년 인공지능 일상화 예산은 얼마야?",
        "--mode",
        "extractive",
        "--json",
        *dirs,
        *model,
    )
    assert code == 0
    data = json.loads(out)
    assert {
        "answer",
        "lang",
        "refused",
        "citations",
        "passages",
        "timings_ms",
        "tokens_per_s",
    } <= set(data)
    assert data["lang"] == "ko" and data["mode"] in ("extractive", "refusal")
    assert set(data["timings_ms"]) == {"retrieval", "check", "first_token", "total"}
    for citation in data["citations"]:
        assert {"n", "chunk_id", "doc_id", "title", "span"} <= set(citation)
        passage = next(p for p in data["passages"] if p["chunk_id"] == citation["chunk_id"])
        assert passage["text"][citation["span"][0] : citation["span"][1]] == citation["evidence"]


def test_ask_with_a_real_tiny_chat_model_streams_then_falls_back_visibly(
    capsys, dirs, tiny_embedder, tiny_qwen, monkeypatch
):
    model = ["--embed-model", str(tiny_embedder)]
    run(capsys, "build", *dirs, *model)
    monkeypatch.setenv("RAG_LLM_MODEL", str(tiny_qwen))
    monkeypatch.setenv("RAG_MAX_NEW_TOKENS", "8")
    monkeypatch.setenv("RAG_REFUSE_BELOW", "0")
    code, out, err = run(capsys, "ask", "베이징 AI 계획은?", *dirs, *model)
    assert code == 0, err
    assert "retrieval" in err and "first token" in err
    assert out.strip()  # noise from the tiny model, then a checked or quoted answer


def test_ask_with_an_empty_question_is_one_line(capsys, dirs):
    code, _, err = run(capsys, "ask", "  ", *dirs)
    assert code == 1 and "question is empty" in err and err.count("\n") == 1


def test_eval_retrieval_only_prints_the_table_and_writes_reports(
    capsys, dirs, tiny_embedder, tmp_path
):
    model = ["--embed-model", str(tiny_embedder)]
    run(capsys, "build", *dirs, *model)
    questions = Path(__file__).resolve().parents[1] / "eval" / "questions.jsonl"
    out = tmp_path / "report"
    code, stdout, _ = run(
        capsys, "eval", str(questions), "--retrieval-only", "--out", str(out), *dirs, *model
    )
    assert code == 0 and stdout.startswith("| metric | all | en | ko |")
    names = {p.name for p in out.iterdir()}
    assert names == {"report.json", "report.md", "report.html", "rows.jsonl"}
    assert len(json.loads((out / "report.json").read_text())["rows"]) >= 60


def test_eval_of_a_broken_question_file_names_the_line(capsys, dirs, tmp_path):
    bad = tmp_path / "q.jsonl"
    good = '{"id": "a", "question": "q", "lang": "ko", "answer": "x", "facts": [], "evidence": []}'
    bad.write_text(good + "\n{not json\n")
    code, _, err = run(capsys, "eval", str(bad), *dirs)
    assert code == 1 and "q.jsonl:2" in err and err.count("\n") == 1


def test_eval_calibrate_writes_rag_toml_and_dry_run_does_not(capsys, dirs, tiny_embedder, tmp_path):
    model = ["--embed-model", str(tiny_embedder)]
    run(capsys, "build", *dirs, *model)
    questions = str(Path(__file__).resolve().parents[1] / "eval" / "questions.jsonl")
    toml = tmp_path / "cal.toml"
    toml.write_text("top_k = 5\n")
    args = ["eval", questions, "--calibrate", "--retrieval-only", "--config", str(toml)]
    args += ["--out", str(tmp_path / "o")]
    code, out, _ = run(capsys, *args, "--dry-run", *dirs, *model)
    assert code == 0 and "dry run" in out and toml.read_text() == "top_k = 5\n"
    code, out, _ = run(capsys, *args, *dirs, *model)
    assert code == 0 and "refuse_below = " in toml.read_text() and "top_k = 5" in toml.read_text()


def test_eval_compare_runs_each_value_side_by_side(capsys, dirs, tiny_embedder, tmp_path):
    model = ["--embed-model", str(tiny_embedder)]
    run(capsys, "build", *dirs, *model)
    questions = str(Path(__file__).resolve().parents[1] / "eval" / "questions.jsonl")
    out = tmp_path / "cmp"
    code, stdout, _ = run(
        capsys,
        "eval",
        questions,
        "--retrieval-only",
        "--compare",
        "mode=bm25,hybrid",
        "--out",
        str(out),
        *dirs,
        *model,
    )
    assert code == 0 and stdout.startswith("| metric | mode=bm25 | mode=hybrid | Δ mode=hybrid |")
    assert (out / "mode=bm25" / "report.json").exists() and (
        out / "mode=hybrid" / "report.md"
    ).exists()
    assert (out / "compare.md").read_text() == stdout
    page = (out / "report.html").read_text()
    assert "<th>mode=bm25</th><th>mode=hybrid</th>" in page  # one column per configuration


def test_eval_takes_several_config_files_side_by_side(capsys, dirs, tiny_embedder, tmp_path):
    model = ["--embed-model", str(tiny_embedder)]
    run(capsys, "build", *dirs, *model)
    questions = str(Path(__file__).resolve().parents[1] / "eval" / "questions.jsonl")
    (tmp_path / "dense.toml").write_text('mode = "dense"\n')
    (tmp_path / "bm25.toml").write_text('mode = "bm25"\n')
    configs = ["--config", str(tmp_path / "dense.toml"), "--config", str(tmp_path / "bm25.toml")]
    out = tmp_path / "side"
    args = ["eval", questions, "--retrieval-only", *configs, "--out", str(out), *dirs, *model]
    code, stdout, err = run(capsys, *args)
    assert code == 0, err
    assert stdout.startswith("| metric | dense | bm25 | Δ bm25 |")
    dense = json.loads((out / "dense" / "report.json").read_text())["summary"]["all"]
    bm25 = json.loads((out / "bm25" / "report.json").read_text())["summary"]["all"]
    assert (
        dense["doc_hit@5"] != bm25["doc_hit@5"]
        or dense["passage_ndcg@10"] != bm25["passage_ndcg@10"]
    )  # the two files really configured two different retrievers
    code, _, err = run(capsys, *args, "--compare", "top_k=3,5")
    assert code == 1 and "--compare" in err and err.count("\n") == 1


def test_eval_calibrating_on_answers_reports_what_the_chosen_cut_gives(
    capsys, dirs, tiny_embedder, tmp_path
):
    model = ["--embed-model", str(tiny_embedder)]
    run(capsys, "build", *dirs, *model)
    shipped = Path(__file__).resolve().parents[1] / "eval" / "questions.jsonl"
    picked: dict[tuple[str, bool], list[str]] = {}
    for line in shipped.read_text(encoding="utf-8").splitlines():
        item = json.loads(line)
        if not item.get("conversation"):
            picked.setdefault((item["lang"], item["answerable"]), []).append(line)
    questions = tmp_path / "q.jsonl"
    chosen = [line for group in picked.values() for line in group[:2]]  # 2 of each kind
    questions.write_text("\n".join(chosen) + "\n", encoding="utf-8")
    out = tmp_path / "cal"
    args = ["eval", str(questions), "--calibrate", "--dry-run", "--mode", "extractive"]
    code, stdout, err = run(capsys, *args, "--out", str(out), *dirs, *model)
    assert code == 0, err
    assert "each of 2 folds scored with thresholds chosen on the others" in stdout
    assert "dry run" in stdout
    for folder in ("calibrated", "held-out"):
        report = json.loads((out / folder / "report.json").read_text())
        assert len(report["rows"]) == 8 and (out / folder / "report.html").exists()
    questions.write_text("\n".join(chosen[:3]) + "\n", encoding="utf-8")  # too few to split
    code, stdout, err = run(capsys, *args, "--out", str(tmp_path / "few"), *dirs, *model)
    assert code == 0, err
    assert "no held-out report: cannot split into 2 folds" in stdout
