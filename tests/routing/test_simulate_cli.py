"""``callcenter simulate``: the French table, JSON, what-if options, the Erlang C check."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from callcenter.cli.main import main


def test_table_in_french(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["simulate", "--replications", "2", "--seed", "3"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Simulation : Ligne CAF, effectif de l'exemple du README\n")
    for words in ("2 journée(s) simulée(s), graine 3", "urgences au premier agent libre", "non fragile",
                  "appelants", "abandons", "Occupation des agents", "Équité",
                  "Être signalé fragile ne fait pas attendre plus longtemps : oui",
                  "« Le 90e centile des fragiles ne dépasse pas la médiane des non fragiles »"):
        assert words in out, words


def test_json_old_policy_and_what_if(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["simulate", "--replications", "3", "--json", "--old-policy"]) == 0
    old = json.loads(capsys.readouterr().out)
    assert old["policy"]["relax_to_skill_after"] == 60 and old["policy"]["urgent_relax_after"] == 15
    assert [t["tier"] for t in old["tiers"]] == ["urgent", "fragile", "normal"]
    assert old["flag_effect"]["never_longer"] is False
    assert main(["simulate", "--replications", "3", "--json"]) == 0
    new = json.loads(capsys.readouterr().out)
    assert new["flag_effect"]["never_longer"] is True
    fragile = {d["tier"]: d for d in new["tiers"]}["fragile"]
    assert fragile["median_wait"] < {d["tier"]: d for d in old["tiers"]}["fragile"]["median_wait"]
    # What if two more agents in the morning: fewer callers give up.
    assert main(["simulate", "--replications", "3", "--json", "--add-agent", "caf:3,general:2@8.5-12.5",
                 "--add-agent", "caf:3,general:2@8.5-12.5"]) == 0
    more = json.loads(capsys.readouterr().out)
    assert "renfort-2" in more["occupancy_by_agent"]
    ab = {d["tier"]: d["abandonment"] for d in more["tiers"]}
    assert ab["normal"] < {d["tier"]: d["abandonment"] for d in new["tiers"]}["normal"]
    assert main(["simulate", "--replications", "1", "--json", "--fragile-share", "0.3",
                 "--arrivals-factor", "0.5"]) == 0
    half = json.loads(capsys.readouterr().out)
    assert sum(t["callers"] for t in half["tiers"]) < sum(t["callers"] for t in new["tiers"]) / 3 * 0.8


@pytest.mark.parametrize(("argv", "message"), [
    (["--add-agent", "caf3@8-9"], "--add-agent 'caf3@8-9': expected SKILL:LEVEL"),
    (["--fragile-share", "0.99"], "shares of urgent and fragile callers"),
    (["--relax-skill-after", "500"], "routing policy: relaxation delays must be increasing"),
    (["/nonexistent/scenario.yaml"], "/nonexistent/scenario.yaml: No such file"),
])
def test_bad_input_is_refused_plainly(argv: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["simulate", *argv]) == 2
    assert message in capsys.readouterr().err


def test_broken_scenario_names_the_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "s.yaml"
    path.write_text("arrivals: [{from: 9, to: 10, per_hour: 10}]\nagents: []\nskills: {general: 1}\n"
                    "handle_seconds: 300\n", encoding="utf-8")
    assert main(["simulate", str(path)]) == 2
    assert f"{path}:2: agents: expected a list of agents" in capsys.readouterr().err


def test_check_erlang(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["simulate", "--check-erlang", "--calls", "1500", "--json"])
    checks = json.loads(capsys.readouterr().out)
    assert [(c["agents"], c["load"]) for c in checks] == [(1, 0.5), (2, 1.2), (4, 2.6), (8, 5.2)]
    assert code == (0 if all(c["ok"] for c in checks) else 1)
    main(["simulate", "--check-erlang", "--calls", "800"])
    out = capsys.readouterr().out
    assert "formule d'Erlang C" in out and "Tolérances" in out
