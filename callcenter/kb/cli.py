"""callcenter kb: search the knowledge base and lint its content.

    callcenter kb search "j'ai perdu ma carte vitale" [--top N]
    callcenter kb search --jsonl < queries.txt      # one JSON object per input line
    callcenter kb check [KB_DIR] [--spec FILE] [--holdout FILE.jsonl]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path
from typing import Any, TextIO

from callcenter.errors import CallCenterError
from callcenter.kb.errors import Fault
from callcenter.kb.index import KnowledgeIndex, SearchResult
from callcenter.kb.lint import lint
from callcenter.kb.loader import (
    DEFAULT_KB_DIR,
    DEFAULT_SPEC,
    display_path,
    load_knowledge_base,
    read_entries,
    read_spec,
)
from callcenter.kb.spec import SpecTopic


class KbUsageError(CallCenterError):
    """Wrong arguments or unreadable files given to ``callcenter kb``."""

    code = "kb_usage"


def register(subparsers: Any) -> None:
    kb = subparsers.add_parser("kb", help="search and check the regulation knowledge base",
                               description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = kb.add_subparsers(dest="kb_command", required=True, metavar="ACTION")

    search = sub.add_parser("search", help="rank knowledge-base entries for a caller's sentence")
    search.add_argument("text", nargs="?", help="what the caller said (omit with --jsonl)")
    search.add_argument("--top", type=int, default=3, help="how many entries to show (default 3)")
    search.add_argument("--jsonl", action="store_true",
                        help="read one query per line on stdin, write one JSON object per line")
    search.add_argument("--kb-dir", type=Path, default=DEFAULT_KB_DIR,
                        help="knowledge-base folder (default: the bundled knowledge_base/)")
    search.set_defaults(func=run_search)

    check = sub.add_parser("check", help="lint the knowledge base: prints file:line: reason")
    check.add_argument("path", nargs="?", type=Path, default=None,
                       help="knowledge-base folder (default: the bundled knowledge_base/)")
    check.add_argument("--kb-dir", type=Path, default=None, help="same as PATH")
    check.add_argument("--spec", type=Path, default=None,
                       help="topic list whose ids must all exist (default: the project's topic list when present)")
    check.add_argument("--holdout", type=Path, action="append", default=[],
                       help="evaluation set (JSONL with a 'text' field) the content must not copy")
    check.set_defaults(func=run_check)


# -- search -----------------------------------------------------------------------------------------

def result_row(result: SearchResult) -> dict[str, Any]:
    """The JSONL contract: {"query", "match", "results": [{"id", "score"}]}."""
    return {
        "query": result.query,
        "match": result.match.id if result.match is not None else None,
        "results": [{"id": entry_id, "score": score} for entry_id, score in result.results],
    }


def _print_ranking(index: KnowledgeIndex, result: SearchResult, out: TextIO) -> None:
    print(f"query: {result.query}", file=out)
    print(f"terms: {' '.join(result.terms) or '(none)'}", file=out)
    if not result.results:
        print("no entry shares a word with this query", file=out)
    for rank, (entry_id, score) in enumerate(result.results, 1):
        entry = index.kb[entry_id]
        mark = "  <- match" if result.match is not None and result.match.id == entry_id else ""
        print(f"{rank:>2}. {score:.3f}  {entry_id:<30} {entry.title}{mark}", file=out)
    if result.match is not None:
        print(f"answer ({result.match.id}, confidence {result.confidence:.2f}): "
              f"{result.match.spoken_answer}", file=out)
    else:
        print(f"no answer (confidence {result.confidence:.2f}): the IVR asks again or hands over",
              file=out)


def run_search(args: argparse.Namespace) -> int:
    if args.top < 1:
        raise KbUsageError("--top must be at least 1")
    if args.jsonl == (args.text is not None):
        raise KbUsageError("give a TEXT to search, or --jsonl to read queries from stdin (one of the two)")
    index = KnowledgeIndex.build(load_knowledge_base(args.kb_dir))
    if args.text is not None:
        _print_ranking(index, index.search(args.text, top=args.top), sys.stdout)
        return 0
    for line in sys.stdin:
        row = result_row(index.search(line.rstrip("\r\n"), top=args.top))
        sys.stdout.write(json.dumps(row, ensure_ascii=False) + "\n")
    sys.stdout.flush()
    return 0


# -- check ------------------------------------------------------------------------------------------

def _holdout_texts(paths: list[Path]) -> list[str]:
    texts = []
    for path in paths:
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except OSError as exc:
            raise KbUsageError(f"cannot read {path}: {exc.strerror}") from None
        for n, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                texts.append(str(json.loads(line)["text"]))
            except (ValueError, KeyError, TypeError):
                raise KbUsageError(f"{path}:{n}: expected a JSON object with a 'text' field") from None
    return texts


def run_check(args: argparse.Namespace) -> int:
    root = args.path or args.kb_dir or DEFAULT_KB_DIR
    if not root.is_dir():
        raise KbUsageError(f"{root}: not a directory")
    parsed = read_entries(root)
    spec_path = args.spec if args.spec is not None else (DEFAULT_SPEC if DEFAULT_SPEC.is_file() else None)
    spec: tuple[SpecTopic, ...] | None = None
    spec_source = ""
    spec_faults: tuple[Fault, ...] = ()
    if spec_path is None:
        print("note: no topic list found (../shared/spec/kb_topics.yaml); ids not checked against it",
              file=sys.stderr)
    else:
        try:
            spec, spec_faults = read_spec(spec_path)
        except OSError as exc:
            raise KbUsageError(f"cannot read {spec_path}: {exc.strerror}") from None
        spec_source = display_path(spec_path)
    faults = sorted(set(lint(parsed, spec=spec, spec_source=spec_source, today=dt.date.today(),
                             holdout=_holdout_texts(args.holdout)) + list(spec_faults)))
    if not parsed:
        print(f"{display_path(root)}:1: no entry files (*.yaml)")
        return 1
    for fault in faults:
        print(fault)
    entries = sum(1 for p in parsed if p.entry is not None)
    topics = f", {len(spec)} required topics" if spec is not None else ""
    verdict = "ok" if not faults else f"{len(faults)} fault{'s' if len(faults) > 1 else ''}"
    print(f"kb check: {len(parsed)} files, {entries} valid entries{topics}: {verdict}", file=sys.stderr)
    return 1 if faults else 0
