"""Entry point of the ``callcenter`` command.

Each sub-command lives in its own module with a ``register`` function; ``COMMAND_MODULES`` is the
one place a new command is added. Help texts are for the people running the commands.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
import traceback
from collections.abc import Sequence

from callcenter.cli.failures import explain
from callcenter.errors import CallCenterError

DESCRIPTION = """A telephony assistant for public-service call centres: voice server, agent screens,
queue board, and the tools around them.

Start with `callcenter serve`, then `callcenter call` in another terminal to phone it.
Settings are environment variables named CALLCENTER_* (see the README's settings table)."""

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
    "callcenter.appointments.cli",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="callcenter", description=DESCRIPTION,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
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
    except Exception as exc:
        # An unreachable database or Redis, a port already taken: one line naming the setting to
        # fix, not a traceback (CALLCENTER_LOG_LEVEL=DEBUG shows the traceback).
        message = explain(exc)
        if message is None:
            raise
        print(f"callcenter: {message}", file=sys.stderr)
        if logging.getLogger().isEnabledFor(logging.DEBUG):
            traceback.print_exc()
        return 2
    return int(code or 0)


if __name__ == "__main__":
    sys.exit(main())
