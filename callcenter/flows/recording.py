"""A test case recorded from a real call's event log, with the caller's inputs redacted.

What the call did (path, end, queue) is read by replaying its log on the version it ran; the
inputs kept in the case are redacted: speech through :func:`callcenter.privacy.redact`, keys
typed at an ``ask`` node (numbers, dates) as zeros of the same length, the caller's number as a
made-up one of the same kind. The case is then run as written: when redaction changes what
happens, ``RecordedCase.problems`` says so and the supervisor edits the case before keeping it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import yaml

from callcenter.flows.model import Ask
from callcenter.flows.testcases import DEFAULT_CALLER, HISTORY_KEYS, parse_suite
from callcenter.flows.testrun import run_case
from callcenter.ivr import commands as cmd
from callcenter.ivr.engine import IvrEngine
from callcenter.ivr.events import (
    CallEnded,
    CallStarted,
    DigitsReceived,
    Event,
    NoInput,
    OnDuty,
    SpeechReceived,
    WaitEstimated,
)
from callcenter.ivr.wording import can_call_back, can_text
from callcenter.privacy import redact

LANDLINE = "+33140000000"
HIDDEN = "anonymous"


@dataclass(frozen=True)
class RecordedCase:
    """The case as data ready for YAML, and why it may not pass once redacted."""

    case: dict[str, Any]
    problems: tuple[str, ...]

    def as_yaml(self) -> str:
        """One item of a ``cases:`` list, indented to be appended to a test-case file."""
        text = yaml.safe_dump([self.case], allow_unicode=True, sort_keys=False, width=110)
        return "".join("  " + line if line.strip() else line for line in text.splitlines(keepends=True))


def _caller(number: str) -> str:
    if can_text(number):
        return DEFAULT_CALLER
    return LANDLINE if can_call_back(number) else HIDDEN


def record_case(engine: IvrEngine, log: Iterable[tuple[Event, datetime]], name: str) -> RecordedCase:
    """Build a test case from a call's logged events (``engine``: the flow version it ran on)."""
    state = engine.new_call("CA" + "0" * 32)
    steps: list[Any] = []
    case: dict[str, Any] = {"name": name}
    queue: str | None = None
    on_duty: int | None = None
    wait: float | None = None
    for event, at in log:
        node = engine.flow.nodes.get(state.node) if state.node else None
        match event:
            case CallStarted():
                case["at"] = at.isoformat()
                case["caller"] = _caller(event.caller)
                history = {k: getattr(event, k) for k in HISTORY_KEYS if getattr(event, k)}
                if history:
                    case["history"] = history
            case DigitsReceived():
                digits = event.digits
                if isinstance(node, Ask):
                    digits = "".join("0" if c.isdigit() else c for c in digits)
                steps.append({"press": digits})
            case SpeechReceived():
                steps.append({"say": redact(event.text)})
            case NoInput():
                steps.append("silence")
            case CallEnded():
                if state.status != "ended":
                    steps.append("hangup")
            case OnDuty():
                on_duty = event.agents
            case WaitEstimated():
                wait = event.seconds
        state, commands = engine.step(state, event, at)
        queue = next((c.queue for c in commands if isinstance(c, cmd.Transfer)), queue)
    if on_duty is not None:
        case["on_duty"] = on_duty
    if wait is not None:
        case["wait"] = wait
    case["steps"] = steps
    expect: dict[str, Any] = {"path": list(state.path), "ends": state.status}
    if queue is not None:
        expect["queue"] = queue
    case["expect"] = expect
    return RecordedCase(case, tuple(_check(engine, case)))


def _check(engine: IvrEngine, case: dict[str, Any]) -> list[str]:
    """Run the recorded case as it will be kept: redaction may have changed the call."""
    if not case["steps"]:
        return ["the call has no caller input to replay"]
    text = yaml.safe_dump({"flow": engine.flow.id, "cases": [case]}, allow_unicode=True, sort_keys=False)
    suite = parse_suite(text, "recorded")
    result = run_case(engine, suite.cases[0])
    return list(result.failures)
