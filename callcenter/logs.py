"""Logging set-up. Log lines carry call ids, never caller numbers, keys typed or transcripts.

Every record is redacted on its way out (``callcenter.privacy.logfilter``), and SQLAlchemy is kept
from logging statement parameters at any level: at DEBUG its engine logger prints every bound
value, caller numbers and keys typed included.
"""

from __future__ import annotations

import logging

from callcenter.privacy.logfilter import install

# Libraries that log every request or migration step at INFO (the Twilio client logged 121 of the
# 141 lines of a demo): they speak at WARNING unless CALLCENTER_LOG_LEVEL=DEBUG asks for everything.
THIRD_PARTY = ("twilio", "twilio.http_client", "aiohttp.access", "aiohttp.server", "alembic", "urllib3",
               "asyncio")
# Loggers that print bound SQL parameters at INFO or DEBUG: never more than WARNING, DEBUG included.
_QUIET = ("sqlalchemy.engine", "sqlalchemy.pool", "aiosqlite")


def configure(level: str) -> None:
    chosen = getattr(logging, level.upper(), logging.INFO)
    logging.basicConfig(level=chosen, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger().setLevel(chosen)
    install()
    for name in THIRD_PARTY:
        logging.getLogger(name).setLevel(max(chosen, logging.WARNING) if chosen > logging.DEBUG else logging.NOTSET)
    for name in _QUIET:
        logging.getLogger(name).setLevel(logging.WARNING)
