"""Run a flow's test cases on the pure engine: no server, no database, no clock.

The desk's part is played as the call service plays it (callcenter/calls/service.py): before a
step hands the caller to a person, the agents on duty (``on_duty`` of the case) are counted and
stepped first; after it, the estimated wait (``wait``) is stepped.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from callcenter.errors import FileFault
from callcenter.flows.testbook import CaseBook
from callcenter.flows.testcases import Step, TestCase, TestSuite
from callcenter.ivr import commands as cmd
from callcenter.ivr.engine import IvrEngine
from callcenter.ivr.events import (
    CallEnded,
    CallStarted,
    DigitsReceived,
    Event,
    NoInput,
    OnDuty,
    SmsResult,
    SpeechReceived,
    WaitEstimated,
)
from callcenter.ivr.state import CallState

# Seconds between two inputs of a scripted call.
STEP_SECONDS = 5
SPEECH_CONFIDENCE = 0.9
TEST_CALL_SID = "CA" + "7e57" * 8


@dataclass(frozen=True)
class CaseResult:
    """What a case did, and every way it differed from what it expected."""

    case: TestCase
    path: tuple[str, ...]
    heard: tuple[str, ...]
    status: str
    queue: str | None
    failures: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.failures

    def faults(self) -> list[FileFault]:
        return [FileFault(self.case.file, self.case.line, f"case {self.case.name!r}: {f}") for f in self.failures]


def _event(step: Step) -> Event:
    match step.kind:
        case "press":
            return DigitsReceived(step.value)
        case "say":
            return SpeechReceived(step.value, SPEECH_CONFIDENCE)
        case "silence":
            return NoInput()
    return CallEnded("completed")


def _transfer(commands: Sequence[cmd.Command]) -> cmd.Transfer | None:
    return next((c for c in commands if isinstance(c, cmd.Transfer)), None)


def _spoken(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().casefold()


def run_case(engine: IvrEngine, case: TestCase) -> CaseResult:
    state = engine.new_call(TEST_CALL_SID)
    heard: list[str] = []
    queue: str | None = None
    failures: list[str] = []
    now = case.at
    book = CaseBook(case.appointments)

    def step(before: CallState, event: Event) -> CallState:
        nonlocal queue
        after, commands = engine.step(before, event, now)
        # A port asked (the appointment book, an SMS the caller waits for): its answer is the
        # next step, as in calls/service.py; what was said before it is heard first.
        request = next((c for c in commands if isinstance(c, cmd.AppointmentRequest)), None)
        sms = next((c for c in commands if isinstance(c, cmd.SendSms)), None) if after.awaits_sms() else None
        if request is not None or sms is not None:
            _hear(commands)
            answer: Event = book.answer(request) if request is not None else SmsResult(True, sid="SM" + "0" * 32)
            return step(after, answer)
        transfer = _transfer(commands)
        if transfer is not None and before.status != "transferred":
            counted, _ = engine.step(before, OnDuty(transfer.queue, case.on_duty), now)
            after, commands = engine.step(counted, event, now)
            transfer = _transfer(commands)
        if transfer is not None:
            queue = transfer.queue
            after, more = engine.step(after, WaitEstimated(case.wait, 1), now)
            if more:
                commands = [c for c in commands if not isinstance(c, cmd.Transfer)] + more
        _hear(commands)
        return after

    def _hear(commands: Sequence[cmd.Command]) -> None:
        for command in commands:
            if isinstance(command, cmd.Say):
                heard.append(command.text)
            elif isinstance(command, cmd.Gather):
                heard.extend(part.text for part in command.lead)
                heard.append(command.prompt)

    state = step(state, CallStarted(caller=case.caller, **case.history))
    for s in case.steps:
        if state.status == "ended":
            failures.append(f"the call had ended before the step of line {s.line}")
            break
        now += timedelta(seconds=STEP_SECONDS)
        state = step(state, _event(s))
    failures += _compare(case, state, heard, queue)
    return CaseResult(case, state.path, tuple(heard), state.status, queue, tuple(failures))


def _compare(case: TestCase, state: CallState, heard: list[str], queue: str | None) -> list[str]:
    expect = case.expect
    failures = []
    if expect.path is not None and tuple(expect.path) != state.path:
        failures.append(f"expected path {' > '.join(expect.path)}; got {' > '.join(state.path)}")
    said = _spoken(" ".join(heard))
    position = 0
    for phrase in expect.hears:
        found = said.find(_spoken(phrase), position)
        if found < 0:
            where = "after the previous phrase " if _spoken(phrase) in said else ""
            failures.append(f"expected to hear {phrase!r} {where}but did not")
            continue
        position = found + len(_spoken(phrase))
    if expect.ends is not None and state.status != expect.ends:
        failures.append(f"expected the call to end {expect.ends}; it is {state.status} at {state.node}")
    if expect.queue is not None and queue != expect.queue:
        failures.append(f"expected a transfer to queue {expect.queue}; got {queue or 'no transfer'}")
    return failures


def run_suite(engine: IvrEngine, suite: TestSuite) -> list[CaseResult]:
    return [run_case(engine, case) for case in suite.cases]
