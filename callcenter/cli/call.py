"""``callcenter call``: a terminal phone against a running server, interactive or scripted."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

from callcenter.config import Settings
from callcenter.simulator import (
    CallerAction,
    ExpectationFailed,
    PhoneSimulator,
    SimulatorError,
    interactive_action,
    load_script,
)


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser("call", help="simulate a phone call against a running server",
                            description="Phone the server from this terminal: type words (speech), digits "
                                        "(keys), Enter alone (silence), /quit to hang up at any time.")
    parser.add_argument("--url", help="server base URL (default http://CALLCENTER_HOST:CALLCENTER_PORT)")
    parser.add_argument("--from", dest="caller", default="+33612345678", help="caller number (default +33612345678)")
    parser.add_argument("--to", dest="called", default="+33900000000", help="number called (default +33900000000)")
    parser.add_argument("--script", type=Path,
                        help="run a scripted call: one step a line, say WORDS, press KEYS, silence, hangup, "
                             "expect TEXT")
    parser.add_argument("--fake-twilio", metavar="URL",
                        help="a `callcenter fake-twilio` server, to wait in conference for an agent "
                             "(default: CALLCENTER_TWILIO_API_URL when it is a local address)")
    parser.add_argument("--wait", type=float, default=300.0,
                        help="seconds to wait for an agent before hanging up (default 300)")
    parser.set_defaults(func=run)


def _typed() -> Iterator[CallerAction]:
    print("Tapez des mots (parole), des chiffres (touches), Entrée seule (silence), /quit.")
    while True:
        try:
            line = input("vous> ")
        except EOFError:
            return
        yield interactive_action(line)


def _local(api_url: str) -> str | None:
    return api_url if urlsplit(api_url).hostname in ("127.0.0.1", "localhost", "::1") else None


def run(args: argparse.Namespace) -> int:
    settings = Settings.from_env()
    url = args.url or f"http://{settings.host}:{settings.port}"
    simulator = PhoneSimulator(
        url, settings.twilio_auth_token, settings.twilio_account_sid, caller=args.caller,
        called=args.called,
        # Behind a proxy the server checks signatures against its public URL: sign that one.
        signed_base=settings.public_url or url,
        fake_twilio=args.fake_twilio or _local(settings.twilio_api_url),
        wait_seconds=args.wait,
    )
    actions = iter(load_script(args.script)) if args.script else _typed()
    try:
        asyncio.run(simulator.run(actions))
    except ExpectationFailed as exc:
        print(f"FAILED: {exc.message}", file=sys.stderr)
        return 1
    except SimulatorError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"error: cannot reach {url}: {exc}", file=sys.stderr)
        return 2
    return 0
