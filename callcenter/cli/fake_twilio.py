"""``callcenter fake-twilio``: a local stand-in for Twilio's REST API, to try warm transfers by hand.

Run it, point the server at it (``CALLCENTER_TWILIO_API_URL``), and phone with
``callcenter call --fake-twilio URL``: the caller's conference, the agent's leg added on accept,
hold, transfers and hang-ups all happen here, with Twilio's callbacks sent to the server.

Callbacks placed by the server (``Calls.json``) ring a fake callee, played by hand::

    curl -X POST localhost:8099/_fake/calls/CA…/callee -d '{"action": "answer"}'
    curl -X POST localhost:8099/_fake/calls/CA…/callee -d '{"action": "press", "digits": "1"}'

(``silent``, ``busy``, ``no-answer``, ``fail`` too), or scripted for the next call to a number:
``POST /_fake/callees {"number": "+33612345678", "script": "press:1"}``.
"""

from __future__ import annotations

import argparse
import logging

from aiohttp import web

from callcenter import logs
from callcenter.config import Settings
from callcenter.telephony.fake_twilio import FakeTwilio

_LOGGER = logging.getLogger("callcenter")


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser("fake-twilio", help="run a local fake of Twilio's REST API (no account needed)")
    parser.add_argument("--host", default="127.0.0.1", help="interface to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8099, help="port to listen on (default 8099)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    settings = Settings.from_env()
    logs.configure(settings.log_level)
    fake = FakeTwilio(settings.twilio_account_sid, settings.twilio_auth_token)
    _LOGGER.info("fake Twilio on http://%s:%d — start the server with CALLCENTER_TWILIO_API_URL=http://%s:%d "
                 "and CALLCENTER_TWILIO_PHONE_NUMBER=+33900000000", args.host, args.port, args.host, args.port)
    web.run_app(fake.app(), host=args.host, port=args.port, print=None)
    return 0
