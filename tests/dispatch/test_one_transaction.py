"""One call event, one transaction: the desk's step a hand-over or a hang-up causes is stored in
the IVR step's own transaction when the desk's turn is free, after it otherwise (a routing pass
holds or waits for the desk), and the call's log reads the same either way."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from callcenter.desk import DeskPolicy, codec, replay
from callcenter.desk import queue_store as qs
from callcenter.routing import RoutingPolicy
from callcenter.web import keys
from tests.centre import Centre
from tests.conftest import TwilioCall


def own_transactions(centre: Centre, monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str]]:
    """The desk steps stored in a transaction of their own, as (call, event kind), from now on."""
    seen: list[tuple[str, str]] = []
    desk = centre.desk
    store_step = desk._store_step

    async def recorded(call_sid: str, event: Any, now: Any) -> Any:
        seen.append((call_sid, event.kind))
        return await store_step(call_sid, event, now)

    monkeypatch.setattr(desk, "_store_step", recorded)
    return seen


async def log_of(centre: Centre, call_sid: str) -> list[tuple[str, str]]:
    return [(r.entry, r.kind) for r in await centre.client.app[keys.DATABASE].call_log(call_sid)]


async def replays(centre: Centre, call_sid: str) -> bool:
    rows = await centre.client.app[keys.DATABASE].call_log(call_sid)
    events = [(codec.event_from_dict(r.payload), r.at.timestamp()) for r in rows if r.entry == "desk_evt"]
    policy = DeskPolicy(RoutingPolicy(offer_timeout=20.0), wrapup_seconds=30.0)
    return bool(replay(call_sid, events, policy) == qs.to_entry(await centre.entry(call_sid)))


def desk_after_ivr(log: list[tuple[str, str]], kind: str, after: tuple[str, str]) -> bool:
    """The desk's ``kind`` step is logged after the IVR entry ``after`` that caused it."""
    return log.index(("desk_evt", kind)) > log.index(after)


async def hand_over(call: TwilioCall) -> str:
    await call.start()
    await call.gather(1, Digits="1")
    await call.gather(2, Digits="1")
    return await call.gather(3, Digits="1234567")


async def test_a_hand_over_and_a_hang_up_are_stored_with_the_ivr_step(centre: Centre,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    alice = centre.agents["alice"]
    await centre.dispatcher.set_state(alice, "available")
    own = own_transactions(centre, monkeypatch)
    call = centre.caller()
    assert "<Conference" in await hand_over(call)
    entry = await centre.entry(call.call_sid)
    assert entry.status == "offered" and entry.offered_to == alice
    # The routing pass's offer is a step of its own; the hand-over was stored with the key press.
    assert own == [(call.call_sid, "tick")]
    resp = await call.post("/twilio/status", call.params(CallStatus="completed"))
    assert resp.status == 204
    assert (await centre.entry(call.call_sid)).status == "abandoned"
    assert own == [(call.call_sid, "tick")]
    log = await log_of(centre, call.call_sid)
    assert desk_after_ivr(log, "enqueued", ("command", "transfer"))
    assert log[-5:] == [("event", "call_ended"), ("desk_evt", "caller_left"), ("desk_cmd", "record"),
                        ("desk_cmd", "withdraw"), ("desk_cmd", "publish")]
    assert await replays(centre, call.call_sid)
    # Stored with the IVR's step, the offer's withdrawal is still carried out.
    snapshot = await centre.desk.snapshot()
    assert snapshot["waiting"] == []


async def test_while_a_routing_pass_holds_the_desk_the_hand_over_goes_after_the_commit(
        centre: Centre, monkeypatch: pytest.MonkeyPatch) -> None:
    await centre.dispatcher.set_state(centre.agents["alice"], "available")
    own = own_transactions(centre, monkeypatch)
    call = centre.caller()
    await call.start()
    await call.gather(1, Digits="1")
    await call.gather(2, Digits="1")
    holding, release = asyncio.Event(), asyncio.Event()

    async def routing_pass() -> None:
        async with centre.desk._turns.alone():
            holding.set()
            await release.wait()

    passing = asyncio.create_task(routing_pass())
    await holding.wait()
    pressing = asyncio.create_task(call.gather(3, Digits="1234567"))
    # The key press commits without the desk (never waiting for its turn inside the transaction),
    # then its desk step waits for the pass.
    async with asyncio.timeout(10):
        while ("command", "transfer") not in await log_of(centre, call.call_sid):
            await asyncio.sleep(0.01)
    assert await centre.entry(call.call_sid) is None and not pressing.done()
    release.set()
    async with asyncio.timeout(10):
        assert "<Conference" in await pressing
        await passing
    assert (call.call_sid, "enqueued") in own
    assert (await centre.entry(call.call_sid)).status == "offered"
    log = await log_of(centre, call.call_sid)
    assert desk_after_ivr(log, "enqueued", ("command", "transfer"))
    assert await replays(centre, call.call_sid)


@pytest.mark.parametrize("spacing", [0.0, 0.005])
async def test_routing_passes_and_merged_hand_overs_run_together_without_deadlock(centre: Centre,
                                                                                 spacing: float) -> None:
    """Passes (and presence changes, alone too) run while many callers are handed over and hang up:
    everything finishes, every log replays to its stored entry. Back to back, a pass mostly holds
    or waits for the desk and hand-overs go after their commit; spaced, most are stored with it
    (how many varies with timing: the two tests above check each way deterministically)."""
    alice, bob = centre.agents["alice"], centre.agents["bob"]
    await centre.dispatcher.set_state(alice, "available")
    calls = [centre.caller() for _ in range(12)]
    done = asyncio.Event()

    async def passes() -> int:
        count = 0
        while not done.is_set():
            await centre.dispatcher.route()
            await centre.dispatcher.set_state(bob, "available" if count % 2 else "offline")
            count += 1
            await asyncio.sleep(spacing)
        return count

    async def one_call(call: TwilioCall) -> None:
        assert "<Conference" in await hand_over(call)
        resp = await call.post("/twilio/status", call.params(CallStatus="completed"))
        assert resp.status == 204

    routing = asyncio.create_task(passes())
    async with asyncio.timeout(60):
        await asyncio.gather(*(one_call(c) for c in calls))
        done.set()
        assert await routing > 0
    for call in calls:
        entry = await centre.entry(call.call_sid)
        assert entry.status in ("abandoned", "ended")
        assert await replays(centre, call.call_sid)
        log = await log_of(centre, call.call_sid)
        assert desk_after_ivr(log, "enqueued", ("command", "transfer"))
