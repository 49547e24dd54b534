"""Is each answer sentence stated by the source it cites, not just similar to it?

Support scores (:mod:`rag.answering.cite.score`) measure similarity: "the event was
held in Paris [1]" scores well against a passage about the event that names another
venue. A sentence that passes them is checked once more here:

1. Names: a Korean sentence's proper nouns and acronyms must occur in the cited
   source (a venue, a company or a country the source does not name is invented),
   and a Korean ministry an English sentence names must be named by it.
2. Pairs: two names one noun phrase of a Korean sentence puts together ("하정우 LG AI
   연구원장", "인도의 엠마뉘엘 마크롱") that the source keeps apart, each bound to
   another name there ("배경훈 LG AI 연구원장", "프랑스의 엠마뉘엘 마크롱"), are swapped.
3. Negation: a sentence that negates ("did not", "않았다") what a source states
   without a negation contradicts it.
4. Direction: a change "from A to B" whose source went to A, not to B ("77억원에서
   4억원으로" over "4억원 규모의 예산을 올해 77억원으로"), is the change reversed
   (:func:`rag.text.change.reversed_change`).
5. The chat model is asked "does the source state everything this sentence says?"
   and its P(YES) (read from one forward pass, as for the answerability check) must
   reach ``faithful_below``. The prompt opens with the cited sources exactly as the
   answer prompt showed them, so for a sentence citing [1] (most do: the best
   evidence is [1]) a runtime that keeps the evaluated prefix reads only the sentence
   and the question about it. A sentence in a source's own words (:func:`verbatim`)
   is stated without asking.

Numbers are checked by the citation verifier already (a figure in no cited source).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from rag.answering.cite.score import is_fragment
from rag.answering.prompt import SYSTEM, render_source, sources_block
from rag.llm.base import Judge
from rag.text.change import reversed_change
from rag.text.institutions import invented_ministries, invented_names, invented_titles
from rag.text.korean import kiwi, unspaced
from rag.text.lang import language

if TYPE_CHECKING:
    from kiwipiepy import Token

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
# Kiwi tags that continue a noun phrase: nouns, numbers, Latin and Chinese words, 의.
_PHRASE_TAGS = frozenset({"NNP", "NNG", "NNB", "SN", "SL", "SH", "JKG"})
# Fewest characters (spaces aside) of a sentence that :func:`verbatim` matches.
VERBATIM_CHARS = 10


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
    return [t.form for t in kiwi().tokenize(text) if _is_name(t)]


def _is_name(token: Token) -> bool:
    """A Kiwi token that names something: a proper noun or a Latin acronym."""
    name = (token.tag == "NNP" and len(token.form) > 1) or (
        token.tag == "SL" and token.form.isupper()
    )
    return name and token.form not in _EVERYWHERE


def _key(text: str) -> str:
    """Text compared as names are: lower case, no spaces (네이버 클라우드 = 네이버클라우드)."""
    return unspaced(text.lower())


def name_groups(text: str) -> list[dict[str, str]]:
    """The names each noun phrase of a Korean text puts together, keyed without spaces.

    A noun phrase is a run of nouns, numbers, Latin words and 의, broken by any other
    word, particle or punctuation ("배경훈 LG AI 연구원장과 하정우 ..." is two:
    과 ends the first); text in brackets is left out, so "린 파커(Lynne Parker)
    백악관" stays one. Each group maps a name's key to its form.
    """
    text = re.sub(r"\([^()]*\)", " ", text)
    groups: list[dict[str, str]] = [{}]
    end = None
    for t in kiwi().tokenize(text):
        joined = t.tag in _PHRASE_TAGS and (end is None or not text[end : t.start].strip())
        if not joined and groups[-1]:
            groups.append({})
        if joined and _is_name(t):
            groups[-1][_key(t.form)] = t.form
        end = t.start + t.len
    return [g for g in groups if g]


def swapped_names(claim: str, sources: Sequence[str]) -> list[tuple[str, str]]:
    """Pairs of names a Korean claim puts in one noun phrase that its sources keep apart.

    Only pairs whose names the source binds each to another name count: "하정우 LG AI
    연구원장" over "배경훈 LG AI 연구원장과 하정우 네이버클라우드 ..." (하정우 goes with
    네이버클라우드 there, LG with 배경훈). A name the source gives alone ("유상임 장관")
    may take a new neighbour ("과기정통부 유상임 장관") without being swapped. Each source
    is read on its own, so no phrase runs from the end of one into the next.
    """
    if language(claim) != "ko":
        return []
    held = [set(g) for source in sources for g in name_groups(source)]
    known = set().union(*held)

    def bound(a: str, b: str) -> bool:
        return any(a in g and g - {a, b} for g in held)

    pairs = []
    for group in name_groups(claim):
        keys = [k for k in group if k in known]
        for i, a in enumerate(keys):
            for b in keys[i + 1 :]:
                together = any(a in g and b in g for g in held)
                if not together and bound(a, b) and bound(b, a):
                    pairs.append((group[a], group[b]))
    return pairs


def verbatim(claim: str, sources: Sequence[str]) -> bool:
    """Whether a sentence is a source's own words (spaces and a final stop aside).

    Such a sentence is stated by its source by definition; the chat model's verdict on
    it could only be wrong. Shorter than :data:`VERBATIM_CHARS`, a match says nothing.
    """
    key = unspaced(claim).rstrip(".。")
    return len(key) >= VERBATIM_CHARS and any(key in unspaced(s) for s in sources)


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
    on a Korean source, the Korean ministries
    (:func:`rag.text.institutions.invented_ministries`), the countries and places of
    known English name (:func:`rag.text.institutions.invented_names`) and the titles
    (:func:`rag.text.institutions.invented_titles`) it names.
    """
    if language(claim) == "en":
        if language(source) != "ko":
            return []
        found = invented_ministries(claim, source) + invented_names(claim, source)
        return found + invented_titles(claim, source)
    haystack = _key(source)
    return list(
        dict.fromkeys(
            n for n in names(claim) if _key(n) not in haystack and not _abbreviates(n, source)
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


def broken_rule(claim: str, sources: Sequence[str]) -> tuple[str, str]:
    """The first rule check a sentence fails, and why: ``("", "")`` if none.

    Returns:
        The rule ("names", "pairs", "negation" or "change") and the reason shown.
    """
    source = "\n".join(sources)
    missing = novel_names(claim, source)
    if missing:
        return "names", f"names not in the source: {', '.join(missing)}"
    pairs = swapped_names(claim, sources)
    if pairs:
        return "pairs", "puts together names the source keeps apart: " + " + ".join(pairs[0])
    if negated(claim) and not any(negated(s) for s in sources):
        return "negation", "negates what the source states"
    turned = reversed_change(claim, sources)
    if turned:
        return "change", f"gives the change the other way round: {turned}"
    return "", ""


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
    rule, reason = broken_rule(claim, sources)
    if rule:
        return Verdict(False, reason)
    if judge is None or threshold <= 0:
        return Verdict(True)
    if not (question and is_fragment(claim)) and verbatim(claim, sources):
        return Verdict(True)
    p = judge.yes_probability(messages(claim, sources, question, blocks))
    if p is None or p >= threshold:
        return Verdict(True, p_yes=p)
    return Verdict(False, f"the source does not state it (P(yes) {p:.2f})", p)
