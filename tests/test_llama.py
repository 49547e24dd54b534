"""The llama.cpp back end on the tiny GGUF the tests write, and the choice of back end.

The tiny model's output is noise; these tests check the plumbing: the chat template from
the GGUF, greedy streaming, stop strings, early close, the YES/NO share, and that a
prompt sharing its beginning with what the KV cache holds evaluates only the rest.
"""

from __future__ import annotations

import math
import shutil
from pathlib import Path

import numpy as np
import pytest

from rag.errors import GeneratorError, ModelError
from rag.llm import load_generator, pick_backend
from rag.llm.base import Generator, Judge
from rag.llm.llama import LlamaCppGenerator, render_template, split_utf8
from rag.llm.local import TransformersGenerator
from tests.models import ANSWER, JUDGE, write_tiny_qwen_gguf

MESSAGES = [
    {"role": "system", "content": "출처를 밝혀 답하세요."},
    {"role": "user", "content": "과기정통부의 2024년 AI 예산은 얼마인가?"},
]


@pytest.fixture(scope="module")
def llama(tiny_gguf: Path) -> LlamaCppGenerator:
    return LlamaCppGenerator(str(tiny_gguf), threads=1, context=512)


@pytest.fixture(scope="module")
def reference(tiny_gguf: Path):
    """llama.cpp's own API on the same file, every position's logits kept."""
    import llama_cpp

    return llama_cpp.Llama(str(tiny_gguf), n_ctx=512, logits_all=True, verbose=False)


def _greedy_tokens(reference, ids: list[int], n: int) -> list[int]:
    """n tokens from llama-cpp-python's own generate(), greedy, no penalty."""
    reference.reset()
    out = []
    for token in reference.generate(ids, temp=0.0, top_k=1, repeat_penalty=1.0, reset=True):
        out.append(token)
        if len(out) == n:
            break
    return out


def _common(a: list[int], b: list[int]) -> int:
    return next(
        (i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b))
    )


# ----------------------------------------------------------------------------- template, tokens


def test_llama_generator_satisfies_the_protocols(llama):
    assert isinstance(llama, Generator)
    assert isinstance(llama, Judge)
    assert llama.context_window == 512  # the tiny model's trained context bounds it


def test_context_window_follows_the_setting_below_the_trained_context(tiny_gguf):
    assert LlamaCppGenerator(str(tiny_gguf), context=300).context_window == 300


def test_chat_template_and_tokens_match_transformers(llama, tiny_qwen):
    hf = TransformersGenerator(str(tiny_qwen), threads=1)
    assert llama.prompt_text(MESSAGES) == (
        "<|im_start|>system\n출처를 밝혀 답하세요.<|im_end|>\n"
        "<|im_start|>user\n과기정통부의 2024년 AI 예산은 얼마인가?<|im_end|>\n"
        "<|im_start|>assistant\n"
    )
    assert llama.prompt_ids(MESSAGES) == hf.prompt_ids(MESSAGES)[0].tolist()
    text = "과기정통부는 2024년 9090억원을 투입한다. The budget"
    assert llama.count_tokens(text) == hf.count_tokens(text)


def test_template_renders_like_transformers_with_its_helpers():
    template = (
        "{% for m in messages %}{{ m['content'] | tojson }}\n{% endfor %}"
        "{% if enable_thinking is defined and not enable_thinking %}no-think{% endif %}"
    )
    text = render_template(template, [{"role": "user", "content": "예산"}], enable_thinking=False)
    assert text == '"예산"\nno-think'


def test_template_that_raises_is_a_generator_error(llama, monkeypatch):
    monkeypatch.setattr(llama, "template", "{{ raise_exception('only user and assistant') }}")
    with pytest.raises(GeneratorError, match=r"chat template.*only user and assistant"):
        llama.stream(MESSAGES, max_new_tokens=3)


