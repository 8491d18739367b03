"""A database that is locked or fails: webhooks still answer within Twilio's 15 s, callers reach a
person by a path that needs no database, and leave it by themselves once the database is back.

The lock is real: another connection holds the write lock (SQLite ``BEGIN IMMEDIATE``; PostgreSQL
``LOCK TABLE ... IN EXCLUSIVE MODE``, which lets reads through as a long writer would).
"""

from __future__ import annotations

import sqlite3
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from aiohttp.test_utils import TestClient
from sqlalchemy.engine import make_url

from callcenter.config import Settings
from callcenter.store.urls import sync_url
from callcenter.telephony.webhooks import WRITE_CHECK
from callcenter.web import keys
from callcenter.web.app import init_app
from tests.conftest import TwilioCall, make_env, server_on

# Twilio gives up on a webhook after 15 s; with the default timeouts we answer well before.
TWILIO_PATIENCE = 15.0
MARGIN = 5.0


def verbs(twiml: str) -> list[str]:
    return [el.tag for el in ET.fromstring(twiml)]


def said(twiml: str) -> str:
    return " ".join(el.text or "" for el in ET.fromstring(twiml).iter("Say"))


@contextmanager
def write_locked(database_url: str) -> Iterator[None]:
    """Another connection holds the database's write lock until the block ends."""
    if database_url.startswith("sqlite"):
        path = make_url(database_url).database
        assert path
        conn = sqlite3.connect(path, isolation_level=None, timeout=0)
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            conn.execute("ROLLBACK")
            conn.close()
        return
    engine = sa.create_engine(sync_url(database_url))
    with engine.connect() as conn:
        conn.execute(sa.text("LOCK TABLE calls, webhook_receipts, call_log IN EXCLUSIVE MODE"))
        try:
            yield
        finally:
            conn.rollback()
    engine.dispose()


async def timed_post(call: TwilioCall, path: str, params: dict[str, str]) -> tuple[int, str, float]:
    began = time.monotonic()
    resp = await call.post(path, params)
    return resp.status, await resp.text(), time.monotonic() - began


async def test_locked_database_answers_in_time_with_the_safe_path(new_call: Any, database_url: str) -> None:
    call: TwilioCall = new_call()
    await call.start()
    fresh: TwilioCall = new_call()
    with write_locked(database_url):
        status, twiml, seconds = await timed_post(call, "/twilio/gather?turn=1", call.params(Digits="1"))
        assert status == 200
        assert seconds < TWILIO_PATIENCE - MARGIN, f"answered after {seconds:.1f} s"
        assert verbs(twiml) == ["Say", "Enqueue"]
        assert "incident technique" in said(twiml)
        enqueue = ET.fromstring(twiml).find("Enqueue")
        assert enqueue is not None
        # A way out of Twilio's queue that needs no REST call: its wait URL and its action.
        assert enqueue.get("waitUrl") == "/twilio/fallback-hold?tries=0"
        assert enqueue.get("action") == "/twilio/queue-result?tries=0"

        # A call that starts while the database is locked gets the same answer in time.
        status, twiml, seconds = await timed_post(fresh, "/twilio/voice", fresh.params(CallStatus="ringing"))
        assert status == 200 and verbs(twiml) == ["Say", "Enqueue"]
        assert seconds < TWILIO_PATIENCE - MARGIN, f"answered after {seconds:.1f} s"


async def test_fallback_queue_holds_then_lets_callers_out_when_the_database_is_back(
        new_call: Any, database_url: str) -> None:
    known: TwilioCall = new_call()
    await known.start()
    stranger: TwilioCall = new_call()   # its call began while the database failed: never recorded
    app = known.client.app
    with write_locked(database_url):
        hold = await known.post("/twilio/fallback-hold", known.params(QueuePosition="1"))
        assert hold.status == 200
        hold_twiml = await hold.text()
        assert "Leave" not in verbs(hold_twiml) and "patienter" in said(hold_twiml)
    app[WRITE_CHECK].at = float("-inf")   # the next caller's replay asks the database again

    for call in (known, stranger):
        hold = await call.post("/twilio/fallback-hold", call.params(QueuePosition="1"))
        assert verbs(await hold.text()) == ["Leave"]
        # Twilio then posts the <Enqueue> action: the caller is handed over the normal way.
        left = await call.post("/twilio/queue-result?tries=0", call.params(QueueResult="leave", QueueTime="40"))
        assert left.status == 200
        twiml = await left.text()
        assert "Dial" in verbs(twiml), twiml
        assert ET.fromstring(twiml).find("Dial/Conference") is not None
        log = [(r.entry, r.kind) for r in await app[keys.DATABASE].call_log(call.call_sid)]
        assert ("event", "failure") in log and ("command", "transfer") in log
        assert (await app[keys.DATABASE].get_call(call.call_sid)).status == "transferred"


