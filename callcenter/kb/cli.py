"""callcenter kb: search the knowledge base and lint its content.

    callcenter kb search "j'ai perdu ma carte vitale" [--top N]
    callcenter kb search --jsonl < queries.txt      # one JSON object per input line
    callcenter kb check [KB_DIR] [--spec FILE] [--holdout FILE.jsonl] [--no-require-claims]
                        [--max-age-days N] [--change-date YYYY-MM-DD] [--today YYYY-MM-DD]
    callcenter kb stale --feed PATH [--kb-dir DIR] [--json]   # service-public.fr feed (zip or folder)
    callcenter kb flags [--entry ID] [--json]                  # agents' flags on answers
    callcenter kb draft FILE --by NAME [--comment TEXT]        # a change, stored for review
    callcenter kb review ID VERSION --by NAME (--approve | --reject) [--comment TEXT]
    callcenter kb drafts [--json] | versions ID [--json] | rollback ID VERSION | export ID [-o FILE]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import sys
from pathlib import Path
from typing import Any, TextIO

from callcenter.config import KbCheckSettings, KbSearchSettings
from callcenter.errors import CallCenterError
from callcenter.kb.claims_lint import ClaimRules
from callcenter.kb.errors import Fault
from callcenter.kb.feed import stale_claims
from callcenter.kb.feed_reader import read_feed
from callcenter.kb.index import KnowledgeIndex, SearchResult
from callcenter.kb.lint import detail_sms_segments, lint, lint_warnings, sms_texts
from callcenter.kb.loader import (
    DEFAULT_KB_DIR,
    DEFAULT_SPEC,
    display_path,
    load_knowledge_base,
    read_entries,
    read_spec,
)
from callcenter.kb.semantic import Embedder
from callcenter.kb.spec import SpecTopic
from callcenter.sms import count_segments


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
    check.add_argument("--require-claims", action=argparse.BooleanOptionalAction, default=None,
                       help="every entry must list its claims (default: CALLCENTER_KB_REQUIRE_CLAIMS, "
                            "true)")
    check.add_argument("--max-age-days", type=int, default=None,
                       help="a claim checked longer ago is a fault (default: CALLCENTER_KB_MAX_AGE_DAYS, 365)")
    check.add_argument("--change-date", type=_date, action="append", default=[],
                       help="a day rules changed besides 1 Jan/Apr/Jul/Oct, e.g. a budget law's "
                            "publication (repeatable; adds to CALLCENTER_KB_CHANGE_DATES)")
    check.add_argument("--today", type=_date, default=None,
                       help="check as of this date (default: today)")
    check.add_argument("--sms", action="store_true",
                       help="also print, per entry, the SMS segments of its details SMS and online link SMS")
    check.set_defaults(func=run_check)

    stale = sub.add_parser("stale", help="entries whose service-public.fr fiches changed after their check")
    stale.add_argument("--feed", type=Path, required=True,
                       help="local copy of DILA's feed of service-public.fr fiches: the zip or its folder")
    stale.add_argument("--kb-dir", type=Path, default=DEFAULT_KB_DIR,
                       help=f"knowledge-base folder (default {DEFAULT_KB_DIR})")
    stale.add_argument("--json", action="store_true", help="one JSON list instead of file:line: reason")
    stale.set_defaults(func=run_stale)

    flags = sub.add_parser("flags", help="answers agents flagged as wrong or outdated, newest first")
    flags.add_argument("--entry", default=None, help="only the flags of this entry id (e.g. caf.rsa)")
    flags.add_argument("--json", action="store_true", help="one JSON list")
    flags.set_defaults(func=run_flags)

    # Imported here: the review commands need the database layer, search and check do not.
    from callcenter.cli.kb_versions import add_commands
    add_commands(sub)


def _date(raw: str) -> dt.date:
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{raw!r}: expected a date, YYYY-MM-DD") from None


def claim_rules(args: argparse.Namespace) -> ClaimRules:
    """The settings, overridden by the command's options."""
    settings = KbCheckSettings.from_env()
    if args.max_age_days is not None and args.max_age_days < 1:
        raise KbUsageError("--max-age-days must be at least 1")
    return ClaimRules(
        require_claims=settings.require_claims if args.require_claims is None else args.require_claims,
        max_age_days=settings.max_age_days if args.max_age_days is None else args.max_age_days,
        change_dates=tuple(sorted({*settings.change_dates, *args.change_date})),
    )


# -- search -----------------------------------------------------------------------------------------

