"""The appointment book in the database: agencies, weekly hours, slots, bookings.

The dispatcher carries appointment requests out through :class:`AppointmentBook` (the port);
the supervisor page and ``callcenter appointments`` manage agencies and slots through it, every
change written to the audit log in the same transaction.

No double booking: a booking is one ``INSERT ... ON CONFLICT DO NOTHING`` under the partial unique
index "one booked row per slot". Two callers racing for a slot both try; the database lets one
row in, the other insert adds nothing and that caller hears the next free slots. On SQLite the
write also holds the process's one-writer lock, as every write outside a call does.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import and_, exists, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.appointments.slots import CHANNELS, HoursRange, generate_slots
from callcenter.errors import CallCenterError
from callcenter.privacy import caller_key, stored_caller
from callcenter.store.audit import record_audit
from callcenter.store.database import Database
from callcenter.store.models import Appointment, AppointmentAgency, AppointmentHours, AppointmentSlot

Clock = Callable[[], datetime]
BOOKED = "booked"
REFERENCE_TRIES = 8
MAX_WEEKS = 26


def new_reference() -> str:
    """Six digits, never starting with 0 (a lone 0 is the way to a person)."""
    return str(100000 + secrets.randbelow(900000))


def _utc_now() -> datetime:
    return datetime.now(UTC)


class _SlotTaken(Exception):
    """Raised inside a transaction to roll it back when the wanted slot went to someone else."""


class AppointmentError(CallCenterError):
    """A change refused, with the reason in French (shown as it is on the page and by the CLI)."""

    code = "appointment"


@dataclass(frozen=True)
class Agency:
    id: int
    name: str
    address: str
    service: str
    timezone: str
    active: bool


@dataclass(frozen=True)
class Booking:
    """One appointment as the supervisor page lists it (the caller masked)."""

    id: int
    reference: str
    status: str
    caller: str
    agency: str
    starts_at: datetime  # local time of the agency
    minutes: int
    channel: str


@dataclass(frozen=True)
class Booked:
    appointment_id: int
    reference: str
    slot: dict[str, Any]


Taken = Literal["taken"]


def _agency(row: AppointmentAgency) -> Agency:
    return Agency(row.id, row.name, row.address, row.service, row.timezone, row.active)


def slot_view(slot: AppointmentSlot, agency: AppointmentAgency) -> dict[str, Any]:
    """A slot as the IVR gets it (JSON-simple; logged in the call's events)."""
    local = slot.starts_at.astimezone(ZoneInfo(agency.timezone))
    return {"id": slot.id, "start": local.isoformat(), "minutes": slot.minutes, "channel": slot.channel,
            "agency": agency.name, "address": agency.address}


def _check_agency(name: str, service: str, timezone: str) -> None:
    if not name.strip():
        raise AppointmentError("Le nom de l'agence est obligatoire.")
    if not service.strip():
        raise AppointmentError("Le service (la file d'attente) est obligatoire.")
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise AppointmentError(f"Fuseau horaire inconnu : {timezone}.") from None


class AppointmentBook:
    """Appointments in the database. ``caller_hash_key`` is the key of ``calls.caller_hash``."""

    def __init__(self, db: Database, caller_hash_key: bytes, clock: Clock = _utc_now,
                 reference: Callable[[], str] = new_reference) -> None:
        self.db = db
        self.caller_hash_key = caller_hash_key
        self.clock = clock
        self.reference = reference

    def _insert(self) -> Any:
        return sqlite_insert if self.db.is_sqlite else pg_insert

    # -- agencies, hours, slots (supervisors) ---------------------------------------------------

    async def agencies(self) -> list[Agency]:
        async with self.db.sessions() as session:
            rows = await session.scalars(select(AppointmentAgency).order_by(AppointmentAgency.name))
            return [_agency(r) for r in rows]

    async def agency(self, agency_id: int) -> Agency | None:
        async with self.db.sessions() as session:
            row = await session.get(AppointmentAgency, agency_id)
            return None if row is None else _agency(row)

    async def add_agency(self, name: str, address: str, service: str, actor: str,
                         timezone: str = "Europe/Paris") -> int:
        _check_agency(name, service, timezone)
        async with self.db.single_writer(), self.db.sessions() as session, session.begin():
            if await session.scalar(select(AppointmentAgency.id).where(AppointmentAgency.name == name.strip())):
                raise AppointmentError(f"Une agence s'appelle déjà « {name.strip()} ».")
            row = AppointmentAgency(name=name.strip(), address=address.strip(), service=service.strip(),
                                    timezone=timezone, active=True, created_at=self.clock())
            session.add(row)
            await session.flush()
            record_audit(session, actor, "appointment.agency_add", f"agency:{row.id}",
                         {"name": row.name, "service": row.service}, self.clock())
            return row.id

    async def update_agency(self, agency_id: int, *, name: str, address: str, service: str, active: bool,
                            actor: str, timezone: str = "Europe/Paris") -> None:
        _check_agency(name, service, timezone)
        async with self.db.single_writer(), self.db.sessions() as session, session.begin():
            row = await session.get(AppointmentAgency, agency_id)
            if row is None:
                raise AppointmentError("Cette agence n'existe pas.")
            other = await session.scalar(select(AppointmentAgency.id).where(
                AppointmentAgency.name == name.strip(), AppointmentAgency.id != agency_id))
            if other is not None:
                raise AppointmentError(f"Une agence s'appelle déjà « {name.strip()} ».")
            before = {"name": row.name, "address": row.address, "service": row.service, "active": row.active,
                      "timezone": row.timezone}
            row.name, row.address, row.service = name.strip(), address.strip(), service.strip()
            row.active, row.timezone = active, timezone
            after = {"name": row.name, "address": row.address, "service": row.service, "active": row.active,
                     "timezone": row.timezone}
            changed = {k: [before[k], after[k]] for k in after if before[k] != after[k]}
            record_audit(session, actor, "appointment.agency_edit", f"agency:{agency_id}", changed, self.clock())

    async def hours(self, agency_id: int) -> list[tuple[int, HoursRange]]:
        async with self.db.sessions() as session:
            rows = await session.scalars(select(AppointmentHours).where(AppointmentHours.agency_id == agency_id)
                                         .order_by(AppointmentHours.weekday, AppointmentHours.start_minute))
            return [(r.id, HoursRange(r.weekday, r.start_minute, r.end_minute, r.channel, r.slot_minutes))
                    for r in rows]

    async def add_hours(self, agency_id: int, hours: HoursRange, actor: str) -> int:
        problem = hours.problem()
        if problem is not None:
            raise AppointmentError(problem)
        async with self.db.single_writer(), self.db.sessions() as session, session.begin():
            if await session.get(AppointmentAgency, agency_id) is None:
                raise AppointmentError("Cette agence n'existe pas.")
            row = AppointmentHours(agency_id=agency_id, weekday=hours.weekday, start_minute=hours.start,
                                   end_minute=hours.end, channel=hours.channel, slot_minutes=hours.slot_minutes)
            session.add(row)
            await session.flush()
            record_audit(session, actor, "appointment.hours_add", f"agency:{agency_id}",
                         {"weekday": hours.weekday, "start": hours.start, "end": hours.end,
                          "channel": hours.channel, "minutes": hours.slot_minutes}, self.clock())
            return row.id

    async def remove_hours(self, agency_id: int, hours_id: int, actor: str) -> None:
        async with self.db.single_writer(), self.db.sessions() as session, session.begin():
            row = await session.get(AppointmentHours, hours_id)
            if row is None or row.agency_id != agency_id:
                raise AppointmentError("Cette plage horaire n'existe pas.")
            record_audit(session, actor, "appointment.hours_remove", f"agency:{agency_id}",
                         {"weekday": row.weekday, "start": row.start_minute, "end": row.end_minute,
                          "channel": row.channel}, self.clock())
            await session.delete(row)

    async def generate(self, weeks: int, actor: str, agency_id: int | None = None) -> int:
        """Slots for the next ``weeks`` weeks from today, for one agency or every active one;
        slots that already exist are kept as they are. Returns how many were added."""
        if not 1 <= weeks <= MAX_WEEKS:
            raise AppointmentError(f"Le nombre de semaines est entre 1 et {MAX_WEEKS}.")
        now = self.clock()
        added = 0
        async with self.db.single_writer(), self.db.sessions() as session, session.begin():
            query = select(AppointmentAgency).where(AppointmentAgency.active.is_(True))
            if agency_id is not None:
                query = select(AppointmentAgency).where(AppointmentAgency.id == agency_id)
            agencies = list(await session.scalars(query))
            if agency_id is not None and not agencies:
                raise AppointmentError("Cette agence n'existe pas.")
            for agency in agencies:
                rows = await session.scalars(select(AppointmentHours).where(AppointmentHours.agency_id == agency.id))
                ranges = [HoursRange(r.weekday, r.start_minute, r.end_minute, r.channel, r.slot_minutes)
                          for r in rows]
                today = now.astimezone(ZoneInfo(agency.timezone)).date()
                for slot in generate_slots(ranges, agency.timezone, today, weeks * 7, now):
                    statement = self._insert()(AppointmentSlot).values(
                        agency_id=agency.id, starts_at=slot.starts_at, minutes=slot.minutes,
                        channel=slot.channel).on_conflict_do_nothing().returning(AppointmentSlot.id)
                    if (await session.execute(statement)).scalar() is not None:
                        added += 1
            record_audit(session, actor, "appointment.slots_generate",
                         f"agency:{agency_id}" if agency_id is not None else "agencies",
                         {"weeks": weeks, "added": added}, now)
        return added

    async def bookings_on(self, day: date, agency_id: int | None = None) -> list[Booking]:
        """Every appointment (any status) whose slot is on ``day``, in the agency's zone."""
        start = datetime(day.year, day.month, day.day, tzinfo=UTC) - timedelta(hours=14)
        end = start + timedelta(hours=14 + 24 + 14)
        query = (select(Appointment, AppointmentSlot, AppointmentAgency)
                 .join(AppointmentSlot, Appointment.slot_id == AppointmentSlot.id)
                 .join(AppointmentAgency, AppointmentSlot.agency_id == AppointmentAgency.id)
                 .where(AppointmentSlot.starts_at >= start, AppointmentSlot.starts_at < end)
                 .order_by(AppointmentSlot.starts_at, Appointment.id))
        if agency_id is not None:
            query = query.where(AppointmentAgency.id == agency_id)
        out = []
        async with self.db.sessions() as session:
            for appt, slot, agency in (await session.execute(query)).all():
                local = slot.starts_at.astimezone(ZoneInfo(agency.timezone))
                if local.date() != day:
                    continue
                out.append(Booking(appt.id, appt.reference, appt.status, appt.caller or "inconnu", agency.name,
                                   local, slot.minutes, slot.channel))
        return out

    async def slot_counts(self, agency_id: int) -> tuple[int, int]:
        """(future slots, of which booked) of one agency."""
        now = self.clock()
        async with self.db.sessions() as session:
            slots = list(await session.scalars(select(AppointmentSlot.id).where(
                AppointmentSlot.agency_id == agency_id, AppointmentSlot.starts_at > now)))
            booked = list(await session.scalars(select(Appointment.id).where(
                Appointment.slot_id.in_(slots), Appointment.status == BOOKED))) if slots else []
        return len(slots), len(booked)

    async def cancel_by_staff(self, appointment_id: int, actor: str) -> bool:
        """A supervisor cancels an appointment; ``False`` if it was no longer booked."""
        now = self.clock()
        async with self.db.single_writer(), self.db.sessions() as session, session.begin():
            done = await self._set_status(session, appointment_id, "cancelled", now, by=actor)
            if done:
                record_audit(session, actor, "appointment.cancel", f"appointment:{appointment_id}", {}, now)
            return done

    # -- the IVR's port -------------------------------------------------------------------------

    async def free_slots(self, service: str, channel: str | None, after: datetime, limit: int) -> list[dict[str, Any]]:
        """The next ``limit`` free slots of ``service``'s active agencies starting after ``after``."""
        after = max(after, self.clock())
        taken = exists().where(and_(Appointment.slot_id == AppointmentSlot.id, Appointment.status == BOOKED))
        query = (select(AppointmentSlot, AppointmentAgency)
                 .join(AppointmentAgency, AppointmentSlot.agency_id == AppointmentAgency.id)
                 .where(AppointmentAgency.service == service, AppointmentAgency.active.is_(True),
                        AppointmentSlot.starts_at > after, ~taken)
                 .order_by(AppointmentSlot.starts_at, AppointmentSlot.id).limit(limit))
        if channel in CHANNELS:
            query = query.where(AppointmentSlot.channel == channel)
        async with self.db.sessions() as session:
            return [slot_view(s, a) for s, a in (await session.execute(query)).all()]

    async def _slot(self, session: AsyncSession, slot_id: int) -> tuple[AppointmentSlot, AppointmentAgency] | None:
        row = (await session.execute(
            select(AppointmentSlot, AppointmentAgency)
            .join(AppointmentAgency, AppointmentSlot.agency_id == AppointmentAgency.id)
            .where(AppointmentSlot.id == slot_id))).first()
        if row is None or not row[1].active or row[0].starts_at <= self.clock():
            return None
        return row[0], row[1]

    async def _insert_booking(self, session: AsyncSession, slot_id: int, caller: str, call_sid: str | None,
                              now: datetime, reference: str | None = None) -> tuple[int, str] | None:
        """The new booked row's (id, reference), or ``None`` when the slot is already booked."""
        for _ in range(REFERENCE_TRIES):
            ref = reference or self.reference()
            statement = self._insert()(Appointment).values(
                slot_id=slot_id, caller=stored_caller(caller) if caller else None,
                caller_hash=caller_key(self.caller_hash_key, caller), reference=ref, status=BOOKED,
                created_call=call_sid, updated_call=call_sid, created_at=now, updated_at=now,
            ).on_conflict_do_nothing().returning(Appointment.id)
            new_id = (await session.execute(statement)).scalar()
            if new_id is not None:
                return new_id, ref
            slot_taken = await session.scalar(select(Appointment.id).where(
                Appointment.slot_id == slot_id, Appointment.status == BOOKED))
            if slot_taken is not None or reference is not None:
                return None
            # Only the reference collided with another active one: draw again.
        raise AppointmentError("no free reference found")

    async def book(self, slot_id: int, caller: str, call_sid: str | None) -> Booked | Taken:
        now = self.clock()
        async with self.db.single_writer(), self.db.sessions() as session, session.begin():
            found = await self._slot(session, slot_id)
            if found is None:
                return "taken"
            made = await self._insert_booking(session, slot_id, caller, call_sid, now)
            if made is None:
                return "taken"
            return Booked(made[0], made[1], slot_view(*found))

    async def _own(self, session: AsyncSession, caller: str, appointment_id: int | None = None,
                   reference: str | None = None) -> tuple[Appointment, AppointmentSlot, AppointmentAgency] | None:
        hashed = caller_key(self.caller_hash_key, caller)
        if hashed is None:
            return None
        query = (select(Appointment, AppointmentSlot, AppointmentAgency)
                 .join(AppointmentSlot, Appointment.slot_id == AppointmentSlot.id)
                 .join(AppointmentAgency, AppointmentSlot.agency_id == AppointmentAgency.id)
                 .where(Appointment.caller_hash == hashed, Appointment.status == BOOKED,
                        AppointmentSlot.starts_at > self.clock()))
        if appointment_id is not None:
            query = query.where(Appointment.id == appointment_id)
        if reference is not None:
            query = query.where(Appointment.reference == reference)
        row = (await session.execute(query)).first()
        return None if row is None else (row[0], row[1], row[2])

    async def find(self, caller: str, reference: str) -> tuple[int, dict[str, Any]] | None:
        """The caller's coming appointment with this reference: (id, slot), else ``None``."""
        async with self.db.sessions() as session:
            found = await self._own(session, caller, reference=reference)
            return None if found is None else (found[0].id, slot_view(found[1], found[2]))

    async def _set_status(self, session: AsyncSession, appointment_id: int, status: str, now: datetime, *,
                          call_sid: str | None = None, by: str | None = None, moved_to: int | None = None) -> bool:
        result = await session.execute(
            update(Appointment).where(Appointment.id == appointment_id, Appointment.status == BOOKED)
            .values(status=status, updated_at=now, updated_call=call_sid, updated_by=by, moved_to=moved_to))
        return bool(result.rowcount)

    async def cancel(self, appointment_id: int, caller: str, call_sid: str | None
                     ) -> tuple[str, dict[str, Any]] | None:
        """The caller cancels their appointment: (reference, slot), or ``None`` if not theirs or gone."""
        now = self.clock()
        async with self.db.single_writer(), self.db.sessions() as session, session.begin():
            found = await self._own(session, caller, appointment_id=appointment_id)
            if found is None or not await self._set_status(session, appointment_id, "cancelled", now,
                                                           call_sid=call_sid, by="caller"):
                return None
            return found[0].reference, slot_view(found[1], found[2])

    async def move(self, appointment_id: int, slot_id: int, caller: str, call_sid: str | None
                   ) -> Booked | Taken | None:
        """The caller moves their appointment to ``slot_id``, keeping its reference, in one
        transaction: the old one is marked moved only if the new slot could be booked.
        ``None``: the appointment is not theirs or no longer booked."""
        now = self.clock()
        try:
            async with self.db.single_writer(), self.db.sessions() as session, session.begin():
                found = await self._own(session, caller, appointment_id=appointment_id)
                if found is None:
                    return None
                target = await self._slot(session, slot_id)
                if target is None:
                    return "taken"
                old = found[0]
                # The reference is freed first (its index is on booked rows), then taken by the new row.
                if not await self._set_status(session, old.id, "moved", now, call_sid=call_sid, by="caller"):
                    return None
                made = await self._insert_booking(session, slot_id, caller, call_sid, now,
                                                  reference=old.reference)
                if made is None:
                    raise _SlotTaken  # rolls the whole move back: the old appointment stays booked
                await session.execute(update(Appointment).where(Appointment.id == old.id)
                                      .values(moved_to=made[0]))
                return Booked(made[0], made[1], slot_view(*target))
        except _SlotTaken:
            return "taken"
