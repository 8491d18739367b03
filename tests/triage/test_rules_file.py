"""The rules file: schema, faults reported with file and line, reloads that keep the old rules."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from callcenter.triage import (
    DEFAULT_RULES_PATH,
    RulesError,
    RulesHolder,
    TriageInput,
    TriageRules,
    assess,
    load_rules,
)
from callcenter.triage.loader import SCHEMA_PATH
from callcenter.triage.model import NUMERIC_INPUTS

from .helpers import said

BUNDLED = DEFAULT_RULES_PATH.read_text(encoding="utf-8")
SPEC = Path(__file__).resolve().parents[3] / "shared" / "spec" / "kb_topics.yaml"


def write(tmp_path: Path, text: str, name: str = "rules.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def line_of(text: str, needle: str) -> int:
    return text[:text.index(needle)].count("\n") + 1


def refused(path: Path) -> RulesError:
    with pytest.raises(RulesError) as caught:
        load_rules(path)
    return caught.value


def test_the_bundled_rules_load_and_are_versioned(rules: TriageRules) -> None:
    assert rules.version == yaml.safe_load(BUNDLED)["version"]
    assert len(rules.digest) == 12
    assert rules.source == str(DEFAULT_RULES_PATH)


def test_every_decision_records_the_rules_that_made_it(rules: TriageRules, tmp_path: Path) -> None:
    assert said(rules, "bonjour").rules_version == rules.version
    other = load_rules(write(tmp_path, BUNDLED.replace('version: "', 'version: "test-', 1)))
    decision = assess(other, TriageInput(("bonjour",)))
    assert decision.rules_version == f"test-{rules.version}"
    assert decision.rules_digest != rules.digest


def test_the_reasons_are_those_of_the_shared_spec(rules: TriageRules) -> None:
    if not SPEC.exists():
        pytest.skip(f"{SPEC} is not beside the project")
    spec = yaml.safe_load(SPEC.read_text(encoding="utf-8"))
    spec_ids = {r["id"] for r in spec["fragility_reasons"]}
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    assert set(schema["$defs"]["reason_id"]["enum"]) == spec_ids
    assert set(rules.reasons) == spec_ids


def test_signal_inputs_of_the_schema_are_the_call_facts() -> None:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    assert tuple(schema["$defs"]["input"]["enum"]) == NUMERIC_INPUTS


@pytest.mark.parametrize(("old", "new", "needle", "message"), [
    ("fragile: 1.0", "fragile: 1.0: 2", "fragile: 1.0: 2", "invalid YAML"),
    ("fragile: 1.0", "fragile: high", "fragile: high", "'high' is not of type 'number'"),
    ("  - id: danger\n", "  - id: peril\n", "id: peril", "'peril' is not one of"),
    ('          - "insalubr*"', '          - "insal*ubre"', "insal*ubre", "'*' may only end a word"),
    ('          - "insalubr*"', '          - "(insalubre"', '"(insalubre"', "is not closed"),
    ('          - "insalubr*"', '          - "{no_such_list}"', "no_such_list", "unknown word list {no_such_list}"),
    ('          - "insalubr*"', '          - "[insalubre]"', '"[insalubre]"', "must require at least one word"),
    ("    all: [logement.dehors, cue.enfants]", "    all: [logement.dehors, cue.nowhere]",
     "cue.nowhere", "no entry or cue 'cue.nowhere'"),
    ('        emergency: ["115"]\n        phrases:', '        emergency: ["1155"]\n        phrases:',
     '"1155"', "emergency number '1155' is not declared"),
    ("      - id: logement.insalubre", "      - id: logement.expulsion", "id: logement.expulsion\n        weight",
     "id 'logement.expulsion' is already used"),
    ("    profile: minimum_income", "    profile: millionaire", "profile: millionaire",
     "profile fact 'millionaire' is not declared"),
    ("    at_least: 240", "    at_least: 240\n    colour: red", "colour: red",
     "Additional properties are not allowed"),
    ("format: 1", "format: 1\nformat: 2", "format: 2", "duplicate key 'format'"),
])
def test_a_broken_file_is_refused_with_file_line_and_reason(tmp_path: Path, old: str, new: str,
                                                             needle: str, message: str) -> None:
    assert old in BUNDLED
    text = BUNDLED.replace(old, new, 1)
    path = write(tmp_path, text)
    error = refused(path)
    assert any(p.file == str(path) and p.line == line_of(text, needle) and message in p.reason
               for p in error.problems), error.problems
    assert f"{path}:{line_of(text, needle)}:" in error.message


def test_every_fault_is_reported_not_only_the_first(tmp_path: Path) -> None:
    text = BUNDLED.replace('"insalubr*"', '"(insalubre"', 1).replace('"agios"', '"a*gios"', 1)
    error = refused(write(tmp_path, text))
    assert [p.line for p in error.problems] == sorted([line_of(text, "(insalubre"), line_of(text, '"a*gios"')])


@pytest.mark.parametrize(("content", "message"), [
    (b"", "the file is empty"),
    (b"\xff\xfe not utf-8", "not UTF-8"),
    (b"- just\n- a list\n", "is not of type 'object'"),
])
def test_files_that_are_not_rules_at_all(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "rules.yaml"
    path.write_bytes(content)
    assert message in refused(path).message


def test_a_missing_file_is_a_rules_error(tmp_path: Path) -> None:
    error = refused(tmp_path / "absent.yaml")
    assert "cannot read" in error.message and error.problems[0].line == 1


def test_a_reload_that_fails_keeps_the_previous_rules(tmp_path: Path) -> None:
    path = write(tmp_path, BUNDLED)
    holder = RulesHolder(path)
    before = holder.rules
    path.write_text(BUNDLED.replace("fragile: 1.0", "fragile: [", 1), encoding="utf-8")
    error = holder.reload()
    assert isinstance(error, RulesError)
    assert f"{path}:" in error.message
    assert holder.rules is before
    assert assess(holder.rules, TriageInput(("je suis à la rue",))).fragile


def test_a_good_reload_swaps_the_rules(tmp_path: Path) -> None:
    path = write(tmp_path, BUNDLED)
    holder = RulesHolder(path)
    stricter = write(tmp_path, BUNDLED.replace("fragile: 1.0", "fragile: 5.0", 1).replace(
        'version: "', 'version: "strict-', 1), "strict.yaml")
    assert holder.reload(stricter) is None
    assert holder.rules.version.startswith("strict-")
    assert not assess(holder.rules, TriageInput(("je suis à la rue",))).fragile
    # The new path is remembered for the next plain reload.
    assert holder.reload() is None and holder.rules.version.startswith("strict-")


def test_a_refused_reload_to_another_path_keeps_the_old_path(tmp_path: Path) -> None:
    path = write(tmp_path, BUNDLED)
    holder = RulesHolder(path)
    assert isinstance(holder.reload(tmp_path / "absent.yaml"), RulesError)
    path.write_text(BUNDLED.replace('version: "', 'version: "v2-', 1), encoding="utf-8")
    assert holder.reload() is None and holder.rules.version.startswith("v2-")


def test_the_threshold_and_weights_come_from_the_file(tmp_path: Path) -> None:
    lenient = load_rules(write(tmp_path, BUNDLED.replace("fragile: 1.0", "fragile: 0.5", 1)))
    assert assess(lenient, TriageInput(("j'ai quatre-vingt-dix ans",))).fragile
    assert not assess(load_rules(), TriageInput(("j'ai quatre-vingt-dix ans",))).fragile
