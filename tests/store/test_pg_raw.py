"""PostgreSQL's call path on the store's own psycopg connections (store/pg_raw.py) writes and reads
the same rows as through SQLAlchemy, keeps one transaction per call event, and fails into the safe
path (a SQLAlchemy error) when the database drops or blocks it. Run on PostgreSQL only
(``CALLCENTER_DATABASE_URL=postgresql://...``); skipped on the SQLite run."""

from __future__ import annotations

import asyncio
import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
import pytest
import sqlalchemy as sa
from aiohttp.test_utils import TestClient
from sqlalchemy.exc import DBAPIError

from callcenter.desk import queue_store as qs
from callcenter.desk.service import ROUTING_LOCK, Desk
from callcenter.routing import RoutingPolicy
from callcenter.store import Database, prepared, upgrade
from callcenter.store.models import CallLogEntry, User
from callcenter.store.pg_raw import conninfo
from callcenter.web import keys
from tests.conftest import TwilioCall
from tests.store.test_prepared import CALL, _entry, _logs

LOG = CallLogEntry.__table__
AT = datetime(2026, 12, 5, 21, 40, 31, 184318, tzinfo=UTC)


@pytest.fixture
def pg_url(database_url: str) -> str:
    if not database_url.startswith("postgres"):
        pytest.skip("PostgreSQL only (CALLCENTER_DATABASE_URL=postgresql://...)")
    upgrade(database_url)
    return database_url


@pytest.fixture
async def dbs(pg_url: str) -> Any:
    ours, reference = Database(pg_url), Database(pg_url, own_connections=False)
    yield ours, reference
    await ours.close()
    await reference.close()


async def _stored(url: str, table: str, call_sid: str) -> list[dict[str, Any]]:
    """The rows as PostgreSQL holds them, read as text without SQLAlchemy (ids and the call aside)."""
    async with await psycopg.AsyncConnection.connect(conninfo(url)) as raw:
        cursor = await raw.execute(f"SELECT to_jsonb(t) FROM {table} t WHERE call_sid = %s ORDER BY 1::text",  # noqa: S608
                                   (call_sid,))
        rows = [row[0] for row in await cursor.fetchall()]
    return sorted(({k: v for k, v in row.items() if k not in ("id", "call_sid")} for row in rows), key=repr)


async def _event(db: Database, call_sid: str, digits: str, *, receipt: bool) -> None:
    """One call event as the IVR stores one: the call created if new, its log, its changed columns,
    a queue entry and a decision written on the transaction's connection, the webhook's receipt."""
    key = f"{call_sid}:{digits}"
    async with db.call_transaction(call_sid, create={**CALL}, request_key=key if receipt else None) as tx:
        assert tx.call is not None
        assert await tx.receipt(key) is None
        for log in _logs(call_sid):
            tx.append(log["at"], log["entry"], log["kind"], log["payload"], log["source"])
        tx.call.status = "queued"
        tx.call.state = {"digits": digits, "nested": {"é": [1, None, True]}}
        tx.call.last_response = f"<Response>{digits}</Response>"
        tx.call.updated_at = AT + timedelta(seconds=int(digits))
        entry = await qs.entry_row(tx.connection, call_sid)
        await qs.save_entry(tx.connection, entry is not None, _entry(call_sid), entry)
        await qs.add_decision(tx.connection, call_sid, AT, "offer", "free agent", None)
        if receipt:
            tx.remember(key, call_sid, f"<Response>{digits}</Response>", AT)


async def test_call_events_store_the_rows_sqlalchemy_stores(dbs: tuple[Database, Database], pg_url: str) -> None:
    ours, reference = dbs
    for digits in ("1", "2"):
        await _event(ours, "CA-ours", digits, receipt=digits == "2")
        await _event(reference, "CA-reference", digits, receipt=digits == "2")
    for table in ("calls", "call_log", "queue_entries", "routing_decisions", "webhook_receipts"):
        mine, theirs = await _stored(pg_url, table, "CA-ours"), await _stored(pg_url, table, "CA-reference")
        mine = [{k: v.replace("CA-ours", "CA-reference") if isinstance(v, str) else v for k, v in r.items()}
                for r in mine]
        assert mine and mine == theirs, table


