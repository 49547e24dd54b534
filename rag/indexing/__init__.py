"""From article files to the index folder: ingest -> clean -> chunk -> embed + BM25 -> store.

:mod:`~rag.indexing.build` runs the steps (only new or changed articles are embedded);
:mod:`~rag.indexing.store` writes and loads the folder of plain files;
:mod:`~rag.indexing.manifest` is its typed record of what the index was built with.

Layer: imports the core and :mod:`rag.text`.
"""
