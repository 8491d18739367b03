"""The async database handle and the per-call transaction every call event goes through.

A call's event, the commands it produced, its new state and the answer given to the webhook are
written in one transaction, under a per-call lock: a row lock on PostgreSQL (so several server
processes can share calls), and one process-wide writer lock on SQLite (it has a single writer).
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import event, select, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from callcenter.store.models import Call, CallLogEntry, FlowVersion, WebhookReceipt
from callcenter.store.urls import async_url


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    # WAL with NORMAL: no fsync at each commit (the WAL is synced at checkpoints). The database
    # stays consistent after any crash; only a power cut can lose the last commits.
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


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

    def __init__(self, url: str) -> None:
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        # A local file cannot drop a connection: no ping before each use on SQLite (a round trip).
        self.engine: AsyncEngine = create_async_engine(async_url(url), pool_pre_ping=not self.is_sqlite)
        if self.is_sqlite:
            event.listen(self.engine.sync_engine, "connect", _sqlite_pragmas)
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)
        self._writer = asyncio.Lock()
        self._call_locks: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()

    async def close(self) -> None:
        await self.engine.dispose()

    async def ping(self) -> None:
        async with self.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

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
        async with self._lock_for(call_sid), self.sessions() as session, session.begin():
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

    async def get_call(self, call_sid: str) -> Call | None:
        async with self.sessions() as session:
            return await session.get(Call, call_sid)

    async def call_log(self, call_sid: str) -> list[CallLogEntry]:
        async with self.sessions() as session:
            rows = await session.scalars(
                select(CallLogEntry).where(CallLogEntry.call_sid == call_sid).order_by(CallLogEntry.seq)
            )
            return list(rows)

    # -- flow versions ----------------------------------------------------------------------

    async def flow_version(self, flow_id: str, sha256: str, source: str, path: str,
                           now: datetime) -> int:
        """The version number of this exact flow content, recording it if it is new."""
        async with self._writer if self.is_sqlite else _nolock(), self.sessions() as session, \
                session.begin():
            existing = await session.scalar(
                select(FlowVersion).where(FlowVersion.flow_id == flow_id, FlowVersion.sha256 == sha256)
            )
            if existing is not None:
                return existing.version
            latest = await session.scalar(
                select(FlowVersion.version).where(FlowVersion.flow_id == flow_id)
                .order_by(FlowVersion.version.desc()).limit(1)
            )
            version = (latest or 0) + 1
            session.add(FlowVersion(flow_id=flow_id, version=version, sha256=sha256, source=source,
                                    path=path, created_at=now))
            return version

    async def flow_source(self, flow_id: str, version: int) -> FlowVersion | None:
        async with self.sessions() as session:
            return await session.scalar(
                select(FlowVersion).where(FlowVersion.flow_id == flow_id, FlowVersion.version == version)
            )


@asynccontextmanager
async def _nolock() -> AsyncIterator[None]:
    yield
