"""The appointment node on the pure engine: what it asks the book, how it answers each result, the
way to a person, replay from the log; and that it imports nothing of the database or the web."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from callcenter.config import PROJECT_ROOT
from callcenter.flows import load_flow
from callcenter.ivr import AppointmentResult, CallStarted, DigitsReceived, IvrEngine, NoInput, SpeechReceived, replay
from callcenter.ivr import commands as cmd
from callcenter.ivr.events import Event, SmsResult
from tests.isolation import imports_in_isolation

NOW = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
SLOTS = tuple({"id": n, "start": f"2026-12-0{n}T09:00:00+01:00", "minutes": 30, "channel": "phone",
               "agency": "France Services", "address": "1 rue de la Paix"} for n in (1, 2, 3))


def engine() -> IvrEngine:
    return IvrEngine(load_flow(PROJECT_ROOT / "ivr_flows" / "main.yaml"))


def run(events: list[Event]) -> tuple[object, list[list[cmd.Command]], list[tuple[Event, datetime]]]:
    eng = engine()
    state = eng.new_call("CA" + "1" * 32)
    out, log = [], []
    at = NOW
    for event in [CallStarted(caller="+33612345678"), *events]:
        at += timedelta(seconds=5)
        state, commands = eng.step(state, event, at)
        out.append(commands)
        log.append((event, at))
    return state, out, log


def test_booking_asks_the_book_then_sends_the_sms_before_saying_sent() -> None:
    state, out, log = run([DigitsReceived("7"), DigitsReceived("1")])
    [request] = out[-1]
    assert request == cmd.AppointmentRequest("find_slots", service="accueil", channel=None,
                                             after=(NOW + timedelta(seconds=15)).isoformat(), limit=3)
    state, out, log = run([DigitsReceived("7"), DigitsReceived("1"), AppointmentResult("find_slots", "ok", SLOTS),
                           SpeechReceived("le deuxième", 0.9)])
    assert out[-1] == [cmd.AppointmentRequest("book", service="accueil", slot_id=2)]
    booked = AppointmentResult("book", "ok", appointment={"id": 7, "reference": "482715", "slot": SLOTS[1]})
    state, out, log = run([DigitsReceived("7"), DigitsReceived("1"), AppointmentResult("find_slots", "ok", SLOTS),
                           DigitsReceived("2"), booked])
    [sms] = out[-1]
    assert isinstance(sms, cmd.SendSms) and sms.to == "+33612345678" and "482715" in sms.body
    assert state.awaits_sms()                                       # nothing said yet
    state, out, log = run([DigitsReceived("7"), DigitsReceived("1"), AppointmentResult("find_slots", "ok", SLOTS),
                           DigitsReceived("2"), booked, SmsResult(False, error="21610")])
    [gather] = out[-1]
    assert isinstance(gather, cmd.Gather)
    assert "4 8 2 7 1 5" in gather.prompt and "n'a pas pu être envoyé" in gather.prompt
    assert "vous a été envoyé" not in gather.prompt
    # Silence once done: the flow goes on (goodbye); the log replays to the same state.
    eng = engine()
    done, commands = eng.step(state, NoInput(), NOW + timedelta(minutes=2))
    assert done.status == "ended" and done.path[-1] == "au_revoir"
    assert replay(eng, state.call_sid, log) == state


def test_the_reference_gather_waits_for_six_keys_and_zero_reaches_a_person() -> None:
    state, out, _ = run([DigitsReceived("7"), DigitsReceived("3")])
    [gather] = out[-1]
    assert isinstance(gather, cmd.Gather) and gather.max_digits == 6 and gather.finish_on_key == "#"
    state, out, _ = run([DigitsReceived("7"), DigitsReceived("3"), DigitsReceived("0")])
    assert state.status == "transferred" and any(isinstance(c, cmd.Transfer) for c in out[-1])
    state, out, _ = run([DigitsReceived("7"), DigitsReceived("1"), AppointmentResult("find_slots", "ok", SLOTS),
                         SpeechReceived("je veux parler à un conseiller", 0.9)])
    assert state.status == "transferred"


def test_a_late_or_foreign_result_changes_nothing() -> None:
    state, _, _ = run([DigitsReceived("7")])
    eng = engine()
    after, commands = eng.step(state, AppointmentResult("book", "ok", appointment={"id": 1}), NOW)
    assert (after, commands) == (state, [])


def test_errors_and_retries_lead_to_a_person() -> None:
    state, out, _ = run([DigitsReceived("7"), DigitsReceived("1"), AppointmentResult("find_slots", "error")])
    assert state.status == "transferred" and "Veuillez nous excuser" in out[-1][0].text  # type: ignore[union-attr]
    state, out, _ = run([DigitsReceived("7"), DigitsReceived("5"), DigitsReceived("5"), DigitsReceived("5")])
    assert state.status == "transferred"
    [retry] = run([DigitsReceived("7"), DigitsReceived("5")])[1][-1]
    assert isinstance(retry, cmd.Gather) and retry.prompt.startswith("Je n'ai pas bien compris. Pour prendre")


def test_the_node_imports_no_database_web_or_telephony_code() -> None:
    blocked = ["sqlalchemy", "aiohttp", "twilio", "redis", "asyncpg", "aiosqlite", "callcenter.store",
               "callcenter.web", "callcenter.telephony", "callcenter.bus", "callcenter.calls",
               "callcenter.appointments.book"]
    result = imports_in_isolation(blocked, ["callcenter.ivr.appointment", "callcenter.ivr.engine",
                                            "callcenter.flows.testbook"])
    assert result.returncode == 0, result.stderr


def test_input_while_the_answer_is_awaited_asks_the_book_again() -> None:
    """The server stopped between the question and the book's answer; Twilio's retry of the
    caller's keys must not meet silence."""
    state, out, _ = run([DigitsReceived("7"), DigitsReceived("1")])
    [request] = out[-1]
    again, commands = engine().step(state, DigitsReceived("1"), NOW + timedelta(minutes=1))
    assert commands == [request] and again == state
    assert engine().step(state, NoInput(), NOW + timedelta(minutes=1))[1] == [request]
