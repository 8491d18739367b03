"""Every desk step is in the call's log, and replaying it rebuilds the stored queue entry."""

from __future__ import annotations

from callcenter.desk import DeskPolicy, codec, replay
from callcenter.desk import queue_store as qs
from callcenter.routing import RoutingPolicy
from callcenter.web import keys
from tests.centre import Centre


async def replayed(centre: Centre, call_sid: str) -> tuple[object, object, list[str]]:
    rows = await centre.client.app[keys.DATABASE].call_log(call_sid)
    events = [(codec.event_from_dict(r.payload), r.at.timestamp()) for r in rows if r.entry == "desk_evt"]
    policy = DeskPolicy(RoutingPolicy(offer_timeout=20.0), wrapup_seconds=30.0)
    stored = qs.to_entry(await centre.entry(call_sid))
    return replay(call_sid, events, policy), stored, [r.kind for r in rows if r.entry == "desk_evt"]


async def test_a_warm_transfer_replays_from_the_call_log(centre: Centre) -> None:
    alice, bob = centre.agents["alice"], centre.agents["bob"]
    call = await centre.connected("alice")
    await centre.dispatcher.warm_transfer(alice, call.call_sid, bob)
    await centre.settle()
    await centre.dispatcher.complete_transfer(alice, call.call_sid)
    await centre.settle()
    await centre.dispatcher.end_call(bob, call.call_sid)
    await centre.settle()
    rebuilt, stored, kinds = await replayed(centre, call.call_sid)
    assert rebuilt == stored
    assert stored.status == "ended" and stored.agent_id == bob        # type: ignore[attr-defined]
    assert kinds[:2] == ["enqueued", "tick"] and "leg_joined" in kinds and "accepted" in kinds
    assert "warm_transfer_asked" in kinds and "leg_left" in kinds


async def test_a_declined_and_timed_out_call_replays_too(centre: Centre) -> None:
    alice, bob = centre.agents["alice"], centre.agents["bob"]
    await centre.dispatcher.set_state(alice, "available")
    await centre.dispatcher.set_state(bob, "available")
    call = centre.caller()
    await centre.call_to_caf(call)
    await centre.dispatcher.decline(alice, call.call_sid)
    centre.clock.advance(21)
    await centre.dispatcher.tick()
    await centre.fake.hangup(call.call_sid)
    await centre.settle()
    rebuilt, stored, kinds = await replayed(centre, call.call_sid)
    assert rebuilt == stored
    assert stored.status == "abandoned" and stored.declined_by == {alice, bob}  # type: ignore[attr-defined]
    assert kinds.count("tick") == 3 and "declined" in kinds and "caller_left" in kinds


async def test_the_end_of_the_call_alone_lets_the_desk_go(centre: Centre) -> None:
    """Twilio's final status, without any conference callback, ends the queued caller's wait."""
    alice = centre.agents["alice"]
    await centre.dispatcher.set_state(alice, "available")
    call = centre.caller()
    await call.start()
    await call.gather(1, Digits="1")
    await call.gather(2, Digits="1")
    await call.gather(3, Digits="1234567")                 # handed to the CAF, not yet in the conference
    assert (await centre.entry(call.call_sid)).status == "offered"
    resp = await call.post("/twilio/status", call.params(CallStatus="completed"))
    assert resp.status == 204
    entry = await centre.entry(call.call_sid)
    assert entry.status == "abandoned" and entry.offered_to is None
    rebuilt, stored, kinds = await replayed(centre, call.call_sid)
    assert rebuilt == stored and kinds[-1] == "caller_left"
