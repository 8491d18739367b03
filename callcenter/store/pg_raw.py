"""PostgreSQL connections of the store's own for the call path, outside SQLAlchemy's pool.

Through SQLAlchemy's ``AsyncConnection`` a call event's transaction on PostgreSQL cost about three
times its statements' own work: the pool's checkout with its ping (a round trip), the greenlet
around every statement, the execution context, and the reset's rollback at return (another round
trip). A read outside a transaction cost four round trips (ping, implicit BEGIN, the SELECT, the
reset's ROLLBACK) for one. Here the call path's statements (store/prepared.py) run on psycopg
connections kept by the store in autocommit mode: a read is one round trip; a transaction says
``BEGIN`` and ``COMMIT`` itself. psycopg prepares a statement on the server once it has run a few
times on a connection.

The connections are set up as SQLAlchemy's were (the same statement and lock timeouts, the same
connect timeout, psycopg's own adapters: JSON written through ``Json`` with ``json.dumps`` and read
back by psycopg, timestamps with their time zone), so the rows are the same
(tests/store/test_pg_raw.py compares them with SQLAlchemy's).

There is no ping before use: a connection that the server dropped fails its statement, the event
goes to the safe path as for any database fault, and the broken connection is not reused.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import psycopg
from psycopg.pq import TransactionStatus
from sqlalchemy.dialects.postgresql.psycopg import PGDialectAsync_psycopg
from sqlalchemy.engine import Dialect, make_url
from sqlalchemy.exc import DBAPIError


def positional_dialect() -> Dialect:
    """SQLAlchemy's psycopg dialect with positional parameters (``%s``): what store/prepared.py
    compiles the call path's statements with, each bound in order with the dialect's own
    conversions (the same values SQLAlchemy would send)."""
    dialect = PGDialectAsync_psycopg(paramstyle="format")
    dialect.dbapi = PGDialectAsync_psycopg.import_dbapi()
    return dialect


def conninfo(url: str) -> str:
    """The libpq URI of a SQLAlchemy PostgreSQL URL (its driver name dropped)."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def as_dbapi_error(exc: psycopg.Error, dialect: Dialect) -> DBAPIError:
    """A psycopg error as SQLAlchemy raises it (the webhook tells a database fault by SQLAlchemy's
    exceptions and answers with the safe path); bound values are never quoted."""
    return DBAPIError.instance(None, None, exc, psycopg.Error, hide_parameters=True, dialect=dialect)


class PgConnections:
    """A bounded pool of autocommit psycopg connections, opened as needed and kept while sound.

    Waiting for one is bounded (``wait``) like SQLAlchemy's pool timeout; a connection given back
    inside a transaction (an error cut it short) is rolled back, and closed if even that fails."""

    def __init__(self, url: str, size: int, wait: float, connect_timeout: float,
                 statement_timeout: float, lock_timeout: float) -> None:
        self.conninfo = conninfo(url)
        self.size = size
        self.wait = wait
        self._connect_args: dict[str, Any] = {
            "autocommit": True,
            "connect_timeout": max(2, round(connect_timeout)),
            "options": f"-c statement_timeout={round(statement_timeout * 1000)}"
                       f" -c lock_timeout={round(lock_timeout * 1000)}",
        }
        self._free = asyncio.Semaphore(size)
        self._idle: list[psycopg.AsyncConnection[Any]] = []
        self._closed = False

    async def acquire(self) -> psycopg.AsyncConnection[Any]:
        """A sound connection; ``TimeoutError`` when none came within ``wait``."""
        async with asyncio.timeout(self.wait):
            await self._free.acquire()
        try:
            while self._idle:
                conn = self._idle.pop()
                if not conn.closed and not conn.broken:
                    return conn
            return await psycopg.AsyncConnection.connect(self.conninfo, **self._connect_args)
        except BaseException:
            self._free.release()
            raise

    async def release(self, conn: psycopg.AsyncConnection[Any]) -> None:
        try:
            if conn.closed or conn.broken or self._closed:
                await conn.close()
                return
            if conn.info.transaction_status != TransactionStatus.IDLE:
                try:
                    # (psycopg then forgets the statements it prepared on it: a rollback may
                    # have undone their preparation; they are prepared again as they come.)
                    await conn.execute(b"ROLLBACK", prepare=False)
                except psycopg.Error:
                    await conn.close()
                    return
            self._idle.append(conn)
        finally:
            self._free.release()

    @asynccontextmanager
    async def connection(self) -> AsyncIterator[psycopg.AsyncConnection[Any]]:
        conn = await self.acquire()
        try:
            yield conn
        finally:
            await self.release(conn)

    async def close(self) -> None:
        self._closed = True
        idle, self._idle = self._idle, []
        for conn in idle:
            await conn.close()
