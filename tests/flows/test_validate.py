"""`callcenter flows validate`: schema and graph faults as file:line: reason, exit status 1."""

from __future__ import annotations

from pathlib import Path

import pytest

from callcenter.cli.main import main
from callcenter.config import PROJECT_ROOT
from callcenter.flows import FlowError, load_flow, parse_flow

BROKEN = Path(__file__).parent.parent / "fixtures" / "flows" / "broken"
EXPECTED = [line for line in (BROKEN / "expected.txt").read_text(encoding="utf-8").splitlines() if line]


def _expected_for(name: str) -> list[str]:
    return [line for line in EXPECTED if line.startswith(name + ":")]


@pytest.mark.parametrize("path", sorted(BROKEN.glob("*.yaml")), ids=lambda p: p.stem)
def test_each_broken_flow_prints_its_faults(path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["flows", "validate", str(path)])
    out = capsys.readouterr().out.splitlines()
    assert code == 1
    assert [line.replace(str(BROKEN) + "/", "") for line in out] == _expected_for(path.name)
    assert out, "a broken fixture must report at least one fault"


def test_every_broken_fixture_has_expectations() -> None:
    names = {line.split(":", 1)[0] for line in EXPECTED}
    assert names == {p.name for p in BROKEN.glob("*.yaml")}


def test_bundled_flows_are_valid(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["flows", "validate"]) == 0
    assert "main.yaml: ok" in capsys.readouterr().err


def test_bundled_main_flow_opens_with_the_open_question() -> None:
    flow = load_flow(PROJECT_ROOT / "ivr_flows" / "main.yaml")
    start = flow.node(flow.start)
    first_input = flow.node(start.next)  # type: ignore[union-attr]
    assert first_input.kind == "menu"
    assert "dites en quelques mots l'objet de votre appel" in first_input.input.prompt.lower()  # type: ignore[union-attr]
    assert set(first_input.input.modes) == {"dtmf", "speech"}  # type: ignore[union-attr]
    assert flow.node(flow.settings.human).kind == "transfer"


def test_validate_mixed_paths_fails_if_any_fails(capsys: pytest.CaptureFixture[str]) -> None:
    good = PROJECT_ROOT / "ivr_flows" / "main.yaml"
    assert main(["flows", "validate", str(good), str(BROKEN / "unreachable.yaml")]) == 1
    assert "unreachable.yaml:9:" in capsys.readouterr().out


def test_missing_file_is_a_fault(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["flows", "validate", str(tmp_path / "absent.yaml")]) == 1
    assert "absent.yaml:1: cannot read" in capsys.readouterr().out


def test_several_faults_in_one_file_are_all_reported() -> None:
    text = """\
flow: two
start: a
human: p
nodes:
  a:
    kind: say
    text: Bonjour.
    next: b
  p:
    kind: transfer
    queue: accueil
  lost:
    kind: goto
    next: nowhere
"""
    with pytest.raises(FlowError) as info:
        parse_flow(text, "two.yaml", expected_id="two")
    reasons = [str(p) for p in info.value.problems]
    assert reasons == ["two.yaml:8: node 'a': unknown target 'b'",
                       "two.yaml:14: node 'lost': unknown target 'nowhere'"]


def test_not_a_mapping() -> None:
    with pytest.raises(FlowError, match="x.yaml:1: a flow file must be a mapping"):
        parse_flow("- just\n- a list\n", "x.yaml")


def test_duplicate_yaml_keys_are_refused() -> None:
    text = "flow: d\nstart: p\nhuman: p\nnodes:\n  p:\n    kind: transfer\n    queue: a\n  p:\n    kind: hangup\n"
    with pytest.raises(FlowError, match="d.yaml:8: duplicate key 'p'"):
        parse_flow(text, "d.yaml")
