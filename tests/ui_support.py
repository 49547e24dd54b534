"""Fakes and helpers for the UI tests: a chat model that cites, a free port, an app config."""

from __future__ import annotations

import re
import shutil
import socket
import time
from pathlib import Path

from rag.config import Config

CORPUS = Path(__file__).resolve().parents[1] / "corpus"
BUDGET = "정부는 2024년 9090억원 규모 예산을 투입해 전국민 인공지능 일상화를 추진한다"
SLOW = "천천히"


class CitingGenerator:
    """Answers with the 2024 budget sentence, citing whichever source holds it.

    With no such source it says it does not know (a refusal). A question with
    "천천히" gets a long answer streamed slowly, for the Stop button. ``first_delay``
    seconds pass before the first token (a slow prefill), for the waiting display.
    """

    name = "citing-llm"
    context_window = 4096

    def __init__(self, delay: float = 0.02, first_delay: float = 0.0) -> None:
        self.delay = delay
        self.first_delay = first_delay
        self.closed = 0

    def count_tokens(self, text: str) -> int:
        return len(text.split())

    def stream(self, messages, max_new_tokens, stop=()):
        prompt = "\n".join(m["content"] for m in messages)
        sources = re.findall(r'<source id="(\d+)"[^>]*>\n(.*?)\n</source>', prompt, re.S)
        n = next((i for i, body in sources if "9090억원" in body), None)
        reply = f"{BUDGET} [{n}]." if n else "모릅니다."
        delay = self.delay
        if SLOW in prompt:
            reply, delay = " ".join(["예산은"] * 400), 0.1
        try:
            time.sleep(self.first_delay)
            for i, word in enumerate(reply.split(" ")[:max_new_tokens]):
                time.sleep(delay)
                yield word if i == 0 else " " + word
        finally:
            self.closed += 1


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def app_config(root: Path) -> Config:
    """A config over a copy of the corpus, with no index yet (the app builds it)."""
    shutil.copytree(CORPUS, root / "corpus")
    return Config(
        corpus_dir=root / "corpus",
        index_dir=root / "index",
        data_dir=root / "data",
        embed_model="fake-model",
        chunk_tokens=80,
        refuse_below=0.0,
    )
