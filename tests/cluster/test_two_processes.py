"""Two ``callcenter serve`` processes on one PostgreSQL database and one Redis, behind a
round-robin proxy (as docker-compose runs them), with the faithful fake of Twilio's cloud.

A call whose webhooks alternate between the processes completes; an agent on B sees and takes a
call from A; killing a process mid-call loses nothing (its timers pass to the survivor); two
processes routing the same caller at once make one offer.
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
from sqlalchemy import select

from callcenter.desk import queue_store as qs
from callcenter.store import Database, upgrade
from callcenter.store.models import Call, QueueEntry
from callcenter.store.users import add_user
from callcenter.telephony.fake_twilio import FakeTwilio
from tests.centre import _HASH, PASSWORD, free_port
from tests.cluster.harness import ALWAYS, Cluster, Phone, RoundRobin, next_event, phone, start_server, wait_healthy
from tests.conftest import ACCOUNT_SID, AUTH_TOKEN, make_env
from tests.web.browser import Browser

REDIS = os.environ.get("CALLCENTER_REDIS_URL", "")
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not os.environ.get("CALLCENTER_DATABASE_URL", "").startswith("postgres") or not REDIS,
                       reason="several server processes need PostgreSQL and Redis (CALLCENTER_DATABASE_URL, "
                              "CALLCENTER_REDIS_URL)"),
]


@pytest.fixture
async def cluster(tmp_path: Path, database_url: str, flows_dir: Path, aiohttp_server: Any) -> AsyncIterator[Cluster]:
    fake = FakeTwilio(ACCOUNT_SID, AUTH_TOKEN)
    fake_server = await aiohttp_server(fake.app())
    ports = free_port(), free_port()
    proxy = RoundRobin([f"http://127.0.0.1:{p}" for p in ports])
    public = str((await aiohttp_server(proxy.app())).make_url("")).rstrip("/")
    await asyncio.to_thread(upgrade, database_url)
    db = Database(database_url)
    now = datetime.now(UTC)
    agents = {}
    for name, skills in (("alice", {"caf": 3}), ("bob", {"caf": 3}), ("carol", {"caf": 1})):
        agents[name] = (await add_user(db, username=name, password_hash=_HASH, role="agent", now=now,
                                       skills=skills, phone=f"client:{name}")).id
    env = make_env(tmp_path, database_url, flows_dir, public_url=public,
                   twilio_api_url=str(fake_server.make_url("")).rstrip("/"), twilio_phone_number="+33900000000",
                   redis_url=REDIS, hours_file=ALWAYS, semantic_model="off", tick_seconds="0.5",
                   offer_timeout="3", reconcile_seconds="1", reconcile_after="600")
    a, b = start_server("A", ports[0], env, tmp_path), start_server("B", ports[1], env, tmp_path)
    cluster = Cluster(a, b, proxy, public, fake, agents, db)
    try:
        await asyncio.gather(wait_healthy(a), wait_healthy(b))
        yield cluster
    finally:
        for session in cluster.sessions:
            await session.close()
        for browser in cluster.browsers:
            await browser.close()
        a.stop()
        b.stop()
        await db.close()


async def _agent(cluster: Cluster, name: str, base: str, available: bool = True) -> Browser:
    agent = Browser(base)
    cluster.browsers.append(agent)
    assert (await agent.login(name, PASSWORD)).status == 302
    if available:
        assert (await agent.post("/api/presence", {"state": "available"})).status == 200
    return agent


async def _offers(agent: Browser, seconds: float = 15.0) -> list[str]:
    for _ in range(int(seconds * 10)):
        offers: list[str] = (await (await agent.get("/api/me")).json())["offers"]
        if offers:
            return offers
        await asyncio.sleep(0.1)
    return []


async def _accept(agent: Browser, call_sid: str) -> None:
    # The offer can come while the caller's line is still being set up: 409, try again.
    for _ in range(50):
        resp = await agent.post(f"/api/offers/{call_sid}/accept")
        if resp.status != 409:
            break
        await asyncio.sleep(0.1)
    assert resp.status == 200, await resp.text()


async def _entry(cluster: Cluster, call_sid: str, status: str, seconds: float = 15.0) -> QueueEntry:
    row = None
    for _ in range(int(seconds * 10)):
        async with cluster.db.sessions() as session:
            row = await session.get(QueueEntry, call_sid)
        if row is not None and row.status == status:
            return row
        await asyncio.sleep(0.1)
    raise AssertionError(f"{call_sid}: {row.status if row else None}, not {status}\n{cluster.logs()}")


async def _hang_up(cluster: Cluster, call: Phone) -> None:
    """The caller hangs up: the conference's callbacks, then the call's final status webhook."""
    await cluster.fake.hangup(call.call_sid)
    await cluster.fake.drain()
    twilio = phone(cluster.session_to(cluster.public), call.call_sid, cluster.public)  # Twilio posts to the proxy
    resp = await twilio.post("/twilio/status", call.params(CallStatus="completed", CallDuration="30"))
    assert resp.status in (200, 204), await resp.text()


async def _decisions(cluster: Cluster, call_sid: str) -> list[str]:
    async with cluster.db.sessions() as session:
        return [d.kind for d in await qs.decisions(session, call_sid)]


async def _log_is_whole(cluster: Cluster, call_sid: str) -> list[str]:
    """The call's log numbered without gap or repeat; its desk events."""
    rows = await cluster.db.call_log(call_sid)
    assert [r.seq for r in rows] == list(range(len(rows)))
    return [r.kind for r in rows if r.entry == "desk_evt"]


def _new_call(cluster: Cluster, base: str) -> Phone:
    return phone(cluster.session_to(base), "CA" + secrets.token_hex(16), cluster.public)


