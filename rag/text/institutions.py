"""Names in English that an English sentence over Korean text may invent.

Asked about Korean articles in English, the small chat models name ministries the
article does not: "together with the Ministry of Education and Culture, the Ministry
of Finance …" for a passage that names only 행정안전부. A ministry's English name is a
translation, not a romanisation, so :mod:`rag.text.romanize` cannot check it; this
table can. Each entry gives the words of a ministry's English name and its Korean
names, full and short. :func:`invented_ministries` flags a "Ministry of …" (or a
"Minister of …": "이종호 장관" became "Lee Jong-ho, the Minister of Justice") whose words
belong to known ministries none of which the Korean text names. A ministry this table
does not know (another country's) is left to the chat model's judgement.

Titles are the same kind of error: the 1.5B translated "리창 중국 총리" as "Li Qiang,
China's President" (dev en-05), and no check read titles. :data:`TITLES` gives each
English title the Korean titles it may translate, generously ("President" is also a
회장, 총장 or 원장), and :func:`invented_titles` flags a title none of whose Korean
titles the Korean text holds. Countries and places whose English is known
(:data:`rag.text.romanize.ENGLISH_NAMES`) are checked the same way by
:func:`invented_names`.
"""

from __future__ import annotations

import re

from rag.text.romanize import ENGLISH_NAMES, holds_words, words_pattern

# Names of the table an English text may give though its Korean source does not.
_IMPLICIT = frozenset({"한국", "대한민국"})

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
# "Ministry of" (or "Minister of") and the capitalised words of its name ("the Interior
# and Safety").
_MINISTRY = re.compile(
    r"\bMinist(?:ry|er) of ((?:the )?[A-Z][\w&'-]*"
    r"(?:(?:,? and |, | )(?:the )?(?!Minist(?:ry|er)\b)[A-Z][\w&'-]*)*)"
)

_CHAIRS = ("Chairman", "Chairwoman", "Chairperson")
# (an English title, the Korean titles it may stand for). Longer titles first: "Vice
# President" is read before "President", "Prime Minister" before "Minister".
TITLES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Prime Minister", ("총리",)),
    ("Premier", ("총리",)),
    ("Vice President", ("부통령", "부주석", "부회장", "부총장", "부원장", "부사장", "부총재")),
    ("Vice Minister", ("차관",)),
    ("Vice Premier", ("부총리",)),
    (
        "President",
        ("대통령", "주석", "회장", "총장", "원장", "사장", "총재", "의장", "대표", "위원장"),
    ),
    ("Minister", ("장관", "총리", "부총리", "차관", "대신")),
    ("Secretary", ("장관", "비서", "총장", "서기")),
    *((chair, ("위원장", "회장", "의장", "이사장", "대표")) for chair in _CHAIRS),
    ("CEO", ("최고경영자", "대표", "사장", "CEO")),
    ("Mayor", ("시장",)),
    ("Governor", ("지사", "총재", "도지사")),
)
_TITLE = re.compile(r"\b(" + "|".join(re.escape(t) for t, _ in TITLES) + r")s?\b")
# A Korean title, then no Hangul or a particle: 총리가, 수석대표로, 공동의장인; not the 대표
# of 전국인민대표대회.
_TITLE_KOREAN = {
    title: re.compile(
        "(?:" + "|".join(korean) + r")(?:(?![가-힣])|(?=[은는이가을를과와의도로으에께만인님들]))"
    )
    for title, korean in TITLES
}


def invented_titles(english: str, korean: str) -> list[str]:
    """The titles ``english`` gives that ``korean`` has no Korean title for.

    A title counts when it is capitalised, as a title before or after a name is
    ("China's President", "Premier Li Qiang"); "the president of the association" is
    not read. Each is matched longest first, so "Vice President" is not also a
    "President". A Korean title counts where a particle or no Hangul follows it (총리가,
    수석대표로), so the 대표 of 전국인민대표대회 is none.

    Args:
        english: An English sentence (a translation, or an answer from Korean sources).
        korean: The Korean text it must keep to.
    """
    out = [
        m.group(1) for m in _TITLE.finditer(english) if not _TITLE_KOREAN[m.group(1)].search(korean)
    ]
    return list(dict.fromkeys(out))


def invented_names(english: str, korean: str) -> list[str]:
    """The names of :data:`ENGLISH_NAMES` an English text gives that the Korean does not.

    Dev en-35's translation began "By 2025, the United States will complete five
    standard applications …" for a sentence on Beijing's plan that names no 미국 (dev
    en-22's "The U.S. Secretary of State …" showed that only that first form was read;
    its passage did name 미국). A name counts as written in any of its forms as an
    English sentence writes it (:func:`_spellings`: "United States", "U.S.", "US",
    "American"; "us" is no United States), the longest first, so "European Union" is
    not also a "European". It counts as given when the
    Korean holds its Hangul (or a Hangul name with the same English) or one of its forms
    in Latin letters ("EU"). Korea is not checked: Korean news leaves it unsaid, and
    "정부" is rightly "the Korean government".

    Returns:
        Each invented name in its first form ("United States" for "U.S."), once.
    """
    taken: list[tuple[int, int]] = []
    out = []
    for pattern, hangul in _SPELLINGS:
        for m in pattern.finditer(english):
            if any(m.start() < end and start < m.end() for start, end in taken):
                continue
            taken.append(m.span())
            forms = ENGLISH_NAMES[hangul]
            given = any(h in korean for h in _SAME_ENGLISH[forms[0]]) or any(
                holds_words(korean, form, ignore_case=True) for form in forms
            )
            if not given:
                out.append(forms[0])
    return list(dict.fromkeys(out))


def _spellings() -> list[tuple[re.Pattern[str], str]]:
    """How an English sentence writes each checked name of the table, longest first.

    The first form as it stands; the others ("u.s.", "american") as a sentence writes
    them: those of at most three letters in capitals (U.S., US, UK, EU, NPC), the rest
    with each word capitalised (America, Middle Eastern). Names whose first form is
    lower case (loanwords) and the implicit Korea are not checked. Each comes as its
    whole-word pattern (:func:`rag.text.romanize.words_pattern`) with its Hangul.
    """
    pairs = []
    for hangul, (first, *others) in ENGLISH_NAMES.items():
        if hangul in _IMPLICIT or first.islower():
            continue
        pairs.append((first, hangul))
        for form in others:
            if len(re.sub(r"[^a-z]", "", form)) <= 3:
                pairs.append((form.upper(), hangul))
            else:
                pairs.append((" ".join(w[:1].upper() + w[1:] for w in form.split()), hangul))
    longest = sorted(dict.fromkeys(pairs), key=lambda pair: -len(pair[0]))
    return [(words_pattern(spelling), hangul) for spelling, hangul in longest]


# The Hangul names of each English first form (전인대 and 전국인민대표대회 share one).
_SAME_ENGLISH = {
    first: [h for h, forms in ENGLISH_NAMES.items() if forms[0] == first]
    for first, *_ in ENGLISH_NAMES.values()
}
_SPELLINGS = _spellings()


def invented_ministries(english: str, korean: str) -> list[str]:
    """The ministries ``english`` names that ``korean`` does not, or whose minister it names.

    A "Ministry of …" or "Minister of …" counts as named when a ministry whose English
    words it shares is in ``korean`` by one of its Korean names; one that shares no word
    with a known ministry is not judged.

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


__all__ = [
    "MINISTRIES",
    "TITLES",
    "invented_ministries",
    "invented_names",
    "invented_titles",
]
