"""French public holidays, computed: Easter and the holidays that follow it, Alsace-Moselle."""

from __future__ import annotations

from datetime import date

import pytest

from callcenter.hours import HolidayRules, easter_sunday, french_holidays, holiday_on


@pytest.mark.parametrize(("year", "easter"), [
    (2000, date(2000, 4, 23)), (2008, date(2008, 3, 23)), (2011, date(2011, 4, 24)),
    (2019, date(2019, 4, 21)), (2024, date(2024, 3, 31)), (2025, date(2025, 4, 20)),
    (2026, date(2026, 4, 5)), (2027, date(2027, 3, 28)), (2038, date(2038, 4, 25)),
])
def test_easter_sunday(year: int, easter: date) -> None:
    assert easter_sunday(year) == easter


@pytest.mark.parametrize(("year", "easter_monday", "ascension", "whit_monday"), [
    (2024, date(2024, 4, 1), date(2024, 5, 9), date(2024, 5, 20)),
    (2025, date(2025, 4, 21), date(2025, 5, 29), date(2025, 6, 9)),
    (2026, date(2026, 4, 6), date(2026, 5, 14), date(2026, 5, 25)),
    (2027, date(2027, 3, 29), date(2027, 5, 6), date(2027, 5, 17)),
])
def test_holidays_that_follow_easter(year: int, easter_monday: date, ascension: date, whit_monday: date) -> None:
    days = french_holidays(year)
    assert days[easter_monday] == "easter_monday"
    assert days[ascension] == "ascension"
    assert days[whit_monday] == "whit_monday"


def test_the_eleven_holidays_of_2026() -> None:
    days = french_holidays(2026)
    assert sorted(days) == [date(2026, 1, 1), date(2026, 4, 6), date(2026, 5, 1), date(2026, 5, 8),
                            date(2026, 5, 14), date(2026, 5, 25), date(2026, 7, 14), date(2026, 8, 15),
                            date(2026, 11, 1), date(2026, 11, 11), date(2026, 12, 25)]


def test_alsace_moselle_adds_good_friday_and_26_december() -> None:
    local = french_holidays(2026, alsace_moselle=True)
    assert local[date(2026, 4, 3)] == "good_friday"
    assert local[date(2026, 12, 26)] == "st_stephen"
    assert len(local) == 13
    assert date(2026, 4, 3) not in french_holidays(2026)
    rules = HolidayRules(alsace_moselle=True)
    assert holiday_on(date(2027, 3, 26), rules) == "good_friday"     # Good Friday 2027
    assert holiday_on(date(2027, 3, 26), HolidayRules()) is None


def test_ascension_on_labour_day_is_one_closed_day() -> None:
    # 2008: Easter on 23 March, so Ascension fell on 1 May.
    assert french_holidays(2008)[date(2008, 5, 1)] == "ascension"


def test_worked_holidays_and_holidays_off() -> None:
    whit = date(2026, 5, 25)
    assert holiday_on(whit, HolidayRules()) == "whit_monday"
    assert holiday_on(whit, HolidayRules(worked=frozenset({"whit_monday"}))) is None
    assert holiday_on(date(2026, 12, 25), HolidayRules(france=False)) is None
    assert holiday_on(date(2026, 12, 24), HolidayRules()) is None