async def test_a_call_whose_webhooks_alternate_between_the_processes_completes(cluster: Cluster) -> None:
    alice = await _agent(cluster, "alice", cluster.b.url)
    call = _new_call(cluster, cluster.public)
    await cluster.hand_over(call)
    assert await _offers(alice) == [call.call_sid], cluster.logs()
    await _accept(alice, call.call_sid)
    await _entry(cluster, call.call_sid, "connected")
    await _hang_up(cluster, call)
    entry = await _entry(cluster, call.call_sid, "ended")
    assert entry.agent_id == cluster.agents["alice"] and entry.connected_at is not None
    # Every webhook and conference callback went through the proxy, to both processes in turn.
    assert set(cluster.proxy.sent) == {cluster.a.url, cluster.b.url}
    assert min(cluster.proxy.sent.values()) >= 3
    kinds = await _log_is_whole(cluster, call.call_sid)
    assert kinds[0] == "enqueued" and "accepted" in kinds and "leg_joined" in kinds
    assert (await _decisions(cluster, call.call_sid)).count("offered") == 1
    async with cluster.db.sessions() as session:
        assert (await session.get(Call, call.call_sid)).status == "ended"  # type: ignore[union-attr]


async def test_an_agent_on_b_sees_and_takes_a_call_handled_by_a(cluster: Cluster) -> None:
    alice = await _agent(cluster, "alice", cluster.b.url)
    events = await alice.get("/api/events")
    assert (await events.content.readline()).startswith(b": connected")
    call = _new_call(cluster, cluster.a.url)       # every webhook of the caller to A
    await cluster.hand_over(call)
    offer = await next_event(events, "desk.offer")  # published on A, shown on B through Redis
    assert offer["call_sid"] == call.call_sid and offer["agent_id"] == cluster.agents["alice"]
    await _accept(alice, call.call_sid)             # B rings alice into A's caller's conference
    assert (await next_event(events, "desk.connected"))["call_sid"] == call.call_sid
    await _entry(cluster, call.call_sid, "connected")
    conference = next(c for c in cluster.fake.conferences.values() if c.friendly_name == f"conf-{call.call_sid}")
    assert {p.label for p in conference.participants.values()} == {"caller", f"agent-{cluster.agents['alice']}"}
    await _hang_up(cluster, call)
    await _entry(cluster, call.call_sid, "ended")
    # The caller's end, stepped wherever its webhook landed, reaches the agent's screen on B.
    while (update := await next_event(events, "call.updated"))["status"] != "ended":
        assert update["call_sid"] == call.call_sid
    events.close()


async def test_killing_a_process_mid_call_loses_nothing(cluster: Cluster) -> None:
    """A offers the caller to alice and dies; alice lets the offer pass: B's timers expire it and
    offer bob, who takes the call; its callbacks reach B; the call ends with its whole log."""
    alice = await _agent(cluster, "alice", cluster.b.url)
    call = _new_call(cluster, cluster.a.url)
    await cluster.hand_over(call)
    assert await _offers(alice) == [call.call_sid]
    cluster.a.kill()
    bob = await _agent(cluster, "bob", cluster.b.url)
    # Webhooks now go to B alone: the proxy skips the dead process.
    assert await _offers(bob) == [call.call_sid], cluster.logs()
    assert await _offers(alice, seconds=0.2) == []
    await _accept(bob, call.call_sid)
    await _entry(cluster, call.call_sid, "connected")
    await _hang_up(cluster, call)
    entry = await _entry(cluster, call.call_sid, "ended")
    assert entry.agent_id == cluster.agents["bob"]
    decisions = await _decisions(cluster, call.call_sid)
    assert decisions[:3] == ["queued", "offered", "timeout"] and decisions.count("offered") == 2
    assert decisions[-1] == "ended"
    kinds = await _log_is_whole(cluster, call.call_sid)
    assert "accepted" in kinds and kinds[-1] in ("leg_left", "caller_left", "conference_ended")


async def test_two_processes_routing_the_same_caller_at_once_make_one_offer(cluster: Cluster) -> None:
    """Alice on A and bob on B become free at the same instant for one waiting caller."""
    carol = await _agent(cluster, "carol", cluster.a.url)    # on duty, so the caller may queue
    alice = await _agent(cluster, "alice", cluster.a.url, available=False)
    bob = await _agent(cluster, "bob", cluster.b.url, available=False)
    for _ in range(3):
        # Carol is busy (in wrap-up for a while) once the caller is queued: nobody is free.
        async with cluster.db.sessions() as session, session.begin():
            await qs.set_presence(await session.connection(), cluster.agents["carol"], "wrapup", datetime.now(UTC),
                                  None, 3600)
        call = _new_call(cluster, cluster.public)
        await cluster.hand_over(call)
        await _entry(cluster, call.call_sid, "waiting")
        answers = await asyncio.gather(alice.post("/api/presence", {"state": "available"}),
                                       bob.post("/api/presence", {"state": "available"}))
        assert [r.status for r in answers] == [200, 200]
        await _entry(cluster, call.call_sid, "offered")
        await asyncio.sleep(0.5)
        assert (await _decisions(cluster, call.call_sid)).count("offered") == 1
        async with cluster.db.sessions() as session:
            offered = list(await session.scalars(select(QueueEntry).where(QueueEntry.status == "offered")))
        assert [e.call_sid for e in offered] == [call.call_sid]
        await _hang_up(cluster, call)
        await _entry(cluster, call.call_sid, "abandoned")
        for agent in (alice, bob):
            assert (await agent.post("/api/presence", {"state": "offline"})).status == 200
    assert (await carol.get("/api/me")).status == 200
