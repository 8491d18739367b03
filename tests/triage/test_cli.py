"""``callcenter triage``: the readable print-out and the JSONL contract of shared/eval/score.py."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from callcenter.cli.main import main
from callcenter.triage import DEFAULT_RULES_PATH


def run_jsonl(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], lines: str,
              *extra: str) -> tuple[int, list[dict]]:
    monkeypatch.setattr(sys, "stdin", io.StringIO(lines))
    code = main(["triage", "--jsonl", *extra])
    out = capsys.readouterr().out
    return code, [json.loads(row) for row in out.splitlines()]


def test_jsonl_writes_one_object_per_line_in_order(monkeypatch: pytest.MonkeyPatch,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    code, rows = run_jsonl(monkeypatch, capsys,
                           "je veux plus vivre\n\nc'est pour une attestation\nje suis à la rue\n")
    assert code == 0
    assert [r["text"] for r in rows] == ["je veux plus vivre", "", "c'est pour une attestation",
                                         "je suis à la rue"]
    for row in rows:
        assert set(row) == {"text", "fragile", "urgent", "reasons", "score", "check_danger"}
        assert isinstance(row["check_danger"], bool)
        assert isinstance(row["fragile"], bool) and isinstance(row["urgent"], bool)
        assert isinstance(row["score"], float) and isinstance(row["reasons"], list)
    assert rows[0]["urgent"] and "danger" in rows[0]["reasons"]
    assert rows[1] == {"text": "", "fragile": False, "urgent": False, "reasons": [], "score": 0.0,
                       "check_danger": False}
    assert not rows[2]["fragile"] and rows[2]["reasons"] == []
    assert rows[3]["fragile"] and rows[3]["reasons"] == ["logement"]


def test_jsonl_applies_the_call_facts_to_each_line(monkeypatch: pytest.MonkeyPatch,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    _, rows = run_jsonl(monkeypatch, capsys, "euh\n", "--no-input", "4", "--calls-7d", "5",
                        "--unresolved", "2")
    assert rows[0]["fragile"] and set(rows[0]["reasons"]) == {"exclusion_numerique", "detresse"}


def test_readable_output_shows_evidence_numbers_and_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["triage", "mon mari me frappe", "et je dors dans la voiture"]) == 0
    out = capsys.readouterr().out
    assert "urgent: YES" in out
    assert "3919" in out and "Violences Femmes Info" in out
    assert "« me frappe »" in out and "« dors dans la voiture »" in out
    assert "rules: 2025" in out


def test_readable_output_shows_what_was_set_aside(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["triage", "ma cousine est sans abri"]) == 0
    out = capsys.readouterr().out
    assert "fragile: no" in out and "third_person" in out


def test_json_output_is_the_whole_decision(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["triage", "--json", "je suis toute seule"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["reasons"] == [{"id": "isolement", "evidence": ["je suis toute seule"]}]
    assert data["rules_digest"]


def test_rules_override_and_a_broken_rules_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    strict = tmp_path / "strict.yaml"
    strict.write_text(DEFAULT_RULES_PATH.read_text(encoding="utf-8").replace("fragile: 1.0", "fragile: 4.0", 1),
                      encoding="utf-8")
    assert main(["triage", "--rules-only", "--rules", str(strict), "je suis toute seule"]) == 0
    assert "fragile: no" in capsys.readouterr().out
    broken = tmp_path / "broken.yaml"
    broken.write_text("version: [\n", encoding="utf-8")
    assert main(["triage", "--rules", str(broken), "bonjour"]) == 2
    assert f"{broken}:" in capsys.readouterr().err


@pytest.mark.parametrize(("argv", "message"), [
    (["triage"], "give the caller's words"),
    (["triage", "--jsonl", "text"], "--jsonl reads stdin"),
    (["triage", "--profile", "rich", "bonjour"], "unknown profile fact 'rich'"),
])
def test_usage_errors(capsys: pytest.CaptureFixture[str], argv: list[str], message: str) -> None:
    assert main(argv) == 2
    assert message in capsys.readouterr().err


@pytest.mark.slow
def test_the_installed_command_speaks_utf8_jsonl() -> None:
    exe = Path(sys.executable).with_name("callcenter")
    if not exe.exists():
        pytest.skip("the callcenter console script is not installed beside this interpreter")
    proc = subprocess.run([str(exe), "triage", "--jsonl"], input="je suis à découvert\nrsa\n".encode(),
                          capture_output=True, timeout=60, check=True, env={"LANG": "C", "PATH": ""})
    rows = [json.loads(line) for line in proc.stdout.decode("utf-8").splitlines()]
    assert [r["text"] for r in rows] == ["je suis à découvert", "rsa"]
    assert rows[0]["reasons"] == ["sans_ressources"] and not rows[1]["fragile"]
