"""Threads for llama.cpp: how busy the other cores are, and what decoding gets.

The arithmetic runs on readings the tests write; the back end runs on the tiny GGUF,
with the reading of other work replaced, so that both choices are taken for real.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from rag.llm import cpu
from rag.llm.llama import JUDGED_PREFILL, LlamaCppGenerator


def _stat(tmp_path: Path, user: int, idle: int) -> Path:
    path = tmp_path / "stat"
    # user nice system idle iowait irq softirq steal guest guest_nice
    path.write_text(f"cpu  {user} 0 0 {idle} 5 0 0 0 0 0\ncpu0 1 0 0 1 0 0 0 0 0 0\n")
    return path


def test_busy_seconds_counts_every_state_but_idle_and_iowait(tmp_path):
    ticks = cpu.os.sysconf("SC_CLK_TCK")
    assert cpu.busy_seconds(_stat(tmp_path, 3 * ticks, 99999)) == pytest.approx(3.0)


@pytest.mark.parametrize("text", ["", "intr 1 2 3\n", None])
def test_busy_seconds_is_none_where_the_system_does_not_say(tmp_path, text):
    path = tmp_path / "stat"
    if text is not None:
        path.write_text(text)
    assert cpu.busy_seconds(path) is None


def test_others_busy_takes_the_reading_threads_share_out():
    start = cpu.Sample(wall=10.0, busy=100.0, own=1.0)
    # 2 s of wall time, 4 CPU seconds used in all; the calling thread used 1.5 s
    # and so the two reading threads 3 s: other work kept 0.5 of a core busy
    end = cpu.Sample(wall=12.0, busy=104.0, own=2.5)
    assert cpu.others_busy(start, end, threads=2) == pytest.approx(0.5)
    assert cpu.others_busy(start, end, threads=1) == pytest.approx(1.25)
    assert cpu.others_busy(start, cpu.Sample(wall=12.0, busy=101.0, own=4.0), 2) == 0.0


def test_others_busy_is_none_when_unknown_or_too_short():
    start = cpu.Sample(wall=10.0, busy=None, own=0.0)
    assert cpu.others_busy(start, cpu.Sample(wall=12.0, busy=5.0, own=1.0), 2) is None
    start = cpu.Sample(wall=10.0, busy=1.0, own=0.0)
    assert cpu.others_busy(start, cpu.Sample(wall=10.05, busy=1.1, own=0.0), 2) is None


@pytest.mark.parametrize(
    ("available", "busy", "current", "expected"),
    [
        (2, 0.0, 1, 2),  # the other core is free: decode with both
        (2, 0.4, 1, 2),  # a little other work does not take a core
        (2, 0.6, 2, 1),  # more than half a core does
        (2, 1.0, 2, 1),  # one busy process on 2 cores: one thread, no collapse
        (2, 3.0, 2, 1),  # never fewer than one
        (8, 1.0, 1, 7),
        (2, None, 2, 2),  # unknown: keep what it is
        (1, 0.0, 1, 1),
    ],
)
def test_decode_threads_are_the_cores_other_work_leaves(available, busy, current, expected):
    assert cpu.decode_threads(available, busy, current) == expected


def test_a_sample_reads_the_system_and_this_thread():
    sample = cpu.Sample.now()
    assert sample.own >= 0 and sample.wall > 0
    assert sample.busy is None or sample.busy > 0


def _long_messages() -> list[dict[str, str]]:
    text = " ".join(f"과기정통부 {i}번 과제 예산" for i in range(JUDGED_PREFILL))
    return [{"role": "user", "content": text}]


def test_the_default_reads_prompts_with_every_core_and_decodes_with_the_free_ones(
    tiny_gguf, monkeypatch
):
    gen = LlamaCppGenerator(str(tiny_gguf), context=512)
    assert gen.adaptive and gen.batch_threads == cpu.cores() and gen.threads == 1
    set_calls = []
    monkeypatch.setattr(
        gen._api, "llama_set_n_threads", lambda ctx, n, batch: set_calls.append((n, batch))
    )
    monkeypatch.setattr(cpu, "others_busy", lambda start, end, threads: 0.0)
    monkeypatch.setattr(gen, "batch_threads", 2)  # as on a 2-core machine
    "".join(gen.stream(_long_messages(), 3))
    assert gen.threads == 2 and set_calls == [(2, 2)]
    monkeypatch.setattr(cpu, "others_busy", lambda start, end, threads: 1.0)
    gen.yes_probability([{"role": "user", "content": "다른 질문 " * JUDGED_PREFILL}])
    assert gen.threads == 1 and set_calls == [(2, 2), (1, 2)]


def test_a_short_prefill_or_a_fixed_setting_keeps_the_threads(tiny_gguf, monkeypatch):
    judged = []
    monkeypatch.setattr(cpu, "others_busy", lambda *a: judged.append(a) or 0.0)
    fixed = LlamaCppGenerator(str(tiny_gguf), threads=1, context=512)
    assert not fixed.adaptive and (fixed.threads, fixed.batch_threads) == (1, 1)
    "".join(fixed.stream(_long_messages(), 3))
    assert fixed.threads == 1 and judged == []
    auto = LlamaCppGenerator(str(tiny_gguf), context=512)
    "".join(auto.stream([{"role": "user", "content": "예산"}], 3))  # a few tokens only
    assert judged == []


def test_set_threads_switches_between_a_fixed_count_and_adapting(tiny_gguf):
    gen = LlamaCppGenerator(str(tiny_gguf), threads=2, context=512)
    gen.set_threads(1)  # through llama.cpp itself, then still generating
    assert not gen.adaptive and (gen.threads, gen.batch_threads) == (1, 1)
    "".join(gen.stream(_long_messages(), 3))
    assert gen.last_tokens >= 1 and gen.last_prefill >= JUDGED_PREFILL  # it still runs
    gen.set_threads(None)
    assert gen.adaptive and (gen.threads, gen.batch_threads) == (1, cpu.cores())
