"""Read and check an opening-hours file; every fault is reported as ``file:line: reason``.

A file with any fault yields no schedule at all, so a broken edit never reaches calls: the running
server keeps the previous version (see ``callcenter.calls.cores``). Format: docs/operations.md.
"""

from __future__ import annotations

import hashlib
import re
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from callcenter.errors import CallCenterError, FileFault
from callcenter.hours.holidays import NAMES
from callcenter.hours.model import (
    DAY_NAMES,
    Closure,
    HolidayRules,
    Opening,
    QueueHours,
    Ranges,
    Schedule,
    TimeRange,
)
from callcenter.yamlfile import LinedDocument, Path_, YamlSyntaxError, load_with_lines

# The name the hours file has beside the flows; the flow catalog leaves it alone.
HOURS_FILE = "hours.yaml"
DEFAULT_QUEUE = "default"
TOP_KEYS = ("timezone", "holidays", "closures", "queues")
QUEUE_KEYS = ("week", "closures", "openings")
ID = re.compile(r"^[a-z][a-z0-9_]*$")
TIME = re.compile(r"^(\d{1,2}):(\d{2})$")
CLOSED_WORDS = ("closed", "fermé", "ferme")


HoursProblem = FileFault  # one fault type for every data file


class HoursError(CallCenterError):
    """An hours file is refused; ``problems`` lists every fault found."""

    code = "hours"

    def __init__(self, problems: list[HoursProblem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems
        self.faults = [str(p) for p in problems]


class _Checker:
    def __init__(self, name: str, doc: LinedDocument) -> None:
        self.name = name
        self.doc = doc
        self.problems: list[HoursProblem] = []

    def fault(self, path: Path_, reason: str) -> None:
        self.problems.append(HoursProblem(self.name, self.doc.line_of(path), reason))

    def mapping(self, value: Any, path: Path_, what: str, allowed: tuple[str, ...] | None = None) -> dict[str, Any]:
        if value is None:
            return {}
        if not isinstance(value, dict):
            self.fault(path, f"{what} must be a mapping")
            return {}
        if allowed is not None:
            for key in value:
                if key not in allowed:
                    self.fault((*path, str(key)), f"{what}: unknown key {key!r} (expected {', '.join(allowed)})")
        return value

    # -- values --------------------------------------------------------------------------------

    def time(self, text: str, path: Path_, where: str) -> int | None:
        match = TIME.match(text)
        if match is None:
            self.fault(path, f"{where}: {text!r} is not a time like 8:30")
            return None
        hour, minute = int(match[1]), int(match[2])
        if minute >= 60 or hour > 24 or (hour == 24 and minute):
            self.fault(path, f"{where}: {text!r} is not a time of day")
            return None
        return hour * 60 + minute

    def ranges(self, value: Any, path: Path_, where: str) -> Ranges | None:
        """ "8:30-12:00 13:30-16:30" (spaces or commas between ranges); "closed" or nothing: ()."""
        if value is None or (isinstance(value, str) and value.strip().lower() in CLOSED_WORDS):
            return ()
        if not isinstance(value, str):
            self.fault(path, f"{where}: expected ranges like \"8:30-12:00 13:30-16:30\" or closed, "
                             f"got {value!r} (write the ranges between quotes if YAML reads them as numbers)")
            return None
        out: list[TimeRange] = []
        for item in re.split(r"[\s,]+", value.strip()):
            start_text, dash, end_text = item.partition("-")
            if not dash:
                self.fault(path, f"{where}: {item!r} is not a range like 8:30-12:00")
                return None
            start, end = self.time(start_text, path, where), self.time(end_text, path, where)
            if start is None or end is None:
                return None
            if start >= end:
                self.fault(path, f"{where}: {item} ends before it starts (a range cannot cross midnight)")
                return None
            if start == 1440:
                self.fault(path, f"{where}: {item} starts at 24:00")
                return None
            out.append(TimeRange(start, end))
        out.sort()
        for before, after in zip(out, out[1:], strict=False):
            if after.start < before.end:
                self.fault(path, f"{where}: {before} and {after} overlap")
                return None
        return tuple(out)

    def date(self, value: Any, path: Path_, where: str) -> date | None:
        if isinstance(value, datetime) or not isinstance(value, date | str):
            self.fault(path, f"{where}: expected a date like 2026-12-24, got {value!r}")
            return None
        if isinstance(value, date):
            return value
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            self.fault(path, f"{where}: {value!r} is not a date like 2026-12-24")
            return None

    def text(self, value: Any, path: Path_, where: str, required: bool) -> str:
        if value is None and not required:
            return ""
        if not isinstance(value, str) or not value.strip():
            self.fault(path, f"{where}: a reason is required (a short text)" if required
                       else f"{where}: expected a text")
            return ""
        return value.strip()

    # -- parts of the file ---------------------------------------------------------------------

    def week(self, value: Any, path: Path_, queue: str) -> tuple[Ranges, ...]:
        days: list[Ranges] = [()] * 7
        seen: dict[int, int] = {}
        for key, raw in self.mapping(value, path, f"queue {queue!r}: week").items():
            key_path = (*path, str(key))
            first_name, dash, last_name = str(key).partition("-")
            names = (first_name, last_name if dash else first_name)
            if any(n not in DAY_NAMES for n in names):
                self.fault(key_path, f"queue {queue!r}: {key!r} is not a day (monday ... sunday) "
                                     "or a span of days like monday-friday")
                continue
            first, last = DAY_NAMES.index(names[0]), DAY_NAMES.index(names[1])
            if first > last:
                self.fault(key_path, f"queue {queue!r}: {key!r} goes backwards (write monday-friday)")
                continue
            ranges = self.ranges(raw, key_path, f"queue {queue!r}: {key}")
            for index in range(first, last + 1):
                if index in seen:
                    self.fault(key_path, f"queue {queue!r}: {DAY_NAMES[index]} is given twice "
                                         f"(also line {seen[index]})")
                seen[index] = self.doc.line_of(key_path)
                if ranges is not None:
                    days[index] = ranges
        return tuple(days)

    def closures(self, value: Any, path: Path_, where: str) -> tuple[Closure, ...]:
        if value is None:
            return ()
        if not isinstance(value, list):
            self.fault(path, f"{where}: closures must be a list")
            return ()
        out = []
        for i, raw in enumerate(value):
            item_path = (*path, i)
            item = self.mapping(raw, item_path, f"{where}: closure", ("date", "from", "to", "reason"))
            if not item:
                if raw is not None and not isinstance(raw, dict):
                    continue
                self.fault(item_path, f"{where}: a closure needs a date (or from and to) and a reason")
                continue
            reason = self.text(item.get("reason"), (*item_path, "reason"), f"{where}: closure", required=True)
            if "date" in item:
                if "from" in item or "to" in item:
                    self.fault(item_path, f"{where}: a closure has either a date, or from and to")
                    continue
                first = last = self.date(item["date"], (*item_path, "date"), f"{where}: closure")
            elif "from" in item and "to" in item:
                first = self.date(item["from"], (*item_path, "from"), f"{where}: closure")
                last = self.date(item["to"], (*item_path, "to"), f"{where}: closure")
                if first is not None and last is not None and first > last:
                    self.fault((*item_path, "to"), f"{where}: closure ends ({last}) before it starts ({first})")
                    continue
            else:
                self.fault(item_path, f"{where}: a closure needs a date, or from and to")
                continue
            if first is not None and last is not None and reason:
                out.append(Closure(first, last, reason))
        return tuple(out)

    def openings(self, value: Any, path: Path_, queue: str) -> tuple[Opening, ...]:
        where = f"queue {queue!r}"
        if value is None:
            return ()
        if not isinstance(value, list):
            self.fault(path, f"{where}: openings must be a list")
            return ()
        out: list[Opening] = []
        seen: dict[date, int] = {}
        for i, raw in enumerate(value):
            item_path = (*path, i)
            item = self.mapping(raw, item_path, f"{where}: opening", ("date", "hours", "reason"))
            if "date" not in item or "hours" not in item:
                self.fault(item_path, f"{where}: an opening needs a date and hours")
                continue
            day = self.date(item["date"], (*item_path, "date"), f"{where}: opening")
            ranges = self.ranges(item["hours"], (*item_path, "hours"), f"{where}: opening")
            reason = self.text(item.get("reason"), (*item_path, "reason"), f"{where}: opening", required=False)
            if ranges == ():
                self.fault((*item_path, "hours"), f"{where}: an opening needs hours (for a closed day, "
                                                  "write a closure)")
                continue
            if day is None or ranges is None:
                continue
            if day in seen:
                self.fault((*item_path, "date"), f"{where}: {day} has two openings (also line {seen[day]})")
                continue
            seen[day] = self.doc.line_of((*item_path, "date"))
            out.append(Opening(day, ranges, reason))
        return tuple(out)

    def holidays(self, value: Any, path: Path_) -> HolidayRules:
        raw = self.mapping(value, path, "holidays", ("france", "alsace_moselle", "worked"))
        flags = {}
        for key in ("france", "alsace_moselle"):
            flag = raw.get(key, key == "france")
            if not isinstance(flag, bool):
                self.fault((*path, key), f"holidays: {key} must be true or false")
                flag = key == "france"
            flags[key] = flag
        worked = raw.get("worked") or []
        if not isinstance(worked, list):
            self.fault((*path, "worked"), "holidays: worked must be a list of holiday ids")
            worked = []
        for i, name in enumerate(worked):
            if name not in NAMES:
                self.fault((*path, "worked", i), f"holidays: unknown holiday {name!r} "
                                                  f"(one of {', '.join(NAMES)})")
        return HolidayRules(france=flags["france"], alsace_moselle=flags["alsace_moselle"],
                            worked=frozenset(str(n) for n in worked if n in NAMES))

    def timezone(self, value: Any, path: Path_) -> str:
        if not isinstance(value, str) or not value.strip():
            self.fault(path, "timezone is required, e.g. Europe/Paris")
            return "UTC"
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            self.fault(path, f"unknown time zone {value!r} (e.g. Europe/Paris)")
            return "UTC"
        return value

    def queue(self, value: Any, path: Path_, queue: str, shared: tuple[Closure, ...]) -> QueueHours:
        raw = self.mapping(value, path, f"queue {queue!r}", QUEUE_KEYS)
        if "week" not in raw:
            self.fault(path, f"queue {queue!r}: week is required (the usual hours, monday ... sunday)")
        week = self.week(raw.get("week"), (*path, "week"), queue)
        own = self.closures(raw.get("closures"), (*path, "closures"), f"queue {queue!r}")
        openings = self.openings(raw.get("openings"), (*path, "openings"), queue)
        return QueueHours(week=week, closures=own + shared, openings=openings)


def parse_hours(text: str, name: str) -> Schedule:
    """Parse and check the text of an hours file; ``name`` is used in messages."""
    try:
        doc = load_with_lines(text)
    except YamlSyntaxError as exc:
        raise HoursError([HoursProblem(name, exc.line, exc.reason)]) from None
    check = _Checker(name, doc)
    if not isinstance(doc.data, dict):
        raise HoursError([HoursProblem(name, 1, "an hours file must be a mapping with timezone and queues")])
    data = check.mapping(doc.data, (), "the file", TOP_KEYS)
    timezone = check.timezone(data.get("timezone"), ("timezone",))
    holidays = check.holidays(data.get("holidays"), ("holidays",))
    shared = check.closures(data.get("closures"), ("closures",), "every queue")
    queues: dict[str, QueueHours] = {}
    lines: dict[str, int] = {}
    raw_queues = check.mapping(data.get("queues"), ("queues",), "queues")
    if not raw_queues:
        check.fault(("queues",), "queues is required: the hours of at least one queue (or default)")
    for queue, raw in raw_queues.items():
        path: Path_ = ("queues", str(queue))
        if not isinstance(queue, str) or not ID.match(queue):
            check.fault(path, f"queue id {queue!r} must be lower case letters, digits and _")
            continue
        queues[queue] = check.queue(raw, path, queue, shared)
        lines[queue] = doc.line_of(path)
    if check.problems:
        raise HoursError(sorted(check.problems, key=lambda p: p.line))
    default = queues.pop(DEFAULT_QUEUE, None)
    return Schedule(timezone=timezone, queues=queues, holidays=holidays, default=default,
                    source_sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(), path=name, lines=lines)


def load_hours(path: Path) -> Schedule:
    """Read and check an hours file."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise HoursError([HoursProblem(str(path), 1, f"cannot read: {exc}")]) from None
    return parse_hours(text, str(path))
