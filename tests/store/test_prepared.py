"""Prepared statements (store/prepared.py) store and read rows exactly as SQLAlchemy does: the
same text in every column (datetimes, JSON, NULLs), the same values read back, in the same
transaction as the rest of the connection's work. On PostgreSQL they are SQLAlchemy's own."""

from __future__ import annotations

import dataclasses
import sqlite3
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.dialects import sqlite
from sqlalchemy.engine import make_url

from callcenter.desk import queue_store as qs
from callcenter.desk.model import Entry
from callcenter.store import Database, prepared, upgrade
from callcenter.store.database import _CREATE_CALL
from callcenter.store.models import CallLogEntry, QueueEntry, UtcDateTime
from callcenter.store.prepared import _utc_text

LOG = CallLogEntry.__table__
ENTRIES = QueueEntry.__table__
AT = datetime(2026, 12, 5, 21, 40, 31, 184318, tzinfo=UTC)
CALL = {"flow_id": "caf", "flow_version": 3, "caller": None, "caller_hash": "h", "called": "+339",
        "status": "in_ivr", "state": {"a": [1, 2], "é": None}, "next_seq": 0, "created_at": AT, "updated_at": AT}


def _logs(call_sid: str) -> list[dict[str, Any]]:
    return [{"call_sid": call_sid, "seq": seq, "at": AT + timedelta(microseconds=seq), "entry": "event",
             "kind": "digits", "payload": payload, "source": None if seq % 2 else "twilio"}
            for seq, payload in enumerate(({"x": 1}, None, {"t": "é & <", "n": [1.5, True]}))]


def _entry(call_sid: str) -> Entry:
    return Entry(call_sid, status="waiting", queue="caf", skill=None, tier="fragile", priority=2,  # type: ignore[arg-type]
                 reasons=("a", "b"), enqueued_at=AT.timestamp(), declined_by=frozenset({3, 1}), language="en")


async def _write(db: Database, call_sid: str, *, by_prepared: bool) -> None:
    async with db.engine.connect() as conn, conn.begin():
        create = _CREATE_CALL[conn.dialect.name]
        if by_prepared:
            await prepared.run(conn, create, {"call_sid": call_sid, **CALL})
            await prepared.run(conn, LOG.insert(), _logs(call_sid))
            await qs.save_entry(conn, False, _entry(call_sid))
        else:
            await conn.execute(create, {"call_sid": call_sid, **CALL})
            await conn.execute(LOG.insert(), _logs(call_sid))
            await conn.execute(ENTRIES.insert(), {**qs._values(_entry(call_sid)), "call_sid": call_sid})


def _stored(database_url: str, table: str, call_sid: str) -> list[dict[str, Any]]:
    """The rows as the SQLite file holds them, read without SQLAlchemy (call and row ids aside)."""
    path = make_url(database_url).database
    assert path is not None
    with sqlite3.connect(path) as raw:
        cursor = raw.execute(f"SELECT * FROM {table} WHERE call_sid = ? ORDER BY rowid", (call_sid,))  # noqa: S608
        names = [d[0] for d in cursor.description]
        return [{n: v for n, v in zip(names, row, strict=True) if n not in ("id", "call_sid")}
                for row in cursor.fetchall()]


@pytest.fixture
async def db(database_url: str) -> Any:
    upgrade(database_url)
    database = Database(database_url)
    yield database
    await database.close()


async def test_rows_are_stored_as_sqlalchemy_stores_them(db: Database, database_url: str) -> None:
    await _write(db, "CA-prepared", by_prepared=True)
    await _write(db, "CA-core", by_prepared=False)
    async with db.engine.connect() as conn:
        select_log = sa.select(LOG).where(LOG.c.call_sid == sa.bindparam("sid")).order_by(LOG.c.seq)
        ours = await prepared.rows(conn, select_log, {"sid": "CA-prepared"})
        core = list(await conn.execute(select_log, {"sid": "CA-core"}))
        assert [tuple(r)[2:] for r in ours] == [tuple(r)[2:] for r in core]
        assert ours[0].at == AT and ours[1].payload is None and ours[2].payload == {"t": "é & <", "n": [1.5, True]}
        entry = await qs.entry_row(conn, "CA-prepared")
        assert entry is not None
        assert qs.to_entry(entry) == _entry("CA-prepared")
        assert await qs.waiting_rows(conn) != []                    # an IN list fixed in the statement
        assert await qs.anyone_offered(conn) is False
    if database_url.startswith("sqlite"):
        for table in ("calls", "call_log", "queue_entries"):
            assert _stored(database_url, table, "CA-prepared") == _stored(database_url, table, "CA-core"), table


