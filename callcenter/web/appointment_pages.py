"""The supervisors' appointments page: agencies, their weekly appointment hours, slot generation,
the day's bookings (cancel one). Every change goes through the appointment book, which writes it
to the audit log in the same transaction (docs/operations.md, « Rendez-vous »).

Forms post back and are answered with a redirect (303) carrying a notice, so a reload never
sends a form twice; a refused form is shown again with the reason, status 400.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web

from callcenter.appointments.book import AppointmentBook, AppointmentError
from callcenter.appointments.slots import CHANNELS, HoursRange
from callcenter.appointments.spoken import spoken_date
from callcenter.hours.spoken import DAYS
from callcenter.web import keys
from callcenter.web.auth import Identity, identity, requires
from callcenter.web.labels import load_labels
from callcenter.web.templates import render

NOTICES = {
    "agency_added": "L'agence est ajoutée. Indiquez maintenant ses horaires de rendez-vous.",
    "agency_saved": "L'agence est enregistrée.",
    "hours_added": "La plage horaire est ajoutée. Générez les créneaux pour la proposer aux appelants.",
    "hours_removed": "La plage horaire est supprimée (les créneaux déjà créés restent).",
    "cancelled": "Le rendez-vous est annulé.",
    "not_cancelled": "Ce rendez-vous n'était plus réservé : rien n'a changé.",
}
DEFAULT_WEEKS = 4
TIMEZONE = "Europe/Paris"


def _book(request: web.Request) -> AppointmentBook:
    return request.app[keys.APPOINTMENTS]


def _services() -> dict[str, str]:
    return load_labels().kind("queues")


def _day(raw: str | None, book: AppointmentBook) -> date:
    if raw:
        try:
            return date.fromisoformat(raw)
        except ValueError:
            raise web.HTTPBadRequest(text="day: une date AAAA-MM-JJ est attendue") from None
    return book.clock().astimezone(ZoneInfo(TIMEZONE)).date()


def _minutes(raw: Any, what: str) -> int:
    try:
        hour, minute = str(raw).split(":")[:2]
        value = int(hour) * 60 + int(minute)
    except ValueError:
        raise AppointmentError(f"{what} : une heure HH:MM est attendue.") from None
    if not 0 <= value <= 1440:
        raise AppointmentError(f"{what} : une heure entre 00:00 et 24:00 est attendue.")
    return value


def _int(raw: Any, what: str) -> int:
    try:
        return int(str(raw))
    except ValueError:
        raise AppointmentError(f"{what} : un nombre est attendu.") from None


def _see_other(location: str) -> web.HTTPSeeOther:
    return web.HTTPSeeOther(location)


async def _overview(request: web.Request, who: Identity, *, error: str | None = None, status: int = 200,
                    form: dict[str, str] | None = None) -> web.Response:
    book = _book(request)
    day = _day(request.query.get("day"), book)
    agencies = []
    for agency in await book.agencies():
        slots, booked = await book.slot_counts(agency.id)
        agencies.append({"agency": agency, "slots": slots, "booked": booked})
    return render("appointments.html", status=status, csrf_token=who.csrf, user=who, agencies=agencies,
                  bookings=await book.bookings_on(day), day=day.isoformat(), services=_services(),
                  day_words=f"{spoken_date(datetime(day.year, day.month, day.day))} {day.year}",
                  notice=NOTICES.get(request.query.get("notice", "")), error=error, form=form or {},
                  weeks=DEFAULT_WEEKS, added=request.query.get("added"))


@requires("supervisor")
async def overview(request: web.Request) -> web.Response:
    return await _overview(request, identity(request))


@requires("supervisor")
async def add_agency(request: web.Request) -> web.Response:
    who = identity(request)
    form = {k: str(v) for k, v in (await request.post()).items() if k != "csrf_token"}
    try:
        agency_id = await _book(request).add_agency(form.get("name", ""), form.get("address", ""),
                                                    form.get("service", ""), who.username,
                                                    form.get("timezone") or TIMEZONE)
    except AppointmentError as exc:
        return await _overview(request, who, error=exc.message, status=400, form=form)
    raise _see_other(f"/appointments/agencies/{agency_id}?notice=agency_added")


@requires("supervisor")
async def generate(request: web.Request) -> web.Response:
    who = identity(request)
    form = await request.post()
    try:
        weeks = _int(form.get("weeks", ""), "Nombre de semaines")
        raw = str(form.get("agency", "") or "")
        added = await _book(request).generate(weeks, who.username, int(raw) if raw.isdigit() else None)
    except AppointmentError as exc:
        return await _overview(request, who, error=exc.message, status=400)
    raise _see_other(f"/appointments?added={added}")


@requires("supervisor")
async def cancel(request: web.Request) -> web.Response:
    who = identity(request)
    appointment_id = int(request.match_info["appointment_id"])
    done = await _book(request).cancel_by_staff(appointment_id, who.username)
    day = str((await request.post()).get("day", ""))
    back = f"&day={day}" if day else ""
    raise _see_other(f"/appointments?notice={'cancelled' if done else 'not_cancelled'}{back}")


async def _agency_page(request: web.Request, who: Identity, *, error: str | None = None,
                       status: int = 200) -> web.Response:
    book = _book(request)
    agency_id = int(request.match_info["agency_id"])
    agency = await book.agency(agency_id)
    if agency is None:
        raise web.HTTPNotFound(text="Cette agence n'existe pas.")
    hours = [{"id": hid, "day": DAYS[r.weekday], "start": f"{r.start // 60:02d}:{r.start % 60:02d}",
              "end": f"{r.end // 60:02d}:{r.end % 60:02d}", "channel": r.channel, "minutes": r.slot_minutes}
             for hid, r in await book.hours(agency_id)]
    slots, booked = await book.slot_counts(agency_id)
    return render("appointment_agency.html", status=status, csrf_token=who.csrf, user=who, agency=agency,
                  hours=hours, days=list(enumerate(DAYS)), channels=CHANNELS, services=_services(),
                  slots=slots, booked=booked, weeks=DEFAULT_WEEKS, error=error,
                  notice=NOTICES.get(request.query.get("notice", "")), added=request.query.get("added"))


@requires("supervisor")
async def agency_page(request: web.Request) -> web.Response:
    return await _agency_page(request, identity(request))


@requires("supervisor")
async def edit_agency(request: web.Request) -> web.Response:
    who = identity(request)
    agency_id = int(request.match_info["agency_id"])
    form = await request.post()
    try:
        await _book(request).update_agency(
            agency_id, name=str(form.get("name", "")), address=str(form.get("address", "")),
            service=str(form.get("service", "")), active=form.get("active") == "on", actor=who.username,
            timezone=str(form.get("timezone") or TIMEZONE))
    except AppointmentError as exc:
        return await _agency_page(request, who, error=exc.message, status=400)
    raise _see_other(f"/appointments/agencies/{agency_id}?notice=agency_saved")


@requires("supervisor")
async def add_hours(request: web.Request) -> web.Response:
    who = identity(request)
    agency_id = int(request.match_info["agency_id"])
    form = await request.post()
    try:
        hours = HoursRange(_int(form.get("weekday", ""), "Jour"), _minutes(form.get("start", ""), "Début"),
                           _minutes(form.get("end", ""), "Fin"), str(form.get("channel", "")),
                           _int(form.get("minutes", ""), "Durée"))
        await _book(request).add_hours(agency_id, hours, who.username)
    except AppointmentError as exc:
        return await _agency_page(request, who, error=exc.message, status=400)
    raise _see_other(f"/appointments/agencies/{agency_id}?notice=hours_added")


@requires("supervisor")
async def remove_hours(request: web.Request) -> web.Response:
    who = identity(request)
    agency_id = int(request.match_info["agency_id"])
    try:
        await _book(request).remove_hours(agency_id, int(request.match_info["hours_id"]), who.username)
    except AppointmentError as exc:
        return await _agency_page(request, who, error=exc.message, status=400)
    raise _see_other(f"/appointments/agencies/{agency_id}?notice=hours_removed")


@requires("supervisor")
async def generate_for_agency(request: web.Request) -> web.Response:
    who = identity(request)
    agency_id = int(request.match_info["agency_id"])
    try:
        weeks = _int((await request.post()).get("weeks", ""), "Nombre de semaines")
        added = await _book(request).generate(weeks, who.username, agency_id)
    except AppointmentError as exc:
        return await _agency_page(request, who, error=exc.message, status=400)
    raise _see_other(f"/appointments/agencies/{agency_id}?added={added}")


def setup_routes(app: web.Application) -> None:
    app.router.add_get("/appointments", overview)
    app.router.add_post("/appointments/agencies", add_agency)
    app.router.add_post("/appointments/slots", generate)
    app.router.add_post(r"/appointments/{appointment_id:\d+}/cancel", cancel)
    app.router.add_get(r"/appointments/agencies/{agency_id:\d+}", agency_page)
    app.router.add_post(r"/appointments/agencies/{agency_id:\d+}", edit_agency)
    app.router.add_post(r"/appointments/agencies/{agency_id:\d+}/hours", add_hours)
    app.router.add_post(r"/appointments/agencies/{agency_id:\d+}/hours/{hours_id:\d+}/delete", remove_hours)
    app.router.add_post(r"/appointments/agencies/{agency_id:\d+}/slots", generate_for_agency)


