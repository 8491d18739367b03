"""Lints: warnings for what callers find hard, printed by `flows validate` and `flows publish`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from callcenter.cli.main import main
from callcenter.flows import load_flow, parse_flow
from callcenter.flows.lints import lint_flow, speech_seconds
from tests.conftest import FIXTURES

LINTS = FIXTURES / "flows" / "lints" / "lints.yaml"


def test_each_lint_with_its_line() -> None:
    assert [str(w) for w in lint_flow(load_flow(LINTS))] == [
        f"{LINTS}:6: warning: node 'bonjour': a person is 3 steps away (more than 2)",
        f"{LINTS}:10: warning: node 'info': text lasts about 29 s when spoken (73 words; more than 25 s)",
        f"{LINTS}:34: warning: menu 'niveau4' is 4 menus deep (more than 3: niveau1 > niveau2 > niveau3 > niveau4)",
        f"{LINTS}:34: warning: menu 'niveau4' has 6 options (more than 5: callers forget the first ones)",
    ]


NO_WAY_BACK = """flow: adieu
start: menu
human: conseiller
nodes:
  menu:
    kind: menu
    prompt: Tapez 1 pour finir.
    options: [{key: 1, next: adieu}]
  adieu:
    kind: say
    text: Merci.
    next: fin
  fin: {kind: hangup}
  conseiller: {kind: transfer, queue: accueil}
"""


def test_no_person_reachable_and_speech_estimate() -> None:
    assert [str(w) for w in lint_flow(parse_flow(NO_WAY_BACK, "adieu.yaml"))] == [
        "adieu.yaml:9: warning: node 'adieu': no person can be reached from here"]
    assert lint_flow(load_flow(FIXTURES / "flows" / "good" / "sample.yaml")) == []
    assert speech_seconds(" ".join(["mot"] * 50)) == 20.0


def test_validate_prints_warnings_and_still_succeeds(capsys: Any) -> None:
    assert main(["flows", "validate", str(LINTS)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 4 and all(": warning: " in line for line in out)


def _line_of(path: Path, text: str) -> int:
    return next(i for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if text in line)


def test_the_bundled_flow_warns_about_its_six_service_menu(capsys: Any) -> None:
    bundled = Path(__file__).parents[2] / "ivr_flows" / "main.yaml"
    assert main(["flows", "validate"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        f"{bundled}:{_line_of(bundled, '  objet:')}: warning: menu 'objet' has 7 options "
        "(more than 5: callers forget the first ones)"]
