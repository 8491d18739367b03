"""An ``ask`` node's answer is used in its step but stored only as the node allows: the call's
log and state hold the kept form, and replaying the log takes exactly the same path."""

from __future__ import annotations

import json
import random
import re
import shutil
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
import yaml

from callcenter.config import PROJECT_ROOT
from callcenter.flows import load_flow
from callcenter.flows.loader import FlowError
from callcenter.ivr import (
    CallStarted,
    DigitsReceived,
    Event,
    IvrEngine,
    NoInput,
    SpeechReceived,
    event_from_dict,
    event_to_dict,
    replay,
)
from callcenter.privacy import redact
from callcenter.store.urls import sync_url
from tests.ivr.helpers import SAMPLE, T0

NIR = "185057800608436"


def flow_with(tmp_path: Path, stored: str | None, pattern: str | None = "^[0-9]{15}$") -> Path:
    """The sample flow whose speech-and-keys 'name' question asks for a social security number."""
    data = yaml.safe_load(SAMPLE.read_text(encoding="utf-8"))
    node = data["nodes"]["name"]
    node.update({"input": "both", "into": "nir", "prompt": "Tapez votre numéro de sécurité sociale."})
    node.pop("stored", None)
    if stored is not None:
        node["stored"] = stored
    if pattern is not None:
        node["pattern"] = pattern
    path = tmp_path / "sample.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def run_logged(engine: IvrEngine, events: list[Event]) -> tuple[Any, list[tuple[dict[str, Any], Any]]]:
    """Step like the call service does: the log gets ``engine.loggable`` of each event."""
    state = engine.new_call("CA" + "2" * 32)
    log = []
    for i, event in enumerate(events):
        at = T0 + timedelta(seconds=5 * i)
        log.append((event_to_dict(engine.loggable(state, event)), at))
        state, _ = engine.step(state, event, at)
    return state, log


TO_NAME = [CallStarted("+33611111111"), DigitsReceived("2"), DigitsReceived("13001")]


@pytest.mark.parametrize(("stored", "kept"), [(None, "•" * 13 + "36"), ("masked", "•" * 13 + "36"),
                                              ("dropped", "[non conservé]"), ("kept", NIR)])
@pytest.mark.parametrize("answer", [DigitsReceived(NIR), SpeechReceived(NIR, 0.9)])
def test_the_answer_is_stored_as_the_node_says(tmp_path: Path, stored: str | None, kept: str, answer: Event) -> None:
    engine = IvrEngine(load_flow(flow_with(tmp_path, stored)))
    state, log = run_logged(engine, [*TO_NAME, answer])
    assert state.variables["nir"] == kept
    assert state.node != "name"  # the raw value passed the node's pattern: the call went on
    text = json.dumps([e for e, _ in log], ensure_ascii=False) + json.dumps(state.to_dict(), ensure_ascii=False)
    assert (NIR in text) == (stored == "kept")
    rebuilt = replay(engine, state.call_sid, ((event_from_dict(e), at) for e, at in log))
    assert rebuilt == state


def test_a_refused_answer_is_logged_empty_and_refused_again_on_replay(tmp_path: Path) -> None:
    engine = IvrEngine(load_flow(flow_with(tmp_path, None)))
    state, log = run_logged(engine, [*TO_NAME, DigitsReceived("18505780060")])
    assert state.node == "name" and state.no_match == 1
    assert log[-1][0] == {"digits": "", "redacted": True, "kind": "digits"}
    assert replay(engine, state.call_sid, ((event_from_dict(e), at) for e, at in log)) == state


def test_the_way_out_to_a_person_is_not_an_answer(tmp_path: Path) -> None:
    engine = IvrEngine(load_flow(flow_with(tmp_path, None)))
    key = engine.flow.settings.human_key
    state, log = run_logged(engine, [*TO_NAME, DigitsReceived(key)])
    assert log[-1][0]["digits"] == key and state.status == "transferred"
    state, log = run_logged(engine, [*TO_NAME, SpeechReceived("je veux un conseiller", 0.9)])
    assert log[-1][0]["text"] == "je veux un conseiller" and state.status == "transferred"


@pytest.mark.parametrize("seed", range(30))
def test_random_calls_replay_from_the_redacted_log(tmp_path: Path, seed: int) -> None:
    engine = IvrEngine(load_flow(flow_with(tmp_path, None, pattern="^[0-9]{4,15}$")))
    rng = random.Random(seed)
    events: list[Event] = [CallStarted("+33611111111")]
    for _ in range(rng.randint(2, 10)):
        events.append(rng.choice([DigitsReceived(rng.choice(["1", "2", "13001", "123", NIR, "12345"])),
                                  # Words are redacted by the adapters before they become events.
                                  SpeechReceived(redact(rng.choice(["caf", NIR, "code postal", "", "4567"])),
                                                 rng.choice([None, 0.2, 0.9])), NoInput()]))
    state, log = run_logged(engine, events)
    assert replay(engine, state.call_sid, ((event_from_dict(e), at) for e, at in log)) == state
    assert NIR not in json.dumps([e for e, _ in log]) + json.dumps(state.to_dict())


def test_comparing_an_answer_that_is_not_kept_is_a_flow_fault(tmp_path: Path) -> None:
    data = yaml.safe_load(SAMPLE.read_text(encoding="utf-8"))
    del data["nodes"]["postcode"]["stored"]
    path = tmp_path / "sample.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    with pytest.raises(FlowError) as caught:
        load_flow(path)
    faults = [str(p) for p in caught.value.problems]
    assert any(re.search(r"sample\.yaml:\d+: node 'route': compares 'code_postal', which node 'postcode' "
                         r"does not keep", f) for f in faults), faults


@pytest.fixture
def flows_dir(tmp_path: Path) -> Path:
    """The bundled flows, with the allocataire number left to the default (masked)."""
    target = tmp_path / "ivr_flows"
    shutil.copytree(PROJECT_ROOT / "ivr_flows", target)
    main = target / "main.yaml"
    text = main.read_text(encoding="utf-8")
    assert "    stored: kept\n" in text   # the bundled flow keeps it: the agent looks the file up
    main.write_text(text.replace("    stored: kept\n", ""), encoding="utf-8")
    return target


async def test_keys_typed_through_the_webhooks_are_stored_masked(new_call: Any, settings: Any) -> None:
    """Through the real path (webhooks, call service, database): the typed number is nowhere in
    the call's row, its log or the stored answers; the masked form is."""
    call = new_call()
    await call.start()
    await call.gather(1, Digits="1")
    await call.gather(2, Digits="1")
    await call.gather(3, Digits="9081726")
    engine = sa.create_engine(sync_url(settings.database_url))
    try:
        with engine.connect() as conn:
            dump = json.dumps([[str(v) for v in row] for table in ("calls", "call_log", "webhook_receipts")
                               for row in conn.execute(sa.text(f"SELECT * FROM {table}"))], ensure_ascii=False)
    finally:
        engine.dispose()
    assert "9081726" not in dump
    assert "•••••26" in dump or "\\\\u2022" * 5 + "26" in dump  # JSON columns may escape it
