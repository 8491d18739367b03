"""Whole simulated calls for appointments, through the real webhooks, the real appointment book
and database, and the fake Twilio (the SMS): book, a race between two callers, cancel, move."""

from __future__ import annotations

import asyncio
import re
import xml.etree.ElementTree as ET
from datetime import date

import pytest

from callcenter.appointments.book import AppointmentBook
from callcenter.appointments.slots import HoursRange
from callcenter.ivr import CallState, event_from_dict, replay
from callcenter.web import keys
from tests.centre import Centre
from tests.conftest import TwilioCall


def said(twiml: str) -> str:
    return " ".join(el.text or "" for el in ET.fromstring(twiml).iter("Say"))


@pytest.fixture
async def book(centre: Centre) -> AppointmentBook:
    """Phone appointments with the France Services advisors ("accueil") on Monday and Tuesday
    mornings, 9:00 to 10:00, for two weeks (the centre's clock: Thursday 26 November 2026)."""
    book = centre.client.app[keys.APPOINTMENTS]
    agency = await book.add_agency("France Services Lyon 3", "12 rue Paul Bert, Lyon", "accueil", "sarah")
    for weekday in (0, 1):
        await book.add_hours(agency, HoursRange(weekday, 9 * 60, 10 * 60, "phone", 30), "sarah")
    await book.generate(2, "sarah")
    return book


async def to_offer(call: TwilioCall) -> str:
    await call.start()
    assert "Pour prendre un rendez-vous, tapez 1" in said(await call.gather(1, Digits="7"))
    return await call.gather(2, Digits="1")


def reference_in(text: str) -> str:
    found = re.search(r"numéro de rendez-vous est le ((?:\d )+\d)\.", text)
    assert found is not None, text
    return found[1].replace(" ", "")


async def assert_replays(centre: Centre, call: TwilioCall) -> None:
    db = centre.client.app[keys.DATABASE]
    row = await db.get_call(call.call_sid)
    engine = await centre.client.app[keys.SERVICE].engine_for(row.flow_id, row.flow_version)
    events = [(event_from_dict(r.payload), r.at) for r in await db.call_log(call.call_sid) if r.entry == "event"]
    assert replay(engine, call.call_sid, events) == CallState.from_dict(row.state)


async def test_a_caller_books_hears_the_reference_and_gets_the_sms(centre: Centre, book: AppointmentBook) -> None:
    call = centre.caller()
    offer = await to_offer(call)
    assert ("Voici les prochains rendez-vous libres. Lundi 30 novembre à 9 heures, par téléphone : tapez 1. "
            "Lundi 30 novembre à 9 heures 30, par téléphone : tapez 2. Mardi 1er décembre à 9 heures, "
            "par téléphone : tapez 3. Pour d'autres dates, tapez 9.") in said(offer)
    done = await call.gather(3, Digits="2")
    text = said(done)
    assert "C'est réservé : lundi 30 novembre à 9 heures 30, par téléphone." in text
    assert text.index("Votre numéro de rendez-vous") < text.index("Un SMS de confirmation vous a été envoyé.")
    reference = reference_in(text)
    [message] = centre.fake.messages
    assert message["to"] == call.caller
    assert message["body"].startswith("Rendez-vous confirmé : lundi 30 novembre 2026 à 9h30.")
    assert f"Réf. {reference}" in message["body"]
    assert await book.find(call.caller, reference) is not None
    db = centre.client.app[keys.DATABASE]
    log = [(r.entry, r.kind, r.source) for r in await db.call_log(call.call_sid)]
    assert ("event", "appointment_result", "appointments") in log and ("event", "sms_result", "twilio-rest") in log
    # The caller's number never rides in a command to the book (the executor takes it from the call).
    assert all(call.caller not in str(r.payload) for r in await db.call_log(call.call_sid)
               if r.kind == "appointment_request")
    await centre.fake.drain()
    kinds = [r.kind for r in await db.call_log(call.call_sid)]
    assert kinds.count("sms_status") == 2                          # sent, then delivered
    bye = await call.gather(4, Digits="2")
    assert "Au revoir" in said(bye)
    await assert_replays(centre, call)


