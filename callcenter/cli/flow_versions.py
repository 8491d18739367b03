"""``callcenter flows publish|versions|rollback|export|record-test``: what callers hear, changed in
one action, and test cases recorded from real calls.

Publishing checks the file as ``flows validate`` does (``file:line: reason``, exit 1), runs its
test cases (refused while any fails), then stores it as a new version and makes it live; every
running server answers new calls with it within ``CALLCENTER_FLOW_RELOAD_SECONDS``.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import getpass
import json
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path
from typing import TypeVar

from callcenter.cli.flow_engine import engine_factory
from callcenter.config import Settings
from callcenter.flows.catalog import KIND, stored_name
from callcenter.flows.checks import check_before_publish
from callcenter.flows.loader import parse_flow
from callcenter.flows.model import Flow
from callcenter.flows.recording import record_case
from callcenter.flows.testcases import TestCaseError, parse_suite, tests_path
from callcenter.ivr.events import Event, event_from_dict
from callcenter.store import Database, upgrade
from callcenter.versions import VersionError, VersionStore
from callcenter.versions.model import AlreadyLive

T = TypeVar("T")


def add_commands(flows_sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    publish = flows_sub.add_parser("publish", help="check, test and make a flow file live")
    publish.add_argument("file", type=Path)
    publish.add_argument("--comment", default="", help="why this version (kept with it)")
    publish.add_argument("--by", default=None, help="who publishes (default: the system user name)")
    publish.set_defaults(func=run_publish)
    versions = flows_sub.add_parser("versions", help="list the versions of a flow")
    versions.add_argument("flow")
    versions.add_argument("--json", action="store_true")
    versions.set_defaults(func=run_versions)
    rollback = flows_sub.add_parser("rollback", help="make an earlier version live again")
    rollback.add_argument("flow")
    rollback.add_argument("version", type=int)
    rollback.add_argument("--by", default=None, help="who rolls back (default: the system user name)")
    rollback.set_defaults(func=run_rollback)
    export = flows_sub.add_parser("export", help="write the live version of a flow as a file")
    export.add_argument("flow")
    export.add_argument("-o", "--output", type=Path, help="file to write (default: standard output)")
    export.set_defaults(func=run_export)
    record = flows_sub.add_parser("record-test", help="add a test case built from a real call (inputs redacted)")
    record.add_argument("call_id")
    record.add_argument("--name", help="name of the case (default: from the call id)")
    record.add_argument("--print", action="store_true", help="print the case instead of adding it to the "
                        "flow's test cases in CALLCENTER_FLOWS_DIR")
    record.set_defaults(func=run_record_test)


@asynccontextmanager
async def _store() -> AsyncIterator[VersionStore]:
    settings = Settings.from_env()
    await asyncio.to_thread(upgrade, settings.database_url)
    db = Database(settings.database_url)
    try:
        yield VersionStore(db)
    finally:
        await db.close()


def _with_store(action: Callable[[VersionStore], Awaitable[T]]) -> T:
    async def go() -> T:
        async with _store() as store:
            return await action(store)
    return asyncio.run(go())


def _who(given: str | None) -> str:
    return given or getpass.getuser()


def run_publish(args: argparse.Namespace) -> int:
    checked = check_before_publish(args.file, engine_factory(args.file))
    for line in checked.messages:
        print(line)
    if checked.flow is None or checked.text is None:
        print(f"{args.file}: not published", file=sys.stderr)
        return 1
    flow, text = checked.flow, checked.text
    try:
        version = _with_store(lambda store: store.publish(KIND, flow.id, text, by=_who(args.by),
                                                          comment=args.comment))
    except AlreadyLive as exc:
        print(exc.message, file=sys.stderr)
        return 0
    except VersionError as exc:
        print(exc.message, file=sys.stderr)
        return 1
    print(f"flow {flow.id}: version {version.version} is live", file=sys.stderr)
    return 0


def run_versions(args: argparse.Namespace) -> int:
    history = _with_store(lambda store: store.history(KIND, args.flow))
    if not history:
        print(f"flow {args.flow}: no versions", file=sys.stderr)
        return 1
    published = [v for v in history if v.status == "published"]
    if args.json:
        print(json.dumps([v.summary() for v in published], ensure_ascii=False, indent=2))
        return 0
    for v in published:
        mark = "live" if v.live else ""
        print(f"{v.version:>4}  {mark:4}  {v.at:%Y-%m-%d %H:%M}  {v.by:12}  {v.comment}")
    return 0


def run_rollback(args: argparse.Namespace) -> int:
    try:
        version = _with_store(lambda store: store.rollback(KIND, args.flow, args.version, by=_who(args.by)))
    except VersionError as exc:
        print(exc.message, file=sys.stderr)
        return 1
    print(f"flow {args.flow}: version {version.version} is live again", file=sys.stderr)
    return 0


def run_export(args: argparse.Namespace) -> int:
    live = _with_store(lambda store: store.live(KIND, args.flow))
    if live is None:
        print(f"flow {args.flow}: no live version", file=sys.stderr)
        return 1
    if args.output is None:
        sys.stdout.write(live.content)
    else:
        args.output.write_text(live.content, encoding="utf-8")
        print(f"flow {args.flow}: version {live.version} written to {args.output}", file=sys.stderr)
    return 0


def run_record_test(args: argparse.Namespace) -> int:
    settings = Settings.from_env()

    async def read() -> tuple[Flow, list[tuple[Event, datetime]]] | str:
        async with _store() as store:
            call = await store.db.get_call(args.call_id)
            if call is None:
                return f"call {args.call_id}: unknown"
            stored = await store.get(KIND, call.flow_id, call.flow_version)
            if stored is None:
                return f"call {args.call_id}: flow {call.flow_id} version {call.flow_version} is not stored"
            flow = dataclasses.replace(parse_flow(stored.content, stored_name(call.flow_id, call.flow_version)),
                                       version=call.flow_version)
            log = [(event_from_dict(e.payload), e.at) for e in await store.db.call_log(args.call_id)
                   if e.entry == "event"]
            return flow, log

    found = asyncio.run(read())
    if isinstance(found, str):
        print(found, file=sys.stderr)
        return 1
    flow, log = found
    make = engine_factory(settings.flows_dir / f"{flow.id}.yaml")
    recorded = record_case(make(flow), log, args.name or f"appel {args.call_id[-6:]}")
    for problem in recorded.problems:
        print(f"recorded case {recorded.case['name']!r}: warning: {problem} (edit the case before keeping it)")
    if args.print:
        sys.stdout.write(recorded.as_yaml())
        return 0
    target = tests_path(settings.flows_dir / f"{flow.id}.yaml")
    before = target.read_text(encoding="utf-8") if target.is_file() else f"flow: {flow.id}\ncases:\n"
    after = before + ("" if before.endswith("\n") else "\n") + "\n" + recorded.as_yaml()
    try:
        parse_suite(after, str(target))
    except TestCaseError as exc:
        print(f"{target}: cannot append the case, the file would not load ({exc.message})", file=sys.stderr)
        sys.stdout.write(recorded.as_yaml())
        return 1
    target.write_text(after, encoding="utf-8")
    print(f"{target}: case {recorded.case['name']!r} added", file=sys.stderr)
    return 0
