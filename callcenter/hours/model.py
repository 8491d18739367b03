"""Opening hours as data: weekly ranges per queue, public holidays, closures and openings.

Times of day are minutes since local midnight in the schedule's time zone; ``end`` may be 1440
(midnight at the end of the day). The loader guarantees every invariant stated here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from zoneinfo import ZoneInfo

DAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


@dataclass(frozen=True, order=True)
class TimeRange:
    """Open from ``start`` (included) to ``end`` (excluded), in minutes since local midnight."""

    start: int
    end: int

    def __str__(self) -> str:
        return f"{self.start // 60}:{self.start % 60:02d}-{self.end // 60}:{self.end % 60:02d}"


Ranges = tuple[TimeRange, ...]


@dataclass(frozen=True)
class Closure:
    """Closed every day from ``first`` to ``last`` included, for ``reason`` (said to supervisors)."""

    first: date
    last: date
    reason: str

    def covers(self, day: date) -> bool:
        return self.first <= day <= self.last


@dataclass(frozen=True)
class Opening:
    """On ``day``, these hours replace the usual ones (a holiday or closure included)."""

    day: date
    ranges: Ranges
    reason: str = ""


@dataclass(frozen=True)
class QueueHours:
    """One queue's hours: ``week`` has seven entries, Monday first; no range means closed."""

    week: tuple[Ranges, ...]
    closures: tuple[Closure, ...] = ()
    openings: tuple[Opening, ...] = ()


@dataclass(frozen=True)
class HolidayRules:
    """Which public holidays close the queues. ``worked`` holds ids of holidays worked as usual
    (e.g. ``whit_monday``, the "journée de solidarité" in some services)."""

    france: bool = True
    alsace_moselle: bool = False
    worked: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Schedule:
    """The opening hours of every queue. A queue not listed uses ``default``; with no default it
    has no limit (always open)."""

    timezone: str
    queues: Mapping[str, QueueHours]
    holidays: HolidayRules = HolidayRules()
    default: QueueHours | None = None
    source_sha256: str = ""
    path: str = ""
    # Line of each queue in the file, for messages.
    lines: Mapping[str, int] = field(default_factory=dict)

    @cached_property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def hours_of(self, queue: str) -> QueueHours | None:
        return self.queues.get(queue, self.default)
