"""Failures met at start, in one short line naming the setting to fix."""

from __future__ import annotations

import errno

import redis.exceptions
import sqlalchemy.exc

from callcenter.config import PREFIX


def _first_line(exc: BaseException) -> str:
    cause = getattr(exc, "orig", None) or exc
    text = str(cause).strip().splitlines()
    return text[0][:200] if text else type(cause).__name__


def explain(exc: BaseException) -> str | None:
    """The message for a known start-up failure; ``None`` for anything else (a real bug)."""
    if isinstance(exc, sqlalchemy.exc.ArgumentError):
        return f"{PREFIX}DATABASE_URL is not a database address: {_first_line(exc)}"
    if isinstance(exc, sqlalchemy.exc.DBAPIError | sqlalchemy.exc.OperationalError):
        return (f"cannot use the database ({_first_line(exc)}); check {PREFIX}DATABASE_URL "
                f"and that the database server is running")
    if isinstance(exc, redis.exceptions.ConnectionError):
        return f"cannot reach Redis ({_first_line(exc)}); check {PREFIX}REDIS_URL"
    if isinstance(exc, OSError) and exc.errno == errno.EADDRINUSE:
        return f"the address is already in use ({_first_line(exc)}); choose another with --port or {PREFIX}PORT"
    if isinstance(exc, OSError) and exc.errno == errno.EADDRNOTAVAIL:
        return f"cannot listen on that address ({_first_line(exc)}); check --host or {PREFIX}HOST"
    return None
