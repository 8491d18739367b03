"""The engine's last assessment, reused for equal facts (a hand-over steps the caller's event twice,
before and after the desk's count of agents on duty: calls/service.py): the same decisions as
assessing afresh at every step, and one assessment for the two steps of a hand-over."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from callcenter.config import PROJECT_ROOT
from callcenter.flows import load_flow
from callcenter.flows.model import Flow
from callcenter.ivr import (
    CallStarted,
    CallState,
    DigitsReceived,
    Event,
    IvrEngine,
    NoInput,
    OnDuty,
    SpeechReceived,
)
from callcenter.ivr import engine as engine_module
from callcenter.triage import TriageInput, TriageRules, assess, load_rules

START = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
CALLER = CallStarted("+33612345678", "+33900000000", calls_last_7_days=2, calls_last_30_days=3)
PATHS: list[list[Event]] = [
    [CALLER, DigitsReceived("1"), DigitsReceived("0")],                              # keys only
    [CALLER, SpeechReceived("je suis à la rue avec mes enfants", 0.9), DigitsReceived("0")],
    [CALLER, SpeechReceived("j'en peux plus je veux en finir", 0.8), DigitsReceived("1")],  # the danger question
    [CALLER, SpeechReceived("j'en peux plus je veux en finir", 0.8), DigitsReceived("2"), DigitsReceived("0")],
    [CALLER, NoInput(), NoInput(), SpeechReceived("un conseiller s'il vous plaît", 0.7)],
    [CALLER, NoInput(), SpeechReceived("j'en peux plus je veux en finir", 0.8)],          # quiet, then danger
    [CALLER, NoInput(), SpeechReceived("je suis à la rue avec mes enfants", 0.9)],
    [CallStarted("anonymous", "+33900000000"), DigitsReceived("0")],
]


@pytest.fixture(scope="module")
def rules() -> TriageRules:
    return load_rules()


@pytest.fixture(scope="module")
def flow() -> Flow:
    return load_flow(PROJECT_ROOT / "ivr_flows" / "main.yaml")


def _states(make: type[IvrEngine] | None, flow: Flow, rules: TriageRules, events: list[Event],
            kept: IvrEngine | None = None) -> list[tuple[str, str]]:
    """Each step's state and commands (repr: 1, 1.0 and True told apart), with ``kept`` for every
    step or a new engine each time."""
    state: CallState | None = None
    seen = []
    for i, event in enumerate(events):
        engine = kept or IvrEngine(flow, None, rules)
        state = engine.new_call("CA" + "7" * 32) if state is None else state
        at = START + timedelta(seconds=7 * i)
        for observed in (None, OnDuty("default", 0)):
            # As the call's service does at a hand-over: the event, then the count and the event again.
            before = state if observed is None else engine.step(state, observed, at)[0]
            after, out = engine.step(before, event, at)
        state = after
        seen.append((repr(state), repr(out)))
    return seen


def test_a_kept_engine_decides_as_engines_made_afresh(flow: Flow, rules: TriageRules) -> None:
    kept = IvrEngine(flow, None, rules)  # one engine for every call, each after the other
    for _ in range(2):  # the second time, the same facts as the first time's, kept from it
        for events in PATHS:
            assert _states(None, flow, rules, events, kept) == _states(None, flow, rules, events)


def test_the_two_steps_of_a_hand_over_assess_once(flow: Flow, rules: TriageRules,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    made: list[TriageInput] = []

    def counted(*args: object) -> object:
        made.append(args[1])  # type: ignore[arg-type]
        return assess(*args)  # type: ignore[arg-type]

    engine = IvrEngine(flow, None, rules)
    state = engine.new_call("CA" + "8" * 32)
    state, _ = engine.step(state, CALLER, START)
    monkeypatch.setattr(engine_module, "assess", counted)
    at = START + timedelta(seconds=20)
    first, _ = engine.step(state, DigitsReceived("0"), at)
    counted_state, _ = engine.step(state, OnDuty("default", 0), at)
    second, _ = engine.step(counted_state, DigitsReceived("0"), at)
    assert len(made) == 1
    assert first.triage == second.triage == assess(rules, made[0]).to_dict()
    assert first.triage is not second.triage  # each state its own document, as before


def test_facts_of_other_types_are_not_the_same_facts() -> None:
    facts = TriageInput(utterances=("bonjour",), calls_last_7_days=1)
    assert engine_module._same_facts(facts, TriageInput(utterances=("bonjour",), calls_last_7_days=1))
    for other in (1.0, True):
        twin = TriageInput(utterances=("bonjour",), calls_last_7_days=other)  # type: ignore[arg-type]
        assert twin == facts and not engine_module._same_facts(facts, twin)
    assert not engine_module._same_facts(facts, TriageInput(utterances=("bonjour",), calls_last_7_days=2))


def test_the_figures_of_speech_are_read_once_per_rules_file(rules: TriageRules) -> None:
    assert rules.figures == frozenset(m.id for m in rules.masks if m.kind == "figure_of_speech")
    assert rules.figures is rules.figures
