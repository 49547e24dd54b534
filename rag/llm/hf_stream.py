"""The streamer and stopping criteria of :class:`~rag.llm.local.TransformersGenerator`.

Built on first use, since their base classes come from transformers (and torch).
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from rag.llm.base import stop_list

if TYPE_CHECKING:
    import torch


@functools.cache
def hf_helpers() -> tuple[type, type]:
    """The streamer and stopping-criteria classes, built on first use (imports transformers)."""
    import torch
    from transformers import StoppingCriteria, TextIteratorStreamer

    class TokenStreamer(TextIteratorStreamer):
        """Queues text after every token, not every word; counts generated tokens.

        A Korean word is several tokens, and waiting for the space that ends it (what
        :class:`TextStreamer` does) delays every piece. Only a character whose bytes are
        not all generated yet (it decodes as U+FFFD) is held back.
        """

        generated = 0

        def put(self, value: torch.Tensor) -> None:
            if value.dim() > 1:
                value = value[0]
            if self.skip_prompt and self.next_tokens_are_prompt:
                self.next_tokens_are_prompt = False
                return
            self.generated += value.numel()
            self.token_cache.extend(value.tolist())
            text = self.tokenizer.decode(self.token_cache, **self.decode_kwargs)
            end = len(text.rstrip("\ufffd"))
            if end > self.print_len:
                self.on_finalized_text(text[self.print_len : end])
                self.print_len = end
            if end == len(text) and text.endswith("\n"):  # keep decoding cheap
                self.token_cache, self.print_len = [], 0

    class Control(StoppingCriteria):
        """Ends generation when asked to (the consumer left) or on a stop string.

        The stop check decodes only the last generated tokens: enough of them to hold
        the longest stop string even at one byte per token.
        """

        def __init__(self, tokenizer: Any, prompt_len: int, stops: Sequence[str]) -> None:
            self.tokenizer = tokenizer
            self.prompt_len = prompt_len
            self.stops = stop_list(stops)
            self.window = max((len(s.encode("utf-8")) for s in self.stops), default=0) + 2
            self.cancel = threading.Event()

        def _done(self, ids: torch.Tensor) -> bool:
            if self.cancel.is_set():
                return True
            if not self.stops:
                return False
            tail = ids[max(self.prompt_len, ids.shape[-1] - self.window) :]
            text = self.tokenizer.decode(tail, skip_special_tokens=True)
            return any(stop in text for stop in self.stops)

        def __call__(self, input_ids: torch.Tensor, scores: Any, **kwargs: Any) -> torch.Tensor:
            done = [self._done(row) for row in input_ids]
            return torch.tensor(done, dtype=torch.bool, device=input_ids.device)

    return TokenStreamer, Control


__all__ = ["hf_helpers"]
