"""The Twilio adapter with Twilio-shaped webhooks: signatures, retries, malformed input, failures."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from aiohttp.test_utils import TestClient

from callcenter.config import Settings
from callcenter.flows import load_flow
from callcenter.ivr import CallState, event_from_dict, replay
from callcenter.web import keys
from callcenter.web.app import init_app
from tests.conftest import ACCOUNT_SID, AUTH_TOKEN, TwilioCall, make_env, server_on


def verbs(twiml: str) -> list[str]:
    return [el.tag for el in ET.fromstring(twiml)]


def said(twiml: str) -> str:
    return " ".join(el.text or "" for el in ET.fromstring(twiml).iter("Say"))


async def log_of(client: TestClient, sid: str) -> list[tuple[str, str]]:  # type: ignore[type-arg]
    rows = await client.app[keys.DATABASE].call_log(sid)
    return [(r.entry, r.kind) for r in rows]


async def test_incoming_call_gets_french_twiml_with_a_gather(new_call: Any) -> None:
    call: TwilioCall = new_call()
    resp = await call.post("/twilio/voice", call.params(CallStatus="ringing"))
    assert resp.status == 200
    assert resp.content_type == "text/xml"
    root = ET.fromstring(await resp.text())
    assert [el.tag for el in root] == ["Say", "Gather", "Redirect"]
    gather = root.find("Gather")
    assert gather is not None
    assert gather.get("input") == "dtmf speech"
    assert gather.get("language") == "fr-FR"
    assert gather.get("action") == "/twilio/gather?turn=1"
    assert gather.get("actionOnEmptyResult") == "true"
    assert root.find("Say").get("language") == "fr-FR"  # type: ignore[union-attr]
    assert "objet de votre appel" in said(await resp.text())


async def test_digits_and_speech_both_move_the_call(new_call: Any) -> None:
    by_key, by_voice = new_call(), new_call()
    await by_key.start()
    await by_voice.start()
    keyed = await by_key.gather(1, Digits="3")
    spoken = await by_voice.gather(1, SpeechResult="c'est pour l'assurance maladie", Confidence="0.83")
    assert "Pour l'Assurance maladie" in said(keyed)
    assert said(keyed) == said(spoken)


@pytest.mark.parametrize(("signature", "status"), [(None, 403), ("bm90IGEgc2lnbmF0dXJl", 403)])
async def test_missing_or_wrong_signature_is_refused(new_call: Any, signature: str | None,
                                                     status: int, caplog: Any) -> None:
    call: TwilioCall = new_call()
    resp = await call.post("/twilio/voice", call.params(), signature=signature)
    assert resp.status == status
    assert "Twilio signature" in caplog.text
    assert call.caller not in caplog.text
    db = call.client.app[keys.DATABASE]
    assert await db.get_call(call.call_sid) is None


async def test_signature_over_other_params_is_refused(new_call: Any) -> None:
    call: TwilioCall = new_call()
    from callcenter.telephony.signature import sign
    good = sign(AUTH_TOKEN, call.url_for("/twilio/voice"), call.params())
    tampered = call.params(From="+33700000000")
    resp = await call.post("/twilio/voice", tampered, signature=good)
    assert resp.status == 403


async def test_other_account_is_refused(new_call: Any) -> None:
    call: TwilioCall = new_call()
    resp = await call.post("/twilio/voice", call.params(AccountSid="AC" + "b2" * 16))
    assert resp.status == 403


async def test_retry_of_the_same_request_runs_the_step_once(new_call: Any) -> None:
    call: TwilioCall = new_call()
    await call.start()
    first = await call.gather(1, Digits="9")
    log_before = await log_of(call.client, call.call_sid)
    again = await call.gather(1, Digits="9")
    assert again == first
    assert await log_of(call.client, call.call_sid) == log_before


async def test_retry_with_idempotency_token(new_call: Any) -> None:
    call: TwilioCall = new_call()
    await call.start()
    headers = {"I-Twilio-Idempotency-Token": "tok-123"}
    one = await call.post("/twilio/gather?turn=1", call.params(Digits="1"), headers=headers)
    two = await call.post("/twilio/gather?turn=1", call.params(Digits="1"), headers=headers)
    assert await one.text() == await two.text()
    kinds = [k for e, k in await log_of(call.client, call.call_sid) if e == "event"]
    assert kinds == ["call_started", "digits"]


async def test_stale_answer_repeats_the_current_question(new_call: Any) -> None:
    call: TwilioCall = new_call()
    await call.start()
    current = await call.gather(1, Digits="1")            # now in the CAF menu, turn 2
    stale = await call.gather(1, Digits="5")              # a late answer to turn 1
    assert stale == current
    state = (await call.client.app[keys.DATABASE].get_call(call.call_sid)).state
    assert state["node"] == "menu_caf" and state["turn"] == 2


@pytest.mark.parametrize(("path", "params"), [
    ("/twilio/voice", {"CallSid": "not-a-sid"}),
    ("/twilio/voice", {}),
    ("/twilio/gather?turn=1", {"Digits": "12a"}),
    ("/twilio/gather?turn=abc", {"Digits": "1"}),
    ("/twilio/gather", {"Digits": "1"}),
    ("/twilio/gather?turn=1", {"SpeechResult": "bonjour", "Confidence": "high"}),
    ("/twilio/gather?turn=1", {"SpeechResult": "bonjour", "Confidence": "1.7"}),
    ("/twilio/status", {"CallStatus": "exploded"}),
    ("/twilio/queue-result", {"QueueResult": "maybe"}),
    ("/twilio/dial-result", {"DialCallStatus": "exploded"}),
    ("/twilio/conference", {"StatusCallbackEvent": ""}),
    ("/twilio/sms-status", {"MessageSid": "SM" + "1" * 32, "MessageStatus": "sent"}),
    ("/twilio/sms-status?call=CA" + "1" * 32, {"MessageStatus": "sent"}),
])
async def test_malformed_requests_get_400(new_call: Any, path: str, params: dict[str, str]) -> None:
    call: TwilioCall = new_call()
    await call.start()
    base = call.params()
    base.update(params)
    if "CallSid" in params or not params:
        base = {k: v for k, v in base.items() if k != "CallSid"} | params
    resp = await call.post(path, base)
    assert resp.status == 400


async def test_undecodable_body_gets_400(client: TestClient) -> None:  # type: ignore[type-arg]
    resp = await client.post("/twilio/voice", data=b"\xff\xfe", headers={
        "Content-Type": "multipart/form-data; boundary=x", "X-Twilio-Signature": "x"})
    assert resp.status in (400, 403)


async def test_unknown_call_gets_apology_and_a_person(new_call: Any) -> None:
    call: TwilioCall = new_call()
    twiml = await call.gather(1, Digits="1")
    assert verbs(twiml) == ["Say", "Enqueue"]       # Twilio's own queue: needs nothing of ours
    assert "incident technique" in said(twiml)


async def test_internal_failure_gets_apology_and_a_person(new_call: Any, caplog: Any) -> None:
    call: TwilioCall = new_call()
    await call.start()
    db = call.client.app[keys.DATABASE]
    async with db.engine.begin() as conn:   # a real failure: the log table is gone
        await conn.execute(sa.text("DROP TABLE call_log"))
    twiml = await call.gather(1, SpeechResult="mon numéro est le 06 12 34 56 78", Confidence="0.9")
    assert verbs(twiml) == ["Say", "Enqueue"]       # static fallback: the engine could not log
    assert "incident technique" in said(twiml)
    assert "06 12" not in caplog.text


async def test_status_callback_ends_the_call(new_call: Any) -> None:
    call: TwilioCall = new_call()
    await call.start()
    ringing = await call.post("/twilio/status", call.params(CallStatus="ringing"))
    assert ringing.status == 204
    done = await call.post("/twilio/status", call.params(CallStatus="completed", CallDuration="12"))
    assert done.status == 204
    row = await call.client.app[keys.DATABASE].get_call(call.call_sid)
    assert row.status == "ended" and row.ended_at is not None
    assert row.state["end_status"] == "completed"
    events = [k for e, k in await log_of(call.client, call.call_sid) if e == "event"]
    assert events == ["call_started", "status", "call_ended"]   # every webhook is in the log


async def test_status_for_unknown_call_is_accepted(new_call: Any) -> None:
    call: TwilioCall = new_call()
    resp = await call.post("/twilio/status", call.params(CallStatus="completed"))
    assert resp.status == 204


async def test_transfer_puts_the_caller_in_their_own_conference(new_call: Any) -> None:
    call: TwilioCall = new_call()
    await call.start()
    twiml = await call.gather(1, Digits="0")
    root = ET.fromstring(twiml)
    # Nobody is logged in: no promise of a person, a callback offered, the queue on silence.
    assert [el.tag for el in root] == ["Gather", "Dial"]
    assert "Aucun conseiller n'est disponible" in said(twiml) and "tapez 1" in said(twiml)
    assert "Je vous mets en relation" not in said(twiml)
    dial = root.find("Dial")
    assert dial is not None and dial.get("action") == "/twilio/dial-result"
    conference = dial.find("Conference")
    assert conference is not None and conference.text == f"conf-{call.call_sid}"
    assert conference.get("startConferenceOnEnter") == "false"
    assert conference.get("endConferenceOnExit") == "true"
    assert conference.get("waitUrl") == f"/twilio/hold?call={call.call_sid}"
    assert conference.get("statusCallback") == "/twilio/conference"
    assert "join" in (conference.get("statusCallbackEvent") or "")
    hold = await call.post(f"/twilio/hold?call={call.call_sid}", call.params())
    assert "position 1" in said(await hold.text())
    assert "minutes" not in said(await hold.text())            # nobody on duty: no estimate at all
    assert "Aucun conseiller n'est disponible" in said(await hold.text())
    assert verbs(await hold.text()) == ["Say", "Say", "Pause"]
    assert ("event", "waiting") in await log_of(call.client, call.call_sid)
    snapshot = await call.client.app[keys.DESK].snapshot()
    assert [w["call_sid"] for w in snapshot["waiting"]] == [call.call_sid]
    left = await call.post("/twilio/dial-result", call.params(DialCallStatus="completed", DialCallDuration="40"))
    assert verbs(await left.text()) == ["Hangup"]


async def test_fallback_queue_position_from_twilio(new_call: Any) -> None:
    call: TwilioCall = new_call()
    await call.start()
    hold = await call.post("/twilio/hold", call.params(QueuePosition="3"))
    assert "position 3" in said(await hold.text())
    left = await call.post("/twilio/queue-result", call.params(QueueResult="queue-full", QueueTime="0"))
    assert "occupés" in said(await left.text())


async def test_public_url_is_what_gets_signed(tmp_path: Path, database_url: str, flows_dir: Path,
                                              aiohttp_client: Any) -> None:
    public = "https://ivr.example.fr/base"
    settings = Settings.from_env(make_env(tmp_path, database_url, flows_dir, public_url=public))
    client = await aiohttp_client(init_app(settings), server_kwargs=server_on(settings))
    behind_proxy = TwilioCall(client, "CA" + "c3" * 16, signed_base=public)
    resp = await behind_proxy.post("/twilio/voice", behind_proxy.params())
    assert resp.status == 200
    direct = TwilioCall(client, "CA" + "d4" * 16)   # signed for the internal URL: not what Twilio signs
    resp = await direct.post("/twilio/voice", direct.params())
    assert resp.status == 403


async def test_log_replays_to_the_stored_state(new_call: Any, clock: Any) -> None:
    call: TwilioCall = new_call()
    await call.start()
    clock.advance(4)
    await call.gather(1, SpeechResult="c'est pour la caf", Confidence="0.77")
    clock.advance(6)
    await call.gather(2)                                   # silence
    clock.advance(3)
    await call.gather(3, Digits="2")
    clock.advance(9)
    await call.gather(4, Digits="7654321")
    db = call.client.app[keys.DATABASE]
    rows = await db.call_log(call.call_sid)
    row = await db.get_call(call.call_sid)
    engine = await call.client.app[keys.SERVICE].engine_for(row.flow_id, row.flow_version)
    events = [(event_from_dict(r.payload), r.at) for r in rows if r.entry == "event"]
    rebuilt = replay(engine, call.call_sid, events)
    assert rebuilt == CallState.from_dict(row.state)
    assert [r.seq for r in rows] == list(range(len(rows)))
    assert rebuilt.status == "transferred"


async def test_transcripts_are_redacted_before_storage(new_call: Any) -> None:
    call: TwilioCall = new_call()
    await call.start()
    await call.gather(1, SpeechResult="mon numéro c'est le 06 12 34 56 78 pour la caf", Confidence="0.9")
    db = call.client.app[keys.DATABASE]
    row = await db.get_call(call.call_sid)
    assert row.state["utterances"][0]["text"] == "mon numéro c'est le [téléphone] pour la caf"
    payloads = [r.payload for r in await db.call_log(call.call_sid)]
    assert "06 12" not in str(payloads)


async def test_healthz(client: TestClient) -> None:  # type: ignore[type-arg]
    resp = await client.get("/healthz")
    body = await resp.json()
    assert resp.status == 200
    assert body["database"] == "ok" and body["flow"]["id"] == "main" and body["status"] == "ok"
    assert body["triage"]["status"] == "ok" and body["triage"]["semantic"].startswith("sem-")
    assert body["degraded"] == []


async def test_healthz_says_the_triage_is_degraded_without_its_semantic_layer(
        aiohttp_client: Any, tmp_path: Path, database_url: str, flows_dir: Path) -> None:
    settings = Settings.from_env(make_env(tmp_path, database_url, flows_dir, semantic_model="off"))
    client = await aiohttp_client(init_app(settings), server_kwargs=server_on(settings))
    resp = await client.get("/healthz")
    body = await resp.json()
    # Still serving (200): the rules triage works and every caller can reach a person; but said.
    assert resp.status == 200 and body["status"] == "degraded"
    assert body["reasons"] == ["triage without its semantic layer: the rules decide alone"]
    assert body["triage"] == {"rules_version": body["triage"]["rules_version"], "semantic": None,
                              "status": "degraded"}
    assert body["degraded"] == ["triage"]
    call = TwilioCall(client, "CA" + "5" * 32)
    await call.start()
    twiml = await call.gather(1, SpeechResult="je veux en finir avec la vie", Confidence="0.8")
    assert "31 14" in twiml


async def test_healthz_reports_a_dead_database(client: TestClient) -> None:  # type: ignore[type-arg]
    db = client.app[keys.DATABASE]
    await db.engine.dispose()
    db.engine.sync_engine.pool._creator = lambda *a: (_ for _ in ()).throw(OSError("down"))  # type: ignore[attr-defined]
    resp = await client.get("/healthz")
    assert resp.status == 503
    body = await resp.json()
    assert body["database"] == "unreachable" and body["status"] == "down"
    assert body["reasons"][0] == "database unreachable"


def test_main_flow_loads(flows_dir: Path) -> None:
    assert load_flow(flows_dir / "main.yaml").id == "main"
    assert ACCOUNT_SID.startswith("AC")


async def test_every_step_is_published_on_the_bus(new_call: Any) -> None:
    call: TwilioCall = new_call()
    subscription = call.client.app[keys.BUS].subscribe("call.")
    import asyncio
    await asyncio.sleep(0.05)  # with Redis, let the listener attach
    await call.start()
    message = await asyncio.wait_for(subscription.queue.get(), 2)
    assert message is not None
    assert message.data["call_sid"] == call.call_sid
    assert message.data["event"] == "call_started" and message.data["node"] == "objet"
    assert "caller" not in message.data


async def _receipts(client: TestClient, sid: str) -> list[str]:  # type: ignore[type-arg]
    async with client.app[keys.DATABASE].engine.connect() as conn:
        rows = await conn.execute(sa.text("SELECT key FROM webhook_receipts WHERE call_sid = :sid ORDER BY key"),
                                  {"sid": sid})
        return [r[0] for r in rows]


async def test_a_twiml_request_keeps_its_receipt_in_the_calls_row_and_a_status_callback_its_own(
        new_call: Any) -> None:
    # Twilio asks a call's TwiML requests one after the other: a retry is of the latest, which the
    # call's row answers; a status callback can come whenever, and keeps a receipt of its own.
    call: TwilioCall = new_call()
    await call.start()
    headers = {"I-Twilio-Idempotency-Token": "tok-row-1"}
    one = await (await call.post("/twilio/gather?turn=1", call.params(Digits="1"), headers=headers)).text()
    assert await _receipts(call.client, call.call_sid) == []
    row = await call.client.app[keys.DATABASE].get_call(call.call_sid)
    assert row.last_request_key == "tok:tok-row-1" and row.last_response == one
    log_before = await log_of(call.client, call.call_sid)
    again = await (await call.post("/twilio/gather?turn=1", call.params(Digits="1"), headers=headers)).text()
    assert again == one and await log_of(call.client, call.call_sid) == log_before

    status = {"I-Twilio-Idempotency-Token": "tok-status-1"}
    ended = await call.post("/twilio/status", call.params(CallStatus="completed"), headers=status)
    assert ended.status == 204
    assert await _receipts(call.client, call.call_sid) == ["tok:tok-status-1"]
    log_after = await log_of(call.client, call.call_sid)
    retried = await call.post("/twilio/status", call.params(CallStatus="completed"), headers=status)
    assert retried.status == 204 and await log_of(call.client, call.call_sid) == log_after


async def test_a_twiml_requests_retry_after_a_status_callback_is_still_answered_from_the_row(
        new_call: Any) -> None:
    # An SMS report or a status callback between the request and its retry leaves the call's
    # row's receipt alone.
    call: TwilioCall = new_call()
    await call.start()
    headers = {"I-Twilio-Idempotency-Token": "tok-row-2"}
    one = await (await call.post("/twilio/gather?turn=1", call.params(Digits="1"), headers=headers)).text()
    report = await call.post(f"/twilio/sms-status?call={call.call_sid}",
                             call.params(MessageSid="SM" + "a" * 32, MessageStatus="delivered"))
    assert report.status == 204
    log_before = await log_of(call.client, call.call_sid)
    again = await (await call.post("/twilio/gather?turn=1", call.params(Digits="1"), headers=headers)).text()
    assert again == one and await log_of(call.client, call.call_sid) == log_before
