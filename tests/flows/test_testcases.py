"""Flow test cases: parsed with file:line faults, run on the pure engine, run by `flows test` and
before every publish, and recorded from a real call with its inputs redacted."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path
from typing import Any

import pytest

from callcenter.cli.main import main
from callcenter.config import PROJECT_ROOT
from callcenter.flows import load_flow
from callcenter.flows.recording import record_case
from callcenter.flows.testcases import TestCaseError, parse_suite
from callcenter.flows.testrun import run_case, run_suite
from callcenter.ivr import IvrEngine, event_from_dict
from callcenter.web import keys
from tests.conftest import TwilioCall, make_env
from tests.ivr.helpers import SAMPLE

SAMPLE_CASES = """flow: sample
cases:
  - name: caf by keys
    steps:
      - press: "1"
    expect:
      path: [welcome, main_menu, caf]
      hears: [Bonjour, "Tapez 1 pour la CAF"]
      ends: transferred
  - name: a postcode
    steps:
      - press: 2
      - press: "75001"
    expect:
      path: [welcome, main_menu, postcode, route, paris]
"""


def sample_engine() -> IvrEngine:
    return IvrEngine(load_flow(SAMPLE))


def test_cases_run_on_the_pure_engine() -> None:
    results = run_suite(sample_engine(), parse_suite(SAMPLE_CASES, "sample.tests.yaml"))
    assert [(r.case.name, r.ok) for r in results] == [("caf by keys", True), ("a postcode", True)], \
        [r.failures for r in results]


def test_a_case_that_does_not_hold_says_where_and_how() -> None:
    text = SAMPLE_CASES.replace("path: [welcome, main_menu, caf]", "path: [welcome, main_menu, bye]") \
        .replace('hears: [Bonjour, "Tapez 1 pour la CAF"]', 'hears: ["Tapez 1 pour la CAF", Bonjour]')
    result = run_suite(sample_engine(), parse_suite(text, "sample.tests.yaml"))[0]
    assert not result.ok
    assert [str(f) for f in result.faults()] == [
        "sample.tests.yaml:3: case 'caf by keys': expected path welcome > main_menu > bye; "
        "got welcome > main_menu > caf",
        "sample.tests.yaml:3: case 'caf by keys': expected to hear 'Bonjour' after the previous phrase but did not"]


def test_a_step_after_the_end_of_the_call_fails() -> None:
    text = "flow: sample\ncases:\n  - name: x\n    steps: [{press: '3'}, {press: '1'}]\n    expect: {ends: ended}\n"
    result = run_case(sample_engine(), parse_suite(text, "t.yaml").cases[0])
    assert result.failures == ("the call had ended before the step of line 4",)


@pytest.mark.parametrize(("text", "expected"), [
    ("flow: sample\ncases:\n  - name: x\n    steps: [{press: '1a'}]\n    expect: {ends: ended}\n",
     ["t.yaml:4: a step is one of: press: KEYS (0-9, *, #), say: WORDS, silence, hangup; got {press: 1a}"]),
    ("flow: sample\ncases:\n  - name: x\n    steps: [silence]\n    expect: {ends: gone}\n",
     ["t.yaml:5: case 'x': ends is one of in_ivr, transferred, ended"]),
    ("flow: sample\ncases:\n  - name: x\n    stesp: [silence]\n    expect: {ends: ended}\n",
     ["t.yaml:3: case 'x': steps must be a non-empty list",
      "t.yaml:4: unknown field 'stesp' (expected one of appointments, at, caller, expect, history, name, "
      "on_duty, steps, wait)"]),
    ("flow: sample\ncases:\n  - name: x\n    steps: [silence]\n    expect: {ends: ended}\n"
     "  - name: x\n    steps: [silence]\n    expect: {ends: ended}\n",
     ["t.yaml:6: case 'x' is named twice"]),
    ("flow: sample\ncases: {}\n", ["t.yaml:1: a test-case file is a mapping with flow and cases (a list)"]),
    ("flow: [\n", None),
])
def test_faults_of_a_test_case_file(text: str, expected: list[str] | None) -> None:
    with pytest.raises(TestCaseError) as caught:
        parse_suite(text, "t.yaml")
    faults = [str(p) for p in caught.value.problems]
    if expected is None:
        assert len(faults) == 1 and faults[0].startswith("t.yaml:") and "invalid YAML" in faults[0]
    else:
        assert faults == expected


@pytest.fixture
def env(tmp_path: Path, database_url: str, flows_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name, value in make_env(tmp_path, database_url, flows_dir).items():
        monkeypatch.setenv(name, value)
    return flows_dir


def test_the_bundled_flows_pass_their_test_cases(env: Path, capsys: Any) -> None:
    assert (PROJECT_ROOT / "ivr_flows" / "main.tests.yaml").is_file()
    assert main(["flows", "test", str(PROJECT_ROOT / "ivr_flows")]) == 0
    assert "24 of 24 test cases passed" in capsys.readouterr().err


def test_publish_is_refused_while_a_case_fails(env: Path, tmp_path: Path, capsys: Any) -> None:
    edit = tmp_path / "edit"
    edit.mkdir()
    shutil.copy(env / "main.tests.yaml", edit / "main.tests.yaml")
    # A valid edit that skips the CAF number for payments: a case expected that question.
    (edit / "main.yaml").write_text((env / "main.yaml").read_text(encoding="utf-8").replace(
        "        next: numero_allocataire\n", "        next: caf\n", 1), encoding="utf-8")
    assert main(["flows", "test", str(edit / "main.yaml")]) == 1
    out = capsys.readouterr().out
    assert f"{edit / 'main.tests.yaml'}:5: case \"CAF par les touches, avec le numéro d'allocataire\": " \
           "expected path accueil > objet > menu_caf > numero_allocataire > caf; " \
           "got accueil > objet > menu_caf > caf" in out
    assert main(["flows", "publish", str(edit / "main.yaml"), "--by", "sarah"]) == 1
    assert "not published" in capsys.readouterr().err
    assert main(["flows", "versions", "main"]) == 1   # nothing stored
    assert main(["flows", "publish", str(env / "main.yaml"), "--by", "sarah"]) == 0


async def test_a_case_recorded_from_a_real_call(new_call: Any, settings: Any, env: Path,
                                               monkeypatch: pytest.MonkeyPatch, capsys: Any) -> None:
    call: TwilioCall = new_call()
    await call.start()
    await call.gather(1, SpeechResult="c'est pour la caf, mon numéro est le 06 12 34 56 78", Confidence="0.9")
    await call.gather(2, Digits="1")
    await call.gather(3, Digits="7654321")
    db = call.client.app[keys.DATABASE]
    log = [(event_from_dict(e.payload), e.at) for e in await db.call_log(call.call_sid) if e.entry == "event"]
    engine = await call.client.app[keys.SERVICE].engine_for("main", 1)
    recorded = record_case(engine, log, "CAF à la voix")
    assert recorded.problems == ()
    case = recorded.case
    assert case["caller"] == "+33612345678"
    assert case["steps"] == [{"say": "c'est pour la caf, mon numéro est le [téléphone]"}, {"press": "1"},
                             {"press": "0000000"}]
    assert case["expect"] == {"path": ["accueil", "objet", "menu_caf", "numero_allocataire", "caf"],
                              "ends": "transferred", "queue": "caf"}
    assert "7654321" not in recorded.as_yaml() and "06 12" not in recorded.as_yaml()
    # The command adds it to the flow's test cases, which still all pass.
    assert await asyncio.to_thread(main, ["flows", "record-test", call.call_sid, "--name", "appel enregistré"]) == 0
    added = (env / "main.tests.yaml").read_text(encoding="utf-8")
    assert "- name: appel enregistré" in added and "0000000" in added
    capsys.readouterr()
    assert await asyncio.to_thread(main, ["flows", "test", str(env / "main.yaml")]) == 0
    assert "25 of 25 test cases passed" in capsys.readouterr().err
    assert await asyncio.to_thread(main, ["flows", "record-test", "CA" + "9" * 32]) == 1
