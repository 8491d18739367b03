"""``callcenter flows validate [PATH...]``: schema and graph checks, ``file:line: reason``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from callcenter.config import PROJECT_ROOT
from callcenter.flows import FlowError, load_flow


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser("flows", help="work with IVR flow files")
    flows_sub = parser.add_subparsers(dest="flows_command", required=True, metavar="ACTION")
    validate = flows_sub.add_parser("validate", help="check flow files; exit 1 on any fault")
    validate.add_argument("paths", nargs="*", type=Path,
                          help="flow files or folders (default: the bundled ivr_flows/)")
    validate.set_defaults(func=run_validate)


def _files(paths: list[Path]) -> list[Path]:
    files: list[Path] = []
    for path in paths or [PROJECT_ROOT / "ivr_flows"]:
        files.extend(sorted(path.glob("*.yaml")) if path.is_dir() else [path])
    return files


def run_validate(args: argparse.Namespace) -> int:
    files = _files(args.paths)
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
        print(f"{path}: ok ({flow.id}, {len(flow.nodes)} nodes)", file=sys.stderr)
    return 1 if failed else 0
