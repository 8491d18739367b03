"""``callcenter serve``: migrations, flows, then the web server."""

from __future__ import annotations

import argparse
import dataclasses
import logging
import sys

from aiohttp import web

from callcenter import logs
from callcenter.config import Settings, SettingsError, run_mode
from callcenter.web.app import init_app

_LOGGER = logging.getLogger("callcenter")
SHUTDOWN_SECONDS = 5.0


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser(
        "serve", help="start the server (database prepared, flows loaded, pages served)",
        description="Start the voice server, the agent and supervisor pages and the JSON API. The "
                    "database is created or upgraded first; a flow file with faults is refused.")
    parser.add_argument("--host", help="interface to listen on (default CALLCENTER_HOST, else 127.0.0.1)")
    parser.add_argument("--port", type=int, help="port to listen on (default CALLCENTER_PORT, else 8080)")
    parser.set_defaults(func=run)


def ready_message(base: str, dev_credentials: bool) -> str:
    """What to open and type once the server listens."""
    lines = [f"callcenter is ready on {base}",
             f"  login page (agents, supervisors): {base}/login",
             f"  browser phone:                    {base}/phone",
             f"  health:                           {base}/healthz",
             f"  phone it from a terminal:         callcenter call --url {base}",
             "  no user yet? callcenter users add NAME --role agent (see callcenter users add --help)"]
    if dev_credentials:
        lines.append("  development credentials in use (var/dev-secrets.json): not for a real line")
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    settings = Settings.from_env()
    logs.configure(settings.log_level)
    host = args.host or settings.host
    port = args.port if args.port is not None else settings.port
    mode = run_mode(settings, host)
    if mode.production and mode.missing:
        raise SettingsError(
            f"production mode ({mode.reason}) needs {', '.join(mode.missing)}; set them, or "
            "CALLCENTER_DEV=true for a development server (docs/operations.md)")
    _LOGGER.info("%s mode: %s", mode.name, mode.reason)
    # Without a public URL, Twilio signatures are checked against http://HOST:PORT: the ones used.
    settings = dataclasses.replace(settings, host=host, port=port)
    if settings.dev_credentials:
        _LOGGER.warning("development credentials in %s/dev-secrets.json; set CALLCENTER_TWILIO_* and "
                        "CALLCENTER_SECRET_KEY for a real line", settings.data_dir)
    _LOGGER.info("database %s", settings.database_url.split("@")[-1])
    shown = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host
    base = f"http://{shown}:{port}"

    def ready(_aiohttp_banner: str) -> None:
        # Called by aiohttp once the socket listens: the addresses printed are ones that answer.
        print(ready_message(base, settings.dev_credentials), file=sys.stdout, flush=True)

    # Open sockets are closed at shutdown (telephony/sockets.py): what is left gets a few seconds.
    web.run_app(init_app(settings), host=host, port=port, print=ready, shutdown_timeout=SHUTDOWN_SECONDS)
    return 0
