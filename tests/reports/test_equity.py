"""The equity report: pure figures, and the CLI and page on a seeded database."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from callcenter.cli.main import main
from callcenter.reports import CallFacts, equity_report
from callcenter.reports.equity import median, percentile
from callcenter.store import Database, upgrade
from callcenter.store.models import Call, QueueEntry
from tests.conftest import make_env

T0 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


def test_percentiles() -> None:
    assert median([3, 1, 2]) == 2 and median([1, 2, 3, 4]) == 2.5 and median([]) is None
    assert percentile(list(range(1, 11)), 90) == 9 and percentile([5], 90) == 5


def facts(tier: str, wait: float | None, *, reasons: tuple[str, ...] = (), abandoned: bool = False,
          no_internet: bool = False) -> CallFacts:
    return CallFacts(call_sid="x", tier=tier, reasons=reasons, needed_person=True,
                     answered=not abandoned and wait is not None, abandoned=abandoned, wait_seconds=wait,
                     no_internet=no_internet)


def test_it_says_plainly_when_fragile_callers_waited_longer() -> None:
    rows = [facts("fragile", 200, reasons=("logement",)), facts("fragile", 100, reasons=("logement",)),
            facts("normal", 30), facts("normal", 50), facts("normal", 40)]
    report = equity_report(rows)
    assert report.fragile_waited_longer is True
    assert report.statement == ("Les appelants fragiles ont attendu plus longtemps que les autres : "
                                "attente médiane 150 s contre 40 s.")
    by = {g.group: g for g in report.groups}
    assert by["raison : logement"].calls == 2 and by["raison : logement"].median_wait == 150
    assert by["niveau : non fragile"].answered_share == 1.0


def test_and_when_they_did_not() -> None:
    report = equity_report([facts("urgent", 5), facts("normal", 90)])
    assert report.fragile_waited_longer is False
    assert report.statement.startswith("Les appelants fragiles n'ont pas attendu plus longtemps")


def test_abandonment_and_no_internet() -> None:
    rows = [facts("fragile", 300, abandoned=True, reasons=("exclusion_numerique",)),
            facts("normal", 20, no_internet=True), facts("normal", None, abandoned=True)]
    by = {g.group: g for g in equity_report(rows).groups}
    assert by["sans internet"].calls == 2
    assert by["niveau : non fragile"].abandonment == 0.5
    assert by["niveau : fragile"].answered_share == 0.0


async def _seed(url: str) -> None:
    upgrade(url)
    db = Database(url)
    plan = [  # (tier, reasons, wait, status, minutes after T0)
        ("fragile", ["logement"], 240, "ended", 0), ("fragile", ["sans_ressources", "detresse"], 180, "ended", 5),
        ("urgent", ["danger"], 20, "ended", 10), ("fragile", ["exclusion_numerique"], 400, "abandoned", 15),
        ("normal", [], 60, "ended", 20), ("normal", [], 90, "ended", 25), ("normal", [], 30, "ended", 30),
        ("normal", [], None, None, 40), ("normal", [], 120, "ended", -60 * 24 * 5),
    ]
    async with db.sessions() as session, session.begin():
        for i, (tier, reasons, wait, status, minutes) in enumerate(plan):
            sid = f"CA{i:032d}"
            start = T0 + timedelta(minutes=minutes)
            triage = {"fragile": tier != "normal", "urgent": tier == "urgent", "score": 1.0,
                      "reasons": [{"id": r, "evidence": ["..."]} for r in reasons], "hints": [],
                      "rules_version": "test"}
            session.add(Call(call_sid=sid, flow_id="main", flow_version=1, caller="+33600000000", called=None,
                             status="ended", state={"call_sid": sid, "flow_id": "main", "flow_version": 1,
                                                    "triage": triage}, next_seq=0, created_at=start,
                             updated_at=start, ended_at=start))
            if status is None:
                continue
            enq = start + timedelta(seconds=30)
            session.add(QueueEntry(call_sid=sid, queue="caf", skill="caf", tier=tier, priority=0,
                                   reasons={"ids": reasons}, status=status, enqueued_at=enq,
                                   declined_by={"agents": []},
                                   connected_at=enq + timedelta(seconds=wait) if status == "ended" else None,
                                   ended_at=enq + timedelta(seconds=wait)))
    await db.close()


def test_cli_on_a_seeded_database(tmp_path: Path, database_url: str, flows_dir: Path,
                                  monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    asyncio.run(_seed(database_url))
    for k, v in make_env(tmp_path, database_url, flows_dir).items():
        monkeypatch.setenv(k, v)
    assert main(["report", "equity", "--since", "2026-11-20", "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    by = {g["group"]: g for g in report["groups"]}
    assert report["fragile_waited_longer"] is True
    assert by["fragiles"]["calls"] == 4 and by["autres"]["calls"] == 4          # the older call is excluded
    assert by["fragiles"]["median_wait"] == 180 and by["autres"]["median_wait"] == 60
    assert by["niveau : fragile"]["abandonment"] == pytest.approx(0.333, abs=0.001)
    assert by["sans internet"]["calls"] == 1 and by["raison : danger"]["p90_wait"] == 20
    assert by["niveau : non fragile"]["needed_person"] == 3
    assert main(["report", "equity"]) == 0
    text = capsys.readouterr().out
    assert "Les appelants fragiles ont attendu plus longtemps" in text and "raison : logement" in text
    assert main(["report", "equity", "--format", "html"]) == 0
    assert "<table>" in capsys.readouterr().out
    assert main(["report", "equity", "--since", "hier"]) == 2


async def test_equity_page_for_supervisors_only(centre: Any) -> None:
    from tests.centre import PASSWORD
    from tests.web.browser import Browser
    await _seed(centre.desk.db.url)
    sarah, alice = Browser(centre.public), Browser(centre.public)
    try:
        await sarah.login("sarah", PASSWORD)
        await alice.login("alice", PASSWORD)
        page = await sarah.get("/reports/equity?since=2026-11-20")
        assert page.status == 200 and "ont attendu plus longtemps" in await page.text()
        assert (await alice.get("/reports/equity")).status == 403
        assert (await sarah.get("/reports/equity?since=nope")).status == 400
    finally:
        await sarah.close()
        await alice.close()
