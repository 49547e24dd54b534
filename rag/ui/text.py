"""UI wording in Korean and English, one language at a time.

:data:`LABELS` maps a key to its Korean and English text. Static labels (buttons,
tabs, field names) are handed to Gradio's ``gr.I18n`` as :func:`translations`, so
the browser shows them in its own language and the language switch swaps them
live; HTML that a handler renders asks :func:`say` for the language the user
chose. Answers are not translated: they follow the question's language.
"""

from __future__ import annotations

UI_LANGS = ("ko", "en")

LABELS: dict[str, tuple[str, str]] = {
    "title": ("AI 정책 뉴스 질의응답", "AI policy news Q&A"),
    "intro": (
        "기사에 근거해 답하고, 모든 문장에 출처를 답니다",
        "Answers from the articles, every sentence cited",
    ),
    "ui_lang": ("화면 언어", "Interface language"),
    "empty_chat": (
        "질문하면 기사에서 답을 찾아 문장마다 출처를 붙입니다. 답변은 질문의 언어로 나옵니다.",
        "Ask a question: the answer comes from the articles, every sentence with its source, "
        "in the language you ask in.",
    ),
    "empty_sources": (
        "답변이 인용한 문단이 여기에 나옵니다",
        "The passages an answer cites appear here",
    ),
    "question": ("질문", "Question"),
    "question_hint": (
        "질문을 쓰고 Enter (줄바꿈은 Shift+Enter)",
        "Type a question and press Enter (Shift+Enter for a new line)",
    ),
    "ask": ("묻기", "Ask"),
    "stop": ("중지", "Stop"),
    "clear": ("새 대화", "New chat"),
    "copy": ("📋 복사", "📋 Copy"),
    "copied": ("✓ 복사됨", "✓ Copied"),
    "copy_failed": ("복사하지 못했습니다", "Could not copy"),
    "export": ("⬇ 대화 내보내기 (.md)", "⬇ Export conversation (.md)"),
    "busy": (
        "⏳ 아직 답변을 쓰는 중입니다. 질문은 입력란에 그대로 있으니, 답변이 끝나면 "
        "Enter를 누르세요 (또는 중지).",
        "⏳ Still answering. Your question stays in the box: press Enter when this "
        "answer is done (or Stop).",
    ),
    "stopped": ("중지됨", "Stopped"),
    "type_a_question": ("질문을 입력하세요", "Type a question"),
    "stage_starting": ("시작하는 중", "Starting"),
    "stage_searching": ("기사를 찾는 중", "Searching the articles"),
    "stage_checking": ("문단이 질문에 답하는지 확인하는 중", "Checking the passages answer it"),
    "stage_writing": ("답변을 쓰는 중", "Writing the answer"),
    "stage_translating": ("답변을 영어로 옮기는 중", "Translating the answer into English"),
    "answer": ("답변", "Answer"),
    "sources": ("출처", "Sources"),
    "no_sources": ("인용한 출처가 없습니다", "No source cited"),
    "cited": ("인용된 문단", "Cited passages"),
    "nearest": ("가장 가까운 문단", "Nearest passages"),
    "retrieved": ("검색된 문단", "Retrieved passages"),
    "others": ("그 밖의 검색 결과", "Other retrieved passages"),
    "earlier": ("이전 질문의 출처", "Sources of an earlier question"),
    "searching_for": ("검색어", "Searching for"),
    "unsupported": ("근거 부족", "Unsupported"),
    "refusal": ("기사에 없음", "Not found in the articles"),
    "extractive": ("발췌 답변", "Extractive answer"),
    "unfinished": ("확인되지 않은 미완성 답변", "Unfinished answer, not checked"),
    "timings": ("소요 시간", "Timings"),
    "retrieval_ms": ("검색", "retrieval"),
    "first_token": ("첫 토큰", "first token"),
    "total": ("전체", "total"),
    "settings": ("설정", "Settings"),
    "answer_lang": ("답변 언어", "Answer language"),
    "retrieval": ("검색 방식", "Retrieval"),
    "top_k": ("검색 문단 수", "Passages (top-k)"),
    "generator": ("답변 생성", "Generator"),
    "max_tokens": ("최대 생성 토큰", "Max new tokens"),
    "examples": ("예시 질문", "Example questions"),
    "good": ("👍 좋아요", "👍 Helpful"),
    "bad": ("👎 별로예요", "👎 Not helpful"),
    "thanks": ("의견이 저장되었습니다", "Feedback saved"),
    "no_answer_yet": ("먼저 질문하세요", "Ask a question first"),
    "chat_tab": ("대화", "Chat"),
    "corpus_tab": ("기사", "Articles"),
    "eval_tab": ("평가", "Evaluate"),
    "building": ("색인을 만드는 중", "Building the index"),
    "ready": ("준비됨", "Ready"),
    "ready_built": (
        "준비됨: 기사 {docs}건, 문단 {chunks}개",
        "Ready: {docs} articles, {chunks} passages",
    ),
    "upload": ("기사 올리기 (.txt, .md, .html)", "Upload articles (.txt, .md, .html)"),
    "preview": ("정리된 본문 미리보기", "Cleaned text preview"),
    "add": ("추가하고 색인하기", "Add and index"),
    "remove": ("기사 삭제", "Remove article"),
    "added": ("✅ {names}: 문단 {chunks}개 색인됨", "✅ {names}: {chunks} passages indexed"),
    "refresh": ("새로고침", "Refresh"),
    "article": ("기사 ID", "Article id"),
    "question_set": ("질문 세트", "Question set"),
    "shipped": ("기본 세트 (eval/questions.jsonl)", "Shipped set (eval/questions.jsonl)"),
    "uploaded": ("올린 파일", "Uploaded file"),
    "retrieval_only": ("검색만 평가 (빠름)", "Retrieval only (fast)"),
    "run": ("평가 실행", "Run evaluation"),
    "summary": ("### 요약", "### Summary"),
    "per_question": ("### 질문별 결과", "### Per question"),
    "downloads": ("보고서 내려받기", "Download reports"),
    "history": ("### 지난 평가", "### Past runs"),
    "history_none": ("아직 평가 기록이 없습니다", "No evaluation has been run yet"),
    "compare": ("### 두 평가 비교", "### Compare two runs"),
    "run_a": ("기준 평가 (A)", "Baseline run (A)"),
    "run_b": ("비교할 평가 (B)", "Compared run (B)"),
    "pick_two": ("비교할 평가 두 개를 고르세요", "Pick two runs to compare"),
    "col_time": ("시각 (UTC)", "Time (UTC)"),
    "col_set": ("질문 세트", "Question set"),
    "col_model": ("모델", "Model"),
    "col_mode": ("방식", "Mode"),
    "col_questions": ("질문 수", "Questions"),
    "col_report": ("보고서", "Report"),
    "open_report": ("열기", "open"),
    "metric": ("지표", "metric"),
    "all_langs": ("전체 / 한국어 / 영어", "all / ko / en"),
    "lang_all": ("전체", "all"),
    "unknown": ("(기록 없음)", "(not recorded)"),
    "mode_retrieval": ("검색만", "retrieval only"),
    "mode_answers": ("답변까지", "answers"),
    "lang_auto": ("자동 (질문의 언어)", "auto (the question's language)"),
    "retrieval_hybrid": ("혼합", "hybrid"),
    "retrieval_dense": ("임베딩", "dense"),
    "generator_extractive": ("발췌", "extractive"),
    "exported": ("내보낸 시각", "Exported"),
    "conversation": ("대화", "conversation"),
}


