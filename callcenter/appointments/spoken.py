"""Appointments said aloud in plain French for text-to-speech: « mardi 3 mars à 14 heures 30,
par téléphone », and the reference digit by digit."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from callcenter.hours.spoken import DAYS, MONTHS, spoken_time
from callcenter.hours.spoken_en import spoken_at

CHANNEL_SPOKEN = {"phone": "par téléphone", "in_person": "sur place"}


def spoken_date(when: datetime) -> str:
    """ "mardi 3 mars", "vendredi 1er mai" (local time of ``when``)."""
    day = "1er" if when.day == 1 else str(when.day)
    return f"{DAYS[when.weekday()]} {day} {MONTHS[when.month - 1]}"


def spoken_slot(slot: Mapping[str, Any], *, with_place: bool = True) -> str:
    """ "mardi 3 mars à 14 heures 30, par téléphone" or "..., sur place, à l'agence de Lyon"."""
    when = datetime.fromisoformat(str(slot["start"]))
    text = f"{spoken_date(when)} à {spoken_time(when.hour * 60 + when.minute)}"
    if not with_place:
        return text
    text += f", {CHANNEL_SPOKEN.get(str(slot.get('channel')), '')}".rstrip(", ")
    if slot.get("channel") == "in_person" and slot.get("agency"):
        text += f", {slot['agency']}"
    return text


def spoken_reference(reference: str) -> str:
    """ "4 8 2 7 1 5": a voice reads digits one by one, a caller writes them down that way."""
    return " ".join(reference)


CHANNEL_SPOKEN_EN = {"phone": "by phone", "in_person": "in person"}


def spoken_slot_en(slot: Mapping[str, Any], *, with_place: bool = True) -> str:
    """ "Tuesday 3 March at 2:30 pm, by phone" or "..., in person, à l'agence de Lyon" (the
    agency keeps its French name: it is what the caller will find on the door)."""
    when = datetime.fromisoformat(str(slot["start"]))
    text = spoken_at(when)
    if not with_place:
        return text
    text += f", {CHANNEL_SPOKEN_EN.get(str(slot.get('channel')), '')}".rstrip(", ")
    if slot.get("channel") == "in_person" and slot.get("agency"):
        text += f", {slot['agency']}"
    return text
