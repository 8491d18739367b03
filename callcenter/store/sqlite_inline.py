"""SQLite for the async engine without a thread per connection: statements run on the event loop.

SQLAlchemy's ``aiosqlite`` dialect expects an aiosqlite-like connection, whose every call is a
hand-off to the connection's own thread and back (a queue put, a thread wake-up, a
``call_soon_threadsafe``, an event-loop turn). A call event made about forty of them; on a busy
machine each cost a scheduler wake-up, and they were most of the time the writer lock was held
(docs/performance.md). A statement on a local SQLite file in WAL mode takes tens of microseconds:
running it where it is asked for is cheaper than any hand-off.

What must not block the loop is waiting for a lock another connection holds (a purge, a command
line tool, a test reading the file): connections are opened with no busy timeout, and a statement
refused with ``SQLITE_BUSY`` is retried after an asynchronous sleep until the lock timeout, as
SQLite's own busy handler would, but letting the loop run meanwhile (the holder may be a
coroutine of this very process). A long query (a report over a large history) does hold the loop
for its duration; several processes or heavy reporting want PostgreSQL (docs/operations.md).

Used through ``create_async_engine(..., async_creator=inline_connector(path, ...))`` with the
``sqlite+aiosqlite`` dialect, which wraps these objects like aiosqlite's.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from typing import Any, TypeVar

T = TypeVar("T")
# SQLite's primary result code for "the database file is locked" (an extended code keeps it in
# its low byte), and the one extended code a retry can never cure: a read snapshot overtaken by
# another writer (the transaction must start again; SQLite's busy handler does not wait on it).
SQLITE_BUSY = 5
SQLITE_BUSY_SNAPSHOT = 517
_FIRST_PAUSE = 0.001
_LONGEST_PAUSE = 0.05


def busy(exc: sqlite3.OperationalError) -> bool:
    """Whether SQLite refused for a lock another connection holds (worth waiting for)."""
    code = getattr(exc, "sqlite_errorcode", None)
    if code is None:  # an older sqlite3 module: only the message says it
        return "database is locked" in str(exc)
    return code & 0xFF == SQLITE_BUSY and code != SQLITE_BUSY_SNAPSHOT


class InlineCursor:
    """An aiosqlite-like cursor whose awaitables complete at once."""

    def __init__(self, connection: InlineConnection) -> None:
        self._owner = connection
        self._cursor = connection.raw.cursor()

    async def __aenter__(self) -> InlineCursor:
        return self

    async def __aexit__(self, *_exc: object) -> None:
        self._cursor.close()

    def __aiter__(self) -> AsyncIterator[Any]:
        return self._rows()

    async def _rows(self) -> AsyncIterator[Any]:
        while (row := self._cursor.fetchone()) is not None:
            yield row

    @property
    def description(self) -> Any:
        return self._cursor.description

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount

    @property
    def lastrowid(self) -> int | None:
        return self._cursor.lastrowid

    @property
    def arraysize(self) -> int:
        return self._cursor.arraysize

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        self._cursor.arraysize = value

    async def execute(self, sql: str, parameters: Any = None) -> InlineCursor:
        await self._owner.when_free(lambda: self._cursor.execute(sql, () if parameters is None else parameters))
        return self

    async def executemany(self, sql: str, parameters: Iterable[Any]) -> InlineCursor:
        rows = list(parameters)  # a generator could not be replayed after a refusal
        await self._owner.when_free(lambda: self._cursor.executemany(sql, rows))
        return self

    async def fetchone(self) -> Any:
        return self._cursor.fetchone()

    async def fetchmany(self, size: int | None = None) -> list[Any]:
        return self._cursor.fetchmany(self._cursor.arraysize if size is None else size)

    async def fetchall(self) -> list[Any]:
        return self._cursor.fetchall()

    async def close(self) -> None:
        self._cursor.close()


class _RunNow:
    """Stands for aiosqlite's queue of work for its thread: runs the work at once."""

    @staticmethod
    def put_nowait(item: tuple[asyncio.Future[Any], Callable[[], Any]]) -> None:
        future, function = item
        try:
            future.set_result(function())
        except Exception as exc:  # noqa: BLE001 - handed to the awaiting side, as aiosqlite does
            future.set_exception(exc)


