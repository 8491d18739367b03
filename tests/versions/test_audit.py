"""The audit log: written with each change, read on a page for supervisors, exported as CSV, and
by `callcenter audit`."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from callcenter.cli.main import main
from callcenter.reports.audit import AuditRow, as_csv
from callcenter.versions import VersionStore
from callcenter.web import keys
from tests.centre import PASSWORD, Centre
from tests.conftest import make_env
from tests.web.browser import Browser


def test_csv_cells_never_become_formulas() -> None:
    row = AuditRow(datetime(2026, 12, 1, 9, 0, tzinfo=UTC), "=cmd|' /C calc'!A0", "flow.publish", "flow:main",
                   {"comment": "+33 6 12"})
    parsed = list(csv.reader(io.StringIO(as_csv([row]))))
    assert parsed[0] == ["at", "actor", "action", "object", "detail"]
    assert parsed[1][:4] == ["2026-12-01T09:00:00+00:00", "'=cmd|' /C calc'!A0", "flow.publish", "flow:main"]
    assert parsed[1][4] == '{"comment": "+33 6 12"}'


@pytest.fixture
def env(tmp_path: Path, database_url: str, flows_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name, value in make_env(tmp_path, database_url, flows_dir).items():
        monkeypatch.setenv(name, value)
    return flows_dir


def test_audit_command_lists_publish_and_rollback(env: Path, capsys: Any) -> None:
    assert main(["flows", "publish", str(env / "main.yaml"), "--by", "sarah",
                 "--comment", "première"]) == 0
    assert main(["flows", "rollback", "main", "1"]) == 1   # already live: refused, not audited
    capsys.readouterr()
    assert main(["audit", "--format", "csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert [(r["actor"], r["action"], r["object"]) for r in rows] == [("sarah", "flow.publish", "flow:main")]
    assert '"comment": "première"' in rows[0]["detail"]
    assert main(["audit"]) == 0
    assert "sarah" in capsys.readouterr().out
    assert main(["audit", "--since", "2999-01-01"]) == 0
    assert capsys.readouterr().out == "no audit entries\n"


async def test_audit_page_and_export_for_supervisors_only(centre: Centre) -> None:
    store = VersionStore(centre.client.app[keys.DATABASE])
    await store.publish("flow", "main", "flow: main\n# v2\n", by="sarah", comment="<b>nouvelle</b> version")
    await store.rollback("flow", "main", 1, by="root")
    supervisor, agent = Browser(centre.public), Browser(centre.public)
    try:
        await supervisor.login("sarah", PASSWORD)
        page = await supervisor.get("/audit")
        html = await page.text()
        assert page.status == 200
        assert html.index("flow.rollback") < html.index("flow.publish") < html.index("flow.import")
        assert "&lt;b&gt;nouvelle&lt;/b&gt;" in html and "<b>nouvelle" not in html
        assert 'href="/audit"' in html   # in the navigation
        export = await supervisor.get("/audit.csv")
        assert export.status == 200 and export.headers["Content-Type"].startswith("text/csv")
        rows = list(csv.DictReader(io.StringIO(await export.text())))
        # The knowledge-base entries are imported at start too (kb_entry.import): only the flow's here.
        assert [r["action"] for r in rows if r["action"].startswith("flow.")] == [
            "flow.rollback", "flow.publish", "flow.import"]
        assert (await supervisor.get("/audit?since=hier")).status == 400
        assert (await supervisor.get("/audit.csv?since=2999-01-01")).status == 200
        await agent.login("alice", PASSWORD)
        assert (await agent.get("/audit")).status == 403
        assert (await agent.get("/audit.csv")).status == 403
    finally:
        await supervisor.close()
        await agent.close()