async def test_reads_on_the_store_connections_are_those_of_sqlalchemy(dbs: tuple[Database, Database]) -> None:
    ours, reference = dbs
    await _event(ours, "CA-read", "1", receipt=True)
    select_log = sa.select(LOG).where(LOG.c.call_sid == sa.bindparam("sid")).order_by(LOG.c.seq)
    async with ours.reading() as mine, reference.reading() as theirs:
        assert isinstance(mine, prepared.RawPostgres) and not isinstance(theirs, prepared.RawPostgres)
        for read in (lambda c: prepared.rows(c, select_log, {"sid": "CA-read"}),
                     lambda c: qs.entry_row(c, "CA-read"), qs.waiting_rows, qs.waiting_calls, qs.waiting_places,
                     qs.anyone_offered, qs.roster,
                     lambda c: qs.recent_handle_seconds(c, "caf", AT - timedelta(days=1), 5)):
            assert await read(mine) == await read(theirs)
        rows = await prepared.rows(mine, select_log, {"sid": "CA-read"})
        assert rows[0].at == AT and rows[1].payload is None and rows[2].payload == {"t": "é & <", "n": [1.5, True]}


async def test_a_failed_event_leaves_nothing_and_its_connection_starts_clean(pg_url: str) -> None:
    db = Database(pg_url)
    try:
        with pytest.raises(RuntimeError):
            async with db.call_transaction("CA-failed", create={**CALL}) as tx:
                tx.append(AT, "event", "digits", {"digits": "1"})
                await qs.add_decision(tx.connection, "CA-failed", AT, "offer", "x", None)
                raise RuntimeError("the step failed")
        assert await _stored(pg_url, "calls", "CA-failed") == []
        assert await _stored(pg_url, "routing_decisions", "CA-failed") == []
        await _event(db, "CA-failed", "1", receipt=False)            # the same connection, rolled back
        assert len(await _stored(pg_url, "call_log", "CA-failed")) == 3
    finally:
        await db.close()


async def test_a_dropped_connection_fails_one_event_as_sqlalchemy_would_then_is_not_reused(pg_url: str) -> None:
    db = Database(pg_url)
    try:
        await _event(db, "CA-drop", "1", receipt=False)
        async with await psycopg.AsyncConnection.connect(conninfo(pg_url), autocommit=True) as admin:
            await admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                "WHERE datname = current_database() AND pid <> pg_backend_pid()")
        with pytest.raises(DBAPIError):                               # the safe path's kind of error
            await _event(db, "CA-drop", "2", receipt=False)
        await _event(db, "CA-drop", "3", receipt=False)               # a new connection
        assert len(await _stored(pg_url, "call_log", "CA-drop")) == 6
    finally:
        await db.close()


async def test_a_locked_call_times_out_as_a_database_error(pg_url: str) -> None:
    db = Database(pg_url, lock_timeout=0.3, statement_timeout=2.0)
    try:
        await _event(db, "CA-locked", "1", receipt=False)
        async with await psycopg.AsyncConnection.connect(conninfo(pg_url)) as other:
            await other.execute("SELECT 1 FROM calls WHERE call_sid = 'CA-locked' FOR UPDATE")
            began = asyncio.get_running_loop().time()
            with pytest.raises(DBAPIError, match="lock timeout"):
                await _event(db, "CA-locked", "2", receipt=False)
            assert asyncio.get_running_loop().time() - began < 1.5
            await other.rollback()
        await _event(db, "CA-locked", "3", receipt=False)
    finally:
        await db.close()