def norm(lang: str | None) -> str:
    """The UI language for a browser or switch value: ``ko`` for Korean, else ``en``."""
    return "ko" if (lang or "").lower().startswith("ko") else "en"


def say(key: str, lang: str | None, **values: object) -> str:
    """The label ``key`` in the UI language, with ``{name}`` fields filled in.

    Raises:
        KeyError: If there is no such label.
    """
    text = LABELS[key][UI_LANGS.index(norm(lang))]
    return text.format(**values) if values else text


def translations() -> dict[str, dict[str, str]]:
    """Every label per language, as ``gr.I18n(**translations())`` takes them."""
    return {lang: {k: v[i] for k, v in LABELS.items()} for i, lang in enumerate(UI_LANGS)}


# Choices whose labels are translated keys: (key or fixed text, value).
LANG_CHOICES = [("lang_auto", "auto"), ("한국어", "ko"), ("English", "en")]
RETRIEVAL_CHOICES = [("retrieval_hybrid", "hybrid"), ("retrieval_dense", "dense"), ("BM25", "bm25")]
GENERATOR_CHOICES = [("LLM", "generate"), ("generator_extractive", "extractive")]
# The interface switch shows each language in its own script.
UI_CHOICES = [("한국어", "ko"), ("English", "en")]
EXAMPLE_QUESTIONS = [
    "2024년 전국민 인공지능 일상화 예산은 얼마인가?",
    "베이징시 AI+ 계획은 어떤 분야를 다루나요?",
    "How much is the 2024 budget for everyday AI for all citizens?",
    "What does Beijing's AI-native city plan aim for by 2025?",
]
