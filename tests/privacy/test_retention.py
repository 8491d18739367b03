"""Retention purge, access export and erasure, on SQLite and PostgreSQL (the session's database),
through the ``callcenter privacy`` commands and the server's background task; caller numbers
stored masked with a keyed hash for matching."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from callcenter.cli.main import main
from callcenter.config import Settings
from callcenter.privacy import caller_key
from callcenter.privacy import retention as retention_module
from callcenter.privacy.retention import Retention, erase, purge, purge_periodically
from callcenter.store import Call, CallLogEntry, Database, WebhookReceipt, upgrade
from callcenter.store.models import AuditEntry, CallbackRecord, CallNote, QueueEntry, RoutingDecision, TriageFeedback
from tests.conftest import make_env

NOW = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
KEY = b"k" * 32
ALICE, BOB = "+33612345678", "+33798765432"


def _call(sid: str, number: str | None, days_ago: float, *, legacy: bool = False) -> Call:
    at = NOW - timedelta(days=days_ago)
    return Call(call_sid=sid, flow_id="main", flow_version=1,
                caller=number if legacy else ("+33 ••••••• " + number[-2:] if number else None),
                caller_hash=None if legacy else caller_key(KEY, number), called="+33900000000",
                status="ended", state={"caller": number, "utterances": [{"text": "ma sécu [NIR]"}]},
                next_seq=1, created_at=at, updated_at=at, ended_at=at)


async def seed(db: Database) -> None:
    async with db.sessions() as session, session.begin():
        for sid, number, days, legacy in (("CA-old-alice", ALICE, 200, False), ("CA-new-alice", ALICE, 10, False),
                                          ("CA-new-bob", BOB, 5, False), ("CA-legacy-bob", BOB, 20, True)):
            at = NOW - timedelta(days=days)
            session.add(_call(sid, number, days, legacy=legacy))
            await session.flush()
            session.add(CallLogEntry(call_sid=sid, seq=0, at=at, entry="event", kind="call_started",
                                     payload={"caller": number}, source="twilio"))
            session.add(QueueEntry(call_sid=sid, queue="caf", tier="normal", status="ended", enqueued_at=at))
            session.add(WebhookReceipt(key="k-" + sid, call_sid=sid, response="<Response/>", created_at=at))
            session.add(CallNote(call_sid=sid, author_id=1, at=at, text="dossier incomplet"))
            session.add(RoutingDecision(call_sid=sid, at=at, kind="offer", reason="seul agent libre"))
            session.add(TriageFeedback(call_sid=sid, agent_id=1, at=at, confirmed=True, original={}, fragile=False,
                                       urgent=False, reasons={}, comment=""))
        # An analysis of a call already purged, older than a year.
        session.add(CallNote(call_sid="CA-gone", author_id=1, at=NOW - timedelta(days=400), text="vieille note"))


async def count(db: Database, model: Any, *where: Any) -> int:
    async with db.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(model).where(*where)) or 0)


@pytest.fixture
async def db(database_url: str) -> Any:
    upgrade(database_url)
    database = Database(database_url)
    await seed(database)
    yield database
    await database.close()


@pytest.mark.parametrize("batch", [1, 200])
async def test_purge_deletes_what_is_past_its_retention(db: Database, batch: int,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    # One row per transaction must purge the same as many (the batches end, none is skipped).
    monkeypatch.setattr(retention_module, "BATCH", batch)
    async with db.sessions() as session, session.begin():
        for i in range(3):
            session.add(_call(f"CA-older-{i}", ALICE, 300 + i))
            session.add(_call(f"CA-legacy-{i}", "anonymous" if i == 0 else BOB, 30, legacy=True))
        # The number to call back on goes with its call.
        session.add(CallbackRecord(call_sid="CA-old-alice", number=ALICE, legs={"legs": []}, updated_at=NOW))
    retention = Retention(calls_days=183, analyses_days=365, receipts_days=2)
    dry = await purge(db, retention, KEY, NOW, dry_run=True)
    assert dry == {"call_log": 1, "queue_entries": 1, "survey_responses": 0, "callbacks": 1, "webhook_receipts": 4,
                   "call_notes": 1, "routing_decisions": 0, "triage_feedback": 0, "calls": 4, "appointments": 0,
                   "numbers_hashed": 3}
    assert await count(db, Call) == 10 and await count(db, AuditEntry) == 0  # a dry run changes nothing
    done = await purge(db, retention, KEY, NOW, actor="test")
    assert done == dry
    assert await count(db, Call, Call.call_sid == "CA-old-alice") == 0
    assert await count(db, CallLogEntry, CallLogEntry.call_sid == "CA-old-alice") == 0
    assert await count(db, CallbackRecord) == 0
    # The analyses of the purged call stay until their own year is up; the 400-day note is gone.
    assert await count(db, CallNote, CallNote.call_sid == "CA-old-alice") == 1
    assert await count(db, CallNote, CallNote.call_sid == "CA-gone") == 0
    assert await count(db, WebhookReceipt) == 0
    async with db.sessions() as session:
        legacy = await session.get(Call, "CA-legacy-bob")
        entry = await session.scalar(select(AuditEntry))
    assert legacy is not None and legacy.caller == "+33 ••••••• 32" and legacy.caller_hash == caller_key(KEY, BOB)
    assert entry is not None and (entry.actor, entry.action, entry.object) == ("test", "privacy.purge", "store")
    assert entry.detail["counts"]["calls"] == 4
    assert await count(db, Call) == 6 and await count(db, Call, Call.caller_hash.is_(None)) == 1  # anonymous
    assert await purge(db, retention, KEY, NOW) == dict.fromkeys(done, 0)


@pytest.mark.parametrize("batch", [1, 200])
async def test_receipts_go_by_age_each_on_its_own(db: Database, batch: int, monkeypatch: pytest.MonkeyPatch) -> None:
    # Receipts are deleted by their call's key (0016): a call's younger receipts stay, and the
    # same request key in two calls is two receipts.
    monkeypatch.setattr(retention_module, "BATCH", batch)
    async with db.sessions() as session, session.begin():
        for sid in ("CA-new-alice", "CA-new-bob"):
            for key, hours in (("tok:a", 72), ("tok:b", 47), ("tok:c", 1)):
                session.add(WebhookReceipt(key=key, call_sid=sid, response=key,
                                           created_at=NOW - timedelta(hours=hours)))
    retention = Retention(calls_days=183, analyses_days=365, receipts_days=2)
    counts = await purge(db, retention, KEY, NOW)
    assert counts["webhook_receipts"] == 4 + 2  # the seeded ones, all older than two days, and two tok:a
    async with db.sessions() as session:
        left = sorted(tuple(r) for r in await session.execute(select(WebhookReceipt.call_sid, WebhookReceipt.key)))
    assert left == [("CA-new-alice", "tok:b"), ("CA-new-alice", "tok:c"), ("CA-new-bob", "tok:b"),
                    ("CA-new-bob", "tok:c")]


async def test_the_server_purges_in_the_background(db: Database) -> None:
    retention = Retention(calls_days=183, analyses_days=365, receipts_days=2)
    task = asyncio.create_task(purge_periodically(db, retention, KEY, lambda: NOW, every_seconds=3600,
                                                  first_after=0))
    try:
        for _ in range(100):
            if await count(db, Call, Call.call_sid == "CA-old-alice") == 0:
                break
            await asyncio.sleep(0.05)
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    assert await count(db, Call, Call.call_sid == "CA-old-alice") == 0


def _cli(monkeypatch: pytest.MonkeyPatch, env: dict[str, str], *args: str) -> int:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return main(["privacy", *args])


@pytest.fixture
def cli_env(tmp_path: Path, database_url: str, flows_dir: Path) -> dict[str, str]:
    env = make_env(tmp_path, database_url, flows_dir, caller_hash_key=KEY.decode())
    assert Settings.from_env(env).caller_hash_key == KEY
    return env


def _seeded(database_url: str) -> None:
    async def go() -> None:
        upgrade(database_url)
        db = Database(database_url)
        try:
            await seed(db)
        finally:
            await db.close()
    asyncio.run(go())


def _audit(database_url: str) -> list[AuditEntry]:
    async def go() -> list[AuditEntry]:
        db = Database(database_url)
        try:
            async with db.sessions() as session:
                return list(await session.scalars(select(AuditEntry).order_by(AuditEntry.id)))
        finally:
            await db.close()
    return asyncio.run(go())


def test_export_gives_everything_about_one_number_in_any_form(monkeypatch: pytest.MonkeyPatch, cli_env: dict[str, str],
                                                              database_url: str, tmp_path: Path,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    _seeded(database_url)
    out = tmp_path / "export.json"
    assert _cli(monkeypatch, cli_env, "export", "--number", "07 98 76 54 32", "--out", str(out),
                "--actor", "dpo") == 0
    data = json.loads(out.read_text(encoding="utf-8"))
    assert out.stat().st_mode & 0o077 == 0
    assert sorted(c["call_sid"] for c in data["calls"]) == ["CA-legacy-bob", "CA-new-bob"]
    one = data["calls"][0]
    assert one["log"][0]["kind"] == "call_started" and one["notes"][0]["text"] == "dossier incomplet"
    assert one["queue"]["queue"] == "caf" and one["routing"][0]["reason"] == "seul agent libre"
    [entry] = _audit(database_url)
    assert (entry.actor, entry.action, entry.detail) == ("cli:dpo", "privacy.export", {"calls": 2})
    hashed = hmac.new(KEY, BOB.encode(), hashlib.sha256).hexdigest()
    assert entry.object == "caller:" + hashed[:16] and "98765432" not in entry.object


def test_erase_deletes_every_call_of_a_number(monkeypatch: pytest.MonkeyPatch, cli_env: dict[str, str],
                                              database_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    _seeded(database_url)
    assert _cli(monkeypatch, cli_env, "erase", "--number", "0033612345678", "--dry-run") == 0
    assert "calls                       2 would go" in capsys.readouterr().out
    assert _audit(database_url) == []
    assert _cli(monkeypatch, cli_env, "erase", "--number", "0033612345678", "--actor", "dpo") == 0
    assert "calls                       2 erased" in capsys.readouterr().out

    async def left() -> dict[str, int]:
        db = Database(database_url)
        try:
            return {"alice": await count(db, Call, Call.caller_hash == caller_key(KEY, ALICE)),
                    "bob": await count(db, Call), "alice_log": await count(db, CallLogEntry, CallLogEntry.call_sid.in_(
                        ["CA-old-alice", "CA-new-alice"])),
                    "alice_notes": await count(db, CallNote, CallNote.call_sid.in_(["CA-old-alice", "CA-new-alice"]))}
        finally:
            await db.close()
    assert asyncio.run(left()) == {"alice": 0, "bob": 2, "alice_log": 0, "alice_notes": 0}
    [entry] = _audit(database_url)
    assert entry.action == "privacy.erase" and entry.detail["counts"]["calls"] == 2


def test_purge_command(monkeypatch: pytest.MonkeyPatch, cli_env: dict[str, str], database_url: str,
                       capsys: pytest.CaptureFixture[str]) -> None:
    _seeded(database_url)  # seeded relative to NOW, in the past: the real clock purges the 200-day call too
    assert _cli(monkeypatch, cli_env, "purge", "--dry-run") == 0
    assert "would go" in capsys.readouterr().out and _audit(database_url) == []
    assert _cli(monkeypatch, cli_env, "purge") == 0
    assert "done" in capsys.readouterr().out
    assert [e.action for e in _audit(database_url)] == ["privacy.purge"]


def test_a_bad_number_is_refused(monkeypatch: pytest.MonkeyPatch, cli_env: dict[str, str],
                                 capsys: pytest.CaptureFixture[str]) -> None:
    assert _cli(monkeypatch, cli_env, "erase", "--number", "anonymous") == 2
    assert "not a caller number" in capsys.readouterr().err


async def test_calls_store_the_number_masked_and_match_on_its_hash(new_call: Any, settings: Settings) -> None:
    first, second = new_call(caller=ALICE), new_call(caller=ALICE)
    await first.start()
    await second.start()
    db = Database(settings.database_url)
    try:
        async with db.sessions() as session:
            rows = list(await session.scalars(select(Call).order_by(Call.created_at)))
    finally:
        await db.close()
    assert {r.caller for r in rows} == {"+33 ••••••• 78"}
    assert {r.caller_hash for r in rows} == {caller_key(settings.caller_hash_key, ALICE)}
    # The second call knew of the first (matched on the hash); the state keeps the full number for
    # a callback.
    later = next(r for r in rows if r.call_sid == second.call_sid)
    assert later.state["history"]["calls_last_7_days"] == 1 and later.state["caller"] == ALICE


async def test_erasure_takes_the_callback_number_too(db: Database) -> None:
    """A number keyed for a callback of another caller's call: its record goes, the call stays."""
    other = "+33700000011"
    async with db.sessions() as session, session.begin():
        session.add(CallbackRecord(call_sid="CA-new-bob", number=other, legs={"legs": []}, updated_at=NOW))
    calls = await count(db, Call)
    counts = await erase(db, KEY, "07 00 00 00 11", NOW, "dpo")
    assert counts["callbacks"] == 1 and counts["calls"] == 0
    assert await count(db, CallbackRecord) == 0 and await count(db, Call) == calls