async def test_prepared_writes_share_the_connection_transaction(db: Database) -> None:
    with pytest.raises(RuntimeError):
        async with db.engine.connect() as conn, conn.begin():
            await prepared.run(conn, _CREATE_CALL[conn.dialect.name], {"call_sid": "CA-rolled-back", **CALL})
            await conn.execute(LOG.insert(), _logs("CA-rolled-back"))
            raise RuntimeError("the step failed")
    async with db.engine.connect() as conn:
        assert await prepared.rows(conn, sa.select(LOG.c.id).where(LOG.c.call_sid == "CA-rolled-back")) == []
        assert await qs.entry_row(conn, "CA-rolled-back") is None


async def test_an_ended_entry_is_updated_in_place(db: Database) -> None:
    await _write(db, "CA-1", by_prepared=True)
    ended = dataclasses.replace(_entry("CA-1"), status="ended", ended_at=AT.timestamp() + 60.0,  # type: ignore[arg-type]
                                connected_at=AT.timestamp() + 10.0)
    async with db.engine.connect() as conn, conn.begin():
        await qs.save_entry(conn, True, ended)
    async with db.engine.connect() as conn:
        row = await qs.entry_row(conn, "CA-1")
        assert row is not None and qs.to_entry(row) == ended
        # A LIMIT and datetimes bound at execution.
        assert await qs.recent_handle_seconds(conn, "caf", AT, 5) == [50.0]
        assert await qs.recent_handle_seconds(conn, "caf", AT + timedelta(hours=1), 5) == []


async def test_an_entry_updated_by_its_changed_columns_ends_as_one_updated_whole(db: Database,
                                                                                 database_url: str) -> None:
    # Every column changed once, one at a time, then several together, then nothing: the row given
    # only its changed columns (the row read in the transaction) ends as the one given them all.
    steps = [dict(status="offered", offered_to=4, offered_at=AT.timestamp() + 5.0),
             dict(declined_by=frozenset({1, 3, 4}), offered_to=None, offered_at=None, status="waiting"),
             dict(queue="retraite", skill="pension", tier="urgent", priority=3, reasons=("c",), language=""),
             dict(status="connected", agent_id=4, agent_leg="CA-leg", conference="CF-1",
                  connected_at=AT.timestamp() + 20.0, agent_address="client:ann"),
             dict(transfer_to=5, transfer_leg="CA-leg2", channel="browser"),
             dict(callback_at=AT.timestamp() + 30.0, callback_due=AT.timestamp() + 90.0, callback_tries=1,
                  callback_leg="CA-cb", callback_stage="ringing", enqueued_at=AT.timestamp() + 0.5),
             dict(status="ended", ended_at=AT.timestamp() + 60.0, language=""), dict()]
    for sid in ("CA-whole", "CA-changed"):
        await _write(db, sid, by_prepared=True)
    entries = {sid: _entry(sid) for sid in ("CA-whole", "CA-changed")}
    for changes in steps:
        async with db.engine.connect() as conn, conn.begin():
            for sid in entries:
                entries[sid] = dataclasses.replace(entries[sid], **changes)  # type: ignore[arg-type]
            await qs.save_entry(conn, True, entries["CA-whole"])
            stored = await qs.entry_row(conn, "CA-changed")
            await qs.save_entry(conn, True, entries["CA-changed"], stored)
        async with db.engine.connect() as conn:
            row = await qs.entry_row(conn, "CA-changed")
            assert row is not None and qs.to_entry(row) == entries["CA-changed"]
        if database_url.startswith("sqlite"):
            assert _stored(database_url, "queue_entries", "CA-changed") == \
                _stored(database_url, "queue_entries", "CA-whole"), changes


async def test_a_failed_call_transaction_is_rolled_back_and_the_next_one_starts_clean(db: Database) -> None:
    with pytest.raises(RuntimeError):
        async with db.call_transaction("CA-1", create=CALL) as tx:
            tx.append(AT, "event", "digits", {"digits": "1"})
            raise RuntimeError("the step failed")
    async with db.reading() as conn:                              # nothing of it was kept
        assert await prepared.rows(conn, sa.select(LOG.c.id).where(LOG.c.call_sid == "CA-1")) == []
    for digits in ("1", "2"):
        async with db.call_transaction("CA-1", create=CALL) as tx:
            assert tx.call is not None
            tx.append(AT, "event", "digits", {"digits": digits})
        async with db.reading() as conn:                          # committed: seen by the reads
            found = await prepared.rows(conn, sa.select(LOG.c.seq, LOG.c.payload).where(LOG.c.call_sid == "CA-1")
                                        .order_by(LOG.c.seq))
            assert found[-1] == (int(digits) - 1, {"digits": digits})


