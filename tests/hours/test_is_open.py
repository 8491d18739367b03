"""``is_open`` at the edges: range boundaries, holidays, closures, openings, time zones, DST; and
the next opening said aloud."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from callcenter.hours import is_open, parse_hours, spoken_moment, spoken_time, spoken_week, status

PARIS = ZoneInfo("Europe/Paris")
SCHEDULE = parse_hours("""\
timezone: Europe/Paris
closures:
  - from: 2026-12-28
    to: 2026-12-30
    reason: Déménagement
queues:
  caf:
    week:
      monday-friday: 8:30-12:00 13:30-16:30
    openings:
      - date: 2026-11-28
        hours: 9:00-12:00
        reason: Samedi de permanence
      - date: 2027-05-06
        hours: 9:00-12:00
        reason: Ascension, permanence
  nuit:
    week:
      monday-sunday: 20:00-24:00
""", "hours.yaml")


def paris(*args: int) -> datetime:
    return datetime(*args, tzinfo=PARIS)  # type: ignore[misc]


@pytest.mark.parametrize(("now", "expected"), [
    (paris(2026, 11, 26, 8, 29, 59), (False, paris(2026, 11, 26, 8, 30))),   # a Thursday, one second early
    (paris(2026, 11, 26, 8, 30), (True, None)),                               # the opening minute is in
    (paris(2026, 11, 26, 11, 59, 59), (True, None)),
    (paris(2026, 11, 26, 12, 0), (False, paris(2026, 11, 26, 13, 30))),      # the closing minute is out
    (paris(2026, 11, 26, 16, 30), (False, paris(2026, 11, 27, 8, 30))),
    (paris(2026, 11, 27, 17, 0), (False, paris(2026, 11, 28, 9, 0))),        # Friday night: Saturday's opening
    (paris(2026, 11, 28, 10, 0), (True, None)),                               # the exceptional Saturday
    (paris(2026, 11, 28, 12, 0), (False, paris(2026, 11, 30, 8, 30))),       # then Monday
    (paris(2026, 12, 24, 17, 0), (False, paris(2026, 12, 31, 8, 30))),       # Christmas, then the closure
    (paris(2026, 12, 25, 10, 0), (False, paris(2026, 12, 31, 8, 30))),
    (paris(2026, 12, 31, 9, 0), (True, None)),
    (paris(2027, 5, 6, 10, 0), (True, None)),                                 # Ascension, opened anyway
    (paris(2027, 5, 5, 17, 0), (False, paris(2027, 5, 6, 9, 0))),
])
def test_is_open_at_the_edges(now: datetime, expected: tuple[bool, datetime | None]) -> None:
    assert is_open(SCHEDULE, "caf", now) == expected


def test_why_a_queue_is_closed() -> None:
    assert status(SCHEDULE, "caf", paris(2026, 12, 25, 10, 0)).why == "holiday"
    assert status(SCHEDULE, "caf", paris(2026, 12, 25, 10, 0)).detail == "christmas"
    closure = status(SCHEDULE, "caf", paris(2026, 12, 29, 10, 0))
    assert (closure.why, closure.detail) == ("closure", "Déménagement")
    assert status(SCHEDULE, "caf", paris(2026, 11, 26, 19, 0)).why == "hours"
    assert status(SCHEDULE, "other", paris(2026, 12, 25, 3, 0)).open       # no hours, no default: no limit


def test_any_time_zone_gives_the_same_answer() -> None:
    utc = datetime(2026, 11, 26, 7, 45, tzinfo=UTC)                  # 8:45 in Paris (winter, UTC+1)
    assert is_open(SCHEDULE, "caf", utc) == (True, None)
    assert is_open(SCHEDULE, "caf", utc.astimezone(ZoneInfo("America/Cayenne")))[0] is True
    early = datetime(2026, 11, 26, 7, 0, tzinfo=UTC)                 # 8:00 in Paris
    assert is_open(SCHEDULE, "caf", early) == (False, paris(2026, 11, 26, 8, 30))
    assert is_open(SCHEDULE, "caf", early.astimezone(timezone(timedelta(hours=-10))))[1] == paris(2026, 11, 26, 8, 30)
    summer = datetime(2026, 7, 1, 6, 45, tzinfo=UTC)                 # 8:45 in Paris (summer, UTC+2)
    assert is_open(SCHEDULE, "caf", summer)[0] is True


def test_a_naive_time_is_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        is_open(SCHEDULE, "caf", datetime(2026, 11, 26, 9, 0))


def test_hours_are_wall_clock_times_across_daylight_saving_changes() -> None:
    # Spring: Sunday 29 March 2026, 2:00 became 3:00. Monday 8:30 is 6:30 UTC, no longer 7:30.
    saturday_night = datetime(2026, 3, 28, 22, 0, tzinfo=UTC)
    opens = is_open(SCHEDULE, "caf", saturday_night)[1]
    assert opens == paris(2026, 3, 30, 8, 30)
    assert opens is not None and opens.astimezone(UTC) == datetime(2026, 3, 30, 6, 30, tzinfo=UTC)
    assert is_open(SCHEDULE, "caf", datetime(2026, 3, 30, 6, 30, tzinfo=UTC))[0] is True
    assert is_open(SCHEDULE, "caf", datetime(2026, 3, 30, 6, 29, tzinfo=UTC))[0] is False
    # Autumn: Sunday 25 October 2026, 3:00 became 2:00 again; 8:30 is 7:30 UTC on Monday.
    assert is_open(SCHEDULE, "caf", datetime(2026, 10, 26, 7, 29, tzinfo=UTC))[0] is False
    assert is_open(SCHEDULE, "caf", datetime(2026, 10, 26, 7, 30, tzinfo=UTC))[0] is True
    # A range up to midnight ends at local midnight, whatever the offset that night.
    assert is_open(SCHEDULE, "nuit", datetime(2026, 10, 25, 22, 59, tzinfo=UTC))[0] is True   # 23:59 CET
    assert is_open(SCHEDULE, "nuit", datetime(2026, 10, 25, 23, 0, tzinfo=UTC)) == (
        False, paris(2026, 10, 26, 20, 0))


def test_no_next_opening_for_a_queue_never_open() -> None:
    never = parse_hours("timezone: Europe/Paris\nqueues:\n  caf:\n    week: {}\n", "hours.yaml")
    assert is_open(never, "caf", paris(2026, 11, 26, 10, 0)) == (False, None)


@pytest.mark.parametrize(("minutes", "expected"), [
    (510, "8 heures 30"), (540, "9 heures"), (720, "midi"), (750, "12 heures 30"), (0, "minuit"),
    (1440, "minuit"), (60, "1 heure"), (65, "1 heure 5"), (995, "16 heures 35"),
])
def test_spoken_time(minutes: int, expected: str) -> None:
    assert spoken_time(minutes) == expected


@pytest.mark.parametrize(("now", "when", "expected"), [
    (paris(2026, 11, 26, 12, 5), paris(2026, 11, 26, 13, 30), "aujourd'hui à 13 heures 30"),
    (paris(2026, 11, 26, 18, 0), paris(2026, 11, 27, 9, 0), "demain à 9 heures"),
    (paris(2026, 11, 27, 18, 0), paris(2026, 11, 30, 8, 30), "lundi à 8 heures 30"),
    (paris(2026, 12, 24, 17, 0), paris(2026, 12, 31, 8, 30), "le jeudi 31 décembre à 8 heures 30"),
    (paris(2027, 4, 24, 17, 0), paris(2027, 5, 3, 8, 30), "le lundi 3 mai à 8 heures 30"),
    (paris(2027, 4, 24, 17, 0), paris(2027, 6, 1, 12, 0), "le mardi 1er juin à midi"),
    # "tomorrow" is the caller's tomorrow in Paris, even when UTC is still on the day before
    (datetime(2026, 11, 26, 23, 30, tzinfo=UTC), paris(2026, 11, 27, 8, 30), "aujourd'hui à 8 heures 30"),
])
def test_spoken_next_opening(now: datetime, when: datetime, expected: str) -> None:
    assert spoken_moment(when, now) == expected


def test_spoken_week() -> None:
    assert spoken_week(SCHEDULE.queues["caf"]) == (
        "du lundi au vendredi, de 8 heures 30 à midi et de 13 heures 30 à 16 heures 30")
    assert spoken_week(SCHEDULE.queues["nuit"]) == "tous les jours, de 20 heures à minuit"
    always = parse_hours("timezone: Europe/Paris\nqueues:\n  q:\n    week: {monday-sunday: 0:00-24:00}\n", "h")
    assert spoken_week(always.queues["q"]) == "tous les jours, 24 heures sur 24"
    mixed = parse_hours("timezone: Europe/Paris\nqueues:\n  q:\n    week:\n      monday-tuesday: 9:00-12:00\n"
                        "      thursday: 14:00-17:00\n      saturday-sunday: 10:00-11:00\n", "h")
    assert spoken_week(mixed.queues["q"]) == (
        "le lundi et le mardi, de 9 heures à midi; le jeudi, de 14 heures à 17 heures; "
        "et le samedi et le dimanche, de 10 heures à 11 heures")
    never = parse_hours("timezone: Europe/Paris\nqueues:\n  q:\n    week: {}\n", "h")
    assert spoken_week(never.queues["q"]) is None
