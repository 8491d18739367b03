"""The satisfaction report (pure figures counted by hand), the equity report's satisfaction per
tier from seeded survey answers, and the « Satisfaction » page in headless Chromium with its CSV."""

from __future__ import annotations

import asyncio
import csv
import functools
import io
import json
from datetime import UTC, timedelta
from pathlib import Path

import pytest

from callcenter.cli.main import main
from callcenter.reports.satisfaction import SurveyFacts, as_csv, satisfaction_report
from callcenter.store import Database
from callcenter.store.models import SurveyResponse
from tests.centre import PASSWORD, Centre
from tests.conftest import make_env
from tests.reports.test_equity import T0, _seed
from tests.web.browser import Browser
from tests.web.cdp import Chromium
from tests.web.chromium_pages import sign_in

ARTIFACTS = Path(__file__).parent.parent / "artifacts"


def answer(i: int, score: int, *, via: str = "answer", node: str = "reponse", tier: str = "normal",
           kb_id: str | None = None, agent_id: int | None = None, queue: str | None = None,
           comment: str | None = None) -> SurveyFacts:
    return SurveyFacts(call_sid=f"CA{i:032d}", at=T0 + timedelta(minutes=i), score=score, via=via, node=node,
                       tier=tier, comment=comment, kb_id=kb_id, agent_id=agent_id, queue=queue)


ROWS = [
    answer(0, 5, kb_id="caf.rsa", comment="très clair"),
    answer(1, 4, kb_id="caf.rsa", tier="fragile"),
    answer(2, 2, kb_id="retraite.paiement", comment="pas la bonne date"),
    answer(3, 5, via="agent", node="caf", queue="caf", agent_id=7, tier="fragile"),
    answer(4, 1, via="agent", node="caf", queue="caf", agent_id=7, tier="urgent", comment="trop long"),
    answer(5, 3, via="agent", node="accueil", queue="accueil", agent_id=8),
]


def test_figures_per_path_entry_agent_and_tier() -> None:
    report = satisfaction_report(ROWS, agents={7: "Alice", 8: "Bob"}, nodes={"reponse": "Réponse de la base"},
                                 entries={"caf.rsa": "Revenu de solidarité active (RSA)"},
                                 queues={"caf": "CAF", "accueil": "Accueil"})
    total = report.total
    # 5+4+2+5+1+3 = 20 over 6; 4 or 5: three of six.
    assert (total.answers, total.mean, total.satisfied_share, total.scores, total.comments) == (
        6, 3.33, 0.5, (1, 1, 1, 1, 2), 3)
    paths = {g.key: g for g in report.by_path}
    assert [g.key for g in report.by_path] == ["answer:reponse", "agent:caf", "agent:accueil"]
    assert paths["answer:reponse"].label == "Réponse automatique — Réponse de la base"
    assert (paths["answer:reponse"].answers, paths["answer:reponse"].mean) == (3, 3.67)
    assert (paths["agent:caf"].label, paths["agent:caf"].mean, paths["agent:caf"].satisfied_share) == (
        "Conseiller — CAF", 3.0, 0.5)
    entries = {g.key: g for g in report.by_entry}
    assert entries["caf.rsa"].label == "Revenu de solidarité active (RSA)" and entries["caf.rsa"].mean == 4.5
    assert entries["retraite.paiement"].label == "retraite.paiement" and entries["retraite.paiement"].mean == 2.0
    agents = {g.label: g for g in report.by_agent}
    assert (agents["Alice"].answers, agents["Alice"].mean, agents["Bob"].mean) == (2, 3.0, 3.0)
    tiers = {g.key: g for g in report.by_tier}
    assert [g.key for g in report.by_tier] == ["urgent", "fragile", "normal"]
    assert (tiers["urgent"].mean, tiers["fragile"].mean, tiers["normal"].mean) == (1.0, 4.5, 3.33)
    assert tiers["normal"].label == "non fragile" and tiers["fragile"].scores == (0, 0, 0, 1, 1)
    # The latest comments first.
    assert [c.comment for c in report.comments] == ["trop long", "pas la bonne date", "très clair"]
    assert report.notes == ()
    empty = satisfaction_report([])
    assert empty.total.mean is None and empty.notes == ("Aucune réponse à l'enquête de satisfaction sur la période.",)


def test_csv_has_every_answer() -> None:
    lines = list(csv.DictReader(io.StringIO(as_csv(ROWS, {7: "Alice"}))))
    assert len(lines) == 6
    assert lines[4] == {"date": (T0 + timedelta(minutes=4)).isoformat(), "call_sid": f"CA{4:032d}", "score": "1",
                        "via": "agent", "path": "agent:caf", "kb_id": "", "agent_id": "7", "agent": "Alice",
                        "queue": "caf", "tier": "urgent", "comment": "trop long"}


# Survey answers for the equity report's seeded calls (tests/reports/test_equity.py: calls 0-1
# fragile, 2 urgent, 3 fragile without an answer, 4-7 normal, 8 normal but five days earlier).
SCORES = {0: 2, 1: 3, 2: 5, 4: 4, 5: 5, 8: 1}


