"""French public holidays, computed (no table to keep up to date).

Fixed dates, plus the three Monday/Thursday holidays that follow Easter; Alsace-Moselle adds Good
Friday and 26 December (local law of the Concordat era, still in force in the Bas-Rhin, Haut-Rhin
and Moselle).
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import cache

from callcenter.hours.model import HolidayRules

# id -> French name, as a supervisor reads it.
NAMES: dict[str, str] = {
    "new_year": "Jour de l'an",
    "good_friday": "Vendredi saint",
    "easter_monday": "Lundi de Pâques",
    "labour_day": "Fête du Travail",
    "victory_1945": "Victoire 1945",
    "ascension": "Ascension",
    "whit_monday": "Lundi de Pentecôte",
    "bastille_day": "Fête nationale",
    "assumption": "Assomption",
    "all_saints": "Toussaint",
    "armistice": "Armistice 1918",
    "christmas": "Noël",
    "st_stephen": "Saint-Étienne",
}
ALSACE_MOSELLE_ONLY = frozenset({"good_friday", "st_stephen"})


def easter_sunday(year: int) -> date:
    """Gregorian Easter Sunday (the anonymous Meeus/Jones/Butcher algorithm)."""
    a = year % 19
    b, c = divmod(year, 100)
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    ell = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * ell) // 451
    month, day = divmod(h + ell - 7 * m + 114, 31)
    return date(year, month, day + 1)


@cache
def french_holidays(year: int, alsace_moselle: bool = False) -> dict[date, str]:
    """Every public holiday of ``year``: date -> id (see :data:`NAMES`)."""
    easter = easter_sunday(year)
    days = {
        date(year, 1, 1): "new_year",
        easter + timedelta(days=1): "easter_monday",
        date(year, 5, 1): "labour_day",
        date(year, 5, 8): "victory_1945",
        easter + timedelta(days=39): "ascension",
        easter + timedelta(days=50): "whit_monday",
        date(year, 7, 14): "bastille_day",
        date(year, 8, 15): "assumption",
        date(year, 11, 1): "all_saints",
        date(year, 11, 11): "armistice",
        date(year, 12, 25): "christmas",
    }
    if alsace_moselle:
        days[easter - timedelta(days=2)] = "good_friday"
        days[date(year, 12, 26)] = "st_stephen"
    # Ascension can fall on 1 or 8 May (it did in 2008): one holiday, one name.
    return dict(sorted(days.items()))


def holiday_on(day: date, rules: HolidayRules) -> str | None:
    """The id of the holiday that closes the queues on ``day``, or ``None``."""
    if not rules.france:
        return None
    found = french_holidays(day.year, rules.alsace_moselle).get(day)
    return None if found is None or found in rules.worked else found
