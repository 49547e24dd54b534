"""Scoring the whole system on a question set: ``rag eval``.

:mod:`~rag.evaluation.questions` loads and validates question sets (the one validator);
:mod:`~rag.evaluation.metrics` holds the metric functions; :mod:`~rag.evaluation.evaluate`
scores questions into rows and summaries; :mod:`~rag.evaluation.calibrate` picks the
refusal thresholds; :mod:`~rag.evaluation.report` writes the HTML report;
:mod:`~rag.evaluation.runner` runs a set for the CLI and the app.

Layer: imports every layer below it (core up to :mod:`rag.answering`), never the CLI or UI.
"""