async def seed_surveys(url: str, agents: dict[int, int] | None = None) -> None:
    await _seed(url)
    db = Database(url)
    tiers = {0: "fragile", 1: "fragile", 2: "urgent", 4: "normal", 5: "normal", 8: "normal"}
    async with db.sessions() as session, session.begin():
        for i, score in SCORES.items():
            at = T0 + timedelta(minutes=5 * i) if i != 8 else T0 - timedelta(days=5)
            agent = (agents or {}).get(i)
            session.add(SurveyResponse(
                call_sid=f"CA{i:032d}", flow_id="main", score=score, via="agent" if agent else "answer",
                node="caf" if agent else "reponse", kb_id=None if agent else "caf.rsa", agent_id=agent,
                queue="caf" if agent else None, tier=tiers[i], created_at=at, updated_at=at,
                comment="merci beaucoup" if i == 4 else None))
    await db.close()


def test_equity_report_shows_satisfaction_per_tier(tmp_path: Path, database_url: str, flows_dir: Path,
                                                   monkeypatch: pytest.MonkeyPatch,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    asyncio.run(seed_surveys(database_url))
    for k, v in make_env(tmp_path, database_url, flows_dir).items():
        monkeypatch.setenv(k, v)
    assert main(["report", "equity", "--since", "2026-11-20", "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    by = {g["group"]: g["satisfaction"] for g in report["groups"]}
    # fragile (2 + 3) / 2; urgent 5; non fragile (4 + 5) / 2 (call 8, scored 1, is before the period)
    assert (by["niveau : fragile"], by["niveau : urgent"], by["niveau : non fragile"]) == (2.5, 5.0, 4.5)
    assert by["fragiles"] == 3.33 and by["autres"] == 4.5 and by["raison : logement"] == 2.0
    assert "Aucune enquête de satisfaction sur la période." not in report["notes"]
    assert main(["report", "equity", "--format", "json"]) == 0
    everything = {g["group"]: g["satisfaction"] for g in json.loads(capsys.readouterr().out)["groups"]}
    assert everything["niveau : non fragile"] == pytest.approx((4 + 5 + 1) / 3, abs=0.01)


login = functools.partial(sign_in, landing="/board")


async def test_satisfaction_page_for_supervisors(centre: Centre, browser: Chromium) -> None:
    alice, bob = centre.agents["alice"], centre.agents["bob"]
    await seed_surveys(centre.desk.db.url, agents={2: alice, 5: alice, 1: bob})
    page = await browser.new_page()
    await login(page, centre.public, "sarah")
    await page.eval("document.querySelector('nav a[href=\"/reports/satisfaction\"]').click(); true")
    await page.wait_for("location.pathname === '/reports/satisfaction' && document.readyState === 'complete'")
    total = await page.eval("document.getElementById('total').innerText")
    assert total == "6 réponses : note moyenne 3.33 sur 5, 50 % de satisfaits."
    tiers = await page.eval("[...document.querySelectorAll('table')[0].querySelectorAll('tbody tr')]"
                            ".map(r => r.innerText).join('\\n')")
    assert tiers.splitlines() == ["urgent\t1\t5.0\t100 %\t0\t0\t0\t0\t1\t0",
                                  "fragile\t2\t2.5\t0 %\t0\t1\t1\t0\t0\t0",
                                  "non fragile\t3\t3.33\t67 %\t1\t0\t0\t1\t1\t1"]
    agents = await page.eval("[...document.querySelectorAll('table')[3].querySelectorAll('tbody tr')]"
                             ".map(r => r.innerText).join('\\n')")
    assert agents.splitlines() == ["alice\t2\t5.0\t100 %\t0\t0\t0\t0\t2\t0", "bob\t1\t3.0\t0 %\t0\t0\t1\t0\t0\t0"]
    assert "merci beaucoup" in await page.eval("document.querySelectorAll('table')[4].innerText")
    await page.screenshot(ARTIFACTS / "satisfaction.png")
    # The date range: the older answer (five days before) is left out.
    await page.goto(centre.public + "/reports/satisfaction?since=2026-11-20&until=2026-11-20")
    assert (await page.eval("document.getElementById('total').innerText")).startswith("5 réponses")
    assert await page.eval("document.querySelector('a[href=\"/reports/satisfaction.csv?since=2026-11-20"
                           "&until=2026-11-20\"]') !== null")

    sarah, agent = Browser(centre.public), Browser(centre.public)
    try:
        await sarah.login("sarah", PASSWORD)
        await agent.login("alice", PASSWORD)
        exported = await sarah.get("/reports/satisfaction.csv?since=2026-11-20")
        assert exported.status == 200 and exported.content_type == "text/csv"
        rows = list(csv.DictReader(io.StringIO(await exported.text())))
        assert len(rows) == 5 and [r["score"] for r in rows] == ["2", "3", "5", "4", "5"]
        assert rows[2]["agent"] == "alice" and rows[3]["comment"] == "merci beaucoup"
        for path in ("/reports/satisfaction", "/reports/satisfaction.csv"):
            assert (await agent.get(path)).status == 403, path
        assert (await sarah.get("/reports/satisfaction?since=nope")).status == 400
    finally:
        await sarah.close()
        await agent.close()


def test_rows_are_stamped_in_utc() -> None:
    assert all(r.at.tzinfo is UTC for r in ROWS)
