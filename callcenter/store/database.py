"""The async database handle and the per-call transaction every call event goes through.

A call's event, the commands it produced, its new state and the answer given to the webhook are
written in one transaction, under a per-call lock: a row lock on PostgreSQL (so several server
processes can share calls), and one process-wide writer lock on SQLite (it has a single writer).
The transaction runs on a connection the store keeps outside SQLAlchemy's pool, begun and committed
here, its statements prepared (store/prepared.py): on SQLite a ``sqlite3`` connection
(``BEGIN IMMEDIATE``, its checkpoints left to a thread: store/sqlite_checkpoint.py), on PostgreSQL
a psycopg connection from a pool of the store's own (store/pg_raw.py).

Every wait is bounded well under Twilio's 15 s (``CALLCENTER_DB_LOCK_TIMEOUT``,
``CALLCENTER_DB_STATEMENT_TIMEOUT``): a locked or stuck database fails the event quickly, and the
webhook answers with the safe path instead of silence.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import sqlite3
import weakref
import zlib
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, ClassVar

from sqlalchemy import Text, bindparam, select, text, type_coerce
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Dialect, make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.sql import ClauseElement

from callcenter.config import DB_LOCK_TIMEOUT, DB_STATEMENT_TIMEOUT
from callcenter.errors import CallCenterError
from callcenter.store import json_text, prepared
from callcenter.store.fifo_lock import FifoLock
from callcenter.store.models import Call, CallLogEntry, WebhookReceipt
from callcenter.store.sqlite_checkpoint import Checkpointer
from callcenter.store.sqlite_inline import InlineConnection, inline_connector
from callcenter.store.urls import async_url, prepare_sqlite_file

if TYPE_CHECKING:
    import psycopg

    from callcenter.store import pg_raw

# psycopg and store/pg_raw.py are imported on PostgreSQL only: on SQLite psycopg's many modules
# only weighed on every full garbage collection (the bare handler of bench/load.py, which imports
# this package, took a third more CPU per request with them).

_LOGGER = logging.getLogger(__name__)


class DatabaseBusy(CallCenterError):
    """The call's turn at the database did not come in time (another event held it too long)."""

    code = "database_busy"


def _sqlite_pragmas(connection: sqlite3.Connection) -> None:
    connection.execute("PRAGMA journal_mode=WAL")
    # No waiting inside SQLite, on the loop's thread: a locked database is waited for by the
    # connection itself, letting the loop run, and fails after the lock timeout so the webhook
    # still answers (store/sqlite_inline.py).
    connection.execute("PRAGMA busy_timeout=0")
    # WAL with NORMAL: no fsync at each commit (the WAL is synced at checkpoints). The database
    # stays consistent after any crash; only a power cut can lose the last commits.
    connection.execute("PRAGMA synchronous=NORMAL")
    connection.execute("PRAGMA foreign_keys=ON")


# Call events of different calls run at once on PostgreSQL, each holding a connection for its
# transaction and reading the desk on up to two more at a hand-over. With 100 calls in progress
# they took every pooled connection and waited for more while holding theirs (bench/load.py):
# events now queue for one of these slots first, holding nothing.
CALL_SLOTS = 10
# The store's own PostgreSQL connections (store/pg_raw.py): room for CALL_SLOTS transactions with
# their hand-over reads and routing passes beside them, as SQLAlchemy's pool had (10 + 30). Its
# pool now opens only what the rest uses (pages, reports, the scheduler's work).
PG_CONNECTIONS = 40


def _engine_options(url: str, is_sqlite: bool, lock_timeout: float, statement_timeout: float
                    ) -> dict[str, Any]:
    # Waiting for a pooled connection is bounded like a statement (SQLAlchemy's default is 30 s).
    # Errors never quote bound values (caller numbers, keys typed): SQLAlchemy puts them in the
    # exception text, which would reach the logs.
    options: dict[str, Any] = {"pool_timeout": statement_timeout, "hide_parameters": True}
    if is_sqlite:
        # A local file cannot drop a connection: no ping before each use (a round trip saved).
        # JSON columns written as json.dumps writes them, without its set-up at every value.
        options["json_serializer"] = json_text.dumps
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


