"""The ``rag`` command line. Thin: it parses flags and calls the layers below.

Layer: the top, beside :mod:`rag.ui`; it may import every layer, and nothing imports it.

Every :class:`rag.errors.RagError` becomes one line on stderr and exit code 1.
"""

from __future__ import annotations

import argparse
import json
import sys
import textwrap
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

from rag.cli.common import config_from, warn
from rag.cli.evaluating import cmd_eval
from rag.config import ANSWER_MODES, LANG_CHOICES, MODES
from rag.errors import QueryError, RagError


class _Parser(argparse.ArgumentParser):
    """An argument parser whose usage errors are one line and exit code 1."""

    def error(self, message: str) -> NoReturn:
        self.exit(1, f"error: {message} (see `{self.prog} --help`)\n")


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _common(several_configs: bool = False) -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    if several_configs:
        common.add_argument(
            "--config",
            type=Path,
            action="append",
            help="a rag.toml; repeat to evaluate several configurations side by side",
        )
    else:
        common.add_argument("--config", type=Path, help="a rag.toml (default: ./rag.toml)")
    common.add_argument("--corpus", type=Path, dest="corpus_dir", help="article folder")
    common.add_argument("--index", type=Path, dest="index_dir", help="index folder")
    common.add_argument("--embed-model", dest="embed_model", help="embedding model id or folder")
    return common


def make_parser() -> argparse.ArgumentParser:
    """Build the argument parser (no heavy imports)."""
    common = _common()
    parser = _Parser(prog="rag", description=__doc__.splitlines()[0], parents=[common])
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    build = sub.add_parser("build", parents=[common], help="build or update the index")
    build.add_argument("--full", action="store_true", help="re-embed every document")

    search = sub.add_parser("search", parents=[common], help="print the best passages")
    search.add_argument("question")
    search.add_argument("-k", type=_positive, dest="top_k", help="passages to return")
    search.add_argument("--mode", choices=MODES, help="retrieval legs")
    search.add_argument("--json", action="store_true", help="print one JSON array")

    ask = sub.add_parser("ask", parents=[common], help="answer a question with citations")
    ask.add_argument("question")
    ask.add_argument("--lang", choices=LANG_CHOICES, help="answer language (default: auto)")
    ask.add_argument("--mode", choices=ANSWER_MODES, dest="answer_mode", help="answerer")
    ask.add_argument("--retrieval", choices=MODES, dest="mode", help="retrieval legs")
    ask.add_argument("-k", type=_positive, dest="top_k", help="passages to retrieve")
    ask.add_argument("--json", action="store_true", help="print one JSON object")

    evaluate = sub.add_parser(
        "eval", parents=[_common(several_configs=True)], help="score the system on a question set"
    )
    evaluate.add_argument(
        "questions",
        type=Path,
        help="a .jsonl or .csv question set, or a claim set (eval/faithfulness.jsonl)",
    )
    evaluate.add_argument("--out", type=Path, default=Path("eval/out"), help="report folder")
    evaluate.add_argument("--mode", choices=ANSWER_MODES, dest="answer_mode", help="answerer")
    evaluate.add_argument("--retrieval", choices=MODES, dest="mode", help="retrieval legs")
    evaluate.add_argument(
        "--retrieval-only", action="store_true", help="skip generation: retrieval metrics only"
    )
    evaluate.add_argument("--resume", action="store_true", help="continue an interrupted run")
    evaluate.add_argument(
        "--compare", metavar="KEY=V1,V2", help="evaluate once per value of a setting, side by side"
    )
    evaluate.add_argument(
        "--calibrate",
        action="store_true",
        help="pick refuse_below by refusal F1 (with --retrieval-only: on scores alone); write it",
    )
    evaluate.add_argument("--dry-run", action="store_true", help="with --calibrate: only print")
    evaluate.add_argument(
        "--folds",
        type=_positive,
        default=2,
        help="with --calibrate: report each fold with thresholds chosen on the others",
    )
    evaluate.add_argument(
        "--max-false-refusals",
        type=float,
        default=0.05,
        help="with --calibrate: most answerable questions a chosen cut may refuse",
    )

    serve = sub.add_parser("serve", parents=[common], help="start the chat app (Gradio)")
    serve.add_argument("--host", default="127.0.0.1", help="interface (default: %(default)s)")
    serve.add_argument("--port", type=_positive, default=7860, help="port (default: %(default)s)")

    corpus = sub.add_parser("corpus", help="inspect the articles")
    corpus_sub = corpus.add_subparsers(dest="corpus_command", required=True, parser_class=_Parser)
    listing = corpus_sub.add_parser("list", parents=[common], help="articles with metadata")
    listing.add_argument("--json", action="store_true", help="print one JSON array")
    show = corpus_sub.add_parser("show", parents=[common], help="the clean text of one article")
    show.add_argument("doc_id")
    show.add_argument("--removed", action="store_true", help="also print what cleaning dropped")
    return parser


