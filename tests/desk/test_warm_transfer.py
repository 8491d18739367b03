"""The whole warm transfer against a faithful fake of Twilio's REST API and callbacks."""

from __future__ import annotations

import pytest

from callcenter.desk import DeskError
from callcenter.store.models import AgentPresence, RoutingDecision
from tests.centre import Centre


async def presence(centre: Centre, agent_id: int) -> str:
    async with centre.desk.db.sessions() as session:
        row = await session.get(AgentPresence, agent_id)
        return row.state if row else "offline"


async def decisions(centre: Centre, call_sid: str) -> list[str]:
    from sqlalchemy import select
    async with centre.desk.db.sessions() as session:
        rows = await session.scalars(select(RoutingDecision).where(RoutingDecision.call_sid == call_sid)
                                     .order_by(RoutingDecision.id))
        return [r.kind for r in rows]


def participants(centre: Centre, call_sid: str) -> list[str | None]:
    conf = next(c for c in centre.fake.conferences.values() if c.friendly_name == f"conf-{call_sid}")
    return sorted((p.label or "") for p in conf.participants.values())


async def test_accept_connects_the_agent_after_they_saw_the_context(centre: Centre) -> None:
    alice, bob = centre.agents["alice"], centre.agents["bob"]
    await centre.dispatcher.set_state(bob, "available")
    await centre.dispatcher.set_state(alice, "available")
    call = centre.caller()
    await centre.call_to_caf(call)
    entry = await centre.entry(call.call_sid)
    assert entry.status == "offered" and entry.offered_to == alice   # the expert first
    assert participants(centre, call.call_sid) == ["caller"]        # nobody joined before accepting
    await centre.dispatcher.accept(alice, call.call_sid)
    await centre.settle()
    entry = await centre.entry(call.call_sid)
    assert entry.status == "connected" and entry.agent_id == alice and entry.connected_at is not None
    assert participants(centre, call.call_sid) == [f"agent-{alice}", "caller"]
    conf = next(iter(centre.fake.conferences.values()))
    assert conf.status == "in-progress"
    assert await presence(centre, alice) == "busy"
    # the agent hangs up: the conference ends, nobody is left in it
    await centre.fake.hangup(entry.agent_call_sid)
    await centre.settle()
    assert conf.status == "completed" and conf.participants == {}
    entry = await centre.entry(call.call_sid)
    assert entry.status == "ended"
    assert await presence(centre, alice) == "wrapup"
    assert await decisions(centre, call.call_sid) == ["queued", "offered", "accepted", "connected", "ended"]
    # wrap-up ends with time
    centre.clock.advance(31)
    await centre.dispatcher.tick()
    assert await presence(centre, alice) == "available"


async def test_decline_goes_to_the_next_agent(centre: Centre) -> None:
    alice, bob = centre.agents["alice"], centre.agents["bob"]
    await centre.dispatcher.set_state(alice, "available")
    await centre.dispatcher.set_state(bob, "available")
    call = centre.caller()
    await centre.call_to_caf(call)
    await centre.dispatcher.decline(alice, call.call_sid)
    entry = await centre.entry(call.call_sid)
    assert entry.offered_to == bob
    with pytest.raises(DeskError):
        await centre.dispatcher.accept(alice, call.call_sid)
    await centre.dispatcher.accept(bob, call.call_sid)
    await centre.settle()
    assert (await centre.entry(call.call_sid)).agent_id == bob


async def test_unanswered_offer_times_out_to_the_next_agent(centre: Centre) -> None:
    alice, bob = centre.agents["alice"], centre.agents["bob"]
    await centre.dispatcher.set_state(alice, "available")
    await centre.dispatcher.set_state(bob, "available")
    call = centre.caller()
    await centre.call_to_caf(call)
    assert (await centre.entry(call.call_sid)).offered_to == alice
    centre.clock.advance(10)
    await centre.dispatcher.tick()
    assert (await centre.entry(call.call_sid)).offered_to == alice
    centre.clock.advance(11)
    await centre.dispatcher.tick()
    entry = await centre.entry(call.call_sid)
    assert entry.offered_to == bob
    assert "timeout" in await decisions(centre, call.call_sid)


async def test_caller_hanging_up_while_waiting_leaves_nothing_behind(centre: Centre) -> None:
    alice = centre.agents["alice"]
    await centre.dispatcher.set_state(alice, "available")
    call = centre.caller()
    await centre.call_to_caf(call)
    await centre.fake.hangup(call.call_sid)
    await centre.settle()
    entry = await centre.entry(call.call_sid)
    assert entry.status == "abandoned" and entry.offered_to is None
    assert (await centre.desk.snapshot())["waiting"] == []
    conf = next(iter(centre.fake.conferences.values()))
    assert conf.status == "completed" and conf.participants == {}
    with pytest.raises(DeskError):
        await centre.dispatcher.accept(alice, call.call_sid)
    assert await presence(centre, alice) == "available"