class CallRow:
    """The columns of a call's row an event reads and may change, read and written with plain
    statements (no ORM unit of work on the call path: it was most of a webhook's time).

    ``state``: the JSON document as a dict on PostgreSQL, its text on SQLite (calls/state_text.py
    parses it only when needed); written back as either (a text as ``json_text.Encoded``)."""

    __slots__ = ("call_sid", "flow_id", "flow_version", "status", "state", "last_response", "next_seq",
                 "updated_at", "ended_at", "last_request_key", "_loaded")
    WRITABLE: ClassVar[tuple[str, ...]] = ("status", "state", "last_response", "next_seq", "updated_at", "ended_at",
                                           "last_request_key")
    _ANSWER: ClassVar[int] = WRITABLE.index("last_response")

    def __init__(self, call_sid: str, flow_id: str, flow_version: int, status: str, state: dict[str, Any] | str,
                 last_response: str | None, next_seq: int, updated_at: datetime | None,
                 ended_at: datetime | None, last_request_key: str | None = None) -> None:
        self.call_sid, self.flow_id, self.flow_version = call_sid, flow_id, flow_version
        self.status, self.state, self.last_response, self.next_seq = status, state, last_response, next_seq
        self.updated_at, self.ended_at, self.last_request_key = updated_at, ended_at, last_request_key
        self._loaded = tuple(getattr(self, name) for name in self.WRITABLE)

    def answer_changed(self) -> bool:
        """Whether ``last_response`` was given another value since the row was read."""
        return self.last_response != self._loaded[self._ANSWER]

    def changes(self) -> dict[str, Any]:
        """The columns given a new value since the row was read (the state by identity: a new
        state is always a new dict, and comparing two large ones would cost what we save)."""
        return {name: getattr(self, name) for name, before in zip(self.WRITABLE, self._loaded, strict=True)
                if getattr(self, name) is not before and (name == "state" or getattr(self, name) != before)}


class LogPosition(CallRow):
    """Of a call's row, only what a step that appends to its log reads and moves (a desk step:
    ``call_transaction(..., log_only=True)``); its other columns are not read, and not there."""

    __slots__ = ()
    WRITABLE = ("next_seq",)

    def __init__(self, call_sid: str, next_seq: int) -> None:
        self.call_sid, self.next_seq = call_sid, next_seq
        self._loaded = (next_seq,)


_CALLS = Call.__table__
_LOG = CallLogEntry.__table__
_RECEIPTS = WebhookReceipt.__table__
_ROW = (_CALLS.c.call_sid, _CALLS.c.flow_id, _CALLS.c.flow_version, _CALLS.c.status, _CALLS.c.state,
        _CALLS.c.last_response, _CALLS.c.next_seq, _CALLS.c.updated_at, _CALLS.c.ended_at, _CALLS.c.last_request_key)


