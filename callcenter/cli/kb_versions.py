"""``callcenter kb draft|review|drafts|versions|rollback|export``: an entry change reviewed by a
second person before callers hear it.

``draft`` checks the file as ``kb check`` does (schema, lint, claims rules; ``file:line: reason``,
exit 1) and stores it as a draft; ``review --approve`` by anyone but its author makes it live, and
every running server answers with it within ``CALLCENTER_KB_RELOAD_SECONDS``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path
from typing import Any

from callcenter.cli.versioned import export, rollback, who, with_store
from callcenter.config import KbCheckSettings, Settings
from callcenter.kb.catalog import KIND
from callcenter.kb.claims_lint import ClaimRules
from callcenter.kb.lint import lint, lint_warnings
from callcenter.kb.loader import display_path, parse_text
from callcenter.versions import Version, VersionError
from callcenter.versions.model import AlreadyLive


def add_commands(sub: Any) -> None:
    draft = sub.add_parser("draft", help="check an entry file and store it as a draft for review")
    draft.add_argument("file", type=Path, help="the entry file, e.g. knowledge_base/caf/rsa.yaml")
    draft.add_argument("--by", default=None, help="who wrote it (default: the system user name)")
    draft.add_argument("--comment", default="", help="what changes and why (kept with it)")
    draft.set_defaults(func=run_draft)
    review = sub.add_parser("review", help="approve (make live) or reject someone else's draft")
    review.add_argument("entry", help="the entry id, e.g. caf.rsa")
    review.add_argument("version", type=int, help="the draft's version (see kb drafts)")
    review.add_argument("--by", default=None, help="who reviews (default: the system user name)")
    decision = review.add_mutually_exclusive_group(required=True)
    decision.add_argument("--approve", action="store_true", help="publish the draft: callers hear it")
    decision.add_argument("--reject", action="store_true", help="turn the draft down (say why in --comment)")
    review.add_argument("--comment", default="", help="the review's reason (kept with the draft)")
    review.set_defaults(func=run_review)
    drafts = sub.add_parser("drafts", help="list the drafts waiting for review")
    drafts.add_argument("--json", action="store_true", help="one JSON list instead of a table")
    drafts.set_defaults(func=run_drafts)
    versions = sub.add_parser("versions", help="list the versions of an entry")
    versions.add_argument("entry", help="the entry id, e.g. caf.rsa")
    versions.add_argument("--json", action="store_true", help="one JSON list instead of a table")
    versions.set_defaults(func=run_versions)
    rollback = sub.add_parser("rollback", help="make an earlier published version of an entry live again")
    rollback.add_argument("entry", help="the entry id, e.g. caf.rsa")
    rollback.add_argument("version", type=int, help="the earlier version (see kb versions)")
    rollback.add_argument("--by", default=None, help="who rolls back (default: the system user name)")
    rollback.set_defaults(func=run_rollback)
    export = sub.add_parser("export", help="write the live version of an entry as a file")
    export.add_argument("entry", help="the entry id, e.g. caf.rsa")
    export.add_argument("-o", "--output", type=Path, help="file to write (default: standard output)")
    export.set_defaults(func=run_export)


def _relative(path: Path, kb_dir: Path) -> str:
    """The path inside the knowledge-base folder (its id must agree), or "" for a file elsewhere."""
    try:
        return path.resolve().relative_to(kb_dir.resolve()).as_posix()
    except ValueError:
        return ""


def check_entry(path: Path, kb_dir: Path, today: dt.date, rules: ClaimRules) -> tuple[str | None, str, list[str]]:
    """(entry id or None when it has faults, its text, the ``file:line: reason`` lines to print)."""
    source = display_path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return None, "", [f"{source}:1: cannot read: {exc}"]
    parsed = parse_text(text, source, _relative(path, kb_dir))
    faults = sorted(set(lint([parsed], today=today, claims=rules)))
    lines = [str(f) for f in sorted(faults + lint_warnings([parsed], today, rules))]
    if faults or parsed.entry is None:
        return None, text, lines
    return parsed.entry.id, text, lines


def run_draft(args: argparse.Namespace) -> int:
    settings = KbCheckSettings.from_env()
    rules = ClaimRules(require_claims=settings.require_claims, max_age_days=settings.max_age_days,
                       change_dates=settings.change_dates)
    entry_id, text, lines = check_entry(args.file, Settings.from_env().kb_dir, dt.date.today(), rules)
    for line in lines:
        print(line)
    if entry_id is None:
        print(f"{args.file}: not stored as a draft", file=sys.stderr)
        return 1
    by = who(args.by)

    async def save(store: Any) -> Version:
        live = await store.live(KIND, entry_id)
        if live is not None and live.content == text:
            raise AlreadyLive(f"entry {entry_id}: this is live version {live.version} already; nothing to review")
        for pending in await store.drafts(KIND):
            if pending.name == entry_id and pending.content == text:
                raise AlreadyLive(f"entry {entry_id}: this is draft {pending.version} already, waiting for review")
        draft: Version = await store.save_draft(KIND, entry_id, text, by=by, comment=args.comment)
        return draft

    try:
        draft = with_store(save)
    except AlreadyLive as exc:
        print(exc.message, file=sys.stderr)
        return 0
    except VersionError as exc:
        print(exc.message, file=sys.stderr)
        return 1
    print(f"entry {entry_id}: draft {draft.version} stored; a second person reviews it with "
          f"callcenter kb review {entry_id} {draft.version} --approve (or on /supervisor/kb)", file=sys.stderr)
    return 0


def run_review(args: argparse.Namespace) -> int:
    by = who(args.by)
    try:
        done = with_store(lambda store: store.review(KIND, args.entry, args.version, by=by,
                                                      approve=args.approve, comment=args.comment))
    except VersionError as exc:
        print(exc.message, file=sys.stderr)
        return 1
    if args.approve:
        print(f"entry {args.entry}: version {done.version} approved by {by}, by {done.by}; it is live",
              file=sys.stderr)
    else:
        print(f"entry {args.entry}: draft {done.version} rejected by {by}", file=sys.stderr)
    return 0


def _row(v: Version) -> dict[str, object]:
    return {"entry": v.name, "version": v.version, "status": v.status, "live": v.live, "by": v.by,
            "at": v.at.isoformat(), "comment": v.comment, "from": v.diff_from, "reviewed_by": v.reviewed_by,
            "reviewed_at": v.reviewed_at.isoformat() if v.reviewed_at else None,
            "review_comment": v.review_comment}


def run_drafts(args: argparse.Namespace) -> int:
    pending = with_store(lambda store: store.drafts(KIND))
    if args.json:
        print(json.dumps([_row(v) for v in pending], ensure_ascii=False, indent=2))
        return 0
    for v in pending:
        print(f"{v.name:<28} {v.version:>4}  {v.at:%Y-%m-%d %H:%M}  {v.by:12}  {v.comment}")
    print(f"kb drafts: {len(pending)} waiting for review", file=sys.stderr)
    return 0


def run_versions(args: argparse.Namespace) -> int:
    history = with_store(lambda store: store.history(KIND, args.entry))
    if not history:
        print(f"entry {args.entry}: no versions", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps([_row(v) for v in history], ensure_ascii=False, indent=2))
        return 0
    for v in history:
        mark = "live" if v.live else ""
        review = f"  [{v.status} by {v.reviewed_by}{': ' + v.review_comment if v.review_comment else ''}]" \
            if v.reviewed_by else "" if v.status != "draft" else "  [waiting for review]"
        print(f"{v.version:>4}  {mark:4}  {v.status:9}  {v.at:%Y-%m-%d %H:%M}  {v.by:12}  {v.comment}{review}")
    return 0


def run_rollback(args: argparse.Namespace) -> int:
    return rollback(KIND, "entry", args.entry, args.version, args.by)


def run_export(args: argparse.Namespace) -> int:
    return export(KIND, "entry", args.entry, args.output)
