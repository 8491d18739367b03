"""Rebuild a call's state from its event log."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from callcenter.ivr.engine import IvrEngine
from callcenter.ivr.events import Event
from callcenter.ivr.state import CallState


def replay(engine: IvrEngine, call_sid: str, log: Iterable[tuple[Event, datetime]]) -> CallState:
    """Fold ``engine.step`` over the logged events, in order, with their logged times."""
    state = engine.new_call(call_sid)
    for event, at in log:
        state, _ = engine.step(state, event, at)
    return state
