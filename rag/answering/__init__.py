"""From passages to a checked, cited answer.

:mod:`~rag.answering.assistant` holds the path of one question; the other modules each
do one step of it: :mod:`~rag.answering.answerable` (the model's yes/no judgement),
:mod:`~rag.answering.prompt`, :mod:`~rag.answering.extract` (quoting without a model),
:mod:`~rag.answering.compose` (assembling the answer) and :mod:`rag.answering.cite`
(reading and verifying citations).

Layer: imports the core, :mod:`rag.text`, :mod:`rag.indexing`, :mod:`rag.search` and
:mod:`rag.llm`.
"""
