"""``callcenter report equity [--since DATE] [--format text|json|html]``."""

from __future__ import annotations

import argparse
import asyncio
from datetime import UTC, date, datetime

from callcenter.config import Settings
from callcenter.errors import CallCenterError
from callcenter.reports import equity_report
from callcenter.reports.data import call_facts
from callcenter.reports.render import as_html, as_json, as_text
from callcenter.store import Database, upgrade
from callcenter.triage import load_rules


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser("report", help="reports for supervisors")
    reports = parser.add_subparsers(dest="report", required=True, metavar="REPORT")
    equity = reports.add_parser("equity", help="waits and answers per fragility tier and reason")
    equity.add_argument("--since", help="first day included, YYYY-MM-DD (default: everything)")
    equity.add_argument("--format", choices=("text", "json", "html"), default="text",
                        help="text for a terminal (default), json for tools, html for a page")
    equity.set_defaults(func=run_equity)


def _since(raw: str | None) -> datetime | None:
    if raw is None:
        return None
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        raise CallCenterError(f"--since {raw!r}: expected a date, YYYY-MM-DD") from None
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def run_equity(args: argparse.Namespace) -> int:
    since = _since(args.since)
    settings = Settings.from_env()
    upgrade(settings.database_url)

    async def facts() -> list:  # type: ignore[type-arg]
        db = Database(settings.database_url)
        try:
            return await call_facts(db, since)
        finally:
            await db.close()

    rules = load_rules(settings.triage_rules)
    report = equity_report(asyncio.run(facts()), args.since, rules.reasons)
    render = {"text": as_text, "json": as_json, "html": as_html}[args.format]
    print(render(report), end="")
    return 0
