"""Callbacks really placed, at the HTTP level: our server, the fake Twilio (Calls.json, status
callbacks, the callee's answer, key or silence), agents, on a virtual clock."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from callcenter.cluster import Job, Node, Scheduler
from callcenter.ivr import CallState, event_from_dict, replay
from callcenter.ivr.callback_text import sms_segments, sms_units
from callcenter.store.models import CallbackRecord, RoutingDecision
from callcenter.telephony.fake_twilio import FakeCall
from callcenter.web import keys
from tests.centre import PASSWORD, Centre, make_centre
from tests.conftest import FakeClock, TwilioCall
from tests.web.browser import Browser

NUMBER = "+33612345678"


async def ask_callback(centre: Centre, call: TwilioCall, *keys_: str) -> str:
    """Phone the CAF with nobody on duty, take the callback offer, confirm the number (or key
    another), as soon as possible (or the key given)."""
    await call.start()
    await call.gather(1, Digits="1")
    await call.gather(2, Digits="1")
    offer = await call.gather(3, Digits="1234567")
    assert "Pour être rappelé à ce numéro, tapez 1" in offer
    answers = ["1", *keys_] if keys_ else ["1", "1", "1"]
    twiml = ""
    for turn, digits in enumerate(answers, start=4):
        twiml = await call.gather(turn, Digits=digits)
    await centre.settle()
    return twiml


def placed(centre: Centre) -> list[FakeCall]:
    return [c for sid, c in centre.fake.calls.items() if sid in centre.fake.outbound.outbound]


async def callee(centre: Centre, call: FakeCall, action: str, digits: str = "") -> dict[str, Any]:
    resp = await centre.client.session.post(f"{centre.fake_url}/_fake/calls/{call.sid}/callee",
                                            json={"action": action, "digits": digits})
    assert resp.status == 200, await resp.text()
    body: dict[str, Any] = await resp.json()
    await centre.settle()
    return body


async def decisions(centre: Centre, call_sid: str) -> list[str]:
    async with centre.desk.db.sessions() as session:
        rows = await session.scalars(select(RoutingDecision.kind).where(RoutingDecision.call_sid == call_sid)
                                     .order_by(RoutingDecision.id))
        return list(rows)


async def offer_to_alice(centre: Centre, call: TwilioCall) -> str:
    """Alice comes on duty, the callback's time comes, it is offered to her; the offer's reason."""
    alice = centre.agents["alice"]
    await centre.dispatcher.set_state(alice, "available")
    assert await centre.dispatcher.callbacks_due() == [call.call_sid]
    entry = await centre.entry(call.call_sid)
    assert entry.status == "offered" and entry.offered_to == alice
    async with centre.desk.db.sessions() as session:
        reason = await session.scalar(select(RoutingDecision.reason).where(
            RoutingDecision.call_sid == call.call_sid, RoutingDecision.kind == "offered"
        ).order_by(RoutingDecision.id.desc()))
    return str(reason)


def participants(centre: Centre, call_sid: str) -> list[str]:
    confs = [c for c in centre.fake.conferences.values()
             if c.friendly_name == f"conf-{call_sid}" and c.status != "completed"]
    return sorted((p.label or "") for c in confs for p in c.participants.values())


async def test_a_caller_who_asked_for_a_callback_is_called_back_and_joined_to_the_agent(centre: Centre) -> None:
    call = centre.caller()
    bye = await ask_callback(centre, call)
    assert "rappellera dès que possible" in bye
    entry = await centre.entry(call.call_sid)
    assert entry.status == "callback" and entry.callback_due is not None
    # The number is kept whole in the callback record only; the call's log has it masked.
    async with centre.desk.db.sessions() as session:
        record = await session.get(CallbackRecord, call.call_sid)
    assert record is not None and record.number == NUMBER
    log = await centre.client.app[keys.DATABASE].call_log(call.call_sid)
    # (The start event keeps the caller as Twilio gave it, as for every call: calls.caller policy.)
    assert [r.kind for r in log if "612345678" in str(r.payload)] == ["call_started"]
    board = await centre.desk.snapshot()
    assert [(c["call_sid"], c["state"]) for c in board["callbacks"]] == [(call.call_sid, "pending")]

    reason = await offer_to_alice(centre, call)
    assert reason.startswith("Rappel demandé à 10 h 00 ;")
    # The offer on the agent's screen: the callback first, then the caller's whole context.
    alice = Browser(centre.public)
    await alice.login("alice", PASSWORD)
    try:
        ctx = await (await alice.get(f"/api/calls/{call.call_sid}")).json()
    finally:
        await alice.close()
    assert ctx["fr"]["callback"].startswith("Rappel demandé à 10 h 00.")
    assert ctx["queue"]["callback"]["tries"] == 0 and ctx["path"]
    assert placed(centre) == []                                    # nobody is dialled before the agent accepts
    await centre.dispatcher.accept(centre.agents["alice"], call.call_sid)
    await centre.settle()
    [back] = placed(centre)
    assert (back.to, back.from_) == (NUMBER, "+33900000000")
    statuses = [p["CallStatus"] for url, p in centre.fake.callbacks if "/twilio/callback/status" in url]
    assert statuses == ["queued", "ringing"]
    assert participants(centre, call.call_sid) == []               # the agent waits for the caller

    heard = await callee(centre, back, "answer")
    assert "avez demandé à être rappelé" in " ".join(heard["heard"]) and "tapez 1" in " ".join(heard["heard"])
    await callee(centre, back, "press", "1")
    entry = await centre.entry(call.call_sid)
    assert participants(centre, call.call_sid) == [f"agent-{centre.agents['alice']}", "caller"]
    assert entry.status == "connected" and entry.connected_at is not None and entry.callback_stage == "joined"
    assert await decisions(centre, call.call_sid) == [
        "queued", "callback_requested", "callback_due", "offered", "accepted", "callback_answered", "callback_joined",
        "connected"]
    # The caller hangs up: the call ends like any other; the agent wraps up.
    await centre.fake.hangup(back.sid)
    await centre.settle()
    assert (await centre.entry(call.call_sid)).status == "ended"


async def test_no_answer_is_tried_again_later_then_a_last_sms(tmp_path: Path, database_url: str, flows_dir: Path,
                                                               aiohttp_server: Any, aiohttp_client: Any,
                                                               clock: FakeClock) -> None:
    centre = await make_centre(tmp_path, database_url, flows_dir, aiohttp_server, aiohttp_client, clock,
                               callback_retries="1", callback_retry_minutes="20")
    call = centre.caller()
    await ask_callback(centre, call)
    alice = centre.agents["alice"]
    await offer_to_alice(centre, call)
    await centre.dispatcher.accept(alice, call.call_sid)
    await centre.settle()
    await callee(centre, placed(centre)[0], "no-answer")
    entry = await centre.entry(call.call_sid)
    assert entry.status == "callback" and entry.callback_tries == 1
    assert (entry.callback_due - clock()).total_seconds() == 20 * 60
    board = await centre.desk.snapshot()
    assert [a["state"] for a in board["agents"] if a["id"] == alice] == ["available"]
    assert await centre.dispatcher.callbacks_due() == []                 # not before the spacing
    clock.advance(20 * 60)
    reason = await offer_to_alice(centre, call)
    assert "essai 2 sur 2" in reason
    await centre.dispatcher.accept(alice, call.call_sid)
    await centre.settle()
    await callee(centre, placed(centre)[1], "busy")
    entry = await centre.entry(call.call_sid)
    assert entry.status == "callback_failed" and entry.callback_tries == 2
    [sms] = [m for m in centre.fake.messages if m["to"] == NUMBER]
    assert "Nous avons essayé 2 fois" in sms["body"] and "09 00 00 00 00" in sms["body"]
    assert sms_units(sms["body"]) is not None and sms_segments(sms["body"]) <= 2
    async with centre.desk.db.sessions() as session:
        record = await session.get(CallbackRecord, call.call_sid)
    assert record is not None and record.sms_sid == sms["sid"] and len(record.legs["legs"]) == 2
    board = await centre.desk.snapshot()
    assert [(c["state"], c["tries"]) for c in board["callbacks"]] == [("failed", 2)]
    # The supervisors' board says so, in its « Rappels » section.
    sarah = Browser(centre.public)
    await sarah.login("sarah", PASSWORD)
    try:
        page = await (await sarah.get("/board")).text()
    finally:
        await sarah.close()
    assert "<h2 id=\"callbacks-title\">Rappels</h2>" in page
    assert "échec après 2 essais : SMS envoyé" in page and "1 rappel sans réponse" in page
    kinds = await decisions(centre, call.call_sid)
    assert kinds.count("callback_retry") == 1 and kinds[-1] == "callback_failed"


async def test_an_answering_machine_never_gets_the_agent(centre: Centre) -> None:
    call = centre.caller()
    await ask_callback(centre, call)
    await offer_to_alice(centre, call)
    await centre.dispatcher.accept(centre.agents["alice"], call.call_sid)
    await centre.settle()
    [back] = placed(centre)
    await callee(centre, back, "answer")
    said = await callee(centre, back, "silent")
    assert "Nous n'avons pas eu de réponse" in " ".join(said["heard"])
    assert said["status"] == "completed"
    entry = await centre.entry(call.call_sid)
    assert entry.status == "callback" and entry.callback_tries == 1 and entry.agent_id is None
    assert participants(centre, call.call_sid) == []               # the agent was never rung
    assert "callback_retry" in await decisions(centre, call.call_sid)


async def test_another_number_and_a_slot_are_kept(centre: Centre) -> None:
    call = centre.caller()
    bye = await ask_callback(centre, call, "0712345699", "2")      # Thursday 10:00: 13:30 today
    assert "rappellera aujourd'hui à 13 heures 30" in bye
    async with centre.desk.db.sessions() as session:
        record = await session.get(CallbackRecord, call.call_sid)
    assert record is not None and record.number == "+33712345699"
    # The keyed number is nowhere in the call's log or state, and the log replays to the state.
    db = centre.client.app[keys.DATABASE]
    row = await db.get_call(call.call_sid)
    log = await db.call_log(call.call_sid)
    assert "12345699" not in str([r.payload for r in log]) and "12345699" not in str(row.state)
    engine = await centre.client.app[keys.SERVICE].engine_for(row.flow_id, row.flow_version)
    events = [(event_from_dict(r.payload), r.at) for r in log if r.entry == "event"]
    assert replay(engine, call.call_sid, events) == CallState.from_dict(row.state)
    entry = await centre.entry(call.call_sid)
    assert entry.callback_due.astimezone(UTC) == datetime(2026, 11, 26, 12, 30, tzinfo=UTC)   # 13:30 in Paris
    await centre.dispatcher.set_state(centre.agents["alice"], "available")
    assert await centre.dispatcher.callbacks_due() == []                # not before the slot
    centre.clock.advance(3.5 * 3600)                               # 13:30 in Paris
    assert await centre.dispatcher.callbacks_due() == [call.call_sid]
    await centre.dispatcher.accept(centre.agents["alice"], call.call_sid)
    await centre.settle()
    assert placed(centre)[0].to == "+33712345699"


async def test_a_forged_callback_webhook_is_refused(centre: Centre) -> None:
    call = centre.caller()
    resp = await call.post(f"/twilio/callback/key?call={call.call_sid}&t=0000", call.params(Digits="1"))
    assert resp.status == 403
    resp = await call.post("/twilio/callback/status?call=x", call.params(), signature="bad")
    assert resp.status == 403


@pytest.mark.parametrize("script", ["busy", "no-answer", "fail"])
async def test_fake_twilio_calls_resource_as_documented(centre: Centre, script: str) -> None:
    """Calls.json create, list and fetch through the real twilio client; status callbacks signed."""
    rest = centre.dispatcher.ports.callbacks.rest  # type: ignore[union-attr]
    await centre.client.session.post(f"{centre.fake_url}/_fake/callees", json={"number": NUMBER, "script": script})
    created = await rest.client.calls.create_async(to=NUMBER, from_="+33900000000",
                                                   url=centre.public + "/twilio/hold-music",
                                                   status_callback=centre.public + "/twilio/hold-music",
                                                   status_callback_event=["initiated", "ringing", "answered"])
    assert created.status == "queued"
    await centre.settle()
    fetched = await rest.client.calls(created.sid).fetch_async()
    assert fetched.status == {"fail": "failed"}.get(script, script)
    listed = await rest.client.calls.list_async(to=NUMBER)
    assert [c.sid for c in listed] == [created.sid]
    events = [p for url, p in centre.fake.callbacks if p.get("CallSid") == created.sid]
    assert [p["CallStatus"] for p in events] == ["queued", "ringing", fetched.status]


async def test_due_callbacks_are_stepped_once_across_processes(centre: Centre) -> None:
    """The « desk.callbacks » timer is a cluster job: two processes' schedulers, one step."""
    call = centre.caller()
    await ask_callback(centre, call)
    schedulers = [Scheduler(Node(centre.desk.db, name, centre.clock), [Job("desk.callbacks", 15.0,
                                                                          centre.dispatcher.callbacks_due)])
                  for name in ("A", "B")]
    ran = await asyncio.gather(*(s.run_due() for s in schedulers))
    assert sorted(map(len, ran)) == [0, 1]
    assert (await decisions(centre, call.call_sid)).count("callback_due") == 1
    assert (await centre.entry(call.call_sid)).status == "waiting"
