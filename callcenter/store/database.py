"""The async database handle and the per-call transaction every call event goes through.

A call's event, the commands it produced, its new state and the answer given to the webhook are
written in one transaction, under a per-call lock: a row lock on PostgreSQL (so several server
processes can share calls), and one process-wide writer lock on SQLite (it has a single writer).

Every wait is bounded well under Twilio's 15 s (``CALLCENTER_DB_LOCK_TIMEOUT``,
``CALLCENTER_DB_STATEMENT_TIMEOUT``): a locked or stuck database fails the event quickly, and the
webhook answers with the safe path instead of silence.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import weakref
import zlib
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import event, select, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from callcenter.config import DB_LOCK_TIMEOUT, DB_STATEMENT_TIMEOUT
from callcenter.errors import CallCenterError
from callcenter.store.models import Call, CallLogEntry, WebhookReceipt
from callcenter.store.urls import async_url, prepare_sqlite_file


class DatabaseBusy(CallCenterError):
    """The call's turn at the database did not come in time (another event held it too long)."""

    code = "database_busy"


def _sqlite_pragmas(busy_ms: int) -> Callable[[Any, Any], None]:
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        # A locked database fails the statement after this long, so the webhook still answers.
        cursor.execute(f"PRAGMA busy_timeout={busy_ms}")
        # WAL with NORMAL: no fsync at each commit (the WAL is synced at checkpoints). The database
        # stays consistent after any crash; only a power cut can lose the last commits.
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()
    return on_connect


# Call events of different calls run at once on PostgreSQL, each holding a connection for its
# transaction and reading the desk on up to two more at a hand-over. With 100 calls in progress
# they took every pooled connection and waited for more while holding theirs (bench/load.py):
# events now queue for one of these slots first, holding nothing.
CALL_SLOTS = 10


def _engine_options(url: str, is_sqlite: bool, lock_timeout: float, statement_timeout: float
                    ) -> dict[str, Any]:
    # Waiting for a pooled connection is bounded like a statement (SQLAlchemy's default is 30 s).
    # Errors never quote bound values (caller numbers, keys typed): SQLAlchemy puts them in the
    # exception text, which would reach the logs.
    options: dict[str, Any] = {"pool_timeout": statement_timeout, "hide_parameters": True}
    if is_sqlite:
        # A local file cannot drop a connection: no ping before each use (a round trip saved).
        return options
    options["pool_pre_ping"] = True
    # Room for CALL_SLOTS transactions with their hand-over reads, and the desk beside them; two
    # processes stay under PostgreSQL's default 100 connections.
    options["pool_size"], options["max_overflow"] = 10, 30
    options["connect_args"] = {
        "connect_timeout": max(2, round(statement_timeout)),
        "options": f"-c statement_timeout={round(statement_timeout * 1000)}"
                   f" -c lock_timeout={round(lock_timeout * 1000)}",
    }
    return options


@dataclass
class CallTx:
    """What one call event may read and write, inside its transaction."""

    session: AsyncSession
    call: Call | None
    # The answer already given to this transaction's request key, read with the call (one statement
    # fewer under the writer lock); ``prefetched`` says which key it was read for.
    prefetched: str | None = None
    previous: str | None = None

    async def receipt(self, key: str) -> str | None:
        if key == self.prefetched:
            return self.previous
        row = await self.session.get(WebhookReceipt, key)
        return None if row is None else row.response

    def append(self, at: datetime, entry: str, kind: str, payload: dict[str, Any],
               source: str | None = None) -> None:
        assert self.call is not None
        self.session.add(CallLogEntry(call_sid=self.call.call_sid, seq=self.call.next_seq, at=at,
                                      entry=entry, kind=kind, payload=payload, source=source))
        self.call.next_seq += 1

    def remember(self, key: str, call_sid: str, response: str, at: datetime) -> None:
        self.session.add(WebhookReceipt(key=key, call_sid=call_sid, response=response, created_at=at))


