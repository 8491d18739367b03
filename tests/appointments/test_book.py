"""The appointment book on the real database (SQLite, and PostgreSQL in CI): agencies, slot
generation, booking, two callers racing for one slot, cancel and move, the audit log."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from callcenter.appointments.book import AppointmentBook, AppointmentError, Booked
from callcenter.appointments.slots import HoursRange
from callcenter.store import Database, upgrade
from callcenter.store.audit import audit_entries
from callcenter.store.models import Appointment
from tests.conftest import FakeClock

KEY = b"test-caller-hash-key"
ALICE = "+33612345678"
BOB = "+33698765432"


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    await asyncio.to_thread(upgrade, database_url)
    database = Database(database_url)
    yield database
    await database.close()


@pytest.fixture
async def book(db: Database, clock: FakeClock) -> AppointmentBook:
    """One agency of service "accueil", phone appointments Monday and Tuesday 9:00-10:00 (30 min),
    in person Friday 14:00-15:00, slots for two weeks from Thursday 26 November 2026, 10:00."""
    book = AppointmentBook(db, KEY, clock)
    agency = await book.add_agency("France Services Lyon 3", "12 rue Paul Bert, Lyon", "accueil", "sarah")
    for weekday in (0, 1):
        await book.add_hours(agency, HoursRange(weekday, 9 * 60, 10 * 60, "phone", 30), "sarah")
    await book.add_hours(agency, HoursRange(4, 14 * 60, 15 * 60, "in_person", 30), "sarah")
    assert await book.generate(2, "sarah") == 12
    return book


async def test_slots_are_generated_once_in_local_time(book: AppointmentBook, clock: FakeClock) -> None:
    assert await book.generate(2, "sarah") == 0            # again: nothing new
    slots = await book.free_slots("accueil", None, clock(), 20)
    assert [s["start"] for s in slots[:3]] == ["2026-11-27T14:00:00+01:00", "2026-11-27T14:30:00+01:00",
                                               "2026-11-30T09:00:00+01:00"]
    assert slots[0]["channel"] == "in_person" and slots[2]["channel"] == "phone"
    assert await book.free_slots("accueil", "phone", clock(), 1) == [slots[2]]
    assert await book.free_slots("caf", None, clock(), 3) == []


async def test_book_then_the_slot_is_no_longer_offered(book: AppointmentBook, clock: FakeClock) -> None:
    first = (await book.free_slots("accueil", "phone", clock(), 1))[0]
    made = await book.book(first["id"], ALICE, "CA1")
    assert isinstance(made, Booked) and len(made.reference) == 6 and made.reference[0] != "0"
    assert made.slot == first
    assert first not in await book.free_slots("accueil", "phone", clock(), 10)
    assert await book.book(first["id"], BOB, "CA2") == "taken"
    # Only the caller who booked finds it, with the number they called from.
    assert await book.find(ALICE, made.reference) == (made.appointment_id, first)
    assert await book.find(BOB, made.reference) is None
    assert await book.find("anonymous", made.reference) is None
    [row] = await book.bookings_on(datetime(2026, 11, 30).date())
    assert row.caller == "+33 ••••••• 78" and row.status == "booked" and row.reference == made.reference


async def test_two_callers_racing_for_one_slot_exactly_one_wins(book: AppointmentBook, clock: FakeClock) -> None:
    slot = (await book.free_slots("accueil", None, clock(), 1))[0]
    results = await asyncio.gather(book.book(slot["id"], ALICE, "CA1"), book.book(slot["id"], BOB, "CA2"))
    assert sorted(isinstance(r, Booked) for r in results) == [False, True]
    assert "taken" in results
    async with book.db.sessions() as session:
        rows = list(await session.scalars(sa.select(Appointment).where(Appointment.slot_id == slot["id"])))
    assert [r.status for r in rows] == ["booked"]


async def test_many_callers_racing_for_few_slots_never_double_book(book: AppointmentBook, clock: FakeClock) -> None:
    slots = await book.free_slots("accueil", None, clock(), 3)
    callers = [f"+3361234{n:04d}" for n in range(12)]
    results = await asyncio.gather(*(book.book(slots[n % 3]["id"], c, f"CA{n}") for n, c in enumerate(callers)))
    won = [r for r in results if isinstance(r, Booked)]
    assert sorted(r.slot["id"] for r in won) == sorted(s["id"] for s in slots)
    assert results.count("taken") == 9


async def test_the_database_itself_refuses_a_second_active_booking(book: AppointmentBook, clock: FakeClock) -> None:
    slot = (await book.free_slots("accueil", None, clock(), 1))[0]
    now = clock()
    with pytest.raises(IntegrityError):
        async with book.db.sessions() as session, session.begin():
            for ref in ("111111", "222222"):
                session.add(Appointment(slot_id=slot["id"], reference=ref, status="booked", created_at=now,
                                        updated_at=now))
                await session.flush()


async def test_cancel_frees_the_slot(book: AppointmentBook, clock: FakeClock) -> None:
    slot = (await book.free_slots("accueil", None, clock(), 1))[0]
    made = await book.book(slot["id"], ALICE, "CA1")
    assert isinstance(made, Booked)
    assert await book.cancel(made.appointment_id, BOB, "CA2") is None          # not Bob's
    assert await book.cancel(made.appointment_id, ALICE, "CA3") == (made.reference, slot)
    assert await book.cancel(made.appointment_id, ALICE, "CA3") is None        # already cancelled
    assert await book.find(ALICE, made.reference) is None
    again = await book.book(slot["id"], BOB, "CA4")
    assert isinstance(again, Booked)


async def test_move_keeps_the_reference_and_rolls_back_when_the_new_slot_is_taken(
        book: AppointmentBook, clock: FakeClock) -> None:
    first, second, third = await book.free_slots("accueil", None, clock(), 3)
    made = await book.book(first["id"], ALICE, "CA1")
    assert isinstance(made, Booked)
    other = await book.book(second["id"], BOB, "CA2")
    assert isinstance(other, Booked)
    assert await book.move(made.appointment_id, second["id"], ALICE, "CA3") == "taken"
    assert await book.find(ALICE, made.reference) == (made.appointment_id, first)   # unchanged
    moved = await book.move(made.appointment_id, third["id"], ALICE, "CA3")
    assert isinstance(moved, Booked) and moved.reference == made.reference and moved.slot == third
    assert await book.find(ALICE, made.reference) == (moved.appointment_id, third)
    assert first in await book.free_slots("accueil", None, clock(), 5)
    async with book.db.sessions() as session:
        old = await session.get(Appointment, made.appointment_id)
    assert old is not None and old.status == "moved" and old.moved_to == moved.appointment_id


async def test_past_slots_cannot_be_booked(book: AppointmentBook, clock: FakeClock) -> None:
    slot = (await book.free_slots("accueil", None, clock(), 1))[0]
    clock.advance(timedelta(days=30).total_seconds())
    assert await book.book(slot["id"], ALICE, "CA1") == "taken"


async def test_supervisor_changes_are_audited(book: AppointmentBook, clock: FakeClock) -> None:
    slot = (await book.free_slots("accueil", None, clock(), 1))[0]
    made = await book.book(slot["id"], ALICE, "CA1")
    assert isinstance(made, Booked)
    assert await book.cancel_by_staff(made.appointment_id, "sarah")
    assert not await book.cancel_by_staff(made.appointment_id, "sarah")
    [agency] = await book.agencies()
    await book.update_agency(agency.id, name=agency.name, address="1 place Guichard, Lyon", service="accueil",
                             active=True, actor="sarah")
    with pytest.raises(AppointmentError, match="La plage est plus courte"):
        await book.add_hours(agency.id, HoursRange(2, 600, 610, "phone", 30), "sarah")
    with pytest.raises(AppointmentError, match="déjà"):
        await book.add_agency(agency.name, "", "accueil", "sarah")
    actions = [e.action for e in await audit_entries(book.db)]
    assert actions[:2] == ["appointment.agency_edit", "appointment.cancel"]
    assert actions.count("appointment.hours_add") == 3 and "appointment.slots_generate" in actions
    assert all(e.actor == "sarah" and e.at == clock() for e in await audit_entries(book.db))


async def test_access_and_erasure_requests_cover_appointments(book: AppointmentBook, clock: FakeClock) -> None:
    from callcenter.privacy.retention import Retention, erase, export, purge

    slot = (await book.free_slots("accueil", None, clock(), 1))[0]
    made = await book.book(slot["id"], ALICE, "CA1")
    assert isinstance(made, Booked)
    other = (await book.free_slots("accueil", None, clock(), 1))[0]
    assert isinstance(await book.book(other["id"], BOB, "CA2"), Booked)
    data = await export(book.db, KEY, "06 12 34 56 78", clock(), "dpo")
    assert [(a["reference"], a["status"]) for a in data["appointments"]] == [(made.reference, "booked")]
    assert (await erase(book.db, KEY, "06 12 34 56 78", clock(), "dpo"))["appointments"] == 1
    assert await book.find(ALICE, made.reference) is None
    # Bob's goes with the calls' retention, counted from the appointment's time.
    retention = Retention(calls_days=183, analyses_days=365, receipts_days=2)
    assert (await purge(book.db, retention, KEY, clock(), dry_run=True))["appointments"] == 0
    later = clock() + timedelta(days=200)
    assert (await purge(book.db, retention, KEY, later))["appointments"] == 1
