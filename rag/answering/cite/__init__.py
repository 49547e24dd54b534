"""Citations: read the markers a model writes, score support, verify and renumber.

:mod:`~rag.answering.cite.markers` parses ``[1]``-style markers and refusals;
:mod:`~rag.answering.cite.score` scores each answer sentence against each passage;
:mod:`~rag.answering.cite.verify` keeps, drops, adds and renumbers citations.

Layer: part of :mod:`rag.answering`.
"""
