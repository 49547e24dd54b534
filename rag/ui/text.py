"""UI wording, Korean and English side by side.

Every label reads ``"한국어 · English"`` so that both audiences can use the app
without a switch; :func:`both` joins the two.
"""

from __future__ import annotations


def both(ko: str, en: str) -> str:
    """Join a Korean and an English label: ``"출처 · Sources"``."""
    return f"{ko} · {en}"


TITLE = both("AI 정책 뉴스 질의응답", "AI policy news Q&A")
INTRO = both(
    "기사에 근거해 답하고, 모든 문장에 출처를 답니다",
    "answers from the articles, every sentence cited",
)
QUESTION = both("질문", "Question")
ASK = both("묻기", "Ask")
STOP = both("중지", "Stop")
CLEAR = both("새 대화", "New chat")
SOURCES = both("출처", "Sources")
CITED = both("인용된 문단", "Cited passages")
NEAREST = both("가장 가까운 문단", "Nearest passages")
RETRIEVED = both("검색된 문단", "Retrieved passages")
OTHERS = both("그 밖의 검색 결과", "Other retrieved passages")
EARLIER = both("이전 질문의 출처", "Sources of an earlier question")
SEARCHING_FOR = both("검색어", "Searching for")
UNSUPPORTED = both("근거 부족", "Unsupported")
REFUSAL = both("기사에 없음", "Not found in the articles")
EXTRACTIVE = both("발췌 답변", "Extractive answer")
TIMINGS = both("소요 시간", "Timings")
RETRIEVAL_MS = both("검색", "retrieval")
FIRST_TOKEN = both("첫 토큰", "first token")
TOTAL = both("전체", "total")
SETTINGS = both("설정", "Settings")
ANSWER_LANG = both("답변 언어", "Answer language")
RETRIEVAL = both("검색 방식", "Retrieval")
TOP_K = both("검색 문단 수", "Passages (top-k)")
GENERATOR = both("답변 생성", "Generator")
MAX_TOKENS = both("최대 생성 토큰", "Max new tokens")
EXAMPLES = both("예시 질문", "Example questions")
GOOD = "👍 " + both("좋아요", "Helpful")
BAD = "👎 " + both("별로예요", "Not helpful")
THANKS = both("의견이 저장되었습니다", "Feedback saved")
NO_ANSWER_YET = both("먼저 질문하세요", "Ask a question first")
CHAT_TAB = both("대화", "Chat")
CORPUS_TAB = both("기사", "Articles")
EVAL_TAB = both("평가", "Evaluate")
BUILDING = both("색인을 만드는 중", "Building the index")
READY = both("준비됨", "Ready")
UPLOAD = both("기사 올리기 (.txt, .md, .html)", "Upload articles (.txt, .md, .html)")
PREVIEW = both("정리된 본문 미리보기", "Cleaned text preview")
ADD = both("추가하고 색인하기", "Add and index")
REMOVE = both("기사 삭제", "Remove article")
REFRESH = both("새로고침", "Refresh")
ARTICLE = both("기사 ID", "Article id")
QUESTION_SET = both("질문 세트", "Question set")
SHIPPED = both("기본 세트 (eval/questions.jsonl)", "Shipped set (eval/questions.jsonl)")
UPLOADED = both("올린 파일", "Uploaded file")
RETRIEVAL_ONLY = both("검색만 평가 (빠름)", "Retrieval only (fast)")
RUN = both("평가 실행", "Run evaluation")
SUMMARY = both("요약", "Summary")
PER_QUESTION = both("질문별 결과", "Per question")
DOWNLOADS = both("보고서 내려받기", "Download reports")
LANG_CHOICES = [(both("자동", "auto"), "auto"), ("한국어", "ko"), ("English", "en")]
RETRIEVAL_CHOICES = [
    (both("혼합", "hybrid"), "hybrid"),
    (both("임베딩", "dense"), "dense"),
    ("BM25", "bm25"),
]
GENERATOR_CHOICES = [("LLM", "generate"), (both("발췌", "extractive"), "extractive")]
EXAMPLE_QUESTIONS = [
    "2024년 전국민 인공지능 일상화 예산은 얼마인가?",
    "베이징시 AI+ 계획은 어떤 분야를 다루나요?",
    "How much is the 2024 budget for everyday AI for all citizens?",
    "What does Beijing's AI-native city plan aim for by 2025?",
]