class CallTx:
    """What one call event may read and write, inside its transaction.

    The log entries, the call's changes, the webhook's receipt and the deferred rows (``defer``)
    are written when the transaction ends without an error: on SQLite in a few statements (the
    log's rows in one); on PostgreSQL in one, sent with the COMMIT (``write`` ends the transaction
    there). Every other write of the event (the desk's entry, an agent's presence, a survey
    answer) is a statement run on ``connection`` with store/prepared.py: on SQLite the writer's
    own connection, on PostgreSQL one of the store's own psycopg connections (a SQLAlchemy
    connection with ``Database(own_connections=False)``); never an ORM session."""

    def __init__(self, connection: prepared.Connection, call: CallRow | None, prefetched: str | None = None,
                 previous: str | None = None) -> None:
        self.connection = connection
        self.call = call
        # The answer already given to this transaction's request key, read with the call (one
        # statement fewer under the writer lock); ``prefetched`` says which key it was read for.
        self.prefetched = prefetched
        self.previous = previous
        self.log: list[dict[str, Any]] = []
        self.receipts: list[dict[str, Any]] = []
        # Writes nothing in the transaction reads back, by statement: made with the event's own.
        self.deferred: dict[int, tuple[ClauseElement, list[dict[str, Any]]]] = {}
        self._keyed = False  # this event's request key was put in the call's row (``remember``)

    async def receipt(self, key: str) -> str | None:
        """The answer already given to the request ``key`` of this call, if any."""
        assert self.call is not None
        if key == self.call.last_request_key:
            return self.call.last_response
        if key == self.prefetched:
            return self.previous
        row = await prepared.first(self.connection, _SELECT_RECEIPT, {"sid": self.call.call_sid, "key": key})
        return None if row is None else row[0]

    def append(self, at: datetime, entry: str, kind: str, payload: dict[str, Any],
               source: str | None = None) -> None:
        assert self.call is not None
        self.log.append({"call_sid": self.call.call_sid, "seq": self.call.next_seq, "at": at, "entry": entry,
                         "kind": kind, "payload": payload, "source": source})
        self.call.next_seq += 1

    def defer(self, statement: ClauseElement, values: dict[str, Any]) -> None:
        """An INSERT of a row that nothing in this transaction reads (a routing decision), made at
        the end with the event's own writes: on PostgreSQL in their statement, a round trip saved.
        The rows of one statement keep their order."""
        self.deferred.setdefault(id(statement), (statement, []))[1].append(values)

    def remember(self, key: str, call_sid: str, response: str, at: datetime, *, in_order: bool = False) -> None:
        """Keep ``response`` as the answer to the request ``key``, for a retry of it.

        ``in_order``: a request Twilio asks only once it has the answer to the call's previous one
        (the voice webhooks: the call goes no further until its TwiML is read). A retry of it can
        then only come before the call's next such request, so the call's row keeps its receipt:
        the key beside ``last_response`` when that is the answer, in the UPDATE the event makes
        anyway. A receipt of its own (another table's row and index entry, 2.9 of the 12.5 pages
        a webhook wrote, and a statement) is written only for the others (status callbacks, SMS
        reports: asked whenever, retried whenever) and for an answer that is not ``last_response``."""
        call = self.call
        if in_order and call is not None and (response is call.last_response or response == call.last_response):
            call.last_request_key = key
            self._keyed = True
            return
        self.receipts.append({"key": key, "call_sid": call_sid, "response": response, "created_at": at})

    async def write(self) -> None:
        connection = self.connection
        call = self.call
        if (call is not None and not self._keyed and not isinstance(call, LogPosition)
                and call.last_request_key is not None and call.answer_changed()):
            # The call's last answer is now another request's (or no request's: speech recognised
            # here): the key beside it no longer names the request it answered.
            call.last_request_key = None
        changes = {} if call is None else call.changes()
        if type(connection) is prepared.RawPostgres:
            # One statement for the three (they touch different tables; the UPDATE is a single
            # row's, as below), sent with the COMMIT: one round trip.
            await prepared.commit_with(connection, (
                (_UPDATE_CALL, [{**changes, "sid": self.call.call_sid}] if changes and self.call else []),
                (_INSERT_RECEIPT, self.receipts), *self.deferred.values(), (_INSERT_LOG, self.log)))
            return
        for statement, rows in self.deferred.values():
            await prepared.run(connection, statement, rows)
        if changes:
            assert self.call is not None
            # Only the columns given a new value (a desk step moves only the log's position): a
            # column set again to its value still costs its index's page in the commit (the
            # status index, at every IVR step). The statement takes its SET clause from the
            # parameters' names (prepared once for each set of them).
            await prepared.run(connection, _UPDATE_CALL, {**changes, "sid": self.call.call_sid})
        if self.log:
            await prepared.run(connection, _INSERT_LOG, self.log)
        if self.receipts:
            await prepared.run(connection, _INSERT_RECEIPT, self.receipts)


# Built once: SQLAlchemy then reuses their compiled form (no statement construction per event).
_WHERE_SID = _CALLS.c.call_sid == bindparam("sid")
_UPDATE_CALL = _CALLS.update().where(_WHERE_SID)
_INSERT_LOG = _LOG.insert()
_INSERT_RECEIPT = _RECEIPTS.insert()
_SELECT_CALL = select(*_ROW).where(_WHERE_SID).with_for_update(of=_CALLS)
# A request's receipt is looked up within its call: the receipts' key is (call_sid, key).
_SELECT_RECEIPT = select(_RECEIPTS.c.response).where(_RECEIPTS.c.call_sid == bindparam("sid"),
                                                     _RECEIPTS.c.key == bindparam("key"))
_SELECT_CALL_AND_RECEIPT = _SELECT_CALL.add_columns(_SELECT_RECEIPT.scalar_subquery())
# On SQLite the state is read as its text, parsed by the call's service only when it is not the
# text it last wrote (calls/state_text.py); psycopg parses JSON columns itself.
_ROW_TEXT = tuple(type_coerce(c, Text).label(c.key) if c is _CALLS.c.state else c for c in _ROW)
_SELECT_CALL_TEXT = select(*_ROW_TEXT).where(_WHERE_SID)
_SELECT_CALL_TEXT_AND_RECEIPT = _SELECT_CALL_TEXT.add_columns(_SELECT_RECEIPT.scalar_subquery())
_SELECT_POSITION = select(_CALLS.c.call_sid, _CALLS.c.next_seq).where(_WHERE_SID).with_for_update(of=_CALLS)
_CREATE_CALL = {"sqlite": sqlite_insert(_CALLS).on_conflict_do_nothing(),
                "postgresql": pg_insert(_CALLS).on_conflict_do_nothing()}


