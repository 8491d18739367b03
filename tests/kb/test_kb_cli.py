from __future__ import annotations

import argparse
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from callcenter.cli.main import main
from callcenter.kb import DEFAULT_KB_DIR
from callcenter.kb import cli as kb_cli

FIXTURES = Path(__file__).parent / "fixtures"
KB_OK = str(FIXTURES / "kb_ok")


def run(argv: list[str]) -> int:
    """The kb command alone, as registered: independent of the other commands' modules."""
    parser = argparse.ArgumentParser(prog="callcenter")
    kb_cli.register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return int(args.func(args))


def test_jsonl_writes_one_object_per_input_line(monkeypatch: pytest.MonkeyPatch,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    lines = ["j'ai perdu ma carte vitale", "", "je voudrais commander une pizza", "le r s a c'est combien"]
    monkeypatch.setattr(sys, "stdin", io.StringIO("\n".join(lines) + "\n"))
    assert run(["kb", "search", "--jsonl", "--kb-dir", KB_OK, "--top", "2"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [row["query"] for row in rows] == lines
    assert all(set(row) == {"query", "match", "results", "clarify", "rejected", "also",
                                                   "semantic_rival"} for row in rows)
    assert all(row["clarify"] == [] for row in rows if row["match"] is not None)
    assert [row["match"] for row in rows] == ["am.carte_vitale", None, None, "caf.rsa"]
    first = rows[0]["results"]
    assert len(first) <= 2 and first[0]["id"] == "am.carte_vitale"
    assert all(set(r) == {"id", "score"} and isinstance(r["score"], float) for r in first)
    assert rows[1]["results"] == []


def test_text_search_prints_a_readable_ranking(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["kb", "search", "la caf n'a pas encore versé le paiement", "--kb-dir", KB_OK]) == 0
    out = capsys.readouterr().out
    assert "query: la caf n'a pas encore versé le paiement" in out
    assert " 1. " in out and "caf.date_paiement" in out and "<- match" in out
    assert "La caf verse les prestations autour du cinq de chaque mois." in out


def test_text_search_without_match_says_so(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["kb", "search", "quel temps fera-t-il demain", "--kb-dir", KB_OK]) == 0
    assert "no answer" in capsys.readouterr().out


@pytest.mark.parametrize(
    "argv",
    [["kb", "search"], ["kb", "search", "texte", "--jsonl"], ["kb", "search", "texte", "--top", "0"]],
)
def test_search_usage_errors(argv: list[str]) -> None:
    with pytest.raises(kb_cli.KbUsageError):
        run([*argv, "--kb-dir", KB_OK])


def test_check_reports_a_missing_spec_topic(monkeypatch: pytest.MonkeyPatch,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(FIXTURES)
    assert run(["kb", "check", "kb_ok", "--no-require-claims", "--spec", "spec.yaml"]) == 1
    out, err = capsys.readouterr()
    assert out.splitlines() == ["spec.yaml:7: topic 'ft.actualisation' has no entry in the knowledge base"]
    assert "3 files, 3 valid entries, 3 required topics: 1 fault" in err


def test_check_fails_on_broken_fixtures_with_file_line_reason(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(FIXTURES)
    assert run(["kb", "check", "kb_broken", "--no-require-claims", "--spec", "spec.yaml"]) == 1
    out = capsys.readouterr().out.splitlines()
    assert "kb_broken/caf/no_refs.yaml:11: missing legal references: give at least one {code, article}" in out
    assert "kb_broken/caf/long_answer.yaml:6: spoken answer has 48 words (max 45)" in out
    assert "kb_broken/caf/unknown_field.yaml:15: entry: unknown field 'answer_by_sms'" in out
    assert len(out) == 14


def test_check_without_spec_skips_topics_with_a_note(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(kb_cli, "DEFAULT_SPEC", tmp_path / "absent.yaml")
    assert run(["kb", "check", KB_OK, "--no-require-claims"]) == 0
    out, err = capsys.readouterr()
    assert out == ""
    assert "note: no topic list found" in err and ": ok" in err


def test_check_with_holdout_flags_copies(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(kb_cli, "DEFAULT_SPEC", tmp_path / "absent.yaml")
    holdout = tmp_path / "eval.jsonl"
    holdout.write_text(json.dumps({"text": "Le RSA, c'est combien ?", "topic": "caf.rsa"}) + "\n",
                       encoding="utf-8")
    assert run(["kb", "check", KB_OK, "--no-require-claims", "--holdout", str(holdout)]) == 1
    assert "copies a sentence of the evaluation set" in capsys.readouterr().out


def test_bundled_base_passes_check_through_the_main_entry_point(capsys: pytest.CaptureFixture[str]) -> None:
    # Every entry carries its claims (issue 17): the check requires them, as by default.
    assert main(["kb", "check", str(DEFAULT_KB_DIR)]) == 0
    # No fault; warnings to re-check claims around the dates rules change do not fail the check.
    assert [line for line in capsys.readouterr().out.splitlines() if ": warning: " not in line] == []


def test_jsonl_contract_through_the_installed_command() -> None:
    # The way shared/eval/score.py calls it: a separate process, queries on stdin.
    texts = ["j'ai oublié mon mot de passe", "je voudrais réserver une table au restaurant"]
    proc = subprocess.run(
        [sys.executable, "-m", "callcenter.cli.main", "kb", "search", "--jsonl"],
        input="\n".join(texts) + "\n", capture_output=True, text=True, timeout=60, check=False,
        # The contract, not the semantic check (tests/kb/test_kb_semantic.py): no encoder to load.
        env={**os.environ, "CALLCENTER_KB_SEMANTIC": "false"},
    )
    assert proc.returncode == 0, proc.stderr
    rows = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [r["match"] for r in rows] == ["service.espace_en_ligne", None]