async def test_routing_lock_is_one_holder_at_a_time_across_databases(pg_url: str) -> None:
    first, second = Database(pg_url), Database(pg_url, lock_timeout=0.3)
    try:
        async with first.cluster_lock("routing"):
            with pytest.raises(DBAPIError, match="lock timeout"):
                async with second.cluster_lock("routing"):
                    pass
        async with second.cluster_lock("routing"):                   # released at the first's commit
            pass
    finally:
        await first.close()
        await second.close()


def _differences(a: Any, b: Any, at: str = "") -> list[str]:
    if isinstance(a, dict) and isinstance(b, dict):
        return [d for k in sorted(set(a) | set(b), key=str) for d in _differences(a.get(k), b.get(k), f"{at}.{k}")]
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        return [d for i, (x, y) in enumerate(zip(a, b, strict=True)) for d in _differences(x, y, f"{at}[{i}]")]
    return [] if a == b else [f"{at}: {a!r} != {b!r}"]


async def test_a_call_through_the_app_logs_what_the_sqlalchemy_path_logs(client: TestClient, new_call: Any,
                                                                         pg_url: str) -> None:
    db = client.app[keys.DATABASE]

    async def play(caller: str) -> str:
        # A first call from each number (the same caller history), masked alike (last two digits).
        call: TwilioCall = new_call(caller=caller)
        document = await call.start()
        for digits in ("1", "0"):
            turn = re.search(r"turn=(\d+)", document)
            assert turn is not None, document
            document = await call.gather(int(turn.group(1)), Digits=digits)
        resp = await call.post("/twilio/status", call.params(CallStatus="completed", CallDuration="30"))
        assert resp.status in (200, 204)
        return call.call_sid

    async def stored(table: str, sid: str, caller: str) -> list[dict[str, Any]]:
        """The rows with the call's own sid, caller and caller hash written alike."""
        hashed = (await _stored(pg_url, "calls", sid))[0]["caller_hash"]
        text = json.dumps(await _stored(pg_url, table, sid), sort_keys=True)
        for own, common in ((sid, "CA"), (caller, "+336"), (hashed, "hash")):
            text = text.replace(own, common)
        # The request keys hash each request's fields, the call's sid among them: set alike, not equal.
        return [{k: (v is not None if k == "last_request_key" else v) for k, v in row.items() if k != "created_at"}
                for row in json.loads(text)]

    assert db._pg is not None
    ours = await play("+33611111199")
    await db._pg.close()
    db._pg = None                                                     # the same app through SQLAlchemy
    theirs = await play("+33622222299")
    for table in ("calls", "call_log", "queue_entries"):
        mine, reference = await stored(table, ours, "+33611111199"), await stored(table, theirs, "+33622222299")
        assert mine == reference, (table, _differences(mine, reference))
    assert len(await _stored(pg_url, "call_log", ours)) > 8


async def test_an_idle_routing_pass_takes_no_cluster_lock_and_a_busy_one_waits_for_it(pg_url: str) -> None:
    """Nobody free and no offer out: a pass steps nothing, so it does not queue behind the other
    processes' passes for the cluster-wide lock; with someone free it takes the lock as before."""
    db, other = Database(pg_url, lock_timeout=0.3), Database(pg_url)
    desk = Desk(db, RoutingPolicy(), lambda: AT)
    started: list[bool] = []
    try:
        async with other.cluster_lock(ROUTING_LOCK):
            assert await desk.route_pass(lambda: started.append(True)) == []
            assert started                                            # later changes ask for a pass
            async with db.sessions() as session, session.begin():
                user = User(username="ann", display_name="Ann", password_hash="x", role="agent", created_at=AT)
                session.add(user)
                await session.flush()
                await qs.set_presence(await session.connection(), user.id, "available", AT)
            with pytest.raises(DBAPIError, match="lock timeout"):
                await desk.route_pass()
        assert await desk.route_pass() == []                          # the lock free: nobody waiting
    finally:
        await db.close()
        await other.close()
