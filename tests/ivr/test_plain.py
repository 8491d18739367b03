"""The IVR's records as the call's log keeps them: ``as_dict`` gives what ``dataclasses.asdict``
gave for every event, command and state, nested records, tuples and copies included."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from typing import Any

import pytest

from callcenter.ivr import commands as cmd
from callcenter.ivr import events as ev
from callcenter.ivr.plain import as_dict
from callcenter.ivr.state import AnswerRecord, CallState, ClarifyRecord, TransferRecord, Utterance

SLOT = {"id": 4, "start": "2026-12-07T09:00:00+01:00", "agency": {"name": "CAF", "tags": ["a", ("b", 1)]}}
EVENTS: list[Any] = [
    ev.CallStarted("+33612345678", "+33900000000", 2, 3, 1, 0), ev.DigitsReceived("12#", redacted=True),
    ev.SpeechReceived("bonjour", 0.83), ev.SpeechReceived("", None), ev.NoInput(), ev.CallEnded("busy"),
    ev.Failure("boom"), ev.QueueLeft("bridged", 40), ev.StatusChanged("ringing"), ev.Waiting(3), ev.Waiting(),
    ev.WaitEstimated(None, 2), ev.WaitEstimated(312.5), ev.OnDuty("caf", 0), ev.SmsResult(True, "SM1"),
    ev.SmsStatus("SM1", "failed", "30003"),
    ev.AppointmentResult("find_slots", "ok", slots=(SLOT, {"id": 5})),
    ev.AppointmentResult("book", "ok", appointment={"id": 1, "reference": "R-1", "slot": SLOT}),
    ev.AgentHandled(7), ev.AgentHandled(),
]
assert {type(e) for e in EVENTS} == set(ev.EVENT_TYPES.values())  # every kind of event
COMMANDS: list[Any] = [
    cmd.Say("Bonjour", "en"),
    cmd.Gather("menu", 3, "Tapez 1", ("dtmf", "speech"), 6, max_digits=1, hints=("un", "deux"),
               phrases=("un",), lead=(cmd.Say("For English, press 9", "en"), cmd.Say("x"))),
    cmd.Transfer("caf", "caf", 2, "asked", "fragile", ("r1", "r2"), "en"),
    cmd.SendSms("+33612345678", "lien"), cmd.RequestCallback("+33612345678", "caf", reasons=("x",)),
    cmd.CallbackNumber("+33612345678"), cmd.Hangup(),
    cmd.AppointmentRequest("find_slots", service="caf", after="2026-12-07"),
    cmd.RecordSurvey(4, "answer", "survey", comment="merci", kb_id="kb-1"),
]


@pytest.mark.parametrize("record", EVENTS + COMMANDS, ids=lambda r: type(r).__name__)
def test_as_dict_is_asdict(record: Any) -> None:
    ours, theirs = as_dict(record), dataclasses.asdict(record)
    assert ours == theirs and list(ours) == list(theirs)
    assert _shape(ours) == _shape(theirs)                 # tuples stay tuples, lists lists
    if isinstance(record, tuple(ev.EVENT_TYPES.values())):
        assert ev.event_to_dict(record) == theirs
    elif not isinstance(record, cmd.RequestCallback | cmd.CallbackNumber):  # their number is masked
        assert cmd.command_to_dict(record) == theirs


def test_containers_are_copies() -> None:
    event = ev.AppointmentResult("book", "ok", appointment={"id": 1, "slot": SLOT})
    data = as_dict(event)
    data["appointment"]["slot"]["agency"]["tags"].append("changed")
    assert SLOT["agency"]["tags"] == ["a", ("b", 1)]       # type: ignore[index]


def test_call_state_to_dict_is_asdict() -> None:
    state = CallState(
        "CA1", "caf", 3, node="menu", path=("a", "b"), variables={"x": [1, {"y": (2,)}]},
        utterances=(Utterance("bonjour", "menu", "2026-12-05T10:00:00+00:00", 0.5),),
        transfer=TransferRecord("caf", None, 1, "asked", "2026-12-05T10:01:00+00:00"),
        answers=(AnswerRecord("kb-1", 0.9, "menu", "2026-12-05T10:00:30+00:00"),),
        clarifications=(ClarifyRecord(("a", "b"), "menu", "2026-12-05T10:00:10+00:00", picked="a"),),
        triage={"tier": "fragile", "evidence": [{"rule": "r", "words": ("a",)}]},
        started_at=datetime(2026, 12, 5, tzinfo=UTC).isoformat())
    ours, theirs = state.to_dict(), dataclasses.asdict(state)
    assert ours == theirs and list(ours) == list(theirs)
    assert _shape(ours) == _shape(theirs)


def _shape(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _shape(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return (type(value).__name__, [_shape(v) for v in value])
    return type(value).__name__


def test_evolve_is_dataclasses_replace() -> None:
    state = CallState("CA1", "caf", 3, node="menu", variables={"x": "1"})
    changes = {"node": "caf", "turn": 4, "path": ("menu", "caf"), "triage": {"tier": "fragile"}}
    evolved = state.evolve(**changes)
    assert evolved == dataclasses.replace(state, **changes) and evolved is not state
    assert state.node == "menu" and state.turn == 0            # the original is unchanged
    with pytest.raises(TypeError):
        state.evolve(nodes="x")
    with pytest.raises(dataclasses.FrozenInstanceError):
        evolved.node = "x"  # type: ignore[misc]


def test_from_dict_is_the_constructor() -> None:
    full = CallState(
        "CA1", "caf", 3, node="menu", path=("a", "b"), variables={"x": "1"}, history={"calls_last_7_days": 2},
        utterances=(Utterance("bonjour", "menu", "2026-12-05T10:00:00+00:00", 0.5),),
        transfer=TransferRecord("caf", None, 1, "asked", "2026-12-05T10:01:00+00:00"),
        answers=(AnswerRecord("kb-1", 0.9, "menu", "2026-12-05T10:00:30+00:00"),),
        clarifications=(ClarifyRecord(("a", "b"), "menu", "2026-12-05T10:00:10+00:00", picked="a"),),
        triage={"tier": "fragile"}, language="en")
    for data in (full.to_dict(), {"call_sid": "CA2", "flow_id": "caf", "flow_version": 1},
                 {"call_sid": "CA3", "flow_id": "caf", "flow_version": 1, "node": "menu", "turn": 2}):
        state = CallState.from_dict(data)
        raw = {**data, **{f.name: getattr(state, f.name) for f in dataclasses.fields(CallState) if f.name in data}}
        assert state == CallState(**raw) and list(vars(state)) == [f.name for f in dataclasses.fields(CallState)]
        assert state.to_dict() == dataclasses.asdict(CallState(**raw))
    one, two = (CallState.from_dict({"call_sid": "CA2", "flow_id": "caf", "flow_version": 1}) for _ in range(2))
    assert one.variables is not two.variables and one.history is not two.history   # fresh defaults
    with pytest.raises(TypeError):
        CallState.from_dict({"call_sid": "CA2", "flow_id": "caf", "flow_version": 1, "nodes": "x"})
    with pytest.raises(TypeError):
        CallState.from_dict({"call_sid": "CA2", "flow_id": "caf"})
    with pytest.raises(dataclasses.FrozenInstanceError):
        CallState.from_dict(full.to_dict()).node = "x"  # type: ignore[misc]
