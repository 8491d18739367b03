"""Opening hours of the queues: the file, French public holidays, and the pure ``is_open``."""

from __future__ import annotations

from callcenter.hours.holidays import NAMES as HOLIDAY_NAMES
from callcenter.hours.holidays import easter_sunday, french_holidays, holiday_on
from callcenter.hours.loader import HOURS_FILE, HoursError, HoursProblem, load_hours, parse_hours
from callcenter.hours.model import Closure, HolidayRules, Opening, QueueHours, Schedule, TimeRange
from callcenter.hours.schedule import OpenStatus, day_hours, is_open, next_opening, status
from callcenter.hours.spoken import spoken_moment, spoken_ranges, spoken_time, spoken_week

__all__ = [
    "HOLIDAY_NAMES", "HOURS_FILE", "Closure", "HolidayRules", "HoursError", "HoursProblem", "OpenStatus",
    "Opening", "QueueHours", "Schedule", "TimeRange", "day_hours", "easter_sunday", "french_holidays",
    "holiday_on", "is_open", "load_hours", "next_opening", "parse_hours", "spoken_moment", "spoken_ranges",
    "spoken_time", "spoken_week", "status",
]
