"""``rag build``: ingest -> clean -> chunk -> embed + BM25 -> index folder.

Only new or changed documents are embedded; the rest keep their vectors.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np

from rag.config import Config
from rag.errors import CorpusError, IndexCorruptError, IndexMissingError
from rag.indexing.bm25 import Bm25
from rag.indexing.chunk import chunk_document
from rag.indexing.clean import clean
from rag.indexing.embed import Embedder
from rag.indexing.incremental import BuildReport, assemble, classify
from rag.indexing.ingest import read_corpus
from rag.indexing.lock import build_lock
from rag.indexing.manifest import build_settings, chunk_counts, make_manifest, settings_diff
from rag.indexing.sentences import Spans, embed_sentences
from rag.indexing.store import Index, load_index, read_manifest, remove_leftovers, write_index
from rag.records import Chunk, Document
from rag.text.korean import tokenize


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


def chunk_all(docs: list[Document], embedder: Embedder, config: Config) -> list[Chunk]:
    """Cut every document into passages that fit the embedder with their header."""
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
    notify: Callable[[str], None] | None = None,
    holder: str = "rag build",
) -> BuildReport:
    """Build or update the index: only new or changed documents are embedded.

    One build at a time per index: this one holds the index's build lock
    (:mod:`rag.indexing.lock`) from reading the corpus to the swap, and waits
    up to ``config.lock_timeout`` seconds for another build to finish first.

    Args:
        config: Settings.
        full: Re-embed everything, ignoring the old index.
        embedder: A loaded embedder; loaded from ``config`` when needed if None.
        progress: Show a progress bar while embedding.
        notify: Told, in one line, when this build has to wait for another.
        holder: What runs this build, for the message another build shows.

    Raises:
        CorpusError: If there are no readable articles.
        ModelError: If the embedding model is missing.
        IndexBusyError: If another build holds the lock past ``config.lock_timeout``.
        IndexWriteError: If the index cannot be written (disk full, read-only);
            the old index is then unchanged.
    """
    with build_lock(config.index_dir, config.lock_timeout, notify, holder):
        remove_leftovers(config.index_dir)
        return _build(config, full, embedder, progress)


def _build(config: Config, full: bool, embedder: Embedder | None, progress: bool) -> BuildReport:
    start = time.perf_counter()
    report = BuildReport()
    docs, report.warnings = load_documents(config)
    if not docs:
        raise CorpusError(
            f"no readable articles in {config.corpus_dir}: add .txt, .md or .html files"
        )
    previous = _previous(config, full, report)
    classify(docs, previous.manifest.documents if previous else {}, report)
    stale = config.index_sentences and previous is not None and not previous.sentences
    if previous is not None and report.nothing_changed and not stale:
        report.chunks = len(previous.chunks)
        report.index_type = previous.manifest.index.type if previous.manifest.index else ""
        report.seconds = time.perf_counter() - start
        return report
    todo = [doc for doc in docs if doc.doc_id not in report.unchanged]
    new_chunks: list[Chunk] = []
    new_vectors = None
    if todo:
        embedder = embedder or make_embedder(config)
        new_chunks = chunk_all(todo, embedder, config)
        new_vectors = embedder.encode_documents([embed_text(c) for c in new_chunks], progress)
    described = embedder.describe() if embedder else previous.manifest.embedder  # type: ignore[union-attr]
    chunks, vectors = assemble(docs, report.unchanged, previous, new_chunks, new_vectors)
    bm25 = Bm25.build([tokenize(embed_text(c)) for c in chunks])
    sentences = _sentences(config, chunks, previous, embedder, progress, report)
    written = write_index(
        config.index_dir,
        chunks,
        vectors,
        bm25,
        make_manifest(config, docs, chunks, described),
        config.hnsw_threshold,
        config.hnsw_m,
        sentences,
    )
    report.chunks, report.embedded, report.written = len(chunks), len(new_chunks), True
    report.index_type = written.index.type if written.index else ""
    report.seconds = time.perf_counter() - start
    return report


def _sentences(
    config: Config,
    chunks: list[Chunk],
    previous: Index | None,
    embedder: Embedder | None,
    progress: bool,
    report: BuildReport,
) -> tuple[Spans, np.ndarray] | None:
    """The sentence spans and vectors to store, or None if ``index_sentences`` is off.

    Sentences the previous index holds keep their vectors; the embedder loads only
    for new ones, which ``report.sentences`` counts.

    Raises:
        ModelError: If the embedder has to be loaded and cannot be.
    """
    if not config.index_sentences:
        return None
    known = previous.sentences if previous else {}

    def load() -> Embedder:
        return embedder or make_embedder(config)

    spans, vectors, report.sentences = embed_sentences(chunks, known, load, progress)
    return spans, vectors


def indexed_chunk_counts(config: Config, docs: list[Document]) -> dict[str, int]:
    """Passages per document in the index, for documents unchanged since the build."""
    try:
        return chunk_counts(read_manifest(config.index_dir), docs)
    except (IndexMissingError, IndexCorruptError):
        return {}
