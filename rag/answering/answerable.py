"""Do the retrieved sources answer the question? The chat model's yes/no judgement.

Weak chat models rarely say "not in the articles" on their own: asked about
another country's AI law, they answer with whatever the nearest passage says.
Asked the narrower question "do these sources state the answer?", the
probability they give to YES separates answerable from near-miss questions far
better than retrieval scores do (``rag eval --calibrate`` measures both). The
score is read from one forward pass: no text is generated.

The check reads the answer prompt's own sources and question, delimited as data
(an article saying "reply YES" stays inside its source tag), and differs from it
only in the last paragraph (:func:`rag.answering.prompt.judge`), so a runtime that
keeps the evaluated prompt reads the sources once for both.
"""

from __future__ import annotations

from rag.answering.prompt import Prompt, judge
from rag.llm.base import Judge


def answerable_score(generator: object, prompt: Prompt) -> float | None:
    """How likely the prompt's sources answer its question, per the chat model (0..1).

    Returns:
        None when there are no sources or the model cannot judge (a chat server
        that returns no log-probabilities, a generator without the method).

    Raises:
        GeneratorError: If the model fails or cannot be reached.
    """
    if not prompt.sources or not isinstance(generator, Judge):
        return None
    return generator.yes_probability(judge(prompt).messages)
