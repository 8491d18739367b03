"""The danger question in whole simulated calls, through the real webhooks: when the triage is
in doubt the IVR asks at once whether the caller is in danger now; yes -> the urgent path, no ->
the call goes on from what they said, silence or neither -> a person, first."""

from __future__ import annotations

from callcenter.ivr import CallState, event_from_dict, replay
from callcenter.ivr.wording import DANGER_NO, DANGER_QUESTION
from callcenter.web import keys
from tests.calls.test_answers_and_triage import said, state_of, verbs
from tests.centre import Centre

# An urgent phrase taken back at once: the rules alone put this call in the doubt band.
RETRACTED = "je vais me suicider je rigole, j'ai perdu ma carte vitale"


async def asked(centre: Centre, text: str = RETRACTED):  # type: ignore[no-untyped-def]
    call = centre.caller()
    await call.start()
    twiml = await call.gather(1, SpeechResult=text, Confidence="0.85")
    assert DANGER_QUESTION in said(twiml) and "Dial" not in verbs(twiml)
    state = await state_of(centre, call)
    assert state["triage"]["check_danger"] is True and state["triage"]["urgent"] is False
    assert state["danger_check"]["text"] == text
    return call


async def test_yes_takes_the_urgent_path(centre: Centre) -> None:
    call = await asked(centre)
    twiml = await call.gather(2, Digits="1")
    text = said(twiml)
    assert "31 14" in text and "Dial" in verbs(twiml)
    state = await state_of(centre, call)
    assert state["danger_answer"] == "yes" and state["danger_check"] is None
    assert state["triage"]["urgent"] is True
    assert "caller_confirmed_danger" in state["triage"]["urgent_triggers"]
    assert state["transfer"]["reason"] == "urgent"
    entry = await centre.entry(call.call_sid)
    assert entry.tier == "urgent" and "danger" in entry.reasons["ids"]


async def test_spoken_yes_counts_and_is_heard_by_the_triage(centre: Centre) -> None:
    call = await asked(centre)
    twiml = await call.gather(2, SpeechResult="oui j'ai peur", Confidence="0.7")
    assert "Dial" in verbs(twiml)
    state = await state_of(centre, call)
    assert state["utterances"][-1]["node"] == "danger_check"
    assert state["triage"]["urgent"] is True


async def test_no_goes_on_with_what_the_caller_asked(centre: Centre) -> None:
    call = await asked(centre)
    twiml = await call.gather(2, SpeechResult="non non ça va", Confidence="0.9")
    card = centre.client.app[keys.CORES].knowledge.kb["am.carte_vitale"]
    text = said(twiml)
    assert DANGER_NO in text and "Dial" not in verbs(twiml)
    state = await state_of(centre, call)
    assert state["danger_answer"] == "no" and state["triage"]["check_danger"] is False
    assert [a["kb_id"] for a in state["answers"]] == ["am.carte_vitale"]
    assert card.spoken_answer in text
    # Asked once: the rest of the call is not interrupted again by the same doubt.
    again = await call.gather(3, SpeechResult="je vais me suicider je rigole", Confidence="0.9")
    assert DANGER_QUESTION not in said(again)


async def test_no_keeps_fragile_priority_when_the_signals_say_so(centre: Centre) -> None:
    # (without a "but": what follows the joke is not read apart, and since sem-9 that part of the
    # sentence read alone would keep the rule's alarm: the caller would not be asked at all)
    call = await asked(centre, "je vais me suicider je rigole, je vis toute seule et j'ai plus rien pour manger")
    twiml = await call.gather(2, Digits="2")
    assert "Dial" in verbs(twiml)
    state = await state_of(centre, call)
    assert state["triage"]["urgent"] is False and state["triage"]["fragile"] is True
    assert state["transfer"]["reason"] == "fragile"
    assert (await centre.entry(call.call_sid)).tier == "fragile"


async def test_silence_goes_to_a_person_first(centre: Centre) -> None:
    call = await asked(centre)
    twiml = await call.gather(2)  # no input before the timeout
    assert "Dial" in verbs(twiml)
    state = await state_of(centre, call)
    assert state["danger_answer"] == "none"
    assert "danger_question_unanswered" in state["triage"]["urgent_triggers"]
    assert (await centre.entry(call.call_sid)).tier == "urgent"


async def test_an_answer_that_is_neither_goes_to_a_person_first(centre: Centre) -> None:
    call = await asked(centre)
    twiml = await call.gather(2, SpeechResult="je sais pas trop", Confidence="0.8")
    assert "Dial" in verbs(twiml)
    assert (await centre.entry(call.call_sid)).tier == "urgent"


async def test_the_question_is_in_the_call_log_and_replays(centre: Centre) -> None:
    call = await asked(centre)
    await call.gather(2, Digits="2")
    db = centre.client.app[keys.DATABASE]
    rows = await db.call_log(call.call_sid)
    assert any(r.entry == "command" and r.kind == "gather" and r.payload.get("node") == "danger_check"
               for r in rows)
    row = await db.get_call(call.call_sid)
    engine = await centre.client.app[keys.SERVICE].engine_for(row.flow_id, row.flow_version)
    rebuilt = replay(engine, call.call_sid, [(event_from_dict(r.payload), r.at) for r in rows if r.entry == "event"])
    assert rebuilt == CallState.from_dict(row.state)
    assert rebuilt.danger_answer == "no"


async def test_the_agent_context_shows_the_answer_and_the_doubt(centre: Centre) -> None:
    from callcenter.desk.context import call_context

    call = await asked(centre)
    db = centre.client.app[keys.DATABASE]
    before = await call_context(db, call.call_sid, centre.clock())
    assert before is not None and before["danger_answer"] is None and before["triage"]["check_danger"] is True
    await call.gather(2, Digits="1")
    after = await call_context(db, call.call_sid, centre.clock())
    assert after is not None and after["danger_answer"] == "yes" and after["triage"]["urgent"] is True
