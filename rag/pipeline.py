"""The only module that knows the order of the stages.

build:  ingest -> clean -> chunk -> embed + BM25 -> index
search: index -> hybrid retrieve -> (rerank)
ask:    rewrite follow-up -> search -> refuse if weak -> check answerable -> prompt -> generate
        -> check language (retry once, else extractive) -> verify citations -> answer
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Any

from rag.answer import (
    EXTRACT_FROM,
    EXTRACTIVE_NOTE,
    LANG_NAMES,
    NOT_ANSWERED,
    Clock,
    Similarity,
    Turn,
    answer_language,
    checked_answer,
    drop_repeats,
    grounded,
    language_matches,
    ms_since,
    refusal,
    weak_evidence,
)
from rag.answerable import answerable_score
from rag.bm25 import Bm25
from rag.chunk import chunk_document
from rag.cite import embedding_similarity, is_dont_know, verify
from rag.clean import clean
from rag.config import Config
from rag.embed import Embedder
from rag.errors import (
    CorpusError,
    GeneratorError,
    IndexCorruptError,
    IndexMismatchError,
    IndexMissingError,
    RagError,
)
from rag.extract import extract
from rag.generate import Generator, load_generator
from rag.incremental import BuildReport, assemble, classify
from rag.index import Index, check_settings, load_index, read_manifest, settings_diff, write_index
from rag.ingest import read_corpus
from rag.korean import tokenize
from rag.manifest import build_settings, chunk_counts, make_manifest
from rag.prompt import build_prompt
from rag.records import Answer, Chunk, Document, Hit
from rag.rerank import Reranker
from rag.retrieve import check_query, retrieve
from rag.rewrite import rewrite


def load_documents(config: Config) -> tuple[list[Document], list[str]]:
    """Read and clean every article in the corpus folder.

    Returns:
        The documents, sorted by ``doc_id``, and one-line warnings for skipped files.

    Raises:
        CorpusError: If the corpus folder or its sidecar cannot be read.
    """
    sources, warnings = read_corpus(config.corpus_dir)
    docs = []
    for source in sources:
        doc = clean(source)
        if doc.text:
            docs.append(doc)
        else:
            warnings.append(f"skipped {source.path}: nothing left after cleaning")
    return docs, warnings


def embed_text(chunk: Chunk) -> str:
    """The text that gets embedded and BM25-indexed: a short header, then the passage."""
    header = chunk.header()
    return f"{header}\n{chunk.text}" if header else chunk.text


def make_embedder(config: Config) -> Embedder:
    """Load the embedding model the config names.

    Raises:
        ModelError: If it is missing or cannot be loaded.
    """
    return Embedder(
        config.embed_model, config.query_prompt, config.document_prompt, config.embed_batch_size
    )


def _previous(config: Config, full: bool, report: BuildReport) -> Index | None:
    """Load the old index if its vectors can be reused, else None with a reason."""
    if full:
        return None
    try:
        index = load_index(config.index_dir)
    except IndexMissingError:
        return None
    except IndexCorruptError as exc:
        report.warnings.append(f"rebuilding from scratch: {exc}")
        return None
    diffs = settings_diff(index.manifest, build_settings(config))
    if diffs:
        report.warnings.append(f"rebuilding from scratch: {'; '.join(diffs)}")
        return None
    return index


def _chunk_all(docs: list[Document], embedder: Embedder, config: Config) -> list[Chunk]:
    reserve = embedder.count_tokens([embedder.document_prompt])[0] + 4
    chunks: list[Chunk] = []
    for doc in docs:
        header = " | ".join(p for p in (doc.title, doc.outlet) if p)
        limit = (
            embedder.max_tokens - reserve - (embedder.count_tokens([header])[0] if header else 0)
        )
        chunks.extend(
            chunk_document(
                doc, embedder.count_tokens, config.chunk_tokens, config.chunk_overlap, limit
            )
        )
    return chunks


def build(
    config: Config,
    full: bool = False,
    embedder: Embedder | None = None,
    progress: bool = False,
) -> BuildReport:
    """Build or update the index: only new or changed documents are embedded.

    Args:
        config: Settings.
        full: Re-embed everything, ignoring the old index.
        embedder: A loaded embedder; loaded from ``config`` when needed if None.
        progress: Show a progress bar while embedding.

    Raises:
        CorpusError: If there are no readable articles.
        ModelError: If the embedding model is missing.
    """
    start = time.perf_counter()
    report = BuildReport()
    docs, report.warnings = load_documents(config)
    if not docs:
        raise CorpusError(
            f"no readable articles in {config.corpus_dir}: add .txt, .md or .html files"
        )
    previous = _previous(config, full, report)
    classify(docs, previous.manifest["documents"] if previous else {}, report)
    if previous is not None and report.nothing_changed:
        report.chunks = len(previous.chunks)
        report.index_type = previous.manifest["index"]["type"]
        report.seconds = time.perf_counter() - start
        return report
    todo = [doc for doc in docs if doc.doc_id not in report.unchanged]
    new_chunks: list[Chunk] = []
    new_vectors = None
    if todo:
        embedder = embedder or make_embedder(config)
        new_chunks = _chunk_all(todo, embedder, config)
        new_vectors = embedder.encode_documents([embed_text(c) for c in new_chunks], progress)
    described = embedder.describe() if embedder else previous.manifest["embedder"]  # type: ignore[union-attr]
    chunks, vectors = assemble(docs, report.unchanged, previous, new_chunks, new_vectors)
    bm25 = Bm25.build([tokenize(embed_text(c)) for c in chunks])
    written = write_index(
        config.index_dir,
        chunks,
        vectors,
        bm25,
        make_manifest(config, docs, chunks, described),
        config.hnsw_threshold,
        config.hnsw_m,
    )
    report.chunks, report.embedded, report.written = len(chunks), len(new_chunks), True
    report.index_type = written["index"]["type"]
    report.seconds = time.perf_counter() - start
    return report


class Searcher:
    """A loaded index plus the models a query needs, created once and reused.

    The embedding model loads on the first dense or hybrid query, so BM25-only
    searches never load it.

    Raises:
        IndexMissingError: If there is no index.
        IndexCorruptError: If the index is unreadable.
        IndexMismatchError: If the index was built with other settings.
    """

    def __init__(
        self,
        config: Config,
        embedder: Embedder | None = None,
        reranker: Reranker | None = None,
    ) -> None:
        self.config = config
        self.index = load_index(config.index_dir, config.hnsw_ef_search)
        check_settings(config.index_dir, self.index.manifest, build_settings(config))
        self._embedder = embedder
        self._reranker = reranker

    @property
    def embedder(self) -> Embedder:
        """The query embedder, loaded on first use; its dimension is checked."""
        if self._embedder is None:
            self._embedder = make_embedder(self.config)
        want = self.index.manifest["embedder"]["dimension"]
        if self._embedder.dimension != want:
            raise IndexMismatchError(
                f"{self.config.index_dir} has {want}-d vectors but the embedder gives "
                f"{self._embedder.dimension}-d: run `rag build --full`"
            )
        return self._embedder

    @property
    def reranker(self) -> Reranker | None:
        """The cross-encoder if one is configured, loaded on first use."""
        if self._reranker is None and self.config.rerank_model:
            self._reranker = Reranker(self.config.rerank_model)
        return self._reranker

    def search(self, question: str, k: int | None = None, mode: str | None = None) -> list[Hit]:
        """Retrieve passages for a question.

        Raises:
            QueryError: If the question is empty or k is below 1.
            ModelError: If the embedding model or reranker is missing.
        """
        c = self.config
        top_k = c.top_k if k is None else k
        check_query(question, top_k)
        settings = replace(c, top_k=top_k, mode=mode or c.mode, candidates=max(c.candidates, top_k))
        embedder = self.embedder if settings.mode != "bm25" else None
        return retrieve(question, self.index, embedder, settings, self.reranker)


def indexed_chunk_counts(config: Config, docs: list[Document]) -> dict[str, int]:
    """Passages per document in the index, for documents unchanged since the build."""
    try:
        return chunk_counts(read_manifest(config.index_dir), docs)
    except (IndexMissingError, IndexCorruptError):
        return {}


@dataclass(frozen=True)
class Event:
    """One step of a streamed answer, for the CLI and the UI.

    Kinds: ``"query"`` (the standalone query of a rewritten follow-up),
    ``"hits"`` (retrieved passages, before any generation), ``"token"`` (a
    piece of generated text), ``"reset"`` (discard the tokens so far; ``data``
    says why), ``"answer"`` (the final, checked :class:`Answer`).
    """

    kind: str
    data: Any


# Tokens the chat template adds around the messages (role markers), kept free.
TEMPLATE_TOKENS = 64
# Strings after which a small model has stopped answering and started rambling.
STOP = ("\nQuestion:", "\nSources:", "<source", "\n\n\n")


class Assistant:
    """Answers questions: retrieve, prompt, generate, check citations.

    Args:
        config: Settings.
        searcher: A loaded searcher (default: from ``config``).
        generator: A chat model (default: loaded from ``config`` on first use;
            if that fails, answers are extractive, with a note saying why).
        calibrating: Score every question for both refusal cuts (retrieval
            score, answerability) but refuse on neither, so that
            ``rag eval --calibrate`` sees what each threshold would do.

    Raises:
        IndexMissingError: If there is no index.
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
        self.searcher = searcher or Searcher(config)
        self._generator = generator
        self._generator_error = ""
        self._similarity: Similarity | None = None

    def warm(self) -> None:
        """Load the models now, so that the first answer's timings are its own."""
        if self.config.mode != "bm25":
            self.similarity()
        if self.config.answer_mode == "generate":
            self.generator()

    def generator(self) -> Generator | None:
        """The chat model, loaded on first use; None (with a reason kept) if it can't be."""
        if self._generator is None and not self._generator_error:
            try:
                self._generator = load_generator(
                    self.config.llm_model, self.config.llm_url, self.config.llm_timeout
                )
            except RagError as exc:
                self._generator_error = str(exc)
        return self._generator

    def similarity(self) -> Similarity | None:
        """Cosine similarity between texts with the index's embedder, if loadable."""
        if self._similarity is None:
            try:
                self._similarity = embedding_similarity(self.searcher.embedder)
            except RagError:
                return None
        return self._similarity

    def retrieve(
        self,
        question: str,
        history: Sequence[dict[str, str]] = (),
        k: int | None = None,
        mode: str | None = None,
    ) -> tuple[str, list[Hit]]:
        """The standalone query for a (follow-up) question and its passages.

        Raises:
            QueryError: If the question is empty or k is below 1.
        """
        query = rewrite(question, history)
        return query, self.searcher.search(query, k=k, mode=mode)

    def ask(self, question: str, history: Sequence[dict[str, str]] = (), **options: Any) -> Answer:
        """Answer a question; see :meth:`stream` for the options.

        Raises:
            QueryError: If the question is empty.
        """
        final = None
        for event in self.stream(question, history, **options):
            if event.kind == "answer":
                final = event.data
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

        Args:
            question: The question.
            history: Earlier turns, ``{"role": ..., "content": ...}``, for follow-ups.
            lang: ``auto``, ``ko`` or ``en`` (default: the config's).
            mode: ``generate`` or ``extractive`` (default: the config's).
            k: Passages to retrieve.
            retrieval: ``hybrid``, ``dense`` or ``bm25``.
            max_new_tokens: Most tokens to generate.

        Yields:
            Events, ending with one ``"answer"``.

        Raises:
            QueryError: If the question is empty or k is below 1.
        """
        c = self.config
        started = time.perf_counter()
        question = check_query(question, c.top_k if k is None else k)
        lang = answer_language(question, lang or c.lang)
        query, hits = self.retrieve(question, history, k, retrieval)
        if query != question:
            yield Event("query", query)
        turn = Turn(question, query, lang, hits, Clock(started, retrieval=ms_since(started)))
        yield Event("hits", hits)
        if not hits or (weak_evidence(hits, c.refuse_below) and not self.calibrating):
            yield Event("answer", refusal(turn))
            return
        generator = self.generator() if (mode or c.answer_mode) == "generate" else None
        if generator is None:
            note = f"no chat model ({self._generator_error})" if self._generator_error else ""
            yield Event("answer", self._extractive(turn, note))
            return
        declined = self._judge(generator, turn)
        if declined is not None:
            yield Event("answer", declined)
            return
        yield from self._generate(generator, turn, max_new_tokens or c.max_new_tokens)

    def _judge(self, generator: Generator, turn: Turn) -> Answer | None:
        """Ask the model whether the passages answer at all; a refusal if it says no."""
        threshold = self.config.answerable_below
        if threshold <= 0 and not self.calibrating:
            return None
        started = time.perf_counter()
        try:
            turn.answerability = answerable_score(generator, turn.query, turn.hits)
        except GeneratorError:
            return None  # generating will meet the same failure and fall back visibly
        turn.clock.check = ms_since(started)
        p = turn.answerability
        if p is None or p >= threshold or self.calibrating:
            return None
        return refusal(turn, notes=[NOT_ANSWERED[turn.lang].format(p=p, t=threshold)])

    def _generate(self, generator: Generator, turn: Turn, tokens: int) -> Iterator[Event]:
        budget = min(self.config.prompt_tokens, generator.context_window - tokens - TEMPLATE_TOKENS)
        clock = turn.clock
        for firm in (False, True):
            prompt = build_prompt(
                turn.query, turn.hits, turn.lang, budget, generator.count_tokens, firm=firm
            )
            text = ""
            try:
                for piece in generator.stream(prompt.messages, tokens, STOP):
                    clock.first_token = clock.first_token or ms_since(clock.started)
                    text += piece
                    yield Event("token", piece)
            except GeneratorError as exc:
                yield Event("reset", str(exc))
                yield Event("answer", self._extractive(turn, str(exc)))
                return
            clock.count(generator.count_tokens(text))
            if is_dont_know(text):
                yield Event("answer", refusal(turn, text))
                return
            if language_matches(text, turn.lang):
                yield Event("answer", self._checked(text, prompt.sources, turn))
                return
            if not firm:
                yield Event("reset", f"the answer was not in {LANG_NAMES[turn.lang]}; asking again")
        note = f"the model answered twice in the wrong language, not {LANG_NAMES[turn.lang]}"
        yield Event("answer", self._extractive(turn, note))

    def _checked(self, text: str, sources: list[Hit], turn: Turn) -> Answer:
        """Verify the model's citations; quote the articles instead if nothing holds up."""
        checked = verify(drop_repeats(text), [h.chunk for h in sources], self.similarity())
        if grounded(checked.claims):
            return checked_answer(turn, checked)
        return self._extractive(turn, "no sentence of the model's answer was backed by its sources")

    def _extractive(self, turn: Turn, why: str) -> Answer:
        """Quote the best sentences of the top passages, with their citations."""
        sources = turn.hits[:EXTRACT_FROM]
        text = extract(turn.query, sources, self.similarity())
        if not text:
            return refusal(turn)
        checked = verify(text, [h.chunk for h in sources], None)
        notes = [EXTRACTIVE_NOTE[turn.lang]] + (
            [f"{why}: quoted the articles instead"] if why else []
        )
        return checked_answer(turn, checked, "extractive", notes)
