"""The dispatcher carries out every kind of command, the IVR's and the desk's, through the ports the
server built it with. The only fake is Twilio's (callcenter/telephony/fake_twilio.py, a local server
behind the real REST client); the shells, the store and the bus are the real ones."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from callcenter.desk.model import CallUpdated, DeskError, EndConference, Hold, Offer, Publish, RemoveLeg, Withdraw
from callcenter.desk.service import Stepped
from callcenter.dispatch import Dispatcher, Ports
from callcenter.ivr import commands as cmd
from callcenter.store.models import RoutingDecision
from callcenter.telephony.conference import CHANNEL as TWILIO
from callcenter.telephony.rest import TwilioCallControl, TwilioRest
from callcenter.web import keys
from tests.centre import Centre
from tests.conftest import ACCOUNT_SID

NUMBER = "+33611111111"


def news(sub: Any) -> list[tuple[str, dict[str, Any]]]:
    """What the bus carried to a subscriber so far: (topic, payload)."""
    got = []
    while not sub.queue.empty():
        message = sub.queue.get_nowait()
        assert message is not None
        got.append((message.topic, message.data))
    return got


def participants(centre: Centre, call_sid: str) -> dict[str | None, Any]:
    conf = next(c for c in centre.fake.conferences.values() if c.friendly_name == f"conf-{call_sid}")
    return {p.label: p for p in conf.participants.values()}


async def decisions(centre: Centre, call_sid: str) -> list[str]:
    async with centre.desk.db.sessions() as session:
        rows = await session.scalars(select(RoutingDecision.kind).where(RoutingDecision.call_sid == call_sid)
                                     .order_by(RoutingDecision.id))
        return list(rows)


async def test_ivr_commands_reach_the_sms_port_and_the_desk(centre: Centre) -> None:
    alice = centre.agents["alice"]
    await centre.dispatcher.set_state(alice, "available")
    call = centre.caller()
    await call.start()
    sub = centre.client.app[keys.BUS].subscribe("desk.")
    await centre.dispatcher.carry_out_ivr(call.call_sid, [
        cmd.SendSms(NUMBER, "Votre lien"), cmd.CallbackNumber("06 22 22 22 22"),
        cmd.Transfer("caf", "caf", 0, "test")])
    await centre.settle()
    assert [(m["to"], m["body"]) for m in centre.fake.messages] == [(NUMBER, "Votre lien")]
    assert await centre.desk.callback_number(call.call_sid) == "+33622222222"
    entry = await centre.entry(call.call_sid)
    assert entry.status == "offered" and entry.offered_to == alice
    assert [(t, d["agent_id"]) for t, d in news(sub) if t == "desk.offer" and d["call_sid"] == call.call_sid] == [
        ("desk.offer", alice)]
    # A callback chosen while offered: off the live queue, the offer withdrawn from the agent's screen.
    await centre.dispatcher.carry_out_ivr(call.call_sid, [cmd.RequestCallback(NUMBER)])
    assert (await centre.entry(call.call_sid)).status == "callback"
    assert ("desk.offer_withdrawn", {"agent_id": alice, "call_sid": call.call_sid, "why": "callback"}) in news(sub)
    assert await decisions(centre, call.call_sid) == ["queued", "offered", "callback_requested"]


async def test_the_end_of_a_call_lets_the_desk_go_of_the_caller(centre: Centre) -> None:
    alice = centre.agents["alice"]
    call = await centre.connected("alice")
    # Twilio's final status for the caller's call: the IVR's step ends the call, and the dispatcher
    # tells the desk (the agent goes to wrap-up) without waiting for the conference's callbacks.
    resp = await call.post("/twilio/status", call.params(CallStatus="completed"))
    assert resp.status == 204
    entry = await centre.entry(call.call_sid)
    assert entry.status == "ended" and entry.agent_id == alice
    agents = {a["id"]: a["state"] for a in (await centre.desk.snapshot())["agents"]}
    assert agents[alice] == "wrapup"


async def test_desk_commands_move_the_conference_and_tell_the_screens(centre: Centre) -> None:
    call = await centre.connected("alice")
    entry = await centre.desk.entry(call.call_sid)
    assert entry is not None and entry.conference is not None and entry.agent_leg is not None
    sub = centre.client.app[keys.BUS].subscribe("")
    await centre.dispatcher.carry_out_desk(Stepped(entry, (
        Hold(entry.conference, call.call_sid, True), Publish(CallUpdated(call.call_sid, on_hold=True)),
        Offer(centre.agents["bob"], "agent de la compétence"), Withdraw(centre.agents["bob"], "timeout"))))
    await centre.settle()
    assert participants(centre, call.call_sid)["caller"].hold is True
    assert [t for t, _ in news(sub)] == ["call.updated", "desk.offer", "desk.offer_withdrawn"]
    await centre.dispatcher.carry_out_desk(Stepped(entry, (Hold(entry.conference, call.call_sid, False),)))
    assert participants(centre, call.call_sid)["caller"].hold is False
    await centre.dispatcher.carry_out_desk(Stepped(entry, (RemoveLeg(entry.conference, entry.agent_leg),)))
    await centre.settle()
    assert f"agent-{centre.agents['alice']}" not in participants(centre, call.call_sid)
    await centre.dispatcher.carry_out_desk(Stepped(entry, (EndConference(entry.conference),)))
    await centre.settle()
    conf = next(iter(centre.fake.conferences.values()))
    assert conf.status == "completed" and conf.participants == {}
    assert (await centre.entry(call.call_sid)).status == "ended"


async def test_an_agent_line_that_cannot_be_rung_sends_the_caller_to_the_next_agent(centre: Centre) -> None:
    """Twilio refusing the agent's leg (here: a wrong account token) is stepped as a failed leg, the
    caller offered to the next agent, and the agent told."""
    alice, bob = centre.agents["alice"], centre.agents["bob"]
    await centre.dispatcher.set_state(alice, "available")
    await centre.dispatcher.set_state(bob, "available")
    call = centre.caller()
    await centre.call_to_caf(call)
    assert (await centre.entry(call.call_sid)).offered_to == alice
    settings = centre.client.app[keys.SETTINGS]
    refused = TwilioRest(ACCOUNT_SID, "not-the-token", centre.fake_url, "+33900000000")
    ours = centre.dispatcher
    # The same shells and bus; only the Twilio line differs.
    other = Dispatcher(ours.calls, ours.desk, Ports(ours.ports.bus, {TWILIO: TwilioCallControl(
        refused, settings.callback_base)}))
    try:
        with pytest.raises(DeskError, match="could not be joined"):
            await other.accept(alice, call.call_sid)
    finally:
        await refused.close()
    entry = await centre.entry(call.call_sid)
    assert entry.status == "offered" and entry.offered_to == bob
    assert await decisions(centre, call.call_sid) == ["queued", "offered", "accepted", "requeued", "offered"]
    assert participants(centre, call.call_sid).keys() == {"caller"}
