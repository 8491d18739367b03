"""Entry point of the ``callcenter`` command.

Each sub-command lives in its own module exposing ``register(subparsers)``; the module list below
is the one place a new command is added.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from callcenter.errors import CallCenterError

COMMAND_MODULES: tuple[str, ...] = (
    "callcenter.cli.serve",
    "callcenter.cli.call",
    "callcenter.cli.flows",
    "callcenter.cli.users",
    "callcenter.cli.report",
    "callcenter.cli.audit",
    "callcenter.cli.simulate",
    "callcenter.cli.fake_twilio",
    "callcenter.kb.cli",
    "callcenter.triage.cli",
    "callcenter.speech.cli",
    "callcenter.privacy.cli",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="callcenter", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        code = args.func(args)
    except CallCenterError as exc:
        print(f"callcenter: {exc.message}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    return int(code or 0)


if __name__ == "__main__":
    sys.exit(main())
