"""Whole calls played by the phone simulator (``callcenter call`` scripts) against the server
with its real appointment book: book by keys, then cancel by voice from the same number."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from callcenter.appointments.slots import HoursRange
from callcenter.simulator import PhoneSimulator, parse_script
from callcenter.web import keys
from tests.conftest import ACCOUNT_SID, AUTH_TOKEN

SCRIPTS = Path(__file__).parent.parent / "fixtures" / "calls" / "appointments"
CALLER = "+33611223344"


async def test_book_then_cancel_by_phone(client: Any) -> None:
    app = client.app
    book = app[keys.APPOINTMENTS]
    agency = await book.add_agency("France Services Lyon 3", "12 rue Paul Bert, Lyon", "accueil", "sarah")
    await book.add_hours(agency, HoursRange(0, 9 * 60, 10 * 60, "phone", 30), "sarah")
    await book.generate(1, "sarah")
    reference = ""
    for name in ("book_then_cancel", "cancel_by_voice"):
        lines: list[str] = []
        phone = PhoneSimulator(str(client.make_url("")), AUTH_TOKEN, ACCOUNT_SID, caller=CALLER, out=lines.append)
        script = (SCRIPTS / f"{name}.txt").read_text(encoding="utf-8").replace("{reference}", reference)
        result = await phone.run(iter(parse_script(script)))
        row = await app[keys.DATABASE].get_call(result.call_sid)
        assert row is not None and row.status == "ended", lines
        [booking] = await book.bookings_on(date(2026, 11, 30))
        reference = booking.reference
    assert booking.status == "cancelled"
    assert await book.find(CALLER, reference) is None
