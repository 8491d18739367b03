"""Per-node analytics on a seeded day of calls run through the real engine: exact counts."""

from __future__ import annotations

import asyncio
import csv
import io
import json
from datetime import timedelta
from pathlib import Path

import pytest

from callcenter.cli.main import main
from callcenter.flows.loader import parse_flow
from callcenter.reports.flow_analytics import LoggedCall, as_csv, badge_counts, flow_report
from callcenter.reports.flow_data import flow_versions, logged_calls
from callcenter.store import Database
from tests.conftest import make_env
from tests.reports.seeded_calls import FLOW, PLANS, T0, seed


async def _report(url: str, **window: object):  # type: ignore[no-untyped-def]
    await seed(url, PLANS)
    db = Database(url)
    try:
        calls = await logged_calls(db, flow_id="t", **window)  # type: ignore[arg-type]
        flows = await flow_versions(db, "t", [1])
    finally:
        await db.close()
    return flow_report(calls, flows[1], flows)


def test_exact_counts_per_node_and_tier(database_url: str) -> None:
    report = asyncio.run(_report(database_url, since=T0, until=T0 + timedelta(days=1)))
    everyone = report.section()
    assert everyone.calls == 5                       # the call three days earlier is outside the period
    hello, menu, info, person = (everyone.node(n) for n in ("hello", "menu", "info", "person"))
    assert (hello.entries, menu.entries, info.entries, person.entries) == (5, 5, 1, 3)
    assert hello.next == (("menu", 5),) and menu.next == (("person", 3), ("info", 1))
    # The menu listened 8 times: once per call, again after the silence and after each first wrong key;
    # the second wrong key of the last call used up the retry (counted, though nothing was asked again).
    assert (menu.listens, menu.no_input, menu.no_match) == (8, 1, 3)
    assert menu.no_input_rate == pytest.approx(0.125) and menu.no_match_rate == pytest.approx(0.375)
    assert everyone.unplaced_no_match == 0
    assert menu.hangups == 1 and info.hangups == 0
    assert menu.median_seconds == 10.0               # visits of 10, 10, 8, 20 and 9 seconds
    assert hello.median_seconds is None and hello.listens == 0
    assert dict(everyone.outcomes) == {"automatic": 1, "person": 2, "callback": 0, "unstaffed": 0,
                                       "abandoned_ivr": 1, "abandoned_queue": 1, "in_progress": 0}
    normal, fragile, urgent = (report.section(t) for t in ("normal", "fragile", "urgent"))
    assert dict(normal.outcomes)["automatic"] == 1 and dict(normal.outcomes)["person"] == 2 and normal.calls == 3
    assert fragile.calls == 1 and dict(fragile.outcomes)["abandoned_ivr"] == 1
    assert fragile.node("menu").no_match == 1 and fragile.node("menu").hangups == 1
    assert urgent.calls == 1 and dict(urgent.outcomes)["abandoned_queue"] == 1
    assert urgent.node("menu").median_seconds == 20.0 and normal.node("menu").no_input == 1
    assert normal.node("menu").no_match == 2 and normal.node("menu").median_seconds == 10.0  # 10, 10 and 9
    assert badge_counts(everyone) == {"hello": "5", "menu": "5 · 1 raccr.", "info": "1", "person": "3"}


def test_csv_parses_back(database_url: str) -> None:
    report = asyncio.run(_report(database_url))
    rows = list(csv.DictReader(io.StringIO(as_csv(report))))
    menu = next(r for r in rows if r["tier"] == "all" and r["node"] == "menu")
    # All days: the earlier call adds a visit of 3 seconds (3, 8, 9, 10, 10, 20).
    assert menu["entries"] == "6" and menu["listens"] == "9" and menu["next"] == "person:3 info:2"
    assert menu["no_input_rate"] == "0.111" and menu["no_match"] == "3" and menu["median_seconds"] == "9.5"
    assert {r["tier"] for r in rows} == {"all", "urgent", "fragile", "normal"}


