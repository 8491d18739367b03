"""The supervisors' appointments page in headless Chromium: add an agency, its weekly hours,
generate slots, see a day's bookings and cancel one; every change in the audit log; agents are
refused. Screenshots in tests/artifacts."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from callcenter.appointments.book import Booked
from callcenter.store.audit import audit_entries
from callcenter.web import keys
from tests.centre import Centre
from tests.web.cdp import Chromium, Page
from tests.web.chromium_pages import sign_in

ARTIFACTS = Path(__file__).parent.parent / "artifacts"


async def fill_and_submit(page: Page, form: str, values: dict[str, str], landing: str) -> None:
    """Fill ``form`` and submit it; wait for the answer, whose path starts with ``landing``."""
    # The flag goes with the old page: its absence says the answer to the form is loaded.
    await page.eval(f"""{{
        window.submitted = true;
        const values = {json.dumps(values)};
        for (const [id, value] of Object.entries(values)) document.getElementById(id).value = value;
        document.querySelector({json.dumps('#' + form + ' button[type=submit]')}).click(); }} true""")
    await page.wait_for(f"!window.submitted && location.pathname.startsWith({json.dumps(landing)}) "
                        "&& document.readyState === 'complete'")


async def test_a_supervisor_sets_up_an_agency_and_cancels_a_booking(centre: Centre, browser: Chromium) -> None:
    page = await browser.new_page()
    await sign_in(page, centre.public, "sarah", "/board")
    await page.eval("document.querySelector('nav a[href=\"/appointments\"]').click(); true")
    await page.wait_for("location.pathname === '/appointments' && document.readyState === 'complete'")
    assert "Aucune agence" in await page.eval("document.getElementById('agencies').innerText")

    await fill_and_submit(page, "add-agency", {"agency-name": "France Services Lyon 3",
                                               "agency-address": "12 rue Paul Bert, Lyon",
                                               "agency-service": "accueil"}, "/appointments/agencies/")
    assert "L'agence est ajoutée" in await page.eval("document.getElementById('notice').innerText")
    agency = await page.eval("location.pathname")   # ids are not reset between tests on PostgreSQL
    # A range that ends before it starts is refused with the reason, nothing stored.
    await fill_and_submit(page, "add-hours", {"weekday": "0", "start": "10:00", "end": "09:00", "channel": "phone",
                                              "minutes": "30"}, agency + "/hours")
    assert await page.eval("document.getElementById('error').innerText") == \
        "L'heure de fin doit être après l'heure de début."
    await page.goto(centre.public + agency)
    await fill_and_submit(page, "add-hours", {"weekday": "0", "start": "09:00", "end": "10:00", "channel": "phone",
                                              "minutes": "30"}, agency)
    hours = await page.eval("document.getElementById('hours').innerText")
    assert "lundi\t09:00\t10:00\tpar téléphone\t30 min" in hours
    await fill_and_submit(page, "generate", {"weeks": "2"}, agency)
    assert "4 créneau(x) ajouté(s)" in await page.eval("document.getElementById('notice').innerText")
    await page.screenshot(ARTIFACTS / "appointments_agency.png")

    book = centre.client.app[keys.APPOINTMENTS]
    [first, *_] = await book.free_slots("accueil", None, centre.clock(), 3)
    made = await book.book(first["id"], "+33612345678", "CA" + "1" * 32)
    assert isinstance(made, Booked)
    await page.goto(centre.public + "/appointments?day=2026-11-30")
    await page.wait_for("document.readyState === 'complete'")
    row = await page.eval("document.querySelector('#bookings tbody tr').innerText")
    assert f"09:00 (30 min)\tFrance Services Lyon 3\tpar téléphone\t{made.reference}\t+33 ••••••• 78\tréservé" in row
    await page.screenshot(ARTIFACTS / "appointments_day.png")
    await page.eval("window.submitted = true; document.querySelector('#bookings button[type=submit]').click(); true")
    await page.wait_for("!window.submitted && location.pathname === '/appointments' "
                        "&& document.readyState === 'complete'")
    assert await page.eval("document.getElementById('notice').innerText") == "Le rendez-vous est annulé."
    assert "annulé" in await page.eval("document.querySelector('#bookings tbody tr').innerText")
    assert await book.find("+33612345678", made.reference) is None
    assert [b.status for b in await book.bookings_on(date(2026, 11, 30))] == ["cancelled"]

    actions = [(e.actor, e.action) for e in await audit_entries(centre.client.app[keys.DATABASE])
               if e.action.startswith("appointment.")]
    assert actions == [("sarah", "appointment.cancel"), ("sarah", "appointment.slots_generate"),
                           ("sarah", "appointment.hours_add"), ("sarah", "appointment.agency_add")]


async def test_agents_cannot_open_the_page(centre: Centre, browser: Chromium) -> None:
    page = await browser.new_page()
    await sign_in(page, centre.public, "alice", "/agent")
    await page.goto(centre.public + "/appointments")
    await page.wait_for("document.readyState === 'complete'")
    assert "Rendez-vous" not in await page.eval("document.querySelector('h1').innerText")
    async with centre.client.session.post(centre.public + "/appointments/agencies", data={"name": "x"},
                                          allow_redirects=False) as resp:
        assert resp.status in (401, 403) or resp.headers.get("Location", "").startswith("/login")