class Database:
    """Owns the async engine; hands out sessions and per-call transactions."""

    def __init__(self, url: str, *, lock_timeout: float = DB_LOCK_TIMEOUT,
                 statement_timeout: float = DB_STATEMENT_TIMEOUT, own_connections: bool = True) -> None:
        """``own_connections=False``: on PostgreSQL, the call path runs through SQLAlchemy's pool as
        it did before part 7 (the reference tests/store/test_pg_raw.py compares the store's own
        connections with)."""
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        prepare_sqlite_file(url)
        self.lock_timeout = lock_timeout
        self.statement_timeout = statement_timeout
        options = _engine_options(url, self.is_sqlite, lock_timeout, statement_timeout)
        # SQLite's one writer: call transactions, the other writes of this process and the
        # checkpoints' second pass take it.
        self._writer = FifoLock()
        self._connect_inline: Callable[[], Awaitable[InlineConnection]] | None = None
        self._checkpointer: Checkpointer | None = None
        if self.is_sqlite:
            path = make_url(url).database or ":memory:"
            # Statements run on the loop's thread, not one thread hand-off each (sqlite_inline.py).
            self._connect_inline = inline_connector(path, lock_timeout, _sqlite_pragmas)
            if path != ":memory:":
                self._checkpointer = Checkpointer(path, self._writer)
            options["async_creator"] = self._connect_inline
        self.engine: AsyncEngine = create_async_engine(async_url(url), **options)
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)
        self._slots = asyncio.Semaphore(CALL_SLOTS)
        self._call_locks: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()
        # SQLite: connections of the store's own, outside SQLAlchemy's pool, for the call path's
        # reads and for the call transactions (one writer, holding ``_writer`` while it writes).
        self._reader: prepared.InlineSqlite | None = None
        self._call_writer: prepared.InlineSqlite | None = None
        # PostgreSQL: the call path's connections, psycopg's own (store/pg_raw.py).
        self._pg: pg_raw.PgConnections | None = None
        self._pg_dialect: Dialect = self.engine.dialect
        if not self.is_sqlite and own_connections:
            from callcenter.store import pg_raw

            self._pg = pg_raw.PgConnections(url, PG_CONNECTIONS, wait=statement_timeout,
                                            connect_timeout=statement_timeout,
                                            statement_timeout=statement_timeout, lock_timeout=lock_timeout)
            self._pg_dialect = pg_raw.positional_dialect()

    @property
    def overlapping_reads(self) -> bool:
        """Whether reads gain from running side by side: round trips to a server (PostgreSQL), not
        SQLite's, which run whole on the loop (a task to overlap them only costs, and lets other
        events queue behind the writer while it waits for the loop)."""
        return not self.is_sqlite

    async def close(self) -> None:
        for own in (self._reader, self._call_writer):
            if own is not None:
                await own.close()
        self._reader = self._call_writer = None
        if self._pg is not None:
            await self._pg.close()
        if self._checkpointer is not None:
            await self._checkpointer.close()
        await self.engine.dispose()

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[prepared.Reading]:
        """A connection for a few reads of the call path with the statements of store/prepared.py
        (SQLite: one kept for that alone; PostgreSQL: one of the store's own, each read a statement
        of its own in autocommit, as each was its own snapshot in SQLAlchemy's transaction)."""
        if self._pg is not None:
            import psycopg

            from callcenter.store import pg_raw

            async with self._pg_connection("a read") as conn:
                try:
                    yield prepared.RawPostgres(conn, self._pg_dialect)
                except psycopg.Error as exc:
                    raise pg_raw.as_dbapi_error(exc, self.engine.dialect) from exc
            return
        if self._connect_inline is None:
            async with self.engine.connect() as connection:
                yield connection
            return
        if self._reader is None:
            self._reader = prepared.InlineSqlite(await self._connect_inline(), self.engine.dialect)
        yield self._reader

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
    async def _turn(self, call_sid: str) -> AsyncIterator[None]:
        # PostgreSQL: events queue here for their turn (the call's lock, then a slot); a database
        # that holds everyone up must not hold the webhook past Twilio's patience: the wait is bounded.
        lock = self._call_locks.get(call_sid)
        if lock is None:
            lock = asyncio.Lock()
            self._call_locks[call_sid] = lock
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

    @asynccontextmanager
    async def _pg_connection(self, purpose: str) -> AsyncIterator[psycopg.AsyncConnection[Any]]:
        """One of the store's own PostgreSQL connections; waiting for it is bounded."""
        import psycopg

        from callcenter.store import pg_raw

        assert self._pg is not None
        try:
            conn = await self._pg.acquire()
        except TimeoutError:
            raise DatabaseBusy(f"no database connection for {purpose} within {self._pg.wait:g} s") from None
        except psycopg.Error as exc:
            raise pg_raw.as_dbapi_error(exc, self.engine.dialect) from exc
        try:
            yield conn
        finally:
            await self._pg.release(conn)

    @asynccontextmanager
    async def call_transaction(self, call_sid: str, create: dict[str, Any] | None = None,
                               request_key: str | None = None, *, log_only: bool = False) -> AsyncIterator[CallTx]:
        """Lock the call and open its transaction; with ``create``, insert the call if missing.
        With ``request_key``, the answer already given to that request is read in the same statement.
        ``log_only``: the step only appends to the call's log (a desk step), so only the log's
        position is read, not the IVR's state (a JSON document parsed for nothing)."""
        if self._pg is not None:
            import psycopg

            from callcenter.store import pg_raw

            # A connection of the store's own, its transaction begun and ended here: through
            # SQLAlchemy the checkout's ping, BEGIN and the reset's rollback were round trips of
            # their own, and a transaction with one SELECT cost 940 us of CPU against 350
            # (docs/performance.md, part 7). An error or a cancellation leaves the transaction
            # open: the connection's return rolls it back.
            async with self._turn(call_sid), self._pg_connection(f"call {call_sid}") as conn:
                try:
                    # BEGIN goes with the call's read, COMMIT with the event's writes: a
                    # transaction is two round trips, with whatever the step reads between.
                    tx = await _open_call(prepared.RawPostgres(conn, self._pg_dialect), call_sid, create,
                                          request_key, log_only)
                    yield tx
                    await tx.write()
                except psycopg.Error as exc:
                    raise pg_raw.as_dbapi_error(exc, self.engine.dialect) from exc
            return
        if self._connect_inline is None:
            async with self._turn(call_sid), self.engine.connect() as connection, connection.begin():
                tx = await _open_call(connection, call_sid, create, request_key, log_only)
                yield tx
                await tx.write()
            return
        # SQLite: one writer; its turn is bounded like a statement (free, it is taken at once).
        try:
            await self._writer.acquire(self.statement_timeout)
        except TimeoutError:
            raise DatabaseBusy(f"call {call_sid}: no turn at the database within "
                               f"{self.statement_timeout:g} s") from None
        try:
            # The writer's own connection, its transaction begun and ended here. Through
            # SQLAlchemy the connection's checkout, begin, commit and return to the pool (each
            # through a greenlet) cost more than the event's statements (docs/performance.md).
            writer = await self._sqlite_writer()
            try:
                raw = writer.inline.raw
                try:
                    raw.execute("BEGIN IMMEDIATE")
                except sqlite3.OperationalError as exc:
                    await writer.inline.after_refusal(exc, _begin_immediate(raw))
                try:
                    tx = await _open_call(writer, call_sid, create, request_key, log_only)
                    yield tx
                    await tx.write()
                    try:
                        raw.commit()
                    except sqlite3.OperationalError as exc:
                        # A COMMIT refused with SQLITE_BUSY leaves the transaction open: again once free.
                        await writer.inline.after_refusal(exc, raw.commit)
                    if self._checkpointer is not None:
                        self._checkpointer.committed()
                except BaseException:
                    self._roll_back(writer)
                    raise
            except sqlite3.Error as exc:
                # As SQLAlchemy raises them on PostgreSQL and did on SQLite: callers tell a
                # database fault by SQLAlchemy's exceptions (the webhook's safe path).
                raise DBAPIError.instance(None, None, exc, sqlite3.Error, hide_parameters=True,
                                          dialect=self.engine.dialect) from exc
        finally:
            self._writer.release()

    async def _sqlite_writer(self) -> prepared.InlineSqlite:
        if self._call_writer is None:
            assert self._connect_inline is not None
            inline = await self._connect_inline()
            # No transaction begun behind our back (the sqlite3 module's implicit BEGIN): the
            # call transaction says BEGIN IMMEDIATE and COMMIT itself.
            inline.raw.isolation_level = None
            if self._checkpointer is not None:
                # Its checkpoints run on a thread of their own (store/sqlite_checkpoint.py).
                inline.raw.execute("PRAGMA wal_autocheckpoint=0")
            self._call_writer = prepared.InlineSqlite(inline, self.engine.dialect)
        return self._call_writer

    def _roll_back(self, writer: prepared.InlineSqlite) -> None:
        raw = writer.inline.raw
        try:
            if raw.in_transaction:
                raw.rollback()
        except sqlite3.Error:
            # A connection that cannot even roll back is not reused: the next event opens another
            # (closing it discards the transaction).
            _LOGGER.exception("the SQLite writer's connection could not roll back: closed")
            self._call_writer = None
            raw.close()

    def single_writer(self) -> FifoLock | contextlib.AbstractAsyncContextManager[None]:
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
        if self._pg is None:  # through SQLAlchemy (own_connections=False)
            async with self.engine.connect() as sa_conn, sa_conn.begin():
                await sa_conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": advisory_key(name)})
                yield
            return
        import psycopg

        from callcenter.store import pg_raw

        async with self._pg_connection(f"the lock {name}") as conn:
            try:
                # One round trip: the key is a number of ours (advisory_key), written in the text.
                # Waiting is bounded by lock_timeout like any lock (an error, never a hang).
                await conn.execute(f"BEGIN; SELECT pg_advisory_xact_lock({advisory_key(name):d})".encode(),
                                   prepare=False)
            except psycopg.Error as exc:
                raise pg_raw.as_dbapi_error(exc, self.engine.dialect) from exc
            yield
            # On an error in the block the connection's return rolls back (the lock goes with it).
            try:
                await conn.execute(b"COMMIT", prepare=False)
            except psycopg.Error as exc:
                raise pg_raw.as_dbapi_error(exc, self.engine.dialect) from exc

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


