"""How many cores this process may use, and how many other work is using right now.

llama.cpp reads a prompt with ``n_threads_batch`` threads and decodes with ``n_threads``.
Reading a prompt is compute-bound work in large pieces: it scales with cores, and a
second thread loses little when another process shares the cores. Decoding is a short
step per token that waits for every thread: with two threads on two cores and one core
busy elsewhere it collapses (bench/threads.py). So a llama.cpp model reads prompts with
every core, and decodes with every core only while the other cores are free; that is
measured over the prompt it has just read (:func:`others_busy`), from ``/proc/stat``.
Where that file does not exist, decoding keeps one thread.

Work in this process counts as other work too (an upload indexed while a question is
answered): the prompt's own share is the calling thread's CPU time times the threads
reading it, since llama.cpp splits a prompt evenly between them.
"""

from __future__ import annotations

import math
import os
import time
from dataclasses import dataclass
from pathlib import Path

STAT = Path("/proc/stat")
# Cores other work must leave free, on average, for decoding to use them.
FREE = 0.5
# Shortest window worth judging by: a shorter one is mostly noise.
MIN_WINDOW_S = 0.2


def cores() -> int:
    """The cores this process may run on (its CPU affinity where known)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def busy_seconds(stat: Path = STAT) -> float | None:
    """CPU seconds all processes have used since boot, or None if the system can't say."""
    try:
        fields = stat.read_text().split("\n", 1)[0].split()
    except OSError:
        return None
    if not fields or fields[0] != "cpu":
        return None
    ticks = [int(x) for x in fields[1:9]]  # user nice system idle iowait irq softirq steal
    busy = sum(ticks) - ticks[3] - ticks[4]
    return busy / os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class Sample:
    """One reading: wall time, every process's CPU seconds, this thread's CPU seconds."""

    wall: float
    busy: float | None
    own: float

    @classmethod
    def now(cls, stat: Path = STAT) -> Sample:
        """A reading taken now, on the calling thread."""
        return cls(time.perf_counter(), busy_seconds(stat), time.thread_time())


def others_busy(start: Sample, end: Sample, threads: int) -> float | None:
    """Cores other work kept busy, on average, between two samples around a prompt read.

    Args:
        start: Taken just before the prompt was read, on the reading thread.
        end: Taken just after, on the same thread.
        threads: Threads that read it (each did as much work as the calling one).

    Returns:
        The cores used by everything but the read, or None when the system does not
        say or the window is too short to judge.
    """
    wall = end.wall - start.wall
    if start.busy is None or end.busy is None or wall < MIN_WINDOW_S:
        return None
    own = (end.own - start.own) * threads
    return max(0.0, (end.busy - start.busy) - own) / wall


def decode_threads(available: int, busy: float | None, current: int) -> int:
    """Threads to decode with: the cores other work leaves free, at least one.

    A core counts as taken once other work keeps more than :data:`FREE` of it busy:
    on 2 cores, one busy process leaves 1 thread; 0.3 of a core's work leaves 2.

    Args:
        available: Cores this process may use.
        busy: Cores other work kept busy (:func:`others_busy`); None keeps ``current``.
        current: The threads decoding uses now.
    """
    if busy is None:
        return current
    return max(1, available - max(0, math.ceil(busy - FREE)))


__all__ = ["Sample", "busy_seconds", "cores", "decode_threads", "others_busy"]
