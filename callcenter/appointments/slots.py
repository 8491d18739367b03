"""Cutting an agency's weekly appointment hours into slots. Pure: the days are given.

Hours are wall-clock times in the agency's zone (9:00 stays 9:00 across daylight-saving changes);
slots are stored as UTC instants. No slot on a French public holiday.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from callcenter.hours import HolidayRules, holiday_on

CHANNELS = ("phone", "in_person")
FRANCE = HolidayRules()


@dataclass(frozen=True)
class HoursRange:
    """Appointments of one ``channel`` on ``weekday`` (0 = Monday) from ``start`` to ``end``
    (minutes since local midnight), ``slot_minutes`` each."""

    weekday: int
    start: int
    end: int
    channel: str
    slot_minutes: int

    def problem(self) -> str | None:
        """Why this range cannot be used, in French (shown on the page), or ``None``."""
        if not 0 <= self.weekday <= 6:
            return "Le jour doit être entre lundi et dimanche."
        if not 0 <= self.start < self.end <= 1440:
            return "L'heure de fin doit être après l'heure de début."
        if self.channel not in CHANNELS:
            return "Le type de rendez-vous est « par téléphone » ou « sur place »."
        if not 5 <= self.slot_minutes <= 240:
            return "La durée d'un rendez-vous est entre 5 et 240 minutes."
        if self.slot_minutes > self.end - self.start:
            return "La plage est plus courte qu'un rendez-vous."
        return None


@dataclass(frozen=True)
class SlotTime:
    starts_at: datetime  # UTC
    minutes: int
    channel: str


def generate_slots(ranges: Iterable[HoursRange], timezone: str, first_day: date, days: int,
                   not_before: datetime, holidays: HolidayRules = FRANCE) -> list[SlotTime]:
    """Every slot of ``days`` days from ``first_day`` (local dates), starting after ``not_before``."""
    tz = ZoneInfo(timezone)
    ranges = list(ranges)
    out: list[SlotTime] = []
    for offset in range(days):
        day = first_day + timedelta(days=offset)
        if holiday_on(day, holidays) is not None:
            continue
        for r in sorted((r for r in ranges if r.weekday == day.weekday()), key=lambda r: (r.start, r.channel)):
            minute = r.start
            while minute + r.slot_minutes <= r.end:
                local = datetime(day.year, day.month, day.day, minute // 60, minute % 60, tzinfo=tz)
                if local.timestamp() > not_before.timestamp():
                    out.append(SlotTime(local.astimezone(UTC), r.slot_minutes, r.channel))
                minute += r.slot_minutes
    return out
