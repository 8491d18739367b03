"""Dates and times said aloud in plain English, for a caller who chose English: "2:30 pm",
"tomorrow at 9 am", "Tuesday 1 December at 2:30 pm". The French ones are in spoken.py. Pure."""

from __future__ import annotations

from datetime import datetime

DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
          "October", "November", "December")


def spoken_time(minutes: int) -> str:
    """8:30 -> "8:30 am", 14:00 -> "2 pm", 12:00 -> "noon", 0:00 and 24:00 -> "midnight"."""
    hour, minute = divmod(minutes % 1440, 60)
    if minute == 0 and hour in (0, 12):
        return "midnight" if hour == 0 else "noon"
    suffix = "am" if hour < 12 else "pm"
    shown = hour % 12 or 12
    return f"{shown} {suffix}" if minute == 0 else f"{shown}:{minute:02d} {suffix}"


def spoken_date(when: datetime) -> str:
    """ "Tuesday 1 December" (no year: at most a few months ahead)."""
    return f"{DAYS[when.weekday()]} {when.day} {MONTHS[when.month - 1]}"


def spoken_at(when: datetime) -> str:
    """ "Tuesday 1 December at 2:30 pm"."""
    return f"{spoken_date(when)} at {spoken_time(when.hour * 60 + when.minute)}"


def spoken_moment(when: datetime, now: datetime) -> str:
    """When ``when`` is, seen from ``now``, in the zone of ``when``: "today at 1:30 pm",
    "tomorrow at 9 am", "on Monday at 8:30 am" within the week, else "on Monday 4 January at 9 am"."""
    days = (when.date() - now.astimezone(when.tzinfo).date()).days
    at = spoken_time(when.hour * 60 + when.minute)
    if days == 0:
        return f"today at {at}"
    if days == 1:
        return f"tomorrow at {at}"
    if 1 < days < 7:
        return f"on {DAYS[when.weekday()]} at {at}"
    return f"on {spoken_at(when)}"