class Database:
    """Owns the async engine; hands out sessions and per-call transactions."""

    def __init__(self, url: str, *, lock_timeout: float = DB_LOCK_TIMEOUT,
                 statement_timeout: float = DB_STATEMENT_TIMEOUT) -> None:
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        prepare_sqlite_file(url)
        self.lock_timeout = lock_timeout
        self.statement_timeout = statement_timeout
        self.engine: AsyncEngine = create_async_engine(
            async_url(url), **_engine_options(url, self.is_sqlite, lock_timeout, statement_timeout))
        if self.is_sqlite:
            event.listen(self.engine.sync_engine, "connect", _sqlite_pragmas(round(lock_timeout * 1000)))
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)
        self._writer = asyncio.Lock()
        self._slots = asyncio.Semaphore(1 if self.is_sqlite else CALL_SLOTS)
        self._call_locks: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()

    async def close(self) -> None:
        await self.engine.dispose()

    async def ping(self) -> None:
        async with self.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

    async def check_write(self) -> None:
        """Raise unless a row can be written now: a write lock taken and a row inserted, then
        rolled back (a database that answers reads but is locked or read-only fails here)."""
        async with asyncio.timeout(self.lock_timeout + self.statement_timeout), \
                self.engine.connect() as conn, conn.begin() as tx:
            await conn.execute(WebhookReceipt.__table__.insert().values(
                key="healthz:" + secrets.token_hex(8), call_sid="healthz", response="",
                created_at=datetime.now(UTC)))
            await tx.rollback()

    async def claim_once(self, key: str, call_sid: str, now: datetime) -> bool:
        """``True`` the first time ``key`` is claimed, in any process sharing this database; ``False``
        after (single-use tokens). Claims are receipts, kept and purged with them."""
        insert = sqlite_insert if self.is_sqlite else pg_insert
        # RETURNING says whether the row went in (rowcount is not reliable for ON CONFLICT on
        # every driver: psycopg reports 1 either way).
        statement = insert(WebhookReceipt).values(key=key[:128], call_sid=call_sid, response="",
                                                  created_at=now).on_conflict_do_nothing() \
            .returning(WebhookReceipt.key)
        async with self._writer if self.is_sqlite else _nolock(), self.sessions() as session, \
                session.begin():
            inserted = (await session.execute(statement)).scalar()
        return inserted is not None

    @asynccontextmanager
    async def _turn(self, lock: asyncio.Lock, call_sid: str) -> AsyncIterator[None]:
        # Events queue here for their turn (the call's lock, then a slot); a database that holds
        # everyone up must not hold the webhook past Twilio's patience: the wait is bounded.
        try:
            async with asyncio.timeout(self.statement_timeout):
                await lock.acquire()
                try:
                    await self._slots.acquire()
                except BaseException:
                    lock.release()
                    raise
        except TimeoutError:
            raise DatabaseBusy(f"call {call_sid}: no turn at the database within "
                               f"{self.statement_timeout:g} s") from None
        try:
            yield
        finally:
            self._slots.release()
            lock.release()

    def _lock_for(self, call_sid: str) -> asyncio.Lock:
        if self.is_sqlite:
            return self._writer
        lock = self._call_locks.get(call_sid)
        if lock is None:
            lock = asyncio.Lock()
            self._call_locks[call_sid] = lock
        return lock

    @asynccontextmanager
    async def call_transaction(self, call_sid: str, create: dict[str, Any] | None = None,
                               request_key: str | None = None) -> AsyncIterator[CallTx]:
        """Lock the call and open its transaction; with ``create``, insert the call if missing.
        With ``request_key``, the answer already given to that request is read in the same statement."""
        async with self._turn(self._lock_for(call_sid), call_sid), self.sessions() as session, \
                session.begin():
            if create is not None:
                insert = sqlite_insert if self.is_sqlite else pg_insert
                await session.execute(
                    insert(Call).values(call_sid=call_sid, **create).on_conflict_do_nothing()
                )
            query = select(Call).where(Call.call_sid == call_sid).with_for_update(of=Call)
            if request_key is None:
                yield CallTx(session, await session.scalar(query))
                return
            answered = select(WebhookReceipt.response).where(WebhookReceipt.key == request_key)
            row = (await session.execute(query.add_columns(answered.scalar_subquery()))).first()
            call, previous = (None, None) if row is None else (row[0], row[1])
            yield CallTx(session, call, request_key, previous)

    def single_writer(self) -> asyncio.Lock | contextlib.AbstractAsyncContextManager[None]:
        """What a write outside a call's transaction holds: SQLite's one writer lock, else nothing."""
        return self._writer if self.is_sqlite else _nolock()

    @asynccontextmanager
    async def cluster_lock(self, name: str) -> AsyncIterator[None]:
        """Held by one server process at a time across the cluster (PostgreSQL: a transaction-level
        advisory lock on a connection of its own, released by the database if the process dies).
        SQLite serves one process, whose own locks already serialise it: nothing to take."""
        if self.is_sqlite:
            yield
            return
        async with self.engine.connect() as conn, conn.begin():
            # Waiting is bounded by lock_timeout like any lock (an error, never a hang).
            await conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": advisory_key(name)})
            yield

    @asynccontextmanager
    async def writing(self) -> AsyncIterator[None]:
        """Hold SQLite's one writer for a batch write outside a call (a purge), so call events
        wait their turn instead of failing with "database is locked"; nothing on PostgreSQL."""
        if not self.is_sqlite:
            yield
            return
        async with self._writer:
            yield

    async def get_call(self, call_sid: str) -> Call | None:
        async with self.sessions() as session:
            return await session.get(Call, call_sid)

    async def call_log(self, call_sid: str) -> list[CallLogEntry]:
        async with self.sessions() as session:
            rows = await session.scalars(
                select(CallLogEntry).where(CallLogEntry.call_sid == call_sid).order_by(CallLogEntry.seq)
            )
            return list(rows)


def advisory_key(name: str) -> int:
    """The PostgreSQL advisory lock number of ``name`` (stable across processes and versions)."""
    return zlib.crc32(("callcenter:" + name).encode())


@asynccontextmanager
async def _nolock() -> AsyncIterator[None]:
    yield
