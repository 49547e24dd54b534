"""Korea's ministries in English, to catch an English sentence that invents one.

Asked about Korean articles in English, the small chat models name ministries the
article does not: "together with the Ministry of Education and Culture, the Ministry
of Finance …" for a passage that names only 행정안전부. A ministry's English name is a
translation, not a romanisation, so :mod:`rag.text.romanize` cannot check it; this
table can. Each entry gives the words of a ministry's English name and its Korean
names, full and short. :func:`invented_ministries` flags a "Ministry of …" whose words
belong to known ministries none of which the Korean text names. A ministry this table
does not know (another country's) is left to the chat model's judgement.
"""

from __future__ import annotations

import re

# (words of the English name, Korean names): the ministries of the Korean government.
MINISTRIES: tuple[tuple[frozenset[str], tuple[str, ...]], ...] = tuple(
    (frozenset(words.split()), names)
    for words, names in (
        ("science ict", ("과학기술정보통신부", "과기정통부", "과기부")),
        ("interior safety", ("행정안전부", "행안부")),
        ("education", ("교육부",)),
        ("justice", ("법무부",)),
        ("economy finance", ("기획재정부", "기재부")),
        ("agriculture food rural", ("농림축산식품부", "농식품부")),
        ("culture sports tourism", ("문화체육관광부", "문체부")),
        ("trade industry energy", ("산업통상자원부", "산업부")),
        ("health welfare", ("보건복지부", "복지부")),
        ("environment", ("환경부",)),
        ("employment labor labour", ("고용노동부", "노동부")),
        ("land infrastructure transport", ("국토교통부", "국토부")),
        ("oceans fisheries", ("해양수산부", "해수부")),
        ("smes startups", ("중소벤처기업부", "중기부")),
        ("foreign", ("외교부",)),
        ("unification", ("통일부",)),
        ("defense defence", ("국방부",)),
        ("gender equality family", ("여성가족부", "여가부")),
        ("patriots veterans", ("국가보훈부", "보훈부")),
    )
)
# "Ministry of" and the capitalised words of its name ("the Interior and Safety").
_MINISTRY = re.compile(
    r"\bMinistry of ((?:the )?[A-Z][\w&'-]*"
    r"(?:(?:,? and |, | )(?:the )?(?!Ministry\b)[A-Z][\w&'-]*)*)"
)


def invented_ministries(english: str, korean: str) -> list[str]:
    """The ministries ``english`` names that ``korean`` does not.

    A "Ministry of …" counts as named when a ministry whose English words it shares
    is in ``korean`` by one of its Korean names; one that shares no word with a known
    ministry is not judged.

    Args:
        english: An English sentence (a translation, or an answer from Korean sources).
        korean: The Korean text it must keep to.
    """
    out = []
    for m in _MINISTRY.finditer(english):
        words = set(re.findall(r"[a-z]+", m.group(1).lower()))
        known = [names for keys, names in MINISTRIES if keys & words]
        if known and not any(name in korean for names in known for name in names):
            out.append(m.group())
    return list(dict.fromkeys(out))


__all__ = ["MINISTRIES", "invented_ministries"]
