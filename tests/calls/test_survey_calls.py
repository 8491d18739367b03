"""Whole simulated calls through the real webhooks and the fake Twilio: the post-call survey after
an automatic answer and after an agent (its rows in the store), refusal and silence, and the
digital bridge's SMS with its delivery reports."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from sqlalchemy import select

from callcenter.store.models import SurveyResponse
from callcenter.web import keys
from tests.centre import Centre
from tests.conftest import TwilioCall

PAID = "la retraite est payée quel jour du mois"          # retraite.paiement: no online procedure
ASK_RETIREMENT = "comment demander ma retraite"            # retraite.demande: an online procedure


def said(twiml: str) -> str:
    return " ".join(el.text or "" for el in ET.fromstring(twiml).iter("Say"))


def turn(twiml: str) -> int:
    found = re.search(r"turn=(\d+)", twiml)
    assert found is not None, twiml
    return int(found.group(1))


async def rows(centre: Centre) -> list[SurveyResponse]:
    async with centre.client.app[keys.DATABASE].sessions() as session:
        return list(await session.scalars(select(SurveyResponse).order_by(SurveyResponse.created_at)))


async def log_kinds(centre: Centre, call: TwilioCall) -> list[tuple[str, str]]:
    return [(r.entry, r.kind) for r in await centre.client.app[keys.DATABASE].call_log(call.call_sid)]


async def answered(call: TwilioCall, question: str = PAID) -> str:
    """Phone in, ask a question the knowledge base answers, say that's all."""
    await call.start()
    twiml = await call.gather(1, SpeechResult=question, Confidence="0.85")
    return await call.gather(turn(twiml), Digits="4")


async def test_survey_after_an_answer_is_stored_with_a_redacted_comment(centre: Centre) -> None:
    call = centre.caller()
    twiml = await answered(call)
    assert "Acceptez-vous de répondre à une question sur cet appel ? Tapez 1 pour oui." in said(twiml)
    twiml = await call.gather(turn(twiml), Digits="1")
    assert "Votre question a-t-elle reçu une réponse ? Tapez une note de 1 à 5" in said(twiml)
    twiml = await call.gather(turn(twiml), Digits="4")
    [row] = await rows(centre)                                  # kept as soon as the score is given
    assert (row.call_sid, row.score, row.comment, row.via, row.node, row.kb_id, row.tier, row.flow_id) == (
        call.call_sid, 4, None, "answer", "reponse", "retraite.paiement", "normal", "main")
    assert row.created_at == centre.clock.now
    bye = await call.gather(turn(twiml), SpeechResult="rapide, rappelez-moi au 06 12 34 56 78 " + "merci " * 60,
                            Confidence="0.7")
    assert said(bye) == "Merci pour votre réponse. Merci de votre appel. Au revoir."
    [row] = await rows(centre)
    assert row.score == 4 and row.comment is not None and len(row.comment) <= 200
    assert row.comment.startswith("rapide, rappelez-moi au [") and "06 12" not in row.comment
    assert ("command", "record_survey") in await log_kinds(centre, call)
    state = (await centre.client.app[keys.DATABASE].get_call(call.call_sid)).state
    assert state["status"] == "ended" and state["survey"]["phase"] == "done"


async def test_refusal_and_silence_store_nothing_and_say_goodbye(centre: Centre) -> None:
    refusing, silent, no_score = centre.caller(), centre.caller(), centre.caller()
    twiml = await answered(refusing)
    bye = await refusing.gather(turn(twiml), Digits="2")
    assert said(bye) == "Merci de votre appel. Au revoir." and "<Hangup" in bye
    twiml = await answered(silent)
    bye = await silent.gather(turn(twiml))                      # Twilio's empty answer: no input
    assert said(bye) == "Merci de votre appel. Au revoir." and "<Hangup" in bye
    twiml = await answered(no_score)
    twiml = await no_score.gather(turn(twiml), Digits="1")
    bye = await no_score.gather(turn(twiml))
    assert "<Hangup" in bye
    assert await rows(centre) == []


async def test_survey_after_the_agent_hangs_up(centre: Centre) -> None:
    call = await centre.connected("alice")
    entry = await centre.entry(call.call_sid)
    assert entry.status == "connected" and entry.agent_id == centre.agents["alice"]
    await centre.fake.hangup(entry.agent_call_sid)              # the agent ends the call
    await centre.settle()
    conf = next(iter(centre.fake.conferences.values()))
    assert conf.status == "completed"
    # The caller's <Dial> is over: Twilio asks its action what comes next.
    resp = await call.post("/twilio/dial-result", call.params(DialCallStatus="completed", DialCallDuration="95"))
    twiml = await resp.text()
    assert resp.status == 200 and "Acceptez-vous de répondre" in said(twiml)
    twiml = await call.gather(turn(twiml), Digits="1")
    twiml = await call.gather(turn(twiml), Digits="5")
    bye = await call.gather(turn(twiml))
    assert said(bye) == "Merci pour votre réponse. Merci de votre appel. Au revoir."
    [row] = await rows(centre)
    assert (row.score, row.via, row.agent_id, row.queue, row.node, row.kb_id) == (
        5, "agent", centre.agents["alice"], "caf", "caf", None)
    kinds = await log_kinds(centre, call)
    assert kinds.index(("event", "agent_handled")) + 1 == kinds.index(("event", "queue_left"))


