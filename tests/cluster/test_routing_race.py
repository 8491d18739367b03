"""Two server processes' desks on one PostgreSQL database, routing at the same moment: one offer.

Each desk has its own database handle (its own connection pool), as two processes would; they run
concurrently in one event loop, so their routing passes interleave at every database round trip.
"""

from __future__ import annotations

import asyncio
import os
import secrets
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from callcenter.bus import MemoryBus
from callcenter.calls import CallService
from callcenter.desk.service import Desk
from callcenter.dispatch import Dispatcher, Ports
from callcenter.flows.catalog import FlowCatalog
from callcenter.ivr import commands as cmd
from callcenter.routing import RoutingPolicy
from callcenter.store import Database, upgrade
from callcenter.store.models import Call, QueueEntry, RoutingDecision
from callcenter.store.users import add_user
from callcenter.versions import VersionStore

pytestmark = pytest.mark.skipif(
    not os.environ.get("CALLCENTER_DATABASE_URL", "").startswith("postgres"),
    reason="several processes share a database only on PostgreSQL (CALLCENTER_DATABASE_URL)")

NOW = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)


def _clock() -> datetime:
    return NOW


# Two server processes' dispatchers, each running its own desk.
Pair = tuple[Dispatcher, Dispatcher]


@pytest.fixture
async def desks(database_url: str, flows_dir: Path) -> AsyncIterator[tuple[Dispatcher, Dispatcher]]:
    """Each process's dispatcher, which runs its desk (no lines: nobody is rung here)."""
    await asyncio.to_thread(upgrade, database_url)
    handles = [Database(database_url), Database(database_url)]
    policy = RoutingPolicy(offer_timeout=20.0)
    yield tuple(Dispatcher(CallService(db, FlowCatalog(flows_dir, VersionStore(db)), "main", _clock),  # type: ignore[misc]
                           Desk(db, policy, _clock), Ports(MemoryBus())) for db in handles)
    for db in handles:
        await db.close()


async def _caller(db: Database) -> str:
    sid = "CA" + secrets.token_hex(16)
    async with db.sessions() as session, session.begin():
        session.add(Call(call_sid=sid, flow_id="main", flow_version=1, status="in-progress", state={},
                         next_seq=0, created_at=NOW, updated_at=NOW))
    return sid


def _transfer(tier: str) -> Any:
    return cmd.Transfer(queue="caf", skill=None, priority=0, tier=tier, reasons=(), reason="test")  # type: ignore[arg-type]


async def _offers(db: Database) -> dict[str, int]:
    async with db.sessions() as session:
        rows = await session.execute(select(RoutingDecision.call_sid, func.count())
                                     .where(RoutingDecision.kind == "offered").group_by(RoutingDecision.call_sid))
        return {sid: n for sid, n in rows}


async def _offered_to(db: Database, agent_id: int) -> list[str]:
    async with db.sessions() as session:
        return list(await session.scalars(select(QueueEntry.call_sid).where(
            QueueEntry.status == "offered", QueueEntry.offered_to == agent_id)))


async def test_two_processes_enqueueing_at_once_never_offer_one_agent_two_callers(desks: Pair) -> None:
    """An urgent caller arriving on one process while a normal one arrives on the other: whatever
    each process observed, the one free agent is offered one caller, once."""
    a, b = desks
    alice = (await add_user(a.desk.db, username="alice", password_hash="x", role="agent", now=NOW,
                            skills={"caf": 3})).id
    await a.set_state(alice, "available")
    for _ in range(12):
        normal, urgent = await _caller(a.desk.db), await _caller(a.desk.db)
        await asyncio.gather(a.enqueue(normal, _transfer("normal"), "normal"),
                             b.enqueue(urgent, _transfer("urgent"), "urgent"))
        await asyncio.gather(a.route(), b.route())
        assert len(await _offered_to(a.desk.db, alice)) == 1
        assert all(n == 1 for n in (await _offers(a.desk.db)).values())
        for sid in (normal, urgent):
            await a.caller_left(sid)


async def test_two_processes_routing_the_same_caller_make_one_offer(desks: Pair) -> None:
    """Two agents becoming free at once, each on a different process, for one waiting caller."""
    a, b = desks
    for round_ in range(12):
        alice = (await add_user(a.desk.db, username=f"alice{round_}", password_hash="x", role="agent", now=NOW,
                                skills={"caf": 3})).id
        bob = (await add_user(a.desk.db, username=f"bob{round_}", password_hash="x", role="agent", now=NOW,
                              skills={"caf": 3})).id
        caller = await _caller(a.desk.db)
        await a.enqueue(caller, _transfer("normal"), "normal")
        await asyncio.gather(a.set_state(alice, "available"), b.set_state(bob, "available"))
        assert (await _offers(a.desk.db)).get(caller) == 1
        await a.caller_left(caller)
        await asyncio.gather(a.set_state(alice, "offline"), b.set_state(bob, "offline"))