async def test_a_caller_whose_hand_over_fails_again_is_not_sent_round_in_a_loop(new_call: Any) -> None:
    call: TwilioCall = new_call()
    await call.start()
    db = call.client.app[keys.DATABASE]
    async with db.engine.begin() as conn:   # writes work, but the call path does not
        await conn.execute(sa.text("DROP TABLE call_log"))
    hold = await call.post("/twilio/fallback-hold?tries=0", call.params(QueuePosition="1", QueueTime="30"))
    assert verbs(await hold.text()) == ["Leave"]
    left = await call.post("/twilio/queue-result?tries=0", call.params(QueueResult="leave", QueueTime="30"))
    again = ET.fromstring(await left.text()).find("Enqueue")
    assert again is not None and again.get("waitUrl") == "/twilio/fallback-hold?tries=1"
    # Queued again: no new try until it has waited longer, then one; after the last, none.
    soon = await call.post("/twilio/fallback-hold?tries=1", call.params(QueuePosition="1", QueueTime="30"))
    assert verbs(await soon.text()) != ["Leave"] and "patienter" in said(await soon.text())
    later = await call.post("/twilio/fallback-hold?tries=1", call.params(QueuePosition="1", QueueTime="150"))
    assert verbs(await later.text()) == ["Leave"]
    last = await call.post("/twilio/fallback-hold?tries=5", call.params(QueuePosition="1", QueueTime="9999"))
    assert verbs(await last.text()) != ["Leave"]


async def test_fallback_number_is_dialled_first_then_the_queue(
        tmp_path: Path, database_url: str, flows_dir: Path, aiohttp_client: Any) -> None:
    settings = Settings.from_env(make_env(tmp_path, database_url, flows_dir, fallback_number="+33 1 40 00 00 00"))
    client: TestClient = await aiohttp_client(init_app(settings), server_kwargs=server_on(settings))  # type: ignore[type-arg]
    call = TwilioCall(client, "CA" + "e5" * 16)
    await call.start()
    with write_locked(database_url):
        twiml = await call.gather(1, Digits="1")
    assert verbs(twiml) == ["Say", "Dial"]
    dial = ET.fromstring(twiml).find("Dial")
    assert dial is not None and (dial.text or "").strip() == "+33140000000"
    assert dial.get("action") == "/twilio/fallback-dial"
    unanswered = await call.post("/twilio/fallback-dial", call.params(DialCallStatus="no-answer"))
    assert verbs(await unanswered.text()) == ["Say", "Enqueue"]
    answered = await call.post("/twilio/fallback-dial", call.params(DialCallStatus="completed"))
    assert verbs(await answered.text()) == ["Hangup"]


async def test_healthz_reports_a_database_it_cannot_write_to(client: TestClient, database_url: str) -> None:  # type: ignore[type-arg]
    assert (await (await client.get("/healthz")).json())["database"] == "ok"
    with write_locked(database_url):
        began = time.monotonic()
        resp = await client.get("/healthz")
        seconds = time.monotonic() - began
    assert resp.status == 503
    assert (await resp.json())["database"] == "not writable"
    assert seconds < TWILIO_PATIENCE - MARGIN
    assert (await client.get("/healthz")).status == 200   # and well again once the lock is gone


async def test_database_timeouts_are_set_on_every_connection(client: TestClient, database_url: str) -> None:  # type: ignore[type-arg]
    db = client.app[keys.DATABASE]
    async with db.engine.connect() as conn:
        if database_url.startswith("sqlite"):
            # SQLite itself never waits (it would on the event loop's thread): the connection
            # waits for a lock asynchronously, up to the lock timeout (store/sqlite_inline.py).
            assert (await conn.execute(sa.text("PRAGMA busy_timeout"))).scalar() == 0
            raw = await conn.get_raw_connection()
            assert raw.driver_connection.lock_timeout == 2.0  # type: ignore[union-attr]
            return
        assert (await conn.execute(sa.text("SHOW lock_timeout"))).scalar() == "2s"
        assert (await conn.execute(sa.text("SHOW statement_timeout"))).scalar() == "5s"


async def test_postgresql_statement_timeout_stops_a_long_statement(
        tmp_path: Path, database_url: str, flows_dir: Path, aiohttp_client: Any) -> None:
    if database_url.startswith("sqlite"):
        pytest.skip("PostgreSQL only: SQLite has no statement timeout, its busy timeout is tested above")
    settings = Settings.from_env(make_env(tmp_path, database_url, flows_dir, db_statement_timeout="0.5"))
    client: TestClient = await aiohttp_client(init_app(settings), server_kwargs=server_on(settings))  # type: ignore[type-arg]
    began = time.monotonic()
    with pytest.raises(sa.exc.OperationalError, match="statement timeout"):
        async with client.app[keys.DATABASE].engine.connect() as conn:
            await conn.execute(sa.text("SELECT pg_sleep(10)"))
    assert time.monotonic() - began < 5
