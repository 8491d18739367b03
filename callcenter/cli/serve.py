"""``callcenter serve``: migrations, flows, then the web server."""

from __future__ import annotations

import argparse
import dataclasses
import logging

from aiohttp import web

from callcenter import logs
from callcenter.config import Settings
from callcenter.web.app import init_app

_LOGGER = logging.getLogger("callcenter")
SHUTDOWN_SECONDS = 5.0


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser("serve", help="start the server (migrations applied, flows loaded)")
    parser.add_argument("--host", help="interface to listen on (default CALLCENTER_HOST or 127.0.0.1)")
    parser.add_argument("--port", type=int, help="port (default CALLCENTER_PORT or 8080)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    settings = Settings.from_env()
    logs.configure(settings.log_level)
    host = args.host or settings.host
    port = args.port if args.port is not None else settings.port
    # Without a public URL, Twilio signatures are checked against http://HOST:PORT: the ones used.
    settings = dataclasses.replace(settings, host=host, port=port)
    if settings.dev_credentials:
        _LOGGER.warning("development credentials in %s/dev-secrets.json; set CALLCENTER_TWILIO_* and "
                        "CALLCENTER_SECRET_KEY for a real line", settings.data_dir)
    _LOGGER.info("database %s", settings.database_url.split("@")[-1])
    _LOGGER.info("try a call: callcenter call --url http://%s:%d", host, port)
    # Open sockets are closed at shutdown (telephony/sockets.py): what is left gets a few seconds.
    web.run_app(init_app(settings), host=host, port=port, print=None, shutdown_timeout=SHUTDOWN_SECONDS)
    return 0