def test_a_version_filter_keeps_only_its_calls(database_url: str) -> None:
    report = asyncio.run(_report(database_url, version=2))
    assert report.section().calls == 0 and report.section().node("menu").entries == 0
    assert parse_flow(FLOW, "t.yaml").id == report.flow_id


def test_cli(tmp_path: Path, database_url: str, flows_dir: Path, monkeypatch: pytest.MonkeyPatch,
             capsys: pytest.CaptureFixture[str]) -> None:
    asyncio.run(_report(database_url))
    for k, v in make_env(tmp_path, database_url, flows_dir).items():
        monkeypatch.setenv(k, v)
    assert main(["report", "flow", "t", "--since", "2026-11-20", "--until", "2026-11-20", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["all"]["calls"] == 5 and data["fragile"]["calls"] == 1
    menu = next(n for n in data["all"]["nodes"] if n["node"] == "menu")
    assert menu["next"] == {"person": 3, "info": 1} and menu["hangups"] == 1
    assert main(["report", "flow", "t", "--version", "1", "--format", "csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert next(r for r in rows if r["tier"] == "all" and r["node"] == "hello")["entries"] == "6"
    assert main(["report", "flow", "t"]) == 0
    text = capsys.readouterr().out
    assert "Parcours t, toutes versions" in text and "abandon dans le serveur vocal 1" in text
    assert main(["report", "flow", "nope"]) == 1
    assert "nope" in capsys.readouterr().err
    assert main(["report", "flow", "t", "--until", "demain"]) == 2


def test_outcomes() -> None:
    def call(**facts: object) -> LoggedCall:
        base: dict[str, object] = {"call_sid": "CA1", "flow_version": 1, "created_at": T0, "tier": "normal",
                                   "path": ("hello",), "steps": (), "ended": True, "end_status": "completed",
                                   "transferred": False, "person_answered": False}
        return LoggedCall(**{**base, **facts})  # type: ignore[arg-type]

    assert call(end_status="ivr_hangup").outcome == "automatic"
    assert call(answers=1).outcome == "automatic"              # hung up after an answer
    assert call().outcome == "abandoned_ivr"
    assert call(ended=False).outcome == "in_progress"
    assert call(transferred=True, person_answered=True).outcome == "person"
    assert call(transferred=True).outcome == "abandoned_queue"
    assert call(transferred=True, ended=False).outcome == "in_progress"
    assert call(transferred=True, callback=True, end_status="callback").outcome == "callback"
    assert call(unstaffed=True, callback=True, end_status="callback").outcome == "callback"
    assert call(unstaffed=True, end_status="closed").outcome == "unstaffed"


async def test_calls_taken_by_the_server(client, new_call, clock, settings) -> None:  # type: ignore[no-untyped-def]
    """The same figures from calls the server itself logged (webhooks, the service, the store)."""
    call = new_call()
    await call.start()                                    # accueil, then the menu "objet" listens (turn 1)
    clock.advance(7)
    await call.gather(1, Digits="8")                      # no such option: asked again (turn 2)
    clock.advance(5)
    await call.gather(2, Digits="4")                      # retraite: a person
    clock.advance(3)
    assert (await call.post("/twilio/status", call.params(CallStatus="completed"))).status in (200, 204)
    db = Database(settings.database_url)
    try:
        calls = await logged_calls(db, flow_id="main")
        flows = await flow_versions(db, "main", [1])
    finally:
        await db.close()
    report = flow_report(calls, flows[1], flows)
    objet = report.section().node("objet")
    assert report.section().calls == 1 and report.section().node("accueil").next == (("objet", 1),)
    assert (objet.entries, objet.listens, objet.no_match, objet.no_input) == (1, 2, 1, 0)
    assert objet.median_seconds == 12.0 and objet.next == (("retraite", 1),)
    assert dict(report.section().outcomes)["abandoned_queue"] == 1   # handed over, never answered
