"""Whole simulated calls: answers from the knowledge base (repeat, SMS, another question, a
person) and the triage's urgent and fragile paths, through the real webhooks."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from callcenter.store.models import QueueEntry
from callcenter.web import keys
from tests.centre import Centre
from tests.conftest import TwilioCall


def said(twiml: str) -> str:
    return " ".join(el.text or "" for el in ET.fromstring(twiml).iter("Say"))


def verbs(twiml: str) -> list[str]:
    return [el.tag for el in ET.fromstring(twiml)]


async def state_of(centre: Centre, call: TwilioCall) -> dict:  # type: ignore[type-arg]
    row = await centre.client.app[keys.DATABASE].get_call(call.call_sid)
    return dict(row.state)


async def test_question_answered_repeated_sent_by_sms_then_another(centre: Centre) -> None:
    kb = centre.client.app[keys.CORES].knowledge
    card = kb.kb["am.carte_vitale"]
    call = centre.caller()
    await call.start()
    twiml = await call.gather(1, SpeechResult="bonjour j'ai perdu ma carte vitale", Confidence="0.82")
    assert card.spoken_answer in said(twiml)
    assert "Pour recevoir le détail par SMS, tapez 2" in said(twiml)
    state = await state_of(centre, call)
    assert [a["kb_id"] for a in state["answers"]] == ["am.carte_vitale"]
    assert state["answers"][0]["score"] > 0.5 and state["node"] == "reponse"
    again = await call.gather(2, Digits="1")                          # repeat
    assert card.spoken_answer in said(again)
    sent = await call.gather(3, SpeechResult="envoyez-moi un texto", Confidence="0.9")
    assert "C'est envoyé" in said(sent)
    [message] = centre.fake.messages
    assert message["to"] == call.caller and message["from"] == "+33900000000"
    assert card.title in message["body"] and card.link in message["body"]
    log = await centre.client.app[keys.DATABASE].call_log(call.call_sid)
    assert ("command", "send_sms") in [(r.entry, r.kind) for r in log]
    other = await call.gather(4, Digits="3")                          # another question
    assert "Quelle est votre question" in said(other)
    paid = await call.gather(5, SpeechResult="quand est-ce que la caf verse les allocations", Confidence="0.8")
    assert kb.kb["caf.date_paiement"].spoken_answer in said(paid)
    survey = await call.gather(6, Digits="4")                         # that's all: the survey is offered
    assert "Acceptez-vous de répondre à une question sur cet appel" in said(survey)
    bye = await call.gather(7)                                        # silence: a polite goodbye
    assert verbs(bye) == ["Say", "Hangup"] and "Au revoir" in said(bye)
    state = await state_of(centre, call)
    assert [a["kb_id"] for a in state["answers"]] == ["am.carte_vitale", "caf.date_paiement"]


async def test_a_bare_service_name_opens_its_menu(centre: Centre) -> None:
    call = centre.caller()
    await call.start()
    assert "Pour la CAF" in said(await call.gather(1, SpeechResult="c'est pour la caf", Confidence="0.9"))
    other = centre.caller()
    await other.start()
    assert "Pour France Travail" in said(await other.gather(1, SpeechResult="pôle emploi", Confidence="0.9"))


async def test_out_of_scope_asks_again_then_a_person(centre: Centre) -> None:
    await centre.dispatcher.set_state(centre.agents["alice"], "available")
    call = centre.caller()
    await call.start()
    again = await call.gather(1, SpeechResult="quel temps fera-t-il demain à brest", Confidence="0.9")
    assert "Je n'ai pas bien compris" in said(again)
    assert (await state_of(centre, call))["answers"] == []
    # at the answer node: rephrase once, then a person
    await call.gather(2, SpeechResult="j'ai perdu ma carte vitale", Confidence="0.9")
    await call.gather(3, Digits="3")
    rephrase = await call.gather(4, SpeechResult="la recette de la blanquette de veau", Confidence="0.9")
    assert "reformuler" in said(rephrase)
    person = await call.gather(5, SpeechResult="le prix des croissants à la boulangerie", Confidence="0.9")
    assert "Je vous mets en relation avec un conseiller" in said(person)
    assert "Dial" in verbs(person)


async def test_no_sms_to_a_hidden_number(centre: Centre) -> None:
    call = TwilioCall(centre.client, "CA" + "ab" * 16, caller="anonymous", signed_base=centre.public)
    await call.start()
    await call.gather(1, SpeechResult="j'ai perdu ma carte vitale", Confidence="0.9")
    twiml = await call.gather(2, Digits="2")
    assert "Je ne peux pas envoyer de SMS" in said(twiml)
    assert centre.fake.messages == []


async def test_urgent_caller_hears_the_right_numbers_and_goes_first(centre: Centre) -> None:
    call = centre.caller()
    await call.start()
    twiml = await call.gather(1, SpeechResult="j'en peux plus je veux en finir avec la vie", Confidence="0.8")
    text = said(twiml)
    assert "31 14" in text and "prévention du suicide" in text
    assert "Dial" in verbs(twiml)
    state = await state_of(centre, call)
    assert state["triage"]["urgent"] is True and "3114" in state["triage"]["emergency_numbers"]
    assert state["transfer"]["queue"] == "urgences" and state["transfer"]["reason"] == "urgent"
    async with centre.desk.db.sessions() as session:
        entry = await session.get(QueueEntry, call.call_sid)
    assert entry.tier == "urgent" and "danger" in entry.reasons["ids"]


async def test_fragile_caller_is_reassured_and_prioritised(centre: Centre) -> None:
    await centre.dispatcher.set_state(centre.agents["alice"], "available")
    call = centre.caller()
    await call.start()
    twiml = await call.gather(1, SpeechResult="on a reçu un commandement de payer pour les loyers en retard "
                                 "je sais plus quoi faire",
                              Confidence="0.8")
    assert "Je comprends" in said(twiml) and "Dial" in verbs(twiml)
    state = await state_of(centre, call)
    reasons = {r["id"]: r["evidence"] for r in state["triage"]["reasons"]}
    assert "logement" in reasons and reasons["logement"]
    assert state["transfer"]["reason"] == "fragile" and state["triage"]["rules_version"]
    async with centre.desk.db.sessions() as session:
        entry = await session.get(QueueEntry, call.call_sid)
    assert entry.tier == "fragile" and entry.priority == 50


async def test_figure_of_speech_is_not_distress(centre: Centre) -> None:
    call = centre.caller()
    await call.start()
    twiml = await call.gather(1, SpeechResult="ça me tue ces délais j'ai perdu ma carte vitale", Confidence="0.8")
    assert "Dial" not in verbs(twiml)
    state = await state_of(centre, call)
    assert state["triage"]["urgent"] is False and state["answers"]


async def test_repeat_calls_are_counted_for_the_triage(centre: Centre) -> None:
    for _ in range(3):
        call = centre.caller()
        await call.start()
        await call.post("/twilio/status", call.params(CallStatus="completed"))
    last = centre.caller()
    await last.start()
    log = await centre.client.app[keys.DATABASE].call_log(last.call_sid)
    started = next(r.payload for r in log if r.kind == "call_started")
    assert started["calls_last_7_days"] == 3 and started["calls_last_30_days"] == 3
    assert (await state_of(centre, last))["history"]["calls_last_7_days"] == 3


async def _to_caf(call: TwilioCall) -> str:
    await call.start()
    await call.gather(1, Digits="1")
    await call.gather(2, Digits="1")
    return await call.gather(3, Digits="1234567")


async def _busy_caf_desk(centre: Centre, handle_seconds: float) -> None:
    """Alice has just handled a CAF call (plus the 30 s wrap-up: the desk's handle time) and is
    now busy with another caller: one agent on duty, none free."""
    await centre.handled("alice", handle_seconds - 30)
    centre.clock.advance(31)
    await centre.dispatcher.tick()
    await centre.connected("alice")


async def test_a_long_wait_offers_a_callback_that_keeps_the_place(centre: Centre) -> None:
    await _busy_caf_desk(centre, 300)
    first, second = centre.caller(), centre.caller()
    twiml = await _to_caf(first)                                   # alone behind a 5-minute call
    assert "rappelé" not in said(twiml)                            # short wait: no offer
    centre.clock.advance(5)
    twiml = await _to_caf(second)                                  # one ahead: 2 x 300 s / 1 agent
    root = ET.fromstring(twiml)
    assert [el.tag for el in root] == ["Say", "Gather", "Dial"]     # offer, then the queue on silence
    gather = root.find("Gather")
    assert gather is not None and gather.get("actionOnEmptyResult") == "false"
    assert "environ 10 minutes" in said(twiml) and "tapez 1" in said(twiml)
    number = await second.gather(4, Digits="1")
    assert verbs(number) == ["Gather", "Redirect"] and "06 12 34 56 78" in said(number)
    when = await second.gather(5, Digits="1")
    assert "dès que possible, tapez 1" in said(when)
    taken = await second.gather(6, Digits="1")
    assert verbs(taken) == ["Say", "Say", "Hangup"] and "rappellera dès que possible" in said(taken)
    async with centre.desk.db.sessions() as session:
        entry = await session.get(QueueEntry, second.call_sid)
    assert entry.status == "callback"
    board = await centre.desk.snapshot()
    assert [c["call_sid"] for c in board["callbacks"]] == [second.call_sid]
    assert second.call_sid not in [w["call_sid"] for w in board["waiting"]]
    log = await centre.client.app[keys.DATABASE].call_log(second.call_sid)
    kinds = [(r.entry, r.kind) for r in log]
    assert ("event", "wait_estimated") in kinds and ("command", "request_callback") in kinds
    assert ("event", "on_duty") in kinds


async def test_declining_the_callback_returns_to_the_queue(centre: Centre) -> None:
    await _busy_caf_desk(centre, 300)
    await _to_caf(centre.caller())
    centre.clock.advance(5)
    call = centre.caller()
    await _to_caf(call)
    back = await call.gather(4, Digits="2")
    assert verbs(back) == ["Dial"]
    async with centre.desk.db.sessions() as session:
        entry = await session.get(QueueEntry, call.call_sid)
    assert entry.status in ("waiting", "offered")


async def test_the_caller_hears_sent_only_once_twilio_accepted_the_sms(centre: Centre) -> None:
    call = centre.caller()
    await call.start()
    await call.gather(1, SpeechResult="j'ai perdu ma carte vitale", Confidence="0.9")
    sent = await call.gather(2, Digits="2")
    assert "C'est envoyé" in said(sent) and "Pour réécouter" in said(sent)
    await centre.fake.drain()
    log = await centre.client.app[keys.DATABASE].call_log(call.call_sid)
    [result] = [r.payload for r in log if r.kind == "sms_result"]
    assert result["accepted"] is True and result["sid"] == centre.fake.messages[0]["sid"]
    # Twilio's delivery reports are kept in the call's log.
    assert [r.payload["status"] for r in log if r.kind == "sms_status"] == ["sent", "delivered"]


async def test_a_refused_sms_is_said_and_a_person_offered(centre: Centre) -> None:
    call = centre.caller()
    centre.fake.unsubscribed.add(call.caller)
    await call.start()
    await call.gather(1, SpeechResult="j'ai perdu ma carte vitale", Confidence="0.9")
    refused = await call.gather(2, Digits="2")
    assert "C'est envoyé" not in said(refused)
    assert "le SMS n'a pas pu être envoyé" in said(refused) and "tapez 0" in said(refused)
    assert centre.fake.messages == []
    log = await centre.client.app[keys.DATABASE].call_log(call.call_sid)
    [result] = [r.payload for r in log if r.kind == "sms_result"]
    assert result["accepted"] is False and "21610" in result["error"]
    person = await call.gather(3, Digits="0")
    assert "Dial" in verbs(person)


async def test_an_unsure_question_is_resolved_by_one_question_over_twilio(centre: Centre) -> None:
    call = centre.caller()
    await call.start()
    asked = await call.gather(1, SpeechResult="le paiement est en retard", Confidence="0.9")
    assert "Votre question porte-t-elle sur" in said(asked) and "tapez 2" in said(asked)
    answered = await call.gather(2, Digits="2")
    kb = centre.client.app[keys.CORES].knowledge
    assert kb.kb["ft.date_paiement"].spoken_answer in said(answered)
    state = await state_of(centre, call)
    assert state["clarifications"][-1]["outcome"] == "picked"
    assert state["answers"][-1] == {**state["answers"][-1], "kb_id": "ft.date_paiement", "via": "clarify"}
