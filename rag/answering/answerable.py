"""Do the retrieved passages answer the question? The chat model's yes/no judgement.

Weak chat models rarely say "not in the articles" on their own: asked about
another country's AI law, they answer with whatever the nearest passage says.
Asked the narrower question "do these passages state the answer?", the
probability they give to YES separates answerable from near-miss questions far
better than retrieval scores do (``rag eval --calibrate`` measures both). The
score is read from one forward pass over a short prompt: no text is generated.
"""

from __future__ import annotations

from collections.abc import Sequence

from rag.llm.base import Judge
from rag.records import Hit

# Passages shown to the judge: the best ones, where an answer would be.
CHECK_PASSAGES = 3
# Plain numbered passages: on eval/questions.jsonl this separated answerable from
# near-miss questions better than the answer prompt's <source> tags (refusal F1
# 0.71 against 0.62 with Qwen2.5-Coder-1.5B).
SYSTEM = "You check whether news passages answer a question. Reply with one word: YES or NO."
ASK = (
    "Passages:\n{passages}\n\nQuestion: {question}\n\n"
    "Do the passages above state the answer to this exact question? Reply YES or NO."
)


def check_messages(question: str, hits: Sequence[Hit]) -> list[dict[str, str]]:
    """The judge's prompt: the best passages, then the question."""
    blocks = [
        f"[{n}] {hit.chunk.title or hit.chunk.doc_id}\n{hit.chunk.text}"
        for n, hit in enumerate(hits[:CHECK_PASSAGES], start=1)
    ]
    user = ASK.format(passages="\n\n".join(blocks), question=question)
    return [{"role": "system", "content": SYSTEM}, {"role": "user", "content": user}]


def answerable_score(generator: object, question: str, hits: Sequence[Hit]) -> float | None:
    """How likely the passages answer the question, per the chat model (0..1).

    Returns:
        None when there are no passages or the model cannot judge (a chat server
        that returns no log-probabilities, a generator without the method).

    Raises:
        GeneratorError: If the model fails or cannot be reached.
    """
    if not hits or not isinstance(generator, Judge):
        return None
    return generator.yes_probability(check_messages(question, hits))
