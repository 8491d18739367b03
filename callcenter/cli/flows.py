"""``callcenter flows validate|test [PATH...]``: schema and graph checks, ``file:line: reason``;
the test cases kept beside each flow.

A folder's ``hours.yaml`` is checked too, as opening hours (callcenter.hours)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from callcenter.cli import flow_record, flow_versions
from callcenter.cli.flow_engine import engine_factory
from callcenter.config import PROJECT_ROOT
from callcenter.flows import FlowError, load_flow
from callcenter.flows.catalog import flow_files
from callcenter.flows.checks import run_tests
from callcenter.flows.lints import lint_flow
from callcenter.flows.testcases import tests_path
from callcenter.hours import HOURS_FILE, HoursError, load_hours


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser("flows", help="work with IVR flow files")
    flows_sub = parser.add_subparsers(dest="flows_command", required=True, metavar="ACTION")
    validate = flows_sub.add_parser("validate", help="check flow files; exit 1 on any fault")
    validate.add_argument("paths", nargs="*", type=Path,
                          help="flow files or folders (default: the bundled ivr_flows/)")
    validate.set_defaults(func=run_validate)
    test = flows_sub.add_parser("test", help="run the test cases kept beside flow files (NAME.tests.yaml)")
    test.add_argument("paths", nargs="*", type=Path,
                      help="flow files or folders (default: the bundled ivr_flows/)")
    test.set_defaults(func=run_test)
    flow_versions.add_commands(flows_sub)
    flow_record.add_command(flows_sub)


def _files(paths: list[Path]) -> list[Path]:
    files: list[Path] = []
    for path in paths or [PROJECT_ROOT / "ivr_flows"]:
        if path.is_dir():
            files.extend(flow_files(path))
            if (path / HOURS_FILE).is_file():
                files.append(path / HOURS_FILE)
        else:
            files.append(path)
    return files


def run_validate(args: argparse.Namespace) -> int:
    files = _files(args.paths)
    if not files:
        print("no flow files found", file=sys.stderr)
        return 1
    failed = 0
    for path in files:
        if path.name == HOURS_FILE:
            failed += not _validate_hours(path)
            continue
        try:
            flow = load_flow(path)
        except FlowError as exc:
            failed += 1
            for problem in exc.problems:
                print(problem)
            continue
        for warning in lint_flow(flow):
            print(warning)
        print(f"{path}: ok ({flow.id}, {len(flow.nodes)} nodes)", file=sys.stderr)
    return 1 if failed else 0


def run_test(args: argparse.Namespace) -> int:
    files = [p for p in _files(args.paths) if p.name != HOURS_FILE]
    if not files:
        print("no flow files found", file=sys.stderr)
        return 1
    failed = 0
    for path in files:
        try:
            flow = load_flow(path)
        except FlowError as exc:
            failed += 1
            for problem in exc.problems:
                print(problem)
            continue
        passed, lines = run_tests(tests_path(path), flow, engine_factory(path))
        failed += not passed
        for line in lines:
            print(line, file=sys.stdout if ": warning: " in line or not passed else sys.stderr)
    return 1 if failed else 0


def _validate_hours(path: Path) -> bool:
    try:
        schedule = load_hours(path)
    except HoursError as exc:
        for problem in exc.problems:
            print(problem)
        return False
    default = " and a default" if schedule.default else ""
    print(f"{path}: ok (opening hours of {len(schedule.queues)} queues{default})", file=sys.stderr)
    return True
