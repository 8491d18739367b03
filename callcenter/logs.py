"""Logging set-up. Log lines carry call ids, never caller numbers, keys typed or transcripts."""

from __future__ import annotations

import logging

# Libraries that log every request or migration step at INFO (the Twilio client logged 121 of the
# 141 lines of a demo): they speak at WARNING unless CALLCENTER_LOG_LEVEL=DEBUG asks for everything.
THIRD_PARTY = ("twilio", "twilio.http_client", "aiohttp.access", "aiohttp.server", "alembic", "urllib3",
               "asyncio", "sqlalchemy.engine")


def configure(level: str) -> None:
    chosen = getattr(logging, level.upper(), logging.INFO)
    logging.basicConfig(level=chosen, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger().setLevel(chosen)
    for name in THIRD_PARTY:
        logging.getLogger(name).setLevel(max(chosen, logging.WARNING) if chosen > logging.DEBUG else logging.NOTSET)
