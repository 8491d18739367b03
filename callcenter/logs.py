"""Logging set-up. Log lines carry call ids, never caller numbers, keys typed or transcripts."""

from __future__ import annotations

import logging


def configure(level: str) -> None:
    logging.basicConfig(
        level=getattr(logging, level.upper(), logging.INFO),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    # aiohttp's access log prints query strings; ours never carry personal data, but keep it terse.
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)
