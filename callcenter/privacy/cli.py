"""``callcenter privacy purge|export|erase``: retention, and callers' access and erasure requests.

Each run writes an audit entry naming the person who ran it (``--actor``, by default the system
user) and, for a caller, the start of their number's keyed hash, never the number.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import json
import sys
from pathlib import Path
from typing import Any

from callcenter.calls import utc_now
from callcenter.config import Settings
from callcenter.errors import CallCenterError
from callcenter.privacy.numbers import caller_key
from callcenter.privacy.retention import Retention, erase, export, purge
from callcenter.store import Database, upgrade


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser("privacy", help="retention purge, and a caller's access or erasure request")
    actions = parser.add_subparsers(dest="privacy_command", required=True, metavar="ACTION")
    p = actions.add_parser("purge", help="delete what is past its retention (CALLCENTER_RETENTION_*)")
    p.add_argument("--dry-run", action="store_true", help="count what would be deleted, delete nothing")
    p.set_defaults(func=run_purge)
    e = actions.add_parser("export", help="everything stored about a caller number, as JSON")
    e.add_argument("--number", required=True, help="the caller's number, in any French form")
    e.add_argument("--out", type=Path, help="file to write (created private, 0600); default standard output")
    e.set_defaults(func=run_export)
    r = actions.add_parser("erase", help="delete every call from a caller number")
    r.add_argument("--number", required=True, help="the caller's number, in any French form")
    r.add_argument("--dry-run", action="store_true", help="count what would be deleted, delete nothing")
    r.set_defaults(func=run_erase)
    for each in (p, e, r):
        each.add_argument("--actor", help="who runs this, for the audit log (default: the system user)")


def _actor(args: argparse.Namespace) -> str:
    return "cli:" + (args.actor or getpass.getuser())


def _run(args: argparse.Namespace, work: Any) -> Any:
    settings = Settings.from_env()
    upgrade(settings.database_url)

    async def go() -> Any:
        db = Database(settings.database_url, lock_timeout=settings.db_lock_timeout,
                      statement_timeout=settings.db_statement_timeout)
        try:
            return await work(db, settings)
        finally:
            await db.close()
    return asyncio.run(go())


def _number(args: argparse.Namespace, settings: Settings) -> str:
    if caller_key(settings.caller_hash_key, args.number) is None:
        raise CallCenterError(f"--number {args.number!r}: not a caller number")
    return str(args.number)


def _print_counts(counts: dict[str, int], verb: str) -> None:
    for name, count in counts.items():
        print(f"{name:20} {count:8d} {verb}")


def run_purge(args: argparse.Namespace) -> int:
    async def work(db: Database, settings: Settings) -> dict[str, int]:
        retention = Retention(settings.retention_calls_days, settings.retention_analyses_days,
                              settings.retention_receipts_days)
        return await purge(db, retention, settings.caller_hash_key, utc_now(), dry_run=args.dry_run,
                           actor=_actor(args))
    counts = _run(args, work)
    _print_counts(counts, "would go" if args.dry_run else "done")
    return 0


def run_export(args: argparse.Namespace) -> int:
    async def work(db: Database, settings: Settings) -> dict[str, Any]:
        return await export(db, settings.caller_hash_key, _number(args, settings), utc_now(), _actor(args))
    data = _run(args, work)
    text = json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    if args.out is None:
        sys.stdout.write(text)
    else:
        args.out.touch(mode=0o600)
        args.out.write_text(text, encoding="utf-8")
        print(f"{len(data['calls'])} calls written to {args.out}", file=sys.stderr)
    return 0


def run_erase(args: argparse.Namespace) -> int:
    async def work(db: Database, settings: Settings) -> dict[str, int]:
        return await erase(db, settings.caller_hash_key, _number(args, settings), utc_now(), _actor(args),
                           dry_run=args.dry_run)
    _print_counts(_run(args, work), "would go" if args.dry_run else "erased")
    return 0
