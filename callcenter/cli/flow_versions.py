"""``callcenter flows publish|versions|rollback|export``: what callers hear, changed in one action.

Publishing checks the file as ``flows validate`` does (``file:line: reason``, exit 1), runs its
test cases (refused while any fails), then stores it as a new version and makes it live; every
running server answers new calls with it within ``CALLCENTER_FLOW_RELOAD_SECONDS``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from callcenter.cli.flow_engine import engine_factory
from callcenter.cli.versioned import export, rollback, who, with_store
from callcenter.flows.catalog import KIND
from callcenter.flows.checks import check_before_publish
from callcenter.versions import VersionError
from callcenter.versions.model import AlreadyLive


def add_commands(flows_sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    publish = flows_sub.add_parser("publish", help="check, test and make a flow file live")
    publish.add_argument("file", type=Path, help="the flow file to make live, e.g. ivr_flows/main.yaml")
    publish.add_argument("--comment", default="", help="why this version (kept with it)")
    publish.add_argument("--by", default=None, help="who publishes (default: the system user name)")
    publish.set_defaults(func=run_publish)
    versions = flows_sub.add_parser("versions", help="list the versions of a flow")
    versions.add_argument("flow", help="the flow's name, e.g. main")
    versions.add_argument("--json", action="store_true", help="one JSON list instead of a table")
    versions.set_defaults(func=run_versions)
    rollback = flows_sub.add_parser("rollback", help="make an earlier version live again")
    rollback.add_argument("flow", help="the flow's name, e.g. main")
    rollback.add_argument("version", type=int, help="the earlier version to make live again (see flows versions)")
    rollback.add_argument("--by", default=None, help="who rolls back (default: the system user name)")
    rollback.set_defaults(func=run_rollback)
    export = flows_sub.add_parser("export", help="write the live version of a flow as a file")
    export.add_argument("flow", help="the flow's name, e.g. main")
    export.add_argument("-o", "--output", type=Path, help="file to write (default: standard output)")
    export.set_defaults(func=run_export)


def run_publish(args: argparse.Namespace) -> int:
    checked = check_before_publish(args.file, engine_factory(args.file))
    for line in checked.messages:
        print(line)
    if checked.flow is None or checked.text is None:
        print(f"{args.file}: not published", file=sys.stderr)
        return 1
    flow, text = checked.flow, checked.text
    try:
        version = with_store(lambda store: store.publish(KIND, flow.id, text, by=who(args.by),
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
    history = with_store(lambda store: store.history(KIND, args.flow))
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
    return rollback(KIND, "flow", args.flow, args.version, args.by)


def run_export(args: argparse.Namespace) -> int:
    return export(KIND, "flow", args.flow, args.output)
