"""``callcenter flows record-test CALL_ID``: a test case built from a real call, inputs redacted,
added to the flow's test cases (docs/flows.md)."""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import sys
from datetime import datetime

from callcenter.cli.flow_engine import engine_factory
from callcenter.cli.versioned import open_store
from callcenter.config import Settings
from callcenter.flows.catalog import KIND, stored_name
from callcenter.flows.loader import parse_flow
from callcenter.flows.model import Flow
from callcenter.flows.recording import record_case
from callcenter.flows.testcases import TestCaseError, parse_suite, tests_path
from callcenter.ivr.events import Event, event_from_dict


def add_command(flows_sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    record = flows_sub.add_parser("record-test", help="add a test case built from a real call (inputs redacted)")
    record.add_argument("call_id", help="the call to turn into a test case (its CA... id, as on the board)")
    record.add_argument("--name", help="name of the case (default: from the call id)")
    record.add_argument("--print", action="store_true", help="print the case instead of adding it to the "
                        "flow's test cases in CALLCENTER_FLOWS_DIR")
    record.set_defaults(func=run_record_test)


def run_record_test(args: argparse.Namespace) -> int:
    settings = Settings.from_env()

    async def read() -> tuple[Flow, list[tuple[Event, datetime]]] | str:
        async with open_store() as store:
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
