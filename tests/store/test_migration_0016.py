"""0016 (webhook receipts keyed by call and request, no index on the calls' status) applied to a
database holding calls: their receipts still answer retries, the calls go on, the purge still
purges (SQLite, or PostgreSQL in CI)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from aiohttp.test_utils import TestClient

from callcenter.config import Settings
from callcenter.privacy.retention import Retention, purge
from callcenter.store import downgrade, upgrade
from callcenter.store.urls import sync_url
from callcenter.web import keys
from callcenter.web.app import init_app
from tests.conftest import FakeClock, TwilioCall, server_on

PREVIOUS = "0015_caller_language"


def _schema(database_url: str) -> tuple[set[str], list[str]]:
    """The indexes of ``calls`` and ``webhook_receipts``, and the receipts' primary key."""
    engine = sa.create_engine(sync_url(database_url))
    try:
        with engine.connect() as conn:
            found = sa.inspect(conn)
            indexes = {i["name"] for table in ("calls", "webhook_receipts") for i in found.get_indexes(table)
                       if i["name"]}
            return indexes, list(found.get_pk_constraint("webhook_receipts")["constrained_columns"])
    finally:
        engine.dispose()


def _rows(database_url: str, sql: str, **values: Any) -> list[tuple[Any, ...]]:
    engine = sa.create_engine(sync_url(database_url))
    try:
        with engine.begin() as conn:
            result = conn.execute(sa.text(sql), values)
            return [tuple(r) for r in result] if result.returns_rows else []
    finally:
        engine.dispose()


async def _log(client: TestClient, sid: str) -> list[tuple[int, str, str]]:  # type: ignore[type-arg]
    return [(e.seq, e.entry, e.kind) for e in await client.app[keys.DATABASE].call_log(sid)]


async def test_an_upgraded_database_answers_retries_goes_on_and_purges(
        aiohttp_client: Any, settings: Settings, clock: FakeClock, database_url: str) -> None:
    token = {"I-Twilio-Idempotency-Token": "tok-upgrade-1"}
    first = await aiohttp_client(init_app(settings, clock=clock), server_kwargs=server_on(settings))
    going, ended = TwilioCall(first, "CA" + "1" * 32), TwilioCall(first, "CA" + "2" * 32)
    await going.start()
    answered = await going.post("/twilio/gather?turn=1", going.params(Digits="1"), headers=token)
    assert answered.status == 200
    answer = await answered.text()
    await ended.start()
    assert (await ended.post("/twilio/status", ended.params(CallStatus="completed"))).status == 204
    log_before = await _log(first, going.call_sid)
    await first.close()

    # The database as 0015 left it, its rows in place; one more receipt written as 0015's code
    # wrote them (no call of its own: a claim), two days and more old.
    downgrade(database_url, PREVIOUS)
    indexes, key = _schema(database_url)
    assert {"ix_calls_status", "ix_webhook_receipts_call_sid"} <= indexes and key == ["key"]
    _rows(database_url, "INSERT INTO webhook_receipts (key, call_sid, response, created_at) "
                        "VALUES ('stream:CA-x:t', 'CA-x', '', :at)", at=clock.now - timedelta(days=3))
    # The gather's receipt as 0015's code wrote it (today's keeps it in the call's row, 0019,
    # which the downgrade took away).
    _rows(database_url, "INSERT INTO webhook_receipts (key, call_sid, response, created_at) "
                        "VALUES ('tok:tok-upgrade-1', :sid, :answer, :at)", sid=going.call_sid, answer=answer,
          at=clock.now)
    receipts = _rows(database_url, "SELECT call_sid, key, response FROM webhook_receipts ORDER BY call_sid, key")
    assert len(receipts) >= 3

    # The server upgrades on start: the same rows, keyed anew.
    clock.advance(60)
    second = await aiohttp_client(init_app(settings, clock=clock), server_kwargs=server_on(settings))
    indexes, key = _schema(database_url)
    assert not {"ix_calls_status", "ix_webhook_receipts_call_sid"} & indexes and key == ["call_sid", "key"]
    assert _rows(database_url, "SELECT call_sid, key, response FROM webhook_receipts ORDER BY call_sid, key") \
        == receipts
    going.client = second
    again = await going.post("/twilio/gather?turn=1", going.params(Digits="1"), headers=token)
    assert await again.text() == answer  # the receipt kept from before the upgrade answers the retry
    assert await _log(second, going.call_sid) == log_before
    await going.gather(2, Digits="0")  # the call goes on from where it was
    after = await _log(second, going.call_sid)
    assert after[:len(log_before)] == log_before and len(after) > len(log_before)
    assert [seq for seq, _, _ in after] == list(range(len(after)))

    db = second.app[keys.DATABASE]
    retention = Retention(calls_days=183, analyses_days=365, receipts_days=2)
    # Two days on, the receipts go (the claim's first, by age), and the calls stay.
    counts = await purge(db, retention, settings.caller_hash_key, clock.now + timedelta(days=1))
    assert counts["webhook_receipts"] == 1 and counts["calls"] == 0
    counts = await purge(db, retention, settings.caller_hash_key, clock.now + timedelta(days=3))
    assert counts["webhook_receipts"] >= 2 and counts["calls"] == 0
    assert _rows(database_url, "SELECT count(*) FROM webhook_receipts") == [(0,)]
    # Past the calls' retention the calls go with their log.
    logged = len(after) + len(await _log(second, ended.call_sid))
    counts = await purge(db, retention, settings.caller_hash_key, clock.now + timedelta(days=200))
    assert counts["calls"] == 2 and counts["call_log"] == logged
    for table in ("calls", "call_log", "webhook_receipts"):
        assert _rows(database_url, f"SELECT count(*) FROM {table}") == [(0,)]  # noqa: S608 - our names
    await second.close()
    upgrade(database_url)  # at head: nothing to do