async def test_caller_hanging_up_during_the_conversation_frees_the_agent(centre: Centre) -> None:
    alice = centre.agents["alice"]
    call = await centre.connected("alice")
    await centre.fake.hangup(call.call_sid)
    await centre.settle()
    conf = next(iter(centre.fake.conferences.values()))
    assert conf.status == "completed" and conf.participants == {}
    assert (await centre.entry(call.call_sid)).status == "ended"
    assert await presence(centre, alice) == "wrapup"


async def test_warm_transfer_with_a_private_briefing(centre: Centre) -> None:
    alice, bob = centre.agents["alice"], centre.agents["bob"]
    call = await centre.connected("alice")
    await centre.dispatcher.warm_transfer(alice, call.call_sid, bob)
    await centre.settle()
    conf = next(iter(centre.fake.conferences.values()))
    caller = conf.participants[call.call_sid]
    assert caller.hold is True                                   # the caller does not hear the briefing
    assert participants(centre, call.call_sid) == [f"agent-{alice}", f"agent-{bob}", "caller"]
    await centre.dispatcher.complete_transfer(alice, call.call_sid)
    await centre.settle()
    assert conf.participants[call.call_sid].hold is False
    assert participants(centre, call.call_sid) == [f"agent-{bob}", "caller"]
    entry = await centre.entry(call.call_sid)
    assert entry.agent_id == bob and entry.status == "connected"
    assert await presence(centre, alice) == "wrapup"
    assert "transfer_warm" in await decisions(centre, call.call_sid)
    await centre.dispatcher.end_call(bob, call.call_sid)
    await centre.settle()
    assert conf.status == "completed" and conf.participants == {}


async def test_cold_transfer_puts_the_caller_back_in_another_queue(centre: Centre) -> None:
    alice, chloe = centre.agents["alice"], centre.agents["chloe"]
    call = await centre.connected("alice")
    await centre.dispatcher.set_state(chloe, "available")
    await centre.dispatcher.cold_transfer(alice, call.call_sid, "france_travail", "france_travail")
    await centre.settle()
    entry = await centre.entry(call.call_sid)
    assert entry.status == "offered" and entry.offered_to == chloe and entry.queue == "france_travail"
    assert participants(centre, call.call_sid) == ["caller"]
    await centre.dispatcher.accept(chloe, call.call_sid)
    await centre.settle()
    assert participants(centre, call.call_sid) == [f"agent-{chloe}", "caller"]


async def test_hold_and_resume(centre: Centre) -> None:
    alice = centre.agents["alice"]
    call = await centre.connected("alice")
    await centre.dispatcher.hold(alice, call.call_sid, True)
    conf = next(iter(centre.fake.conferences.values()))
    assert conf.participants[call.call_sid].hold is True
    await centre.dispatcher.hold(alice, call.call_sid, False)
    assert conf.participants[call.call_sid].hold is False
    with pytest.raises(DeskError):
        await centre.dispatcher.hold(centre.agents["bob"], call.call_sid, True)


async def test_urgent_caller_is_offered_before_others(centre: Centre) -> None:
    from callcenter.ivr import commands as cmd
    alice = centre.agents["alice"]
    normal, urgent = centre.caller(), centre.caller()
    await centre.call_to_caf(normal)
    centre.clock.advance(30)
    await urgent.start()
    await centre.dispatcher.enqueue(urgent.call_sid, cmd.Transfer("caf", "caf", 0, "triage"), "urgent", ("danger",))
    await centre.join_conference(urgent)
    await centre.dispatcher.set_state(alice, "available")
    assert (await centre.entry(urgent.call_sid)).offered_to == alice
    assert (await centre.entry(normal.call_sid)).offered_to is None


async def test_first_agent_hanging_up_during_the_briefing_hands_over(centre: Centre) -> None:
    alice, bob = centre.agents["alice"], centre.agents["bob"]
    call = await centre.connected("alice")
    await centre.dispatcher.warm_transfer(alice, call.call_sid, bob)
    await centre.settle()
    entry = await centre.entry(call.call_sid)
    await centre.fake.hangup(entry.agent_call_sid)          # alice hangs up instead of completing
    await centre.settle()
    conf = next(iter(centre.fake.conferences.values()))
    assert conf.participants[call.call_sid].hold is False     # the caller hears bob, not hold music
    assert participants(centre, call.call_sid) == [f"agent-{bob}", "caller"]
    assert (await centre.entry(call.call_sid)).agent_id == bob


async def test_second_agent_hanging_up_during_the_briefing_keeps_the_first(centre: Centre) -> None:
    alice, bob = centre.agents["alice"], centre.agents["bob"]
    call = await centre.connected("alice")
    await centre.dispatcher.warm_transfer(alice, call.call_sid, bob)
    await centre.settle()
    entry = await centre.entry(call.call_sid)
    await centre.fake.hangup(entry.transfer_call_sid)
    await centre.settle()
    conf = next(iter(centre.fake.conferences.values()))
    assert conf.participants[call.call_sid].hold is False
    assert participants(centre, call.call_sid) == [f"agent-{alice}", "caller"]
    entry = await centre.entry(call.call_sid)
    assert entry.agent_id == alice and entry.transfer_to is None
