"""``callcenter appointments agencies|add-agency|hours|add-hours|generate|day``: agencies, their
weekly appointment hours and slots, from a terminal (the same book and audit log as the page)."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import json
from collections.abc import Awaitable, Callable
from datetime import date
from typing import Any, TypeVar

from callcenter.appointments.book import AppointmentBook, AppointmentError
from callcenter.appointments.slots import CHANNELS, HoursRange
from callcenter.config import Settings
from callcenter.hours.spoken import DAYS
from callcenter.store import Database, upgrade

T = TypeVar("T")
DAY_NAMES = {"mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6}


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser("appointments", help="agencies, appointment hours and slots",
                            description="Appointments callers book by phone (docs/operations.md, « Rendez-vous »). "
                                        "Every change is written to the audit log.")
    actions = parser.add_subparsers(dest="appointments_command", required=True, metavar="ACTION")
    lst = actions.add_parser("agencies", help="list agencies with their hours and coming slots")
    lst.add_argument("--json", action="store_true", help="as JSON")
    lst.set_defaults(func=run_agencies)
    add = actions.add_parser("add-agency", help="add an agency")
    add.add_argument("name", help="its name, as callers hear it (e.g. \"France Services Lyon 3\")")
    add.add_argument("--service", required=True, help="the queue whose callers it sees (caf, accueil...)")
    add.add_argument("--address", default="", help="its address (said and sent to callers booked in person)")
    add.add_argument("--timezone", default="Europe/Paris", help="its time zone (default Europe/Paris)")
    add.add_argument("--by", help="who makes the change (default: the system user name)")
    add.set_defaults(func=run_add_agency)
    hours = actions.add_parser("add-hours", help="add a weekly range of appointments to an agency")
    hours.add_argument("agency", type=int, help="the agency's id (see `appointments agencies`)")
    hours.add_argument("--day", required=True, choices=sorted(DAY_NAMES, key=DAY_NAMES.__getitem__),
                       help="the day of the week")
    hours.add_argument("--from", dest="start", required=True, metavar="HH:MM",
                       help="first appointment's start, local time of the agency")
    hours.add_argument("--to", dest="end", required=True, metavar="HH:MM",
                       help="when the last appointment must have ended")
    hours.add_argument("--channel", choices=CHANNELS, default="phone", help="by phone (default) or in person")
    hours.add_argument("--minutes", type=int, default=30, help="length of one appointment (default 30)")
    hours.add_argument("--by", help="who makes the change (default: the system user name)")
    hours.set_defaults(func=run_add_hours)
    gen = actions.add_parser("generate", help="create the slots of the coming weeks from the weekly hours")
    gen.add_argument("--weeks", type=int, default=4, help="how many weeks from today (default 4, at most 26)")
    gen.add_argument("--agency", type=int, help="only this agency (default: every active one)")
    gen.add_argument("--by", help="who makes the change (default: the system user name)")
    gen.set_defaults(func=run_generate)
    day = actions.add_parser("day", help="the appointments of one day")
    day.add_argument("day", help="YYYY-MM-DD")
    day.add_argument("--json", action="store_true", help="as JSON")
    day.set_defaults(func=run_day)


def _minutes(text: str) -> int:
    try:
        hour, minute = text.split(":")
        return int(hour) * 60 + int(minute)
    except ValueError:
        raise AppointmentError(f"{text!r}: an hour HH:MM is expected") from None


def _with_book(work: Callable[[AppointmentBook], Awaitable[T]]) -> T:
    settings = Settings.from_env()
    upgrade(settings.database_url)

    async def run() -> T:
        db = Database(settings.database_url)
        try:
            return await work(AppointmentBook(db, settings.caller_hash_key))
        finally:
            await db.close()

    return asyncio.run(run())


def run_agencies(args: argparse.Namespace) -> int:
    async def read(book: AppointmentBook) -> list[dict[str, Any]]:
        out = []
        for agency in await book.agencies():
            slots, booked = await book.slot_counts(agency.id)
            out.append({"id": agency.id, "name": agency.name, "service": agency.service, "address": agency.address,
                        "timezone": agency.timezone, "active": agency.active, "coming_slots": slots, "booked": booked,
                        "hours": [{"id": hid, "day": DAYS[r.weekday], "from": f"{r.start // 60:02d}:{r.start % 60:02d}",
                                   "to": f"{r.end // 60:02d}:{r.end % 60:02d}", "channel": r.channel,
                                   "minutes": r.slot_minutes} for hid, r in await book.hours(agency.id)]})
        return out

    rows = _with_book(read)
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return 0
    for row in rows:
        state = "" if row["active"] else " (hors service)"
        print(f"{row['id']}\t{row['name']}{state}\t{row['service']}\t{row['coming_slots']} slots, "
              f"{row['booked']} booked")
        for h in row["hours"]:
            print(f"\t{h['day']} {h['from']}-{h['to']} {h['channel']} {h['minutes']} min")
    if not rows:
        print("no agency yet: callcenter appointments add-agency NAME --service QUEUE")
    return 0


def run_add_agency(args: argparse.Namespace) -> int:
    by = args.by or getpass.getuser()
    agency_id = _with_book(lambda book: book.add_agency(args.name, args.address, args.service, by, args.timezone))
    print(f"agency {agency_id} added: {args.name}")
    return 0


def run_add_hours(args: argparse.Namespace) -> int:
    by = args.by or getpass.getuser()
    hours = HoursRange(DAY_NAMES[args.day], _minutes(args.start), _minutes(args.end), args.channel, args.minutes)
    hours_id = _with_book(lambda book: book.add_hours(args.agency, hours, by))
    print(f"hours {hours_id} added to agency {args.agency}")
    return 0


def run_generate(args: argparse.Namespace) -> int:
    by = args.by or getpass.getuser()
    added = _with_book(lambda book: book.generate(args.weeks, by, args.agency))
    print(f"{added} slots added")
    return 0


def run_day(args: argparse.Namespace) -> int:
    try:
        day = date.fromisoformat(args.day)
    except ValueError:
        raise AppointmentError(f"{args.day!r}: a day YYYY-MM-DD is expected") from None
    bookings = _with_book(lambda book: book.bookings_on(day))
    rows = [{"id": b.id, "at": b.starts_at.isoformat(), "minutes": b.minutes, "agency": b.agency, "channel": b.channel,
             "reference": b.reference, "caller": b.caller, "status": b.status} for b in bookings]
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return 0
    for r in rows:
        print(f"{r['at'][11:16]}\t{r['agency']}\t{r['channel']}\t{r['reference']}\t{r['caller']}\t{r['status']}")
    return 0