class InlineConnection:
    """An aiosqlite-like connection over one ``sqlite3`` connection used on the event loop thread."""

    def __init__(self, raw: sqlite3.Connection, lock_timeout: float) -> None:
        self.raw = raw
        self.lock_timeout = lock_timeout
        # SQLAlchemy's adapter checks this attribute of aiosqlite's connection to know it is open.
        self._connection: sqlite3.Connection | None = raw

    async def after_refusal(self, exc: sqlite3.OperationalError, operation: Callable[[], T]) -> T:
        """``operation`` again once the lock that made it fail with ``exc`` is free (as
        :meth:`when_free`); ``exc`` itself when it is not a lock held elsewhere. The hot statements
        run ``operation`` first themselves and call this only when it failed: a coroutine for
        each of a call event's dozen statements cost more than the statement's own Python."""
        if not busy(exc):
            raise exc
        return await self.when_free(operation)

    async def when_free(self, operation: Callable[[], T]) -> T:
        """Run ``operation``; while the database is locked by another connection, wait for it
        without blocking the loop, at most ``lock_timeout`` seconds (then SQLite's error)."""
        deadline: float | None = None
        pause = _FIRST_PAUSE
        while True:
            try:
                return operation()
            except sqlite3.OperationalError as exc:
                if not busy(exc):
                    raise
                now = time.monotonic()
                deadline = now + self.lock_timeout if deadline is None else deadline
                if now >= deadline:
                    raise
            await asyncio.sleep(pause)
            pause = min(pause * 2, _LONGEST_PAUSE)

    def cursor(self) -> InlineCursor:
        return InlineCursor(self)

    async def execute(self, sql: str, parameters: Any = None) -> InlineCursor:
        cursor = InlineCursor(self)
        return await cursor.execute(sql, parameters)

    async def commit(self) -> None:
        # A COMMIT refused with SQLITE_BUSY leaves the transaction open and may be retried.
        await self.when_free(self.raw.commit)

    async def rollback(self) -> None:
        await self.when_free(self.raw.rollback)

    async def close(self) -> None:
        if self._connection is not None:
            self._connection = None
            self.raw.close()

    def stop(self) -> None:
        """Close at once (SQLAlchemy's forced termination); nothing runs elsewhere to stop."""
        if self._connection is not None:
            self._connection = None
            self.raw.close()

    async def create_function(self, name: str, num_params: int, func: Callable[..., Any],
                              deterministic: bool = False) -> None:
        self.raw.create_function(name, num_params, func, deterministic=deterministic)

    @property
    def in_transaction(self) -> bool:
        return self.raw.in_transaction

    @property
    def isolation_level(self) -> str | None:
        return self.raw.isolation_level

    @isolation_level.setter
    def isolation_level(self, value: str | None) -> None:
        self.raw.isolation_level = value

    @property
    def _conn(self) -> sqlite3.Connection:
        # SQLAlchemy's isolation-level setter reaches aiosqlite's inner connection and its queue
        # of work for the thread by these names; the work runs here and now.
        return self.raw

    @property
    def _tx(self) -> _RunNow:
        return _RunNow()

    @property
    def total_changes(self) -> int:
        return self.raw.total_changes


def inline_connector(database: str, lock_timeout: float,
                     on_open: Callable[[sqlite3.Connection], None] | None = None
                     ) -> Callable[[], Awaitable[InlineConnection]]:
    """The ``async_creator`` of an engine on the SQLite file ``database``."""

    async def connect() -> InlineConnection:
        # No busy timeout in SQLite itself: it would sleep on the loop's thread (see the module).
        raw = sqlite3.connect(database, timeout=0, check_same_thread=False, isolation_level="")
        if on_open is not None:
            on_open(raw)
        return InlineConnection(raw, lock_timeout)

    return connect


__all__ = ["InlineConnection", "InlineCursor", "inline_connector"]