def _begin_immediate(raw: sqlite3.Connection) -> Callable[[], object]:
    # IMMEDIATE: the write lock is taken at the start, so the call's row read first cannot be
    # overtaken by another connection's write before ours (a deferred transaction would then fail
    # with SQLITE_BUSY_SNAPSHOT, which no wait cures). A lock held elsewhere is waited for by
    # ``when_free`` without stopping the loop.
    return lambda: raw.execute("BEGIN IMMEDIATE")


async def _open_call(connection: prepared.Connection, call_sid: str, create: dict[str, Any] | None,
                     request_key: str | None, log_only: bool) -> CallTx:
    """Read the call's row (locked) and the request's receipt, the call created first with ``create``.
    On the store's own PostgreSQL connection the transaction is begun here too: ``BEGIN``, the
    insert and the read go in one round trip (``prepared.begin_with``)."""
    if log_only:
        assert request_key is None
        read, values = _SELECT_POSITION, {"sid": call_sid}
    elif request_key is None:
        read = _SELECT_CALL_TEXT if connection.dialect.name == "sqlite" else _SELECT_CALL
        values = {"sid": call_sid}
    else:
        read = _SELECT_CALL_TEXT_AND_RECEIPT if connection.dialect.name == "sqlite" else _SELECT_CALL_AND_RECEIPT
        values = {"sid": call_sid, "key": request_key}
    creating = None if create is None else (_CREATE_CALL[connection.dialect.name], {"call_sid": call_sid, **create})
    if type(connection) is prepared.RawPostgres:
        row = await prepared.begin_with(connection, [*([creating] if creating else []), (read, values)])
    else:
        if creating is not None:
            await prepared.run(connection, *creating)
        row = await prepared.first(connection, read, values)
    if log_only:
        return CallTx(connection, None if row is None else LogPosition(*row))
    if request_key is None:
        return CallTx(connection, None if row is None else CallRow(*row))
    return CallTx(connection, None if row is None else CallRow(*row[:-1]), request_key,
                  None if row is None else row[-1])


def advisory_key(name: str) -> int:
    """The PostgreSQL advisory lock number of ``name`` (stable across processes and versions)."""
    return zlib.crc32(("callcenter:" + name).encode())


@asynccontextmanager
async def _nolock() -> AsyncIterator[None]:
    yield
