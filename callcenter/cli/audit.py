"""``callcenter audit [--since DATE] [--format text|csv]``: who changed what, and when."""

from __future__ import annotations

import argparse
import asyncio

from callcenter.cli.report import _since
from callcenter.config import Settings
from callcenter.reports.audit import AuditRow, as_csv, as_text
from callcenter.store import Database, upgrade
from callcenter.store.audit import audit_entries


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser("audit", help="the audit log: every change by a supervisor, an admin or the system")
    parser.add_argument("--since", help="first day included, YYYY-MM-DD (default: everything)")
    parser.add_argument("--format", choices=("text", "csv"), default="text",
                        help="text (one line per change, default) or csv (for a spreadsheet)")
    parser.set_defaults(func=run_audit)


def run_audit(args: argparse.Namespace) -> int:
    since = _since(args.since)
    settings = Settings.from_env()
    upgrade(settings.database_url)

    async def read() -> list[AuditRow]:
        db = Database(settings.database_url)
        try:
            return [AuditRow(e.at, e.actor, e.action, e.object, e.detail) for e in await audit_entries(db, since)]
        finally:
            await db.close()

    rows = asyncio.run(read())
    print((as_csv if args.format == "csv" else as_text)(rows), end="")
    return 0