def cmd_build(args: argparse.Namespace) -> None:
    """Build or update the index and report what changed."""
    from rag.indexing.build import build

    config = config_from(args)
    report = build(
        config,
        full=args.full,
        progress=sys.stderr.isatty(),
        notify=lambda message: print(message, file=sys.stderr, flush=True),
    )
    warn(report.warnings)
    verb = "wrote" if report.written else "index is up to date:"
    print(
        f"{verb} {config.index_dir} ({report.index_type}): {report.documents} documents, "
        f"{report.chunks} passages; embedded {report.embedded} passages "
        f"and {report.sentences} sentences "
        f"(added {len(report.added)}, changed {len(report.changed)}, "
        f"removed {len(report.removed)}, unchanged {len(report.unchanged)}) "
        f"in {report.seconds:.1f}s"
    )


def _legs(hit: Any) -> str:
    parts = []
    if hit.dense_rank is not None:
        parts.append(f"dense #{hit.dense_rank} {hit.dense_score:.3f}")
    if hit.bm25_rank is not None:
        parts.append(f"bm25 #{hit.bm25_rank} {hit.bm25_score:.2f}")
    if hit.rerank_score is not None:
        parts.append(f"rerank {hit.rerank_score:.3f}")
    return " · ".join(parts)


def cmd_search(args: argparse.Namespace) -> None:
    """Print ranked passages, as text or one JSON array."""
    from rag.records import hit_json
    from rag.search.searcher import Searcher, check_query

    config = config_from(args)
    query = check_query(args.question, config.top_k, config.max_question_chars)
    for note in query.notes:
        print(f"note: {note}", file=sys.stderr)
    hits = Searcher(config).search(query.text)
    if args.json:
        print(json.dumps([hit_json(h) for h in hits], ensure_ascii=False, indent=2))
        return
    if not hits:
        print("no passages matched")
    for rank, hit in enumerate(hits, start=1):
        c = hit.chunk
        source = ", ".join(p for p in (c.outlet, c.published) if p)
        print(
            f"{rank}. [{hit.score:.4f}] {c.title or c.doc_id}" + (f" — {source}" if source else "")
        )
        print(f"   {c.chunk_id} · {_legs(hit)}")
        print(textwrap.indent(textwrap.fill(c.text, width=88), "   "), end="\n\n")


def cmd_corpus(args: argparse.Namespace) -> None:
    """List the articles or show one."""
    from rag.indexing.build import indexed_chunk_counts, load_documents

    config = config_from(args)
    docs, warnings = load_documents(config)
    warn(warnings)
    if args.corpus_command == "show":
        _show(docs, args.doc_id, args.removed)
        return
    counts = indexed_chunk_counts(config, docs)
    rows = [
        {
            "doc_id": d.doc_id,
            "title": d.title,
            "outlet": d.outlet,
            "published": d.published.isoformat() if d.published else None,
            "author": d.author,
            "chars": len(d.text),
            "chunks": counts.get(d.doc_id),
        }
        for d in docs
    ]
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for r in rows:
        chunks = "-" if r["chunks"] is None else r["chunks"]
        print(
            f"{r['doc_id']}  {r['published'] or '----------'}  {r['outlet'] or '?'}  "
            f"{r['chars']} chars  {chunks} chunks\n    {r['title'] or '(no title)'}"
        )
    if any(r["chunks"] is None for r in rows):
        print("('-' chunks: not in the index yet, or changed since; run `rag build`)")


