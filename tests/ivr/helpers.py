"""Helpers for the engine tables: a compact, readable form of commands."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from callcenter.flows import load_flow
from callcenter.ivr import CallState, Event, IvrEngine
from callcenter.ivr import commands as cmd

SAMPLE = Path(__file__).parent.parent / "fixtures" / "flows" / "good" / "sample.yaml"
T0 = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)


def sample_engine() -> IvrEngine:
    return IvrEngine(load_flow(SAMPLE))


def brief(command: cmd.Command) -> tuple[Any, ...]:
    match command:
        case cmd.Say():
            return ("say", command.text)
        case cmd.Gather():
            return ("gather", command.node, command.turn)
        case cmd.Transfer():
            return ("transfer", command.queue, command.priority, command.reason)
        case cmd.Hangup():
            return ("hangup",)
        case cmd.SendSms():
            return ("sms", command.to)
        case cmd.RequestCallback():
            return ("callback",)
        case cmd.CallbackNumber():
            return ("callback_number", command.to)
    raise AssertionError(command)


def run(engine: IvrEngine, events: list[Event], state: CallState | None = None
        ) -> tuple[CallState, list[tuple[Any, ...]]]:
    """Apply ``events`` one second apart; return the final state and the last step's commands."""
    state = state or engine.new_call("CA" + "0" * 32)
    commands: list[cmd.Command] = []
    for i, event in enumerate(events):
        state, commands = engine.step(state, event, T0.replace(second=i % 60, minute=i // 60))
    return state, [brief(c) for c in commands]