async def test_a_caller_who_hangs_up_on_the_agent_is_not_surveyed(centre: Centre) -> None:
    call = await centre.connected("alice")
    await centre.fake.hangup(call.call_sid)                     # the caller leaves first
    await centre.settle()
    await call.post("/twilio/status", call.params(CallStatus="completed"))
    resp = await call.post("/twilio/dial-result", call.params(DialCallStatus="completed", DialCallDuration="95"))
    assert resp.status == 200 and "Acceptez" not in said(await resp.text())
    assert await rows(centre) == []


async def test_online_link_by_sms_with_delivery_reports(centre: Centre) -> None:
    call = centre.caller()
    twiml = await answered(call, ASK_RETIREMENT)
    assert "Voulez-vous recevoir par SMS le lien pour la faire ? Tapez 1." in said(twiml)
    twiml = await call.gather(turn(twiml), Digits="1")
    assert "qui finit par 56 78" in said(twiml)
    twiml = await call.gather(turn(twiml), Digits="1")          # confirmed: Twilio is asked, then the caller told
    assert "C'est envoyé." in said(twiml) and "tapez 0" in said(twiml)
    [message] = centre.fake.messages
    url = centre.client.app[keys.CORES].knowledge.kb["retraite.demande"].online.url
    assert message["to"] == call.caller and message["body"] == (
        f"Demander votre retraite en ligne : {url}\nPour de l'aide, rappelez-nous et tapez 0.")
    await centre.settle()                                       # Twilio's reports: sent, then delivered
    log = await centre.client.app[keys.DATABASE].call_log(call.call_sid)
    reports = [r.payload["status"] for r in log if r.kind == "sms_status"]
    assert reports == ["sent", "delivered"]
    assert all(r.payload["sid"] == message["sid"] for r in log if r.kind == "sms_status")
    survey = await call.gather(turn(twiml))                     # silence: on to the survey
    assert "Acceptez-vous" in said(survey)


async def test_online_link_refused_and_undelivered(centre: Centre) -> None:
    refusing = centre.caller()
    twiml = await answered(refusing, ASK_RETIREMENT)
    twiml = await refusing.gather(turn(twiml), Digits="2")
    assert said(twiml).startswith("D'accord, pas de SMS.") and centre.fake.messages == []
    lost = centre.caller()
    centre.fake.unreachable.add(lost.caller)
    twiml = await answered(lost, ASK_RETIREMENT)
    twiml = await lost.gather(turn(twiml), Digits="1")
    twiml = await lost.gather(turn(twiml), Digits="1")
    assert "C'est envoyé." in said(twiml)                        # accepted by Twilio...
    await centre.settle()
    log = await centre.client.app[keys.DATABASE].call_log(lost.call_sid)
    final = [r.payload for r in log if r.kind == "sms_status"][-1]
    assert final["status"] == "undelivered" and final["error_code"] == "30003"   # ...never delivered


async def test_a_survey_answer_goes_with_its_call(centre: Centre) -> None:
    """Access and erasure requests include the answer; a purge counts it with its call."""
    from datetime import timedelta

    from callcenter.privacy.retention import Retention, erase, export, purge
    call = centre.caller()
    twiml = await answered(call)
    twiml = await call.gather(turn(twiml), Digits="1")
    twiml = await call.gather(turn(twiml), Digits="3")
    await call.gather(turn(twiml), SpeechResult="un peu long", Confidence="0.8")
    db, key = centre.client.app[keys.DATABASE], centre.client.app[keys.SETTINGS].caller_hash_key
    data = await export(db, key, call.caller, centre.clock.now, "test")
    [exported] = data["calls"]
    assert exported["survey"] == {"at": centre.clock.now.isoformat(), "score": 3, "comment": "un peu long"}
    later = centre.clock.now + timedelta(days=400)
    counts = await purge(db, Retention(calls_days=183, analyses_days=365, receipts_days=2), key, later, dry_run=True)
    assert counts["survey_responses"] == 1 and counts["calls"] == 1
    erased = await erase(db, key, call.caller, centre.clock.now, "test")
    assert erased["survey_responses"] == 1 and await rows(centre) == []
