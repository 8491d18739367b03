"""Test cases of a flow: scripted calls kept beside it in ``NAME.tests.yaml`` (docs/flows.md).

Each case is a list of caller inputs (keys, words, silence) and what must come of them: the path
of node ids, words heard, how the call ends, the queue it reaches. Faults of the file read as
``file:line: reason`` like a flow's.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

from callcenter.errors import CallCenterError, FileFault
from callcenter.flows.catalog import TESTS_SUFFIX
from callcenter.flows.testbook import CaseAppointments, parse_appointments
from callcenter.yamlfile import LinedDocument, YamlSyntaxError, load_with_lines

# A Thursday, 10:00 in Paris: within usual opening hours, for cases that do not say when.
DEFAULT_AT = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
DEFAULT_CALLER = "+33612345678"
STEP_KINDS = ("press", "say", "silence", "hangup")
STATUSES = ("in_ivr", "transferred", "ended")
CASE_KEYS = frozenset({"name", "at", "caller", "history", "on_duty", "wait", "steps", "expect", "appointments"})
HISTORY_KEYS = ("calls_last_7_days", "calls_last_30_days", "unresolved_previous_calls", "missed_callbacks")
EXPECT_KEYS = frozenset({"path", "hears", "ends", "queue"})


class TestCaseError(CallCenterError):
    """A test-case file is refused; ``problems`` lists every fault found."""

    __test__ = False  # not a pytest class
    code = "flow_tests"

    def __init__(self, problems: list[FileFault]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


@dataclass(frozen=True)
class Step:
    """One caller input: ``press`` keys, ``say`` words, ``silence`` (no input), or ``hangup``."""

    kind: str
    value: str = ""
    line: int = 0


@dataclass(frozen=True)
class Expect:
    path: tuple[str, ...] | None = None
    hears: tuple[str, ...] = ()
    ends: str | None = None
    queue: str | None = None


@dataclass(frozen=True)
class TestCase:
    """A scripted call. ``history``: the caller's recent calls as the store would count them;
    ``on_duty``: agents the desk counts for any transfer; ``wait``: the estimated wait it
    announces (``None``: no honest estimate)."""

    __test__ = False

    name: str
    steps: tuple[Step, ...]
    expect: Expect
    at: datetime = DEFAULT_AT
    caller: str = DEFAULT_CALLER
    history: Mapping[str, int] = field(default_factory=dict)
    on_duty: int = 1
    wait: float | None = None
    line: int = 0
    file: str = ""
    # The appointment book as the case sees it (free slots, the caller's appointments).
    appointments: CaseAppointments = CaseAppointments()


@dataclass(frozen=True)
class TestSuite:
    __test__ = False

    flow: str
    cases: tuple[TestCase, ...] = field(default_factory=tuple)
    file: str = ""


def tests_path(flow_path: Path) -> Path:
    """Where the test cases of a flow file live: ``main.yaml`` -> ``main.tests.yaml``."""
    return flow_path.with_name(flow_path.stem + TESTS_SUFFIX)


def load_suite(path: Path) -> TestSuite:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise TestCaseError([FileFault(str(path), 1, f"cannot read: {exc}")]) from None
    return parse_suite(text, str(path))


def parse_suite(text: str, name: str) -> TestSuite:
    try:
        doc = load_with_lines(text)
    except YamlSyntaxError as exc:
        raise TestCaseError([FileFault(name, exc.line, exc.reason)]) from None
    faults: list[FileFault] = []

    def fault(path: tuple[str | int, ...], reason: str) -> None:
        faults.append(FileFault(name, doc.line_of(path), reason))

    data = doc.data
    if not isinstance(data, dict) or not isinstance(data.get("flow"), str) \
            or not isinstance(data.get("cases"), list):
        raise TestCaseError([FileFault(name, 1, "a test-case file is a mapping with flow and cases (a list)")])
    cases = []
    for i, raw in enumerate(data["cases"]):
        case = _case(doc, raw, ("cases", i), fault, name)
        if case is not None:
            cases.append(case)
    names = [c.name for c in cases]
    for i, case in enumerate(cases):
        if case.name in names[:i]:
            faults.append(FileFault(name, case.line, f"case {case.name!r} is named twice"))
    if faults:
        raise TestCaseError(sorted(faults, key=lambda f: f.line))
    return TestSuite(data["flow"], tuple(cases), name)


def _case(doc: LinedDocument, raw: Any, where: tuple[str | int, ...], fault: Any, name: str) -> TestCase | None:
    if not isinstance(raw, dict):
        fault(where, "a case is a mapping with name, steps and expect")
        return None
    for key in sorted(set(raw) - CASE_KEYS):
        fault((*where, key), f"unknown field {key!r} (expected one of {', '.join(sorted(CASE_KEYS))})")
    title = raw.get("name")
    if not isinstance(title, str) or not title:
        fault(where, "a case needs a name")
        return None
    steps = [_step(doc, s, (*where, "steps", j), fault) for j, s in enumerate(raw.get("steps") or [])]
    if not isinstance(raw.get("steps"), list) or not raw["steps"]:
        fault(where, f"case {title!r}: steps must be a non-empty list")
    expect = _expect(raw.get("expect"), (*where, "expect"), fault, title)
    at = DEFAULT_AT
    if "at" in raw:
        try:
            at = raw["at"] if isinstance(raw["at"], datetime) else datetime.fromisoformat(str(raw["at"]))
            if at.tzinfo is None:
                raise ValueError("no time zone")
        except ValueError as exc:
            fault((*where, "at"), f"case {title!r}: at: expected a date and time with its zone ({exc})")
    on_duty = raw.get("on_duty", 1)
    if not isinstance(on_duty, int) or on_duty < 0:
        fault((*where, "on_duty"), f"case {title!r}: on_duty must be a count of agents (0 or more)")
        on_duty = 1
    wait = raw.get("wait")
    if wait is not None and (not isinstance(wait, int | float) or wait < 0):
        fault((*where, "wait"), f"case {title!r}: wait must be seconds (0 or more)")
        wait = None
    history = raw.get("history", {})
    if not isinstance(history, dict) or set(history) - set(HISTORY_KEYS) \
            or not all(isinstance(v, int) and v >= 0 for v in history.values()):
        fault((*where, "history"), f"case {title!r}: history counts are {', '.join(HISTORY_KEYS)}")
        history = {}
    appointments = CaseAppointments()
    if "appointments" in raw:
        try:
            appointments = parse_appointments(raw["appointments"])
        except ValueError as exc:
            fault((*where, "appointments"), f"case {title!r}: {exc}")
    return TestCase(name=title, steps=tuple(s for s in steps if s is not None), expect=expect or Expect(),
                    at=at, caller=str(raw.get("caller", DEFAULT_CALLER)), history=history, on_duty=on_duty,
                    wait=wait, line=doc.line_of(where), file=name, appointments=appointments)


def _step(doc: LinedDocument, raw: Any, where: tuple[str | int, ...], fault: Any) -> Step | None:
    line = doc.line_of(where)
    if raw in ("silence", "hangup"):
        return Step(str(raw), "", line)
    if isinstance(raw, dict) and len(raw) == 1:
        kind, value = next(iter(raw.items()))
        if kind == "press" and isinstance(value, str | int) and str(value) \
                and all(c in "0123456789*#" for c in str(value)):
            return Step("press", str(value), line)
        if kind == "say" and isinstance(value, str) and value.strip():
            return Step("say", value, line)
    fault(where, "a step is one of: press: KEYS (0-9, *, #), say: WORDS, silence, hangup; got "
          + yaml.safe_dump(raw, default_flow_style=True, allow_unicode=True).strip())
    return None


def _expect(raw: Any, where: tuple[str | int, ...], fault: Any, title: str) -> Expect | None:
    if not isinstance(raw, dict) or not raw or set(raw) - EXPECT_KEYS:
        fault(where, f"case {title!r}: expect is a mapping of path, hears, ends and/or queue")
        return None
    path = raw.get("path")
    if path is not None and (not isinstance(path, list) or not all(isinstance(p, str) for p in path)):
        fault((*where, "path"), f"case {title!r}: path is a list of node ids")
        path = None
    hears = raw.get("hears", [])
    if isinstance(hears, str):
        hears = [hears]
    if not isinstance(hears, list) or not all(isinstance(h, str) for h in hears):
        fault((*where, "hears"), f"case {title!r}: hears is a list of phrases")
        hears = []
    ends = raw.get("ends")
    if ends is not None and ends not in STATUSES:
        fault((*where, "ends"), f"case {title!r}: ends is one of {', '.join(STATUSES)}")
        ends = None
    queue = raw.get("queue")
    return Expect(path=None if path is None else tuple(path), hears=tuple(hears), ends=ends,
                  queue=None if queue is None else str(queue))
