"""``callcenter appointments ...`` against a real database: an agency, its hours, its slots, a day."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from callcenter.cli.main import main
from tests.conftest import make_env


@pytest.fixture
def env(tmp_path: Path, database_url: str, flows_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in make_env(tmp_path, database_url, flows_dir).items():
        monkeypatch.setenv(name, value)


def test_agency_hours_and_slots_from_a_terminal(env: None, capsys: Any) -> None:
    assert main(["appointments", "add-agency", "France Services Lyon 3", "--service", "accueil",
                 "--address", "12 rue Paul Bert, Lyon", "--by", "sarah"]) == 0
    agency = capsys.readouterr().out.split()[1]          # "agency N added: ..."
    assert main(["appointments", "add-hours", agency, "--day", "mon", "--from", "9:00", "--to", "12:00",
                 "--minutes", "45", "--by", "sarah"]) == 0
    assert main(["appointments", "add-hours", agency, "--day", "wed", "--from", "14:00", "--to", "13:00",
                 "--by", "sarah"]) == 2
    assert "L'heure de fin doit être après l'heure de début." in capsys.readouterr().err
    assert main(["appointments", "generate", "--weeks", "3", "--by", "sarah"]) == 0
    added = int(capsys.readouterr().out.split()[0])
    assert added in (8, 12)                       # 4 slots each Monday: 2 or 3 Mondays in 3 weeks
    assert main(["appointments", "generate", "--weeks", "3", "--by", "sarah"]) == 0
    assert capsys.readouterr().out.strip() == "0 slots added"
    assert main(["appointments", "agencies", "--json"]) == 0
    [listed] = json.loads(capsys.readouterr().out)
    assert listed["coming_slots"] == added and listed["booked"] == 0
    assert [{**h, "id": 0} for h in listed["hours"]] == [
        {"id": 0, "day": "lundi", "from": "09:00", "to": "12:00", "channel": "phone", "minutes": 45}]
    assert main(["appointments", "day", "2026-11-30", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == []
    assert main(["audit"]) == 0
    log = capsys.readouterr().out
    assert "appointment.agency_add" in log and "appointment.slots_generate" in log