def test_split_utf8_never_cuts_a_character():
    data = "예산 9090억원, AI 😀.".encode()
    for cut in range(len(data) + 1):
        text, rest = split_utf8(data[:cut])
        assert "\ufffd" not in text
        assert text.encode() + rest == data[:cut]
    assert split_utf8(b"\xffa") == ("\ufffda", b"")  # bytes that never make a character


# ----------------------------------------------------------------------------- streaming


def test_stream_pieces_join_to_llama_cpp_greedy_text(llama, reference):
    pieces = list(llama.stream(MESSAGES, max_new_tokens=24))
    assert len(pieces) > 1 and all(pieces)
    assert llama.last_tokens == 24
    tokens = _greedy_tokens(reference, llama.prompt_ids(MESSAGES), 24)
    expected = reference.detokenize(tokens).decode("utf-8", errors="replace")
    assert "".join(pieces) == expected.rstrip("\ufffd")


def test_a_character_split_across_tokens_is_yielded_whole(llama, monkeypatch):
    text = "예산은 9090억원입니다."
    data = iter(text.encode())
    monkeypatch.setattr(llama._llm, "detokenize", lambda tokens: bytes([next(data)]))
    pieces = list(llama.stream(MESSAGES, max_new_tokens=len(text.encode())))
    assert "".join(pieces) == text
    assert all("\ufffd" not in piece for piece in pieces)
    assert len(pieces) == len(text)  # one piece per completed character