def test_utc_datetimes_are_bound_as_sqlalchemy_binds_them() -> None:
    dialect = sqlite.dialect()
    impl = UtcDateTime()
    chained = impl.dialect_impl(dialect).bind_processor(dialect)
    assert chained is not None
    paris = timezone(timedelta(hours=1))
    for value in (AT, AT.replace(microsecond=0), datetime(1, 1, 1, tzinfo=UTC), datetime(9999, 12, 31, 23, 59, 59,
                  999999, tzinfo=UTC), datetime(2026, 3, 29, 2, 30, 0, 5, tzinfo=paris), None):
        assert _utc_text(value) == chained(value), value
        # Again (the last value's text is kept), and after another value.
        assert _utc_text(value) == chained(value), value
        assert _utc_text(AT) == chained(AT)
        assert _utc_text(value) == chained(value), value
    with pytest.raises(ValueError, match="naive"):
        _utc_text(datetime(2026, 12, 6))
    with pytest.raises(ValueError, match="naive"):
        chained(datetime(2026, 12, 6))


async def test_a_log_only_transaction_moves_the_position_and_nothing_else(db: Database) -> None:
    async with db.call_transaction("CA-1", create=CALL) as tx:
        assert tx.call is not None
        tx.append(AT, "event", "digits", {"digits": "1"})
        tx.call.status = "transferred"
    async with db.call_transaction("CA-1", log_only=True) as tx:
        assert tx.call is not None and tx.call.next_seq == 1
        with pytest.raises(AttributeError):
            tx.call.state                                           # noqa: B018 - not read, not there
        tx.append(AT, "desk_evt", "enqueued", {"queue": "caf"}, "desk")
        tx.append(AT, "desk_cmd", "publish", {}, "desk")
    call = await db.get_call("CA-1")
    assert call is not None
    assert (call.next_seq, call.status, call.state) == (3, "transferred", CALL["state"])
    assert [(e.seq, e.entry) for e in await db.call_log("CA-1")] == [(0, "event"), (1, "desk_evt"), (2, "desk_cmd")]
    async with db.call_transaction("CA-missing", log_only=True) as tx:
        assert tx.call is None


async def test_waiting_callers_read_narrow_and_remembered_are_those_of_the_whole_rows(db: Database) -> None:
    for sid in ("CA-w1", "CA-w2"):
        await _write(db, sid, by_prepared=True)
    async with db.engine.connect() as conn:
        whole = [qs.to_waiting(row) for row in await qs.waiting_rows(conn)]
        assert await qs.waiting_calls(conn) == whole
        assert await qs.waiting_calls(conn) == whole          # the second read, from the made rows
        places = sorted(await qs.waiting_places(conn), key=lambda p: p.call_sid)
        assert [(p.call_sid, p.tier, p.priority, p.enqueued_at) for p in places] == \
            sorted((w.call_sid, w.tier, w.priority, w.enqueued_at) for w in whole)
    # A changed row is made again (its raw values differ), never served from what was remembered.
    changed = dataclasses.replace(_entry("CA-w2"), priority=5, declined_by=frozenset({7}))
    async with db.engine.connect() as conn, conn.begin():
        await qs.save_entry(conn, True, changed)
    async with db.engine.connect() as conn:
        again = await qs.waiting_calls(conn)
        assert again == [qs.to_waiting(row) for row in await qs.waiting_rows(conn)]
        assert [w.priority for w in again] == [2, 5] and again[1].declined_by == frozenset({7})
        assert sorted(p.priority for p in await qs.waiting_places(conn)) == [2, 5]


def test_a_row_cache_is_bounded_and_exact() -> None:
    made: list[Any] = []

    def make(row: Any) -> Any:
        made.append(row)
        return ("made", row.a)

    statement = sa.select(sa.literal_column("1").label("a"))
    ready = prepared._prepared(statement, sqlite.dialect(), None)
    cache: prepared.RowCache[Any] = prepared.RowCache(make, size=2)
    assert cache.get((1,), ready) == ("made", 1) and cache.get((1,), ready) == ("made", 1)
    assert len(made) == 1
    cache.get((2,), ready)
    cache.get((3,), ready)                                     # full: cleared, then kept
    assert cache.get((1,), ready) == ("made", 1) and len(made) == 4
