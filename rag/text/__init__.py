"""Text rules shared by every layer: Korean sentences and morphemes, language, numbers.

:mod:`~rag.text.korean` splits sentences and tokenizes with kiwipiepy;
:mod:`~rag.text.lang` holds the one Hangul share and the language detector;
:mod:`~rag.text.numbers` reads amounts, counts and dates in Korean and English.

Layer: imports nothing from ``rag`` but the core (errors, records, config).
"""