def test_stop_string_ends_generation_on_the_token_that_completes_it(llama, reference):
    tokens = _greedy_tokens(reference, llama.prompt_ids(MESSAGES), 40)
    full = reference.detokenize(tokens).decode("utf-8", errors="replace")
    stop = next(
        full[i : i + 2]
        for i in range(len(full) // 3, len(full) - 2)
        if full[i : i + 2].isprintable()
        and "\ufffd" not in full[i : i + 2]
        and full[i : i + 2].strip()
    )
    needed = next(
        n
        for n in range(1, 41)
        if stop in reference.detokenize(tokens[:n]).decode("utf-8", errors="replace")
    )
    pieces = list(llama.stream(MESSAGES, max_new_tokens=40, stop=["never-there", stop]))
    assert "".join(pieces) == full[: full.index(stop)]
    assert all(stop not in piece for piece in pieces)
    assert llama.last_tokens == needed < 40


def test_closing_early_stops_generation_at_once(llama):
    stream = llama.stream(MESSAGES, max_new_tokens=400)
    before = llama.evaluated
    assert next(stream)
    stream.close()
    # the prompt (at most) and nothing generated after the first piece
    assert llama.evaluated - before == llama.last_prefill
    assert llama.last_tokens <= 2

    def first_piece() -> str:
        for piece in llama.stream(MESSAGES, max_new_tokens=400):
            return piece
        return ""

    assert first_piece()
    assert llama.last_tokens <= 2


def test_max_new_tokens_is_cut_to_the_room_the_context_leaves(llama):
    long_question = [{"role": "user", "content": "예산 " * 240}]
    prompt = len(llama.prompt_ids(long_question))
    assert 400 < prompt < 512
    list(llama.stream(long_question, max_new_tokens=200))
    assert llama.last_tokens == 512 - prompt
    with pytest.raises(GeneratorError, match="llm_context"):
        llama.stream([{"role": "user", "content": "예산 " * 600}], max_new_tokens=10)


def test_end_of_turn_ends_the_stream(llama, monkeypatch):
    first = _greedy_tokens_first(llama)
    monkeypatch.setattr(llama._api, "llama_vocab_is_eog", lambda vocab, token: token == first)
    assert list(llama.stream(MESSAGES, max_new_tokens=30)) == []
    assert llama.last_tokens == 1


def _greedy_tokens_first(llama: LlamaCppGenerator) -> int:
    llama.yes_probability(MESSAGES)  # evaluates the prompt
    return int(np.argmax(llama._last_logits()))


def test_failure_while_generating_is_a_one_line_generator_error(llama, monkeypatch):
    def boom(tokens):
        raise RuntimeError("llama_decode returned -3\nmore detail")

    monkeypatch.setattr(llama._llm, "eval", boom)
    with pytest.raises(GeneratorError, match="failed while generating: llama_decode") as info:
        list(llama.stream([{"role": "user", "content": "새 질문"}], max_new_tokens=5))
    assert "\n" not in str(info.value)
    with pytest.raises(GeneratorError, match="llama_decode"):
        llama.yes_probability([{"role": "user", "content": "또 다른 질문"}])
    assert llama._llm.n_tokens == 0  # nothing half-evaluated is reused


def test_malformed_messages_are_rejected_before_anything_runs(llama):
    with pytest.raises(ValueError, match="chat message"):
        llama.stream([{"role": "robot", "content": "hi"}], max_new_tokens=5)
    with pytest.raises(ValueError, match="max_new_tokens"):
        llama.stream(MESSAGES, max_new_tokens=0)


# ----------------------------------------------------------------------------- judge


def test_yes_probability_is_the_softmax_share_of_llama_cpp_logits(llama, reference, tiny_qwen):
    p = llama.yes_probability(MESSAGES)
    assert p is not None and 0.0 < p < 1.0
    ids = llama._yes_no_ids
    assert True in ids.values() and False in ids.values()
    reference.reset()
    reference.eval(llama.prompt_ids(MESSAGES))
    logits = reference.scores[reference.n_tokens - 1].astype(np.float64)
    probs = np.exp(logits - logits.max()) / np.exp(logits - logits.max()).sum()
    yes = sum(probs[i] for i, label in ids.items() if label)
    no = sum(probs[i] for i, label in ids.items() if not label)
    assert math.isclose(p, yes / (yes + no), rel_tol=1e-5)
    # the same weights in transformers (float, not Q8_0): close, not equal
    hf = TransformersGenerator(str(tiny_qwen), threads=1)
    assert hf._yes_no_ids == ids
    assert abs(hf.yes_probability(MESSAGES) - p) < 0.01


# ----------------------------------------------------------------------------- prefix reuse


def test_answer_after_the_judge_evaluates_only_what_follows_the_shared_prefix(
    llama, tiny_gguf, monkeypatch
):
    judge_ids, answer_ids = llama.prompt_ids(JUDGE), llama.prompt_ids(ANSWER)
    shared = _common(judge_ids, answer_ids)
    assert 20 < shared < len(answer_ids)

    llama.yes_probability([{"role": "user", "content": "무관한 질문"}])  # something else first
    p = llama.yes_probability(JUDGE)
    judged = llama.last_prefill
    before = llama.evaluated
    read: list[int] = []  # tokens each llama.cpp evaluation got
    evaluate = llama._llm.eval
    monkeypatch.setattr(
        llama._llm, "eval", lambda tokens: (read.append(len(tokens)), evaluate(tokens))
    )
    first = next(iter(llama.stream(ANSWER, max_new_tokens=8)))
    assert read == [len(answer_ids) - shared]
    monkeypatch.undo()
    assert llama.last_prefill == len(answer_ids) - shared
    assert llama.evaluated - before == len(answer_ids) - shared
    assert judged < len(judge_ids)  # the system prompt came from the cache too

    # back to the judge: only its own end; the same prompt again: one token (fresh logits)
    assert llama.yes_probability(JUDGE) == pytest.approx(p, abs=1e-6)
    assert llama.last_prefill == len(judge_ids) - shared
    assert llama.yes_probability(JUDGE) == pytest.approx(p, abs=1e-6)
    assert llama.last_prefill == 1

    # reused or cold, the same numbers and (on this model) the same answer; a real model
    # can differ in the last digits, since llama.cpp then reads the rest in other batches
    cold = LlamaCppGenerator(str(tiny_gguf), threads=1, context=512)
    assert cold.yes_probability(JUDGE) == pytest.approx(p, abs=1e-4)
    assert cold.last_prefill == len(judge_ids)
    reused = list(llama.stream(ANSWER, max_new_tokens=16))
    assert reused[0] == first
    assert list(cold.stream(ANSWER, max_new_tokens=16)) == reused


def test_interleaved_streams_each_get_their_own_answer(llama):
    alone = list(llama.stream(ANSWER, max_new_tokens=10))
    other = list(llama.stream(MESSAGES, max_new_tokens=10))
    a, b = llama.stream(ANSWER, max_new_tokens=10), llama.stream(MESSAGES, max_new_tokens=10)
    got_a, got_b = [], []
    for _ in range(12):
        got_a.extend(x for x in [next(a, None)] if x)
        got_b.extend(x for x in [next(b, None)] if x)
    assert "".join(got_a) == "".join(alone)
    assert "".join(got_b) == "".join(other)


# ----------------------------------------------------------------------------- choosing a back end


def test_auto_runs_gguf_with_llama_cpp_and_the_rest_with_transformers(
    tiny_gguf, tiny_qwen, tmp_path
):
    assert pick_backend(str(tiny_gguf)) == "llama"
    folder = tmp_path / "holds-one"
    folder.mkdir()
    shutil.copy2(tiny_gguf, folder / tiny_gguf.name)
    assert pick_backend(str(folder)) == "llama"
    assert pick_backend(str(tiny_qwen)) == "transformers"  # a folder with config.json
    assert pick_backend(str(tiny_gguf), "transformers") == "transformers"
    assert pick_backend(str(tiny_gguf), "llama") == "llama"
    generator = load_generator(str(tiny_gguf), context=512)
    assert isinstance(generator, LlamaCppGenerator)
    assert generator.name == str(tiny_gguf)


def test_auto_falls_back_to_transformers_without_llama_cpp(tiny_gguf, monkeypatch):
    import rag.llm

    monkeypatch.setattr(rag.llm, "llama_cpp_missing", lambda: "No module named 'llama_cpp'")
    assert pick_backend(str(tiny_gguf)) == "transformers"
    with pytest.raises(ModelError, match="llama-cpp-python does not load") as info:
        pick_backend(str(tiny_gguf), "llama")
    assert "\n" not in str(info.value)


def test_forcing_llama_on_a_transformers_model_is_a_one_line_model_error(tiny_qwen):
    with pytest.raises(ModelError, match=r"not a \.gguf file.*llm_backend") as info:
        load_generator(str(tiny_qwen), backend="llama")
    assert "\n" not in str(info.value)
    with pytest.raises(ModelError, match=r"not a \.gguf file"):
        LlamaCppGenerator(str(tiny_qwen))


def test_a_broken_gguf_file_is_a_one_line_model_error(tmp_path):
    bad = tmp_path / "broken.gguf"
    bad.write_bytes(b"GGUF" + b"\x00" * 64)
    with pytest.raises(ModelError, match=r"cannot load chat model.*RAG_LLM_MODEL") as info:
        load_generator(str(bad), backend="llama")
    assert "\n" not in str(info.value)
    with pytest.raises(ModelError, match="does not exist"):
        load_generator(str(tmp_path / "missing.gguf"))


def test_a_gguf_without_chat_template_is_a_model_error(tiny_qwen, tmp_path):
    base = write_tiny_qwen_gguf(tiny_qwen, tmp_path / "base.gguf", chat_template=False)
    with pytest.raises(ModelError, match="no chat template"):
        LlamaCppGenerator(str(base))


def test_the_assistant_loads_the_back_end_its_settings_name(tiny_gguf, tmp_path):
    from rag.answering.assistant import Assistant
    from rag.config import Config

    config = Config(llm_model=str(tiny_gguf), llm_threads=2, llm_context=256)
    generator = Assistant(config).generator()
    assert isinstance(generator, LlamaCppGenerator)
    assert (generator.threads, generator.context_window) == (2, 256)
    forced = load_generator(str(tiny_gguf), backend="transformers", cache_dir=tmp_path)
    assert isinstance(forced, TransformersGenerator)  # the same file, de-quantized
