"""Is a queue open now, and when does it open next? Pure: the time is always given.

Hours are wall-clock times in the schedule's time zone: 8:30 stays 8:30 across daylight-saving
changes. ``now`` must be time-zone aware (any zone; it is converted).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Literal

from callcenter.hours.holidays import holiday_on
from callcenter.hours.model import QueueHours, Ranges, Schedule

# How far ahead the next opening is looked for; a queue closed longer has no next opening.
HORIZON_DAYS = 400
Why = Literal["open", "hours", "holiday", "closure", "unlimited"]


@dataclass(frozen=True)
class DayHours:
    """The hours of one queue on one date, and what decided them."""

    ranges: Ranges
    why: Literal["week", "holiday", "closure", "opening"]
    detail: str = ""   # the holiday id or the closure/opening reason


@dataclass(frozen=True)
class OpenStatus:
    """``open`` now or not; when closed, why (``hours``, ``holiday``, ``closure``) and the next
    opening (``None`` when none within :data:`HORIZON_DAYS`)."""

    open: bool
    next_opening: datetime | None
    why: Why
    detail: str = ""


def day_hours(schedule: Schedule, hours: QueueHours, day: date) -> DayHours:
    """An exceptional opening wins over a closure, which wins over a holiday, then the week."""
    opening = next((o for o in hours.openings if o.day == day), None)
    if opening is not None:
        return DayHours(opening.ranges, "opening", opening.reason)
    closure = next((c for c in hours.closures if c.covers(day)), None)
    if closure is not None:
        return DayHours((), "closure", closure.reason)
    holiday = holiday_on(day, schedule.holidays)
    if holiday is not None:
        return DayHours((), "holiday", holiday)
    return DayHours(hours.week[day.weekday()], "week")


def _aware(now: datetime) -> None:
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("opening hours need a time-zone aware time")


def next_opening(schedule: Schedule, hours: QueueHours, now: datetime) -> datetime | None:
    """The first opening time strictly after ``now`` (aware, in the schedule's zone)."""
    _aware(now)
    tz = schedule.tz
    local = now.astimezone(tz)
    for offset in range(HORIZON_DAYS + 1):
        day = local.date() + timedelta(days=offset)
        for r in day_hours(schedule, hours, day).ranges:
            start = datetime(day.year, day.month, day.day, r.start // 60, r.start % 60, tzinfo=tz)
            # Compare instants, not wall times: an opening inside the autumn's repeated hour
            # must still be after now.
            if start.timestamp() > now.timestamp():
                return start
    return None


def status(schedule: Schedule, queue: str, now: datetime) -> OpenStatus:
    """Whether ``queue`` is open at ``now``, and if not, why and when it opens next."""
    _aware(now)
    hours = schedule.hours_of(queue)
    if hours is None:
        return OpenStatus(True, None, "unlimited")
    local = now.astimezone(schedule.tz)
    today = day_hours(schedule, hours, local.date())
    seconds = local.hour * 3600 + local.minute * 60 + local.second + local.microsecond / 1e6
    if any(r.start * 60 <= seconds < r.end * 60 for r in today.ranges):
        return OpenStatus(True, None, "open")
    if today.why in ("week", "opening"):
        return OpenStatus(False, next_opening(schedule, hours, now), "hours")
    why: Why = "holiday" if today.why == "holiday" else "closure"
    return OpenStatus(False, next_opening(schedule, hours, now), why, today.detail)


def is_open(schedule: Schedule, queue: str, now: datetime) -> tuple[bool, datetime | None]:
    """``(open, next_opening)``: ``next_opening`` is ``None`` when open (or never opening)."""
    found = status(schedule, queue, now)
    return found.open, found.next_opening
