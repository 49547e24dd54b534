"""Is each answer sentence stated by the source it cites, not just similar to it?

Support scores (:mod:`rag.answering.cite.score`) measure similarity: "the event was
held in Paris [1]" scores well against a passage about the event that names another
venue. A sentence that passes them is checked once more here:

1. Names: a Korean sentence's proper nouns and acronyms must occur in the cited
   source (a venue, a company or a country the source does not name is invented),
   and a Korean ministry an English sentence names must be named by it.
2. Negation: a sentence that negates ("did not", "않았다") what a source states
   without a negation contradicts it.
3. Direction: a change "from A to B" whose source went to A, not to B ("77억원에서
   4억원으로" over "4억원 규모의 예산을 올해 77억원으로"), is the change reversed
   (:func:`rag.text.change.reversed_change`).
4. The chat model is asked "does the source state everything this sentence says?"
   and its P(YES) (read from one forward pass, as for the answerability check) must
   reach ``faithful_below``. The prompt opens with the cited sources exactly as the
   answer prompt showed them, so for a sentence citing [1] (most do: the best
   evidence is [1]) a runtime that keeps the evaluated prefix reads only the sentence
   and the question about it.

Numbers are checked by the citation verifier already (a figure in no cited source).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from rag.answering.cite.score import is_fragment
from rag.answering.prompt import SYSTEM, render_source, sources_block
from rag.llm.base import Judge
from rag.text.change import reversed_change
from rag.text.institutions import invented_ministries
from rag.text.korean import kiwi
from rag.text.lang import language

ASK = (
    "{sources}\n\nSentence: {claim}\n\n"
    "Does the source state everything this sentence says: every name, number, date, place "
    "and who did what? Reply with one word: YES or NO."
)
# A bare phrase ("82개") says something only as the answer to its question.
ASK_ANSWER = (
    "{sources}\n\nQuestion: {question}\nAnswer: {claim}\n\n"
    "Does the source state that this is the answer to the question? Reply with one word: "
    "YES or NO."
)
_EN_NEGATION = re.compile(
    r"\b(?:not|no|never|none|neither|nor|without|cannot)\b|n't\b|\bfail(?:s|ed)? to\b", re.I
)
# Names every article on the topic carries; their absence from a source says nothing.
_EVERYWHERE = frozenset({"AI"})


@dataclass(frozen=True)
class Verdict:
    """Whether a sentence is stated by its source, and why not.

    Attributes:
        faithful: True when every check passed.
        reason: What failed, for the user ("names not in the source: 파리").
        p_yes: The chat model's P(YES), if it was asked.
    """

    faithful: bool
    reason: str = ""
    p_yes: float | None = None


def _ko_negated(text: str) -> bool:
    return any(
        (t.tag == "VX" and t.form == "않")
        or (t.tag == "MAG" and t.form in ("안", "못"))
        or (t.tag in ("VA", "VCN") and t.form in ("없", "아니"))
        for t in kiwi().tokenize(text)
    )


def negated(text: str) -> bool:
    """Whether a sentence (Korean or English) holds a negation."""
    return _ko_negated(text) if language(text) == "ko" else bool(_EN_NEGATION.search(text))


def names(text: str) -> list[str]:
    """What a source must name too: a Korean sentence's proper nouns and acronyms.

    An English sentence's names are translations of the Korean source's
    (베이징 -> Beijing), so only the chat model can check those.
    """
    if language(text) == "en":
        return []
    return [
        t.form
        for t in kiwi().tokenize(text)
        if ((t.tag == "NNP" and len(t.form) > 1) or (t.tag == "SL" and t.form.isupper()))
        and t.form not in _EVERYWHERE
    ]


def _abbreviates(name: str, text: str) -> bool:
    """Whether ``name`` is a short form of a word run of ``text`` (과기정통부, 디플정위).

    Its syllables must appear in order, starting at a word's first syllable, within a
    span of at most four times its length.
    """
    for start in (m.start() for m in re.finditer(re.escape(name[0]), text)):
        if start and text[start - 1].isalnum():
            continue
        window, at = text[start : start + 4 * len(name)], 0
        for ch in name:
            at = window.find(ch, at)
            if at < 0:
                break
            at += 1
        else:
            return True
    return False


def novel_names(claim: str, source: str) -> list[str]:
    """The claim's names that the source neither contains nor abbreviates.

    Case and spacing are ignored (네이버 클라우드 = 네이버클라우드). Of an English claim
    on a Korean source, the Korean ministries it names
    (:func:`rag.text.institutions.invented_ministries`).
    """
    if language(claim) == "en":
        return invented_ministries(claim, source) if language(source) == "ko" else []
    haystack = re.sub(r"\s+", "", source.lower())
    return list(
        dict.fromkeys(
            n
            for n in names(claim)
            if re.sub(r"\s+", "", n.lower()) not in haystack and not _abbreviates(n, source)
        )
    )


def messages(
    claim: str, sources: Sequence[str], question: str = "", blocks: Sequence[str] = ()
) -> list[dict[str, str]]:
    """The chat model's question: does the source state the sentence?

    Of a bare phrase (:func:`rag.answering.cite.score.is_fragment`) with its
    ``question``: does the source state that it answers the question?

    Args:
        claim: The sentence.
        sources: The text of each source it cites.
        question: The question it answers.
        blocks: The same sources as the answer prompt showed them
            (:func:`rag.answering.prompt.render_source`), so the check begins as that
            prompt did and reads only what follows; by default each source under a bare
            numbered tag.
    """
    shown = list(blocks) or [render_source(n, None, s) for n, s in enumerate(sources, start=1)]
    fill = {"sources": sources_block(shown), "claim": claim, "question": question}
    user = (ASK_ANSWER if question and is_fragment(claim) else ASK).format(**fill)
    return [{"role": "system", "content": SYSTEM}, {"role": "user", "content": user}]


def check(
    claim: str,
    sources: Sequence[str],
    judge: Judge | None,
    threshold: float,
    question: str = "",
    blocks: Sequence[str] = (),
) -> Verdict:
    """Whether the cited sources state a sentence.

    Args:
        claim: One answer sentence, citation markers removed.
        sources: The text of each source it cites, as the model saw it.
        judge: The chat model, or None to run only the rule checks.
        threshold: Least P(YES) that counts as stated; 0 skips the model.
        question: The question the sentence answers, which a bare phrase needs.
        blocks: The sources as the answer prompt showed them (see :func:`messages`).

    Raises:
        GeneratorError: If the chat model fails.
    """
    source = "\n".join(sources)
    missing = novel_names(claim, source)
    if missing:
        return Verdict(False, f"names not in the source: {', '.join(missing)}")
    if negated(claim) and not any(negated(s) for s in sources):
        return Verdict(False, "negates what the source states")
    turned = reversed_change(claim, sources)
    if turned:
        return Verdict(False, f"gives the change the other way round: {turned}")
    if judge is None or threshold <= 0:
        return Verdict(True)
    p = judge.yes_probability(messages(claim, sources, question, blocks))
    if p is None or p >= threshold:
        return Verdict(True, p_yes=p)
    return Verdict(False, f"the source does not state it (P(yes) {p:.2f})", p)