def _show(docs: Sequence[Any], doc_id: str, removed: bool) -> None:
    doc = next((d for d in docs if d.doc_id == doc_id), None)
    if doc is None:
        raise QueryError(f"no article {doc_id!r} in the corpus: see `rag corpus list`")
    fields = [("title", doc.title), ("outlet", doc.outlet), ("published", doc.published)]
    fields += [("author", doc.author), ("url", doc.url), ("source", doc.source)]
    for name, value in fields:
        if value:
            print(f"{name}: {value}")
    print(f"\n{doc.text}")
    if removed:
        print(f"\n--- removed by cleaning ({len(doc.removed)} lines) ---")
        for item in doc.removed:
            print(f"[{item.reason}] {item.line}")


def _print_answer(answer: Any, streamed: str) -> None:
    """Print the checked answer (when it differs from what streamed), notes and sources."""
    if not streamed:
        print(answer.text)
    elif answer.text.strip() != streamed.strip():
        print(f"\n\nChecked answer (citations verified and renumbered):\n{answer.text}")
    else:
        print()
    for note in answer.notes:
        print(f"note: {note}")
    for claim in answer.claims:
        if not claim.supported:
            print(f"unsupported: {claim.text} ({claim.reason})")
    if answer.citations:
        print("\nSources:")
    for c in answer.citations:
        source = ", ".join(p for p in (c.outlet, c.published) if p)
        print(
            f"[{c.n}] {c.title or c.doc_id}"
            + (f" — {source}" if source else "")
            + f" ({c.chunk_id})"
        )
        print(textwrap.indent(textwrap.fill(f"“{c.evidence}”", width=88), "    "))
    if answer.refused and answer.hits:
        print("\nNearest passages:")
        for hit in answer.hits[:3]:
            print(f"- {hit.chunk.title or hit.chunk.doc_id} ({hit.chunk.chunk_id})")
    t = answer.timings
    print(
        f"\n[{answer.mode} · retrieval {t.retrieval:.0f} ms · first token {t.first_token:.0f} ms"
        f" · total {t.total:.0f} ms · {t.tokens_per_s:.1f} tokens/s]",
        file=sys.stderr,
    )


def cmd_ask(args: argparse.Namespace) -> None:
    """Stream an answer, then list its sources; or print one JSON object."""
    from rag.answering.assistant import Assistant
    from rag.records import Answered, Reset, Rewritten, Token, answer_json

    assistant = Assistant(config_from(args))
    events = assistant.stream(args.question)  # checks the question before any model loads
    assistant.warm()
    streamed = ""
    for event in events:
        match event:
            case Answered(answer=answer) if args.json:
                print(json.dumps(answer_json(answer), ensure_ascii=False, indent=2))
            case Answered(answer=answer):
                _print_answer(answer, streamed)
            case _ if args.json:
                continue
            case Rewritten(query=query):
                print(f"(searching for: {query})", file=sys.stderr)
            case Token(text=text):
                streamed += text
                print(text, end="", flush=True)
            case Reset(reason=reason):
                print(f"\n(note: {reason})", file=sys.stderr)
                streamed = ""


def cmd_serve(args: argparse.Namespace) -> None:
    """Start the chat app; it builds the index first if there is none."""
    from rag.ui import launch

    launch(config_from(args), host=args.host, port=args.port)


COMMANDS = {
    "build": cmd_build,
    "search": cmd_search,
    "ask": cmd_ask,
    "eval": cmd_eval,
    "corpus": cmd_corpus,
    "serve": cmd_serve,
}


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; return the exit code.

    Raises:
        SystemExit: Always, with the exit code (0 on success, 1 on a user error).
    """
    args = make_parser().parse_args(argv)
    try:
        COMMANDS[args.command](args)
    except RagError as exc:
        print(f"error: {exc}", file=sys.stderr)
        raise SystemExit(1) from None
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        raise SystemExit(130) from None
    except BrokenPipeError:
        sys.stderr.close()
    raise SystemExit(0)
