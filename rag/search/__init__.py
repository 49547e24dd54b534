"""From a question to ranked passages: rewrite a follow-up, dense + BM25, fusion, rerank.

:class:`~rag.search.searcher.Searcher` holds a loaded index and the query models;
:func:`~rag.search.searcher.check_query` is the one check every question passes.

Layer: imports the core, :mod:`rag.text` and :mod:`rag.indexing`.
"""
