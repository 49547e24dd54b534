"""The path of one question, in the order the README's diagram shows it.

    check the query -> rewrite a follow-up -> retrieve -> refuse if weak
    -> evidence sentences -> refuse if none gives the figure or name asked for
    -> judge: do they answer? -> prompt -> generate
    -> check the language -> verify citations and faithfulness -> check the answer type
    -> answer (or quote the evidence); in English over Korean articles, translated

:meth:`Assistant.stream` yields typed events (:data:`rag.records.Event`) as it
goes; every other module does one of the steps.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from typing import Any

from rag.answering import evidence, faithful, fallback
from rag.answering.answer_type import expected_types, missing
from rag.answering.answerable import answerable_score
from rag.answering.cite.markers import is_dont_know
from rag.answering.cite.score import Similarity, embedding_similarity
from rag.answering.cite.verify import Verified, verify
from rag.answering.compose import (
    LANG_NAMES,
    NOT_ANSWERED,
    Clock,
    Turn,
    answer_language,
    checked_answer,
    drop_repeats,
    korean_sources,
    language_matches,
    language_notes,
    ms_since,
    refusal,
    uncalibrated_note,
    unusable,
    weak_evidence,
    with_notes,
)
from rag.answering.fallback import quote_answer
from rag.answering.prompt import Prompt, build_prompt, render_source
from rag.answering.translate import NOTE, TRANSLATING, has_korean, try_translate
from rag.config import Config, checks
from rag.errors import GeneratorError, RagError
from rag.llm import Generator, load_generator
from rag.records import Answer, Answered, Event, Hit, Reset, Retrieved, Rewritten, Stage, Token
from rag.search.rewrite import rewrite
from rag.search.searcher import Searcher, check_query
from rag.text.english import with_english_figures

# Tokens the chat template adds around the messages (role markers), kept free.
TEMPLATE_TOKENS = 64
# What :meth:`Assistant.warm` searches for.
WARM_QUERY = "인공지능 정책 AI policy"
# Strings after which a small model has stopped answering and started rambling.
STOP = ("\nQuestion:", "\nSources:", "<source", "\n\n\n")


class Assistant:
    """Answers questions: retrieve, judge, prompt, generate, check citations.

    Args:
        config: Settings.
        searcher: A loaded searcher (default: from ``config``).
        generator: A chat model (default: loaded from ``config`` on first use;
            if that fails, answers are extractive, with a note saying why).
        calibrating: Score every question for both refusal cuts (retrieval
            score, answerability) but refuse on neither, so that
            ``rag eval --calibrate`` sees what each threshold would do.

    The index loads on first use (:attr:`searcher`), so a bad question is
    reported before anything loads.
    """

    def __init__(
        self,
        config: Config,
        searcher: Searcher | None = None,
        generator: Generator | None = None,
        calibrating: bool = False,
    ) -> None:
        self.config = config
        self.calibrating = calibrating
        self._searcher = searcher
        self._generator = generator
        self._generator_error = ""
        self._similarity: dict[bool, Similarity] = {}
        self.checks = checks(config)

    @property
    def searcher(self) -> Searcher:
        """The loaded index and query models, loaded on first use.

        Raises:
            IndexMissingError: If there is no index.
            IndexCorruptError: If the index is unreadable.
            IndexMismatchError: If the index was built with other settings.
        """
        if self._searcher is None:
            self._searcher = Searcher(self.config)
        return self._searcher

    @searcher.setter
    def searcher(self, searcher: Searcher) -> None:
        self._searcher = searcher

    def warm(self) -> None:
        """Load the index and models now, so that the first answer's timings are its own.

        One search runs too: the first loads the Korean tokenizer's model, about 2.5 s on
        2 cores, which the first question would otherwise wait for.
        """
        self.searcher.search(WARM_QUERY, k=1)
        if self.config.mode != "bm25":
            self.similarity()
            self.similarity(True)
        if self.config.answer_mode == "generate":
            self.generator()

    def generator(self) -> Generator | None:
        """The chat model, loaded on first use; None (with a reason kept) if it can't be."""
        if self._generator is None and not self._generator_error:
            try:
                c = self.config
                self._generator = load_generator(
                    c.llm_model,
                    c.llm_url,
                    c.llm_timeout,
                    backend=c.llm_backend,
                    threads=c.llm_threads or None,
                    context=c.llm_context,
                )
            except RagError as exc:
                self._generator_error = str(exc)
        return self._generator

    def similarity(self, questions: bool = False) -> Similarity | None:
        """Cosine similarity between texts with the index's embedder, if loadable.

        With ``questions``, of questions against the sentences that may answer them
        (:func:`rag.answering.cite.score.embedding_similarity`).
        """
        if questions not in self._similarity:
            try:
                searcher = self.searcher
                known = searcher.index.sentences
                self._similarity[questions] = embedding_similarity(
                    searcher.embedder, known=known, questions=questions
                )
            except RagError:
                return None
        return self._similarity[questions]

    def retrieve(
        self,
        question: str,
        history: Sequence[dict[str, str]] = (),
        k: int | None = None,
        mode: str | None = None,
    ) -> tuple[str, list[Hit]]:
        """The standalone query for a checked (follow-up) question, and its passages."""
        query = rewrite(question, history)
        return query, self.searcher.search(query, k=k, mode=mode)

    def ask(self, question: str, history: Sequence[dict[str, str]] = (), **options: Any) -> Answer:
        """Answer a question; see :meth:`stream` for the options.

        Raises:
            QueryError: If the question is empty.
        """
        final = None
        for event in self.stream(question, history, **options):
            if isinstance(event, Answered):
                final = event.answer
        assert final is not None
        return final

    def stream(
        self,
        question: str,
        history: Sequence[dict[str, str]] = (),
        lang: str | None = None,
        mode: str | None = None,
        k: int | None = None,
        retrieval: str | None = None,
        max_new_tokens: int | None = None,
    ) -> Iterator[Event]:
        """Answer a question step by step.

        The question is checked here, before anything runs or loads; the events
        come as the returned iterator is consumed.

        Args:
            question: The question.
            history: Earlier turns, ``{"role": ..., "content": ...}``, for follow-ups.
            lang: ``auto``, ``ko`` or ``en`` (default: the config's).
            mode: ``generate`` or ``extractive`` (default: the config's).
            k: Passages to retrieve.
            retrieval: ``hybrid``, ``dense`` or ``bm25``.
            max_new_tokens: Most tokens to generate.

        Returns:
            An iterator of events, ending with one :class:`~rag.records.Answered`.

        A question is cleaned and cut to ``max_question_chars``
        (:func:`rag.search.searcher.check_query`); one in a third language is
        answered in English under ``lang="auto"``. Either way the answer's notes say so.

        Raises:
            QueryError: If the question is empty or has no words, k is below 1 or
                ``lang`` unknown.
        """
        c = self.config
        query = check_query(question, c.top_k if k is None else k, c.max_question_chars)
        notes = query.notes + language_notes(query.text, lang or c.lang)
        lang = answer_language(query.text, lang or c.lang)
        generate = (mode or c.answer_mode) == "generate"
        tokens = max_new_tokens or c.max_new_tokens
        events = self._answer(query.text, history, lang, k, retrieval, generate, tokens)
        return with_notes(events, notes) if notes else events

    def _answer(
        self,
        question: str,
        history: Sequence[dict[str, str]],
        lang: str,
        k: int | None,
        retrieval: str | None,
        generate: bool,
        tokens: int,
    ) -> Iterator[Event]:
        started = time.perf_counter()
        yield Stage("searching")
        query, hits = self.retrieve(question, history, k, retrieval)
        if query != question:
            yield Rewritten(query)
        turn = Turn(question, query, lang, hits, Clock(started, retrieval=ms_since(started)))
        turn.writes = self._writes(turn) if generate else lang  # quotes translate only then
        yield Retrieved(tuple(hits))
        weak = weak_evidence(hits, self.config.refuse_below, lang)
        if not hits or (weak and not self.calibrating):
            yield Answered(refusal(turn))
            return
        turn.ranked = evidence.rank(query, hits, self.similarity(), self.similarity(True))
        turn.kinds = expected_types(query, lang)
        lacking = fallback.unstated(turn)
        if lacking and not self.calibrating:
            yield Answered(refusal(turn, notes=[lacking]))
            return
        generator = self.generator() if generate else None
        if generator is None:
            note = f"no chat model ({self._generator_error})" if self._generator_error else ""
            yield Answered(self._quote(turn, note))
            return
        if not self.checks.calibrated and not self.calibrating:
            turn.notes.append(uncalibrated_note(self.config.llm_model, lang))
        prompt = self._prompt(generator, turn, tokens)
        if self.checks.answerable_below > 0 or self.calibrating:
            yield Stage("checking")
            declined = self._judge(generator, prompt, turn)
            if declined is not None:
                yield Answered(declined)
                return
        yield Stage("writing")
        yield from self._generate(generator, turn, prompt, tokens)

    def _writes(self, turn: Turn) -> str:
        """The language the model writes in: Korean for an English answer it translates."""
        translate = turn.lang == "en" and self.config.english_answers == "translate"
        return "ko" if translate and korean_sources(turn.hits) else turn.lang

    def _prompt(
        self,
        generator: Generator,
        turn: Turn,
        tokens: int,
        sentences: Sequence[evidence.Sentence] | None = None,
        firm: bool = False,
    ) -> Prompt:
        """The answer prompt: the evidence sentences (or given ones), or whole passages."""
        c = self.config
        if sentences is None and c.prompt_evidence == "sentences":
            margin = evidence.prompt_margin(turn.query, turn.ranked)
            sentences = evidence.select(turn.ranked, c.evidence_sentences, margin)
        across = turn.writes == "en" and korean_sources(turn.hits)
        return build_prompt(
            turn.query,
            turn.hits,
            turn.writes,
            min(c.prompt_tokens, generator.context_window - tokens - TEMPLATE_TOKENS),
            generator.count_tokens,
            evidence=sentences,
            kinds=turn.kinds,
            across=across,
            firm=firm,
            render=with_english_figures if across else lambda text: text,
        )

    def _judge(self, generator: Generator, prompt: Prompt, turn: Turn) -> Answer | None:
        """Ask the model whether the sources answer at all; a refusal if it says no."""
        threshold = self.checks.answerable_below
        started = time.perf_counter()
        try:
            turn.answerability = answerable_score(generator, prompt)
        except GeneratorError:
            return None  # generating will meet the same failure and fall back visibly
        turn.clock.check = ms_since(started)
        p = turn.answerability
        if p is None or p >= threshold or self.calibrating:
            return None
        return refusal(turn, notes=[NOT_ANSWERED[turn.lang].format(p=p, t=threshold)])

    def _generate(
        self, generator: Generator, turn: Turn, prompt: Prompt, tokens: int
    ) -> Iterator[Event]:
        """Generate and check; one retry, in the right language or with the right sentence."""
        for retry in (False, True):
            text = yield from self._stream(generator, turn, prompt, tokens)
            if text is None:
                return
            if is_dont_know(text):
                yield Answered(refusal(turn, text if language_matches(text, turn.lang) else ""))
                return
            # Asked to write in Korean for an English question, a model that answers in
            # English anyway has answered in the user's language: checked as it is. (Asking
            # again in Korean was measured: no answer more right on 8 heldout questions, one
            # lost to its translation, and up to 3 times slower.)
            in_lang = language_matches(text, turn.lang)
            written = turn.lang if in_lang else turn.writes
            if not (in_lang or language_matches(text, written)):
                why = f"the model did not answer in {LANG_NAMES[turn.writes]}"
                if retry:
                    yield Answered(self._quote(turn, why))
                    return
                yield Reset(f"{why}; asking again")
                prompt = self._prompt(generator, turn, tokens, firm=True)
                continue
            checked = self._verify(text, prompt, generator, turn.query)
            lacking = missing(checked.text, turn.kinds, turn.query)
            why = unusable(checked, lacking, [h.chunk for h in prompt.sources])
            if not why:
                translate = turn.writes != turn.lang and has_korean(checked)
                if written != turn.lang:
                    yield Reset(TRANSLATING)
                if translate:
                    yield Stage("translating")
                yield Answered(self._finish(generator, turn, checked, written, translate))
                return
            givers = fallback.holders(turn, turn.kinds)
            if retry or not givers:
                yield Answered(self._quote(turn, why))
                return
            yield Reset(f"{why}; asking with the sentence that gives it")
            prompt = self._prompt(generator, turn, tokens, sentences=givers)

    def _finish(
        self, generator: Generator, turn: Turn, checked: Verified, written: str, translate: bool
    ) -> Answer:
        """The checked answer, its Korean sentences translated if ``translate``.

        An answer the model wrote in English anyway keeps its English sentences, and
        stays as written if its Korean ones do not translate.
        """
        threshold = self.checks.faithful_below
        english = try_translate(generator, checked, threshold, turn.query) if translate else None
        if english is not None and english.answer is not None:
            return checked_answer(turn, english.answer, notes=[NOTE])
        if written == turn.lang:
            return checked_answer(turn, checked)
        why = f" (it {english.fault})" if english is not None and english.fault else ""
        return self._quote(turn, f"its English translation did not hold up{why}")

    def _stream(
        self, generator: Generator, turn: Turn, prompt: Prompt, tokens: int
    ) -> Iterator[Event]:
        """Stream one reply as tokens; return its text, or None after a failure."""
        clock = turn.clock
        text = ""
        try:
            for piece in generator.stream(prompt.messages, tokens, STOP):
                clock.first_token = clock.first_token or ms_since(clock.started)
                text += piece
                yield Token(piece)
        except GeneratorError as exc:
            yield Reset(str(exc))
            yield Answered(self._quote(turn, str(exc)))
            return None
        clock.count(generator.count_tokens(text))
        return text

    def _verify(self, text: str, prompt: Prompt, generator: Generator, question: str) -> Verified:
        """Check the model's citations, and that each cited source states its sentence."""
        threshold = self.checks.faithful_below

        def stated(sentence: str, passages: tuple[int, ...]) -> tuple[bool, str]:
            sources = [prompt.texts[p] for p in passages]
            shown = [render_source(p + 1, prompt.sources[p], prompt.texts[p]) for p in passages]
            try:
                verdict = faithful.check(sentence, sources, generator, threshold, question, shown)
            except GeneratorError:
                verdict = faithful.check(sentence, sources, None, 0)
            return verdict.faithful, verdict.reason

        chunks = [h.chunk for h in prompt.sources]
        return verify(drop_repeats(text), chunks, self.similarity(), stated, question)

    def _quote(self, turn: Turn, why: str) -> Answer:
        """Quote the evidence instead (:func:`rag.answering.fallback.quote_answer`)."""
        return quote_answer(turn, why, self._generator is not None)
