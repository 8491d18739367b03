"""A call replayed from its event log reaches the same state."""

from __future__ import annotations

import dataclasses
import random
from datetime import timedelta
from typing import Any

import pytest

from callcenter.config import PROJECT_ROOT
from callcenter.flows import load_flow
from callcenter.ivr import (
    CallEnded,
    CallStarted,
    CallState,
    DigitsReceived,
    Event,
    IvrEngine,
    NoInput,
    SpeechReceived,
    event_from_dict,
    event_to_dict,
    replay,
)
from tests.ivr.helpers import T0

WORDS = ["caf", "pôle emploi", "carte vitale", "retraite", "impôts", "passeport", "bonjour",
         "conseiller", "paiement", "répéter", "terminer", "le deux", ""]


def random_call(seed: int) -> list[Event]:
    rng = random.Random(seed)
    events: list[Event] = [CallStarted("+33611111111", "+33900000000")]
    for _ in range(rng.randint(1, 12)):
        match rng.randrange(3):
            case 0:
                events.append(DigitsReceived(rng.choice("0123456789") * rng.choice((1, 1, 7))))
            case 1:
                events.append(SpeechReceived(rng.choice(WORDS), rng.choice((None, 0.2, 0.9))))
            case _:
                events.append(NoInput())
    if rng.random() < 0.5:
        events.append(CallEnded("completed"))
    return events


@pytest.mark.parametrize("seed", range(40))
def test_replay_from_serialised_log_gives_the_same_state(seed: int) -> None:
    engine = IvrEngine(load_flow(PROJECT_ROOT / "ivr_flows" / "main.yaml"))
    state = engine.new_call("CA" + "1" * 32)
    log = []
    for i, event in enumerate(random_call(seed)):
        at = T0 + timedelta(seconds=7 * i)
        state, _ = engine.step(state, event, at)
        log.append((event_to_dict(event), at))
    rebuilt = replay(engine, state.call_sid, ((event_from_dict(e), at) for e, at in log))
    assert rebuilt == state
    assert type(rebuilt.to_dict()) is dict
    assert type(state).from_dict(state.to_dict()) == state
    assert state.to_dict() == _asdict_as_before(state)


def _asdict_as_before(state: CallState) -> dict[str, Any]:
    """What ``to_dict`` gave before it stopped deep-copying (``dataclasses.asdict``, mappings copied
    one level): the stored state keeps its exact shape, key order included."""
    data = dataclasses.asdict(state)
    for name in ("variables", "history", "triage", "danger_check", "on_duty", "unstaffed"):
        value = getattr(state, name)
        data[name] = None if value is None else dict(value)
    assert list(data) == list(state.to_dict())
    return data


def test_unknown_event_kind_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown event kind"):
        event_from_dict({"kind": "teleport"})
    with pytest.raises(ValueError, match="unknown fields"):
        event_from_dict({"kind": "digits", "digits": "1", "extra": 1})