async def test_two_callers_racing_for_one_slot(centre: Centre, book: AppointmentBook) -> None:
    first, second = centre.caller(), centre.caller()
    second.caller = "+33698765432"
    await to_offer(first)
    await to_offer(second)
    one, other = await asyncio.gather(first.gather(3, Digits="1"), second.gather(3, Digits="1"))
    won = [t for t in (one, other) if "C'est réservé : lundi 30 novembre à 9 heures," in said(t)]
    lost = [t for t in (one, other) if "vient d'être pris par une autre personne" in said(t)]
    assert len(won) == 1 and len(lost) == 1
    # The one who lost hears the next free slots at once, the taken one no longer among them.
    assert "Lundi 30 novembre à 9 heures 30, par téléphone : tapez 1." in said(lost[0])
    assert "Lundi 30 novembre à 9 heures, par" not in said(lost[0])
    bookings = await book.bookings_on(date(2026, 11, 30))
    assert [b.status for b in bookings] == ["booked"]
    loser = first if lost[0] is one else second
    turn = CallState.from_dict((await centre.client.app[keys.DATABASE].get_call(loser.call_sid)).state).turn
    booked = await loser.gather(turn, Digits="1")
    assert "C'est réservé : lundi 30 novembre à 9 heures 30" in said(booked)
    await assert_replays(centre, loser)


async def test_cancel_then_move_by_phone(centre: Centre, book: AppointmentBook) -> None:
    call = centre.caller()
    await to_offer(call)
    reference = reference_in(said(await call.gather(3, Digits="1")))
    # A second call from the same number moves it...
    again = centre.caller()
    await again.start()
    await again.gather(1, Digits="7")
    asked = await again.gather(2, SpeechResult="je voudrais déplacer mon rendez-vous", Confidence="0.9")
    assert "Tapez votre numéro de rendez-vous" in said(asked)
    assert ET.fromstring(asked).find("Gather").get("numDigits") == "6"
    offer = await again.gather(3, Digits=reference)
    assert "Votre rendez-vous : lundi 30 novembre à 9 heures, par téléphone. Choisissons" in said(offer)
    moved = await again.gather(4, Digits="3")
    assert "déplacé au mardi 1er décembre à 9 heures 30" in said(moved)
    assert reference_in(said(moved)) == reference
    assert "Rendez-vous déplacé : mardi 1er décembre 2026" in centre.fake.messages[-1]["body"]
    # ...and a third one cancels it.
    third = centre.caller()
    await third.start()
    await third.gather(1, Digits="7")
    await third.gather(2, Digits="3")
    confirm = await third.gather(3, Digits=reference)
    assert "Votre rendez-vous : mardi 1er décembre à 9 heures 30" in said(confirm)
    cancelled = await third.gather(4, Digits="1")
    assert "est annulé" in said(cancelled) and "Un SMS de confirmation vous a été envoyé." in said(cancelled)
    assert centre.fake.messages[-1]["body"].startswith("Rendez-vous annulé : mardi 1er décembre 2026 à 9h30.")
    assert await book.find(call.caller, reference) is None
    for c in (again, third):
        await assert_replays(centre, c)


async def test_another_number_cannot_touch_the_appointment(centre: Centre, book: AppointmentBook) -> None:
    call = centre.caller()
    await to_offer(call)
    reference = reference_in(said(await call.gather(3, Digits="1")))
    stranger = centre.caller()
    stranger.caller = "+33698765432"
    await stranger.start()
    await stranger.gather(1, Digits="7")
    await stranger.gather(2, Digits="3")
    refused = await stranger.gather(3, Digits=reference)
    assert "Je ne trouve pas de rendez-vous à venir avec ce numéro" in said(refused)
    assert await book.find(call.caller, reference) is not None


async def test_an_sms_refused_by_twilio_is_not_said_sent(centre: Centre, book: AppointmentBook) -> None:
    call = centre.caller()
    centre.fake.unsubscribed.add(call.caller)
    await to_offer(call)
    done = await call.gather(3, Digits="1")
    assert "C'est réservé" in said(done)
    assert "Le SMS de confirmation n'a pas pu être envoyé." in said(done) and "vous a été envoyé" not in said(done)


async def test_a_failing_book_hands_the_caller_to_a_person(centre: Centre, book: AppointmentBook) -> None:
    await centre.dispatcher.set_state(centre.agents["alice"], "available")
    call = centre.caller()
    await call.start()
    await call.gather(1, Digits="7")
    await book.db.engine.dispose()
    async with book.db.engine.begin() as conn:
        await conn.exec_driver_sql("DROP TABLE appointments")
    person = await call.gather(2, Digits="1")
    assert "Veuillez nous excuser" in said(person) and "<Dial" in person
