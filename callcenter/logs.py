"""Logging set-up. Log lines carry call ids, never caller numbers, keys typed or transcripts.

Every record is redacted on its way out (``callcenter.privacy.logfilter``), and SQLAlchemy is kept
from logging statement parameters at any level: at DEBUG its engine logger prints every bound
value, caller numbers and keys typed included.
"""

from __future__ import annotations

import logging

from callcenter.privacy.logfilter import install

# Loggers that print bound SQL parameters at INFO or DEBUG; never more than WARNING.
_QUIET = ("sqlalchemy.engine", "sqlalchemy.pool", "aiosqlite")


def configure(level: str) -> None:
    logging.basicConfig(
        level=getattr(logging, level.upper(), logging.INFO),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    install()
    # aiohttp's access log prints query strings; ours never carry personal data, but keep it terse.
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)
    for name in _QUIET:
        logging.getLogger(name).setLevel(logging.WARNING)
