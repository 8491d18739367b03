"""An English caller through the appointment, survey, online-link and callback dialogues (pure
engine, bundled flow, knowledge base, rules and hours): every sentence in English, dates and times
said the English way, English words understood; and every fixed French sentence of those
dialogues has its English version. French callers are covered, unchanged, by their own tests."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from callcenter.config import PROJECT_ROOT
from callcenter.flows import load_flow
from callcenter.flows.loader import ONLINE_LINK_DEFAULTS, SURVEY_DEFAULTS
from callcenter.hours import load_hours, spoken_en
from callcenter.ivr import (
    AppointmentResult,
    CallStarted,
    CallState,
    DigitsReceived,
    Event,
    IvrEngine,
    NoInput,
    SmsResult,
    SpeechReceived,
    appointment,
    callback,
    callback_text,
    online_link,
    replay,
    survey,
    wording_en,
)
from callcenter.ivr import commands as cmd
from callcenter.kb import KnowledgeIndex, load_knowledge_base
from callcenter.triage import load_rules

START = CallStarted("+33612345678", "+33900000000")
ENGLISH = DigitsReceived("9")
T0 = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
FLOW = load_flow(PROJECT_ROOT / "ivr_flows" / "main.yaml")
SLOTS = tuple({"id": n, "start": f"2026-12-0{n}T14:30:00+01:00", "minutes": 30, "channel": "phone",
               "agency": "France Services", "address": "1 rue de la Paix"} for n in (1, 2, 3))
# Words that only a French sentence would have (the KB answer read in French is marked "fr").
FRENCH = re.compile(r"\b(tapez|vous|votre|rendez-vous|numéro|heures?|merci|pour|décembre|mardi|"
                    r"rappel\w*|envoyé|conseiller|oui)\b", re.IGNORECASE)


@pytest.fixture(scope="module")
def engine() -> IvrEngine:
    kb = KnowledgeIndex.build(load_knowledge_base(PROJECT_ROOT / "knowledge_base"))
    return IvrEngine(FLOW, kb, load_rules(), hours=load_hours(PROJECT_ROOT / "ivr_flows" / "hours.yaml"))


def play(engine: IvrEngine, events: list[Event], start: datetime = T0
         ) -> tuple[CallState, list[cmd.Command], list[cmd.Command]]:
    """The final state, the last step's commands, and every command after the first step (the
    greeting and the offer of English, heard before the choice)."""
    state, out, every = engine.new_call("CA" + "5" * 32), [], []
    for i, event in enumerate(events):
        state, out = engine.step(state, event, start + timedelta(seconds=5 * i))
        every += out if i else []
    return state, out, every


def said(out: list[cmd.Command]) -> str:
    """What the caller hears in their own language (not a French-only answer, marked "fr")."""
    parts: list[str] = []
    for c in out:
        if isinstance(c, cmd.Gather):
            parts += [s.text for s in c.lead if s.language != "fr"] + [c.prompt]
        elif isinstance(c, cmd.Say) and c.language != "fr":
            parts.append(c.text)
    return " ".join(parts)


def assert_english(text: str) -> None:
    assert text, "nothing said"
    assert not FRENCH.search(text), f"French in: {text!r}"


def test_dates_and_times_in_english() -> None:
    assert spoken_en.spoken_time(14 * 60 + 30) == "2:30 pm"
    assert spoken_en.spoken_time(9 * 60) == "9 am"
    assert spoken_en.spoken_time(12 * 60) == "noon" and spoken_en.spoken_time(0) == "midnight"
    assert spoken_en.spoken_time(12 * 60 + 15) == "12:15 pm" and spoken_en.spoken_time(5) == "12:05 am"
    tuesday = datetime(2026, 12, 1, 14, 30, tzinfo=UTC)
    assert spoken_en.spoken_at(tuesday) == "Tuesday 1 December at 2:30 pm"
    assert spoken_en.spoken_moment(tuesday, tuesday - timedelta(hours=2)) == "today at 2:30 pm"
    assert spoken_en.spoken_moment(tuesday, tuesday - timedelta(days=1)) == "tomorrow at 2:30 pm"
    assert spoken_en.spoken_moment(tuesday, tuesday - timedelta(days=3)) == "on Tuesday at 2:30 pm"
    assert spoken_en.spoken_moment(tuesday, tuesday - timedelta(days=10)) == "on Tuesday 1 December at 2:30 pm"


FIXED_FRENCH = [
    *(getattr(appointment, name) for name in (
        "NEED_NUMBER", "NO_SLOTS", "NO_MORE", "OFFER_INTRO", "OFFER_LINE", "OFFER_END", "TAKEN", "REFERENCE_PROMPT",
        "NOT_FOUND", "GONE", "FOUND", "CONFIRM_CANCEL", "KEPT", "MOVE_INTRO", "BOOKED", "MOVED", "CANCELLED",
        "HOW_PHONE", "HOW_IN_PERSON", "REFERENCE", "SMS_SENT", "SMS_FAILED", "NO_SMS", "DONE_PROMPT")),
    survey.AGAIN, online_link.NOT_THIS_NUMBER, online_link.SMS_FAILED, callback.HIDDEN, callback.REOPENING,
    *(getattr(callback_text, name) for name in (
        "CONFIRM_NUMBER", "ASK_NUMBER", "BAD_NUMBER", "NO_NUMBER", "NUMBER_TAKEN", "ASAP", "ASAP_CLOSED", "SLOT",
        "NOT_UNDERSTOOD", "TAKEN_ASAP", "TAKEN_SLOT", "GOODBYE")),
]


@pytest.mark.parametrize("sentence", FIXED_FRENCH)
def test_every_fixed_sentence_of_the_dialogues_has_an_english_version(sentence: str) -> None:
    english = wording_en.fixed(sentence)
    assert english and english != sentence
    assert_english(re.sub(r"\{\w+\}", "", english))
    # The same parts to fill in.
    assert set(re.findall(r"\{\w+\}", english)) == set(re.findall(r"\{\w+\}", sentence))


@pytest.mark.parametrize("text", [v for v in (*SURVEY_DEFAULTS.values(), *ONLINE_LINK_DEFAULTS.values())
                                  if isinstance(v, str)])
def test_the_built_in_survey_and_link_texts_exist_in_english(text: str) -> None:
    english = FLOW.text_in(text, "en")
    assert english and set(re.findall(r"\{\w+\}", english)) == set(re.findall(r"\{\w+\}", text))


def test_booking_an_appointment_in_english(engine: IvrEngine) -> None:
    found = AppointmentResult("find_slots", "ok", SLOTS)
    state, out, _ = play(engine, [START, ENGLISH, DigitsReceived("7")])
    assert said(out).startswith("To book an appointment, press 1.")
    state, out, _ = play(engine, [START, ENGLISH, DigitsReceived("7"), DigitsReceived("1"), found])
    offer = said(out)
    assert_english(offer)
    assert offer == ("Here are the next free appointments. Tuesday 1 December at 2:30 pm, by phone: press 1. "
                     "Wednesday 2 December at 2:30 pm, by phone: press 2. Thursday 3 December at 2:30 pm, by "
                     "phone: press 3. For other dates, press 9.")
    # The English words and days are expected, and understood.
    gather = next(c for c in out if isinstance(c, cmd.Gather))
    assert {"first", "second", "Tuesday", "adviser"} <= set(gather.phrases)
    for words, slot in (("the second one", 2), ("Thursday please", 3), ("first", 1)):
        _, out, _ = play(engine, [START, ENGLISH, DigitsReceived("7"), SpeechReceived("book", 0.9), found,
                                  SpeechReceived(words, 0.9)])
        assert out == [cmd.AppointmentRequest("book", service="accueil", slot_id=slot)], words
    booked = AppointmentResult("book", "ok", appointment={"id": 7, "reference": "482715", "slot": SLOTS[1]})
    events = [START, ENGLISH, DigitsReceived("7"), DigitsReceived("1"), found, DigitsReceived("2"), booked,
              SmsResult(True, "SM" + "1" * 32)]
    state, out, _ = play(engine, events)
    done = said(out)
    assert_english(done)
    assert done == ("It is booked: Wednesday 2 December at 2:30 pm, by phone. An adviser will call you at this "
                    "number. Your appointment number is 4 8 2 7 1 5. I repeat: 4 8 2 7 1 5. A confirmation text "
                    "message has been sent to you. To hear it again, press 1. If that is all, press 2.")
    # "repeat": the confirmation again, in English.
    again, out = engine.step(state, SpeechReceived("repeat", 0.9), T0 + timedelta(minutes=2))
    assert said(out) == done.replace(" A confirmation text message has been sent to you.", "")
    ended, out = engine.step(again, SpeechReceived("that's all, thanks", 0.9), T0 + timedelta(minutes=3))
    assert ended.status == "ended" and said(out) == "Thank you for calling. Goodbye."
    assert replay(engine, state.call_sid, [(e, T0 + timedelta(seconds=5 * i)) for i, e in enumerate(events)]) == state


def test_cancelling_and_the_failures_in_english(engine: IvrEngine) -> None:
    state, out, _ = play(engine, [START, ENGLISH, DigitsReceived("7"), SpeechReceived("cancel", 0.9)])
    assert said(out).startswith("Key in your six-digit appointment number.")
    appt = {"id": 7, "reference": "482715", "slot": SLOTS[0]}
    base = [START, ENGLISH, DigitsReceived("7"), DigitsReceived("3"), SpeechReceived("four eight two seven one five",
                                                                                    0.9)]
    state, out, _ = play(engine, base)
    assert out == [cmd.AppointmentRequest("find", service="accueil", reference="482715")]
    _, out, _ = play(engine, [*base, AppointmentResult("find", "not_found")])
    assert_english(said(out))
    assert said(out).startswith("I cannot find an upcoming appointment with this number")
    _, out, _ = play(engine, [*base, AppointmentResult("find", "ok", appointment=appt)])
    assert said(out) == ("Your appointment: Tuesday 1 December at 2:30 pm, by phone. To cancel it, press 1. "
                         "To keep it, press 2.")
    _, out, _ = play(engine, [*base, AppointmentResult("find", "ok", appointment=appt), SpeechReceived("yes", 0.9)])
    assert out == [cmd.AppointmentRequest("cancel", service="accueil", appointment_id=7)]
    _, out, _ = play(engine, [*base, AppointmentResult("find", "ok", appointment=appt), SpeechReceived("keep it", 0.9)])
    assert said(out).startswith("Your appointment is kept.")
    _, out, every = play(engine, [*base, AppointmentResult("find", "ok", appointment=appt), DigitsReceived("1"),
                                  AppointmentResult("cancel", "ok", appointment=appt), SmsResult(False, error="1")])
    assert said(out).startswith("Done: your appointment on Tuesday 1 December at 2:30 pm is cancelled.")
    assert "could not be sent" in said(out)
    assert_english(said(every))
    # No slot at all, a taken slot: told in English.
    _, out, _ = play(engine, [START, ENGLISH, DigitsReceived("7"), DigitsReceived("1"),
                              AppointmentResult("find_slots", "ok", ())])
    assert said(out).startswith("We have no free appointment at the moment.")
    _, out, _ = play(engine, [START, ENGLISH, DigitsReceived("7"), DigitsReceived("1"),
                              AppointmentResult("find_slots", "ok", SLOTS), DigitsReceived("1"),
                              AppointmentResult("book", "taken")])
    assert said(out) == "Sorry, someone else has just taken this appointment."


ASK_RETIREMENT = SpeechReceived("comment demander ma retraite", 0.9)      # retraite.demande: online


def test_the_online_link_and_the_survey_in_english(engine: IvrEngine) -> None:
    answered = [START, ENGLISH, ASK_RETIREMENT, DigitsReceived("4")]
    _, out, _ = play(engine, answered)
    assert said(out) == "This can be done online. Would you like the link by text message? Press 1. Otherwise, press 2."
    assert set(next(c for c in out if isinstance(c, cmd.Gather)).phrases) >= {"yes", "no"}
    _, out, _ = play(engine, [*answered, SpeechReceived("yes please", 0.9)])
    assert said(out) == "The text message will go to the number ending in 56 78. To confirm, press 1."
    _, out, _ = play(engine, [*answered, SpeechReceived("yes please", 0.9), SpeechReceived("no", 0.9)])
    assert said(out).startswith("I can only send this text message to the number you are calling from.")
    _, out, _ = play(engine, [*answered, DigitsReceived("2")])
    assert said(out).startswith("All right, no text message.")
    sent = [*answered, DigitsReceived("1"), SpeechReceived("yes", 0.9)]
    _, out, _ = play(engine, sent)
    assert [c.kind for c in out] == ["send_sms"]
    _, out, _ = play(engine, [*sent, SmsResult(False, error="21610")])
    assert said(out) == "Sorry, the text message could not be sent. To speak to an adviser, press 0."
    _, out, _ = play(engine, [*sent, SmsResult(True, "SM" + "1" * 32)])
    assert said(out) == "It is sent. If you need help with it, an adviser is still there: press 0."
    # On to the survey, in English, with English answers.
    through = [*sent, SmsResult(True, "SM" + "1" * 32), NoInput()]
    _, out, _ = play(engine, through)
    assert said(out) == "Would you answer one question about this call? Press 1 for yes."
    _, out, _ = play(engine, [*through, SpeechReceived("yes", 0.9)])
    assert said(out).startswith("Did your question get an answer? Key in a score from 1 to 5")
    _, out, _ = play(engine, [*through, SpeechReceived("yes", 0.9), SpeechReceived("maybe", 0.9)])
    assert said(out).startswith("I did not understand. Did your question get an answer?")
    _, out, _ = play(engine, [*through, SpeechReceived("yes", 0.9), SpeechReceived("four", 0.9)])
    assert [c.score for c in out if isinstance(c, cmd.RecordSurvey)] == [4]
    assert said(out).startswith("Thank you. If you wish, say in a few words what we could do better.")
    state, out, every = play(engine, [*through, SpeechReceived("yes", 0.9), SpeechReceived("four", 0.9),
                                      SpeechReceived("it was quick", 0.9)])
    assert said(out) == "Thank you for your answer. Thank you for calling. Goodbye."
    assert state.status == "ended"
    assert_english(said(every[every.index(next(c for c in every if isinstance(c, cmd.SendSms))):]))


def test_a_callback_asked_in_english_when_closed(engine: IvrEngine) -> None:
    evening = datetime(2026, 11, 26, 20, 0, tzinfo=UTC)                     # Thursday, 21:00 in Paris: closed
    to_person = [START, ENGLISH, DigitsReceived("0"), DigitsReceived("1")]
    _, out, _ = play(engine, to_person, evening)
    assert said(out) == ("We will call you back at 06 12 34 56 78. Press 1 to confirm, or key in another phone "
                         "number, followed by the hash key.")
    _, out, _ = play(engine, [*to_person, DigitsReceived("12")], evening)
    assert said(out).startswith("This number is not valid. We will call you back at")
    _, out, _ = play(engine, [*to_person, DigitsReceived("1")], evening)
    assert said(out) == ("We will call you back at the number ending in 7 8. To be called back when we reopen, "
                         "tomorrow at 8:30 am, press 1. To be called back tomorrow at 1:30 pm, press 2. To be "
                         "called back on Monday at 8:30 am, press 3.")
    _, out, _ = play(engine, [*to_person, DigitsReceived("1"), DigitsReceived("7")], evening)
    assert said(out).startswith("I did not understand. To be called back when we reopen")
    state, out, every = play(engine, [*to_person, DigitsReceived("1"), DigitsReceived("1")], evening)
    assert said(out) == ("Thank you. An adviser will call you back when we reopen, tomorrow at 8:30 am. Goodbye.")
    assert state.end_status == "callback"
    assert_english(said(every))
    _, out, _ = play(engine, [*to_person, NoInput(), NoInput()], evening)
    assert said(out) == "We could not take a number to call you back. Goodbye."
    # The French caller hears exactly what they heard before.
    _, out, _ = play(engine, [START, DigitsReceived("0"), DigitsReceived("1"), DigitsReceived("1"),
                              DigitsReceived("1")], evening)
    assert said(out) == ("C'est noté. Un conseiller vous rappellera dès la réouverture, demain à 8 heures 30. "
                         "Au revoir.")
