"""Opening hours said aloud, in plain French for text-to-speech: "lundi à 8 heures 30",
"demain à 9 heures", "du lundi au vendredi, de 8 heures 30 à midi et de 13 heures 30 à 17 heures"."""

from __future__ import annotations

from datetime import datetime

from callcenter.hours.model import QueueHours, Ranges

DAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
          "octobre", "novembre", "décembre")


def spoken_time(minutes: int) -> str:
    """8:30 -> "8 heures 30", 9:00 -> "9 heures", 12:00 -> "midi", 0:00 and 24:00 -> "minuit"."""
    hour, minute = divmod(minutes % 1440, 60)
    if minute == 0:
        return {0: "minuit", 12: "midi"}.get(hour, "1 heure" if hour == 1 else f"{hour} heures")
    return f"{hour} {'heure' if hour == 1 else 'heures'} {minute}"


def spoken_day(when: datetime) -> str:
    """ "le mardi 5 janvier", "le vendredi 1er mai" (no year: at most a few months ahead)."""
    day = "1er" if when.day == 1 else str(when.day)
    return f"le {DAYS[when.weekday()]} {day} {MONTHS[when.month - 1]}"


def spoken_moment(when: datetime, now: datetime) -> str:
    """When ``when`` is, seen from ``now``, in the zone of ``when``: "aujourd'hui à 13 heures 30",
    "demain à 9 heures", "lundi à 8 heures 30" within the week, else "le lundi 4 janvier à 9 heures"."""
    local_now = now.astimezone(when.tzinfo)
    days = (when.date() - local_now.date()).days
    at = spoken_time(when.hour * 60 + when.minute)
    if days == 0:
        return f"aujourd'hui à {at}"
    if days == 1:
        return f"demain à {at}"
    if 1 < days < 7:
        return f"{DAYS[when.weekday()]} à {at}"
    return f"{spoken_day(when)} à {at}"


def spoken_ranges(ranges: Ranges) -> str:
    """ "de 8 heures 30 à midi et de 13 heures 30 à 16 heures 30"; "24 heures sur 24"."""
    if [(r.start, r.end) for r in ranges] == [(0, 1440)]:
        return "24 heures sur 24"
    parts = [f"de {spoken_time(r.start)} à {spoken_time(r.end)}" for r in ranges]
    return _join(parts)


def spoken_week(hours: QueueHours) -> str | None:
    """The usual week, consecutive days with the same hours grouped; ``None`` if never open."""
    groups: list[tuple[int, int, Ranges]] = []
    for index, ranges in enumerate(hours.week):
        if groups and groups[-1][2] == ranges and groups[-1][1] == index - 1:
            groups[-1] = (groups[-1][0], index, ranges)
        else:
            groups.append((index, index, ranges))
    parts = []
    for first, last, ranges in groups:
        if not ranges:
            continue
        if (first, last) == (0, 6):
            days = "tous les jours"
        elif first == last:
            days = f"le {DAYS[first]}"
        elif last == first + 1:
            days = f"le {DAYS[first]} et le {DAYS[last]}"
        else:
            days = f"du {DAYS[first]} au {DAYS[last]}"
        parts.append(f"{days}, {spoken_ranges(ranges)}")
    if not parts:
        return None
    return _join(parts, last="; et ") if len(parts) > 1 else parts[0]


def _join(parts: list[str], last: str = " et ") -> str:
    if len(parts) <= 1:
        return "".join(parts)
    sep = "; " if last.startswith(";") else ", "
    return sep.join(parts[:-1]) + last + parts[-1]