def result_row(result: SearchResult) -> dict[str, Any]:
    """The JSONL contract: {"query", "match", "results": [{"id", "score"}], "clarify": [id, ...]}.

    ``clarify`` (only with ``match`` null, at most three ids) is the choice the IVR offers in one
    question; ``rejected`` the topics the caller said it was not about; ``also`` a second topic.
    """
    return {
        "query": result.query,
        "match": result.match.id if result.match is not None else None,
        "results": [{"id": entry_id, "score": score} for entry_id, score in result.results],
        "clarify": list(result.clarify),
        "rejected": list(result.rejected),
        "also": result.also,
        "semantic_rival": result.semantic_rival,
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
    if result.rejected:
        print(f"left out (the caller said it was not about): {', '.join(result.rejected)}", file=out)
    if result.match is not None:
        print(f"answer ({result.match.id}, confidence {result.confidence:.2f}): "
              f"{result.match.spoken_answer}", file=out)
        if result.also:
            print(f"then offered (a second question): {result.also}", file=out)
    elif result.clarify:
        print(f"one question (confidence {result.confidence:.2f}): which of {', '.join(result.clarify)}",
              file=out)
    else:
        print(f"no answer (confidence {result.confidence:.2f}): the IVR asks again or hands over",
              file=out)


def _embedder() -> Embedder | None:
    """The triage's sentence encoder for the semantic check, unless ``CALLCENTER_KB_SEMANTIC``
    is false; without it (not installed, model missing) the search is lexical, and says so."""
    path = KbSearchSettings.from_env().semantic_model
    if path is None:
        return None
    from callcenter.triage.semantic import SemanticUnavailable, load_semantic
    try:
        return load_semantic(path)
    except SemanticUnavailable as exc:
        print(f"warning: no semantic check ({exc}): lexical search only", file=sys.stderr)
        return None


def run_search(args: argparse.Namespace) -> int:
    if args.top < 1:
        raise KbUsageError("--top must be at least 1")
    if args.jsonl == (args.text is not None):
        raise KbUsageError("give a TEXT to search, or --jsonl to read queries from stdin (one of the two)")
    index = KnowledgeIndex.build(load_knowledge_base(args.kb_dir), embedder=_embedder())
    if index.semantic_problem:
        print(f"warning: {index.semantic_problem}: lexical search only", file=sys.stderr)
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
    rules = claim_rules(args)
    today = args.today or dt.date.today()
    faults = sorted(set(lint(parsed, spec=spec, spec_source=spec_source, today=today,
                             holdout=_holdout_texts(args.holdout), claims=rules) + list(spec_faults)))
    if not parsed:
        print(f"{display_path(root)}:1: no entry files (*.yaml)")
        return 1
    warnings = lint_warnings(parsed, today, rules)
    for line in sorted(faults + warnings):
        print(line)
    if args.sms:
        _print_sms(parsed)
    entries = sum(1 for p in parsed if p.entry is not None)
    topics = f", {len(spec)} required topics" if spec is not None else ""
    verdict = "ok" if not faults else f"{len(faults)} fault{'s' if len(faults) > 1 else ''}"
    if warnings:
        verdict += f", {len(warnings)} warning{'s' if len(warnings) > 1 else ''}"
    print(f"kb check: {len(parsed)} files, {entries} valid entries{topics}: {verdict}", file=sys.stderr)
    return 1 if faults else 0


def _print_sms(parsed: list[Any]) -> None:
    """Segments per entry: the details SMS (key 2) and the online link SMS (the digital bridge)."""
    for p in parsed:
        if p.entry is None:
            continue
        online = [count_segments(text) for _, what, text, _ in sms_texts(p) if what == "online link SMS"]
        link = f"{online[0].segments} ({online[0].encoding})" if online else "-"
        print(f"sms {p.entry.id}: details {detail_sms_segments(p)} segments, online link {link}")


# -- stale ------------------------------------------------------------------------------------------

def run_stale(args: argparse.Namespace) -> int:
    """Exit 1 when a claim is stale, so a weekly job can alert on it."""
    if not args.kb_dir.is_dir():
        raise KbUsageError(f"{args.kb_dir}: not a directory")
    fiches = read_feed(args.feed)
    parsed = read_entries(args.kb_dir)
    stale = stale_claims(parsed, fiches)
    if args.json:
        print(json.dumps([s.as_json() for s in stale], ensure_ascii=False, indent=2))
    else:
        for item in stale:
            print(item)
    entries = len({s.entry_id for s in stale})
    print(f"kb stale: {len(fiches)} fiches in the feed, {len(stale)} stale claims in {entries} entries",
          file=sys.stderr)
    return 1 if stale else 0


# -- flags ------------------------------------------------------------------------------------------

def run_flags(args: argparse.Namespace) -> int:
    """The agents' flags, read from the server's database (``CALLCENTER_DATABASE_URL``)."""
    # Imported here: ``kb search --jsonl`` and ``kb check`` need no database driver.
    from callcenter.config import Settings
    from callcenter.kb.flags import FLAG_REASONS
    from callcenter.store import Database, upgrade
    from callcenter.store.kb_flags import FlagView, list_flags

    settings = Settings.from_env()
    upgrade(settings.database_url)

    async def go() -> list[FlagView]:
        db = Database(settings.database_url)
        try:
            return await list_flags(db, kb_id=args.entry)
        finally:
            await db.close()

    found = asyncio.run(go())
    if args.json:
        print(json.dumps([f.as_json() for f in found], ensure_ascii=False, indent=2))
        return 0
    for f in found:
        comment = f" : {f.comment}" if f.comment else ""
        print(f"{f.at:%Y-%m-%d %H:%M}  {f.kb_id:<28} {FLAG_REASONS.get(f.reason, f.reason)} "
              f"({f.agent}, call {f.call_sid}){comment}")
    print(f"kb flags: {len(found)} flag{'s' if len(found) != 1 else ''}", file=sys.stderr)
    return 0
