"""A callback chosen from a menu: the flow's ``callback`` node, loaded, checked and run."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from callcenter.config import PROJECT_ROOT
from callcenter.flows import load_flow
from callcenter.hours import load_hours
from callcenter.ivr import CallStarted, DigitsReceived, IvrEngine, NoInput, replay
from callcenter.ivr import commands as cmd
from tests.ivr.helpers import SAMPLE

THURSDAY = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)       # 10:00 in Paris: open


def _flow(tmp_path: Path) -> Path:
    text = SAMPLE.read_text(encoding="utf-8").replace(
        """      - key: 3
        words: [au revoir]
        next: bye""",
        """      - key: 3
        words: [au revoir]
        next: bye
      - key: 4
        words: [rappel, rappelez moi]
        next: call_me""")
    text += """
  call_me:
    kind: callback
    title: Être rappelé
    text: Un conseiller de la CAF peut vous rappeler.
    queue: caf
    skill: caf
    priority: 10
"""
    path = tmp_path / "sample.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_menu_offers_a_callback_that_keeps_the_tier_and_priority(tmp_path: Path) -> None:
    engine = IvrEngine(load_flow(_flow(tmp_path)), hours=load_hours(PROJECT_ROOT / "ivr_flows" / "hours.yaml"))
    steps = [(CallStarted("+33612345678", "+33900000000"), THURSDAY),
             (DigitsReceived("4"), THURSDAY + timedelta(seconds=5)),
             (DigitsReceived("1"), THURSDAY + timedelta(seconds=12)),
             (DigitsReceived("3"), THURSDAY + timedelta(seconds=20))]
    state = engine.new_call("CA" + "2" * 32)
    outs = []
    for event, at in steps:
        state, out = engine.step(state, event, at)
        outs.append(out)
    asked = outs[1]
    assert [c.kind for c in asked] == ["say", "gather"] and asked[1].node == "callback_number"
    assert asked[0] == cmd.Say("Un conseiller de la CAF peut vous rappeler.")
    assert outs[2][-1].prompt == ("Nous vous rappellerons au numéro finissant par 7 8. Pour être rappelé dès que "
                                  "possible, tapez 1. Pour être rappelé aujourd'hui à 13 heures 30, tapez 2. "
                                  "Pour être rappelé demain à 8 heures 30, tapez 3.")
    done = outs[3]
    assert done[0] == cmd.RequestCallback(to="+33612345678", queue="caf", skill="caf", priority=10,
                                          due="2026-11-27T08:30:00+01:00")
    assert state.end_status == "callback" and state.path[-1] == "call_me"
    assert replay(engine, state.call_sid, steps) == state


def test_no_number_from_the_menu_goes_to_a_person(tmp_path: Path) -> None:
    engine = IvrEngine(load_flow(_flow(tmp_path)))
    state = engine.new_call("CA" + "3" * 32)
    for i, event in enumerate([CallStarted("+33612345678"), DigitsReceived("4"), DigitsReceived("12"), NoInput()]):
        state, out = engine.step(state, event, THURSDAY + timedelta(seconds=i))
    assert [c.kind for c in out] == ["say", "say", "transfer"]
    assert out[0] == cmd.Say("Nous n'avons pas pu noter de numéro pour vous rappeler.")
    assert state.status == "transferred"


def test_a_hidden_number_goes_to_a_person(tmp_path: Path) -> None:
    engine = IvrEngine(load_flow(_flow(tmp_path)))
    state = engine.new_call("CA" + "4" * 32)
    for i, event in enumerate([CallStarted("anonymous"), DigitsReceived("4")]):
        state, out = engine.step(state, event, THURSDAY + timedelta(seconds=i))
    assert "Votre numéro est masqué" in " ".join(c.text for c in out if isinstance(c, cmd.Say))
    assert out[-1].kind == "transfer"
