"""``callcenter report equity|flow|gaps``: the supervisors' reports in a terminal."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from datetime import UTC, date, datetime, timedelta

from callcenter.config import Settings
from callcenter.errors import CallCenterError
from callcenter.reports import equity_report, flow_analytics, gaps
from callcenter.reports.data import call_facts
from callcenter.reports.flow_data import flow_versions, flows_of, live_or_latest, logged_calls
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
    flow = reports.add_parser("flow", help="per-node analytics of a flow: entries, moves, silences, outcomes")
    flow.add_argument("flow", metavar="FLOW", help="the flow's id")
    flow.add_argument("--since", help="first day included, YYYY-MM-DD (default: everything)")
    flow.add_argument("--until", help="last day included, YYYY-MM-DD (default: up to now)")
    flow.add_argument("--version", type=int, help="only calls on this version (default: every version)")
    flow.add_argument("--format", choices=("text", "json", "csv"), default="text",
                      help="text for a terminal (default), json for tools, csv for a spreadsheet")
    flow.set_defaults(func=run_flow)
    gap = reports.add_parser("gaps", help="questions the knowledge base could not answer, grouped")
    gap.add_argument("--since", help="first day included, YYYY-MM-DD (default: everything)")
    gap.add_argument("--format", choices=("text", "json"), default="text",
                     help="text for a terminal (default), json for tools")
    gap.set_defaults(func=run_gaps)


def _since(raw: str | None, option: str = "--since") -> datetime | None:
    if raw is None:
        return None
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        raise CallCenterError(f"{option} {raw!r}: expected a date, YYYY-MM-DD") from None
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def _until(raw: str | None) -> datetime | None:
    """The day after ``--until``: the last day is included."""
    day = _since(raw, "--until")
    return None if day is None else day + timedelta(days=1)


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


def run_flow(args: argparse.Namespace) -> int:
    since, until = _since(args.since), _until(args.until)
    settings = Settings.from_env()
    upgrade(settings.database_url)

    async def build() -> flow_analytics.FlowReport | None:
        db = Database(settings.database_url)
        try:
            calls = await logged_calls(db, flow_id=args.flow, since=since, until=until, version=args.version)
            shown = args.version or await live_or_latest(db, args.flow)
            flows = await flow_versions(db, args.flow, sorted({*flow_analytics.versions_of(calls),
                                                              *([shown] if shown else [])}))
        finally:
            await db.close()
        if shown not in flows:
            return None
        return flow_analytics.flow_report(calls, flows[shown], flows, version=args.version, since=args.since,
                                          until=args.until)

    report = asyncio.run(build())
    if report is None:
        print(f"flow {args.flow!r}{f' version {args.version}' if args.version else ''}: no such stored version",
              file=sys.stderr)
        return 1
    render = {"text": flow_analytics.as_text, "json": _flow_json, "csv": flow_analytics.as_csv}[args.format]
    print(render(report), end="")
    return 0


def _flow_json(report: flow_analytics.FlowReport) -> str:
    return json.dumps(report.to_dict(), ensure_ascii=False, indent=2) + "\n"


def run_gaps(args: argparse.Namespace) -> int:
    since = _since(args.since)
    settings = Settings.from_env()
    upgrade(settings.database_url)

    async def build() -> gaps.GapsReport:
        db = Database(settings.database_url)
        try:
            calls = await logged_calls(db, since=since)
            flows = await flows_of(db, calls)
        finally:
            await db.close()
        return gaps.gaps_report(calls, flows, since=args.since)

    report = asyncio.run(build())
    print((gaps.as_json if args.format == "json" else gaps.as_text)(report), end="")
    return 0
