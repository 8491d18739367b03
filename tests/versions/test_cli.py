"""``callcenter flows publish|versions|rollback|export`` against a real database."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from callcenter.cli.main import main
from tests.conftest import FIXTURES, make_env


@pytest.fixture
def env(tmp_path: Path, database_url: str, flows_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name, value in make_env(tmp_path, database_url, flows_dir).items():
        monkeypatch.setenv(name, value)
    return flows_dir


def edited(flows_dir: Path, tmp_path: Path, old: str, new: str) -> Path:
    target = tmp_path / "edit" / "main.yaml"
    target.parent.mkdir(exist_ok=True)
    target.write_text((flows_dir / "main.yaml").read_text(encoding="utf-8").replace(old, new), encoding="utf-8")
    return target


def versions(capsys: Any) -> list[dict[str, Any]]:
    capsys.readouterr()
    assert main(["flows", "versions", "main", "--json"]) == 0
    data: list[dict[str, Any]] = json.loads(capsys.readouterr().out)
    return data


def test_publish_list_rollback_export(env: Path, tmp_path: Path, capsys: Any) -> None:
    assert main(["flows", "publish", str(env / "main.yaml"), "--comment", "première version", "--by", "sarah"]) == 0
    captured = capsys.readouterr()
    assert "flow main: version 1 is live" in captured.err
    # Lints are shown, and do not stop a publish.
    line = next(i for i, text in enumerate((env / "main.yaml").read_text(encoding="utf-8").splitlines(), 1)
                if text == "  objet:")
    assert f"{env / 'main.yaml'}:{line}: warning: menu 'objet' has 7 options" in captured.out
    second = edited(env, tmp_path, "Pour la CAF.", "Vous avez choisi la CAF.")
    assert main(["flows", "publish", str(second), "--comment", "formulation", "--by", "paul"]) == 0
    listed = versions(capsys)
    assert [{k: v[k] for k in ("version", "live", "by", "comment")} for v in listed] == [
        {"version": 1, "live": False, "by": "sarah", "comment": "première version"},
        {"version": 2, "live": True, "by": "paul", "comment": "formulation"}]
    assert set(listed[0]) == {"version", "live", "published_at", "by", "comment"}
    assert main(["flows", "rollback", "main", "1", "--by", "sarah"]) == 0
    assert [v["live"] for v in versions(capsys)] == [True, False]
    out = tmp_path / "exported.yaml"
    assert main(["flows", "export", "main", "-o", str(out)]) == 0
    assert out.read_text(encoding="utf-8") == (env / "main.yaml").read_text(encoding="utf-8")
    capsys.readouterr()
    assert main(["flows", "rollback", "main", "2"]) == 0
    assert main(["flows", "export", "main"]) == 0
    assert "Vous avez choisi la CAF." in capsys.readouterr().out
    assert main(["flows", "versions", "main"]) == 0
    text = capsys.readouterr().out.splitlines()
    assert text[1].split()[:2] == ["2", "live"] and "formulation" in text[1]


def test_publish_refuses_a_broken_file_with_its_faults(env: Path, tmp_path: Path, capsys: Any) -> None:
    broken = edited(env, tmp_path, "next: menu_caf", "next: menu_cfa")
    assert main(["flows", "publish", str(broken)]) == 1
    captured = capsys.readouterr()
    assert f"{broken}:" in captured.out and "unknown target 'menu_cfa'" in captured.out
    assert "not published" in captured.err
    assert main(["flows", "versions", "main"]) == 1   # nothing was stored
    assert main(["flows", "publish", str(FIXTURES / "flows" / "broken" / "wrong_id.yaml")]) == 1


def test_publishing_the_live_content_again_changes_nothing(env: Path, capsys: Any) -> None:
    assert main(["flows", "publish", str(env / "main.yaml"), "--by", "sarah"]) == 0
    assert main(["flows", "publish", str(env / "main.yaml"), "--by", "sarah"]) == 0
    assert "already live as version 1; nothing to publish" in capsys.readouterr().err
    assert [v["version"] for v in versions(capsys)] == [1]


def test_rollback_and_export_of_unknown_things_fail_clearly(env: Path, capsys: Any) -> None:
    assert main(["flows", "rollback", "main", "3"]) == 1
    assert "there is no version 3" in capsys.readouterr().err
    assert main(["flows", "export", "nowhere"]) == 1
    assert "flow nowhere: no live version" in capsys.readouterr().err
