"""Knowledge gaps: utterances met by a clarifying question or a "not understood", grouped, and the
answers followed by a request for a person or by a repeat call; on calls run through the bundled
flow and knowledge base."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta
from pathlib import Path

import pytest

from callcenter.cli.main import main
from callcenter.config import PROJECT_ROOT
from callcenter.flows import load_flow
from callcenter.ivr import CallEnded, DigitsReceived, IvrEngine, SpeechReceived
from callcenter.kb import KnowledgeIndex, load_knowledge_base
from callcenter.reports.flow_analytics import LoggedCall
from callcenter.reports.flow_data import flows_of, logged_calls
from callcenter.reports.gaps import GapGroup, gaps_report, group
from callcenter.store import Database
from callcenter.triage import load_rules
from tests.conftest import make_env
from tests.reports.seeded_calls import T0, Plan, seed

MAIN = PROJECT_ROOT / "ivr_flows" / "main.yaml"
DAY = timedelta(days=1)


def test_grouping_is_single_link_and_deterministic() -> None:
    texts = ["le paiement est en retard", "mon paiement arrive en retard", "le paiement a du retard",
             "des nouvelles du bidule", "je voudrais des nouvelles du machin bidule", "zorglub",
             "le paiement a du retard"]
    expected = (GapGroup(4, "le paiement a du retard", ("le paiement a du retard", "le paiement est en retard",
                                                         "mon paiement arrive en retard")),
                GapGroup(2, "des nouvelles du bidule", ("des nouvelles du bidule",
                                                        "je voudrais des nouvelles du machin bidule")),
                GapGroup(1, "zorglub", ("zorglub",)))
    assert group(texts) == expected
    assert group(list(reversed(texts))) == expected
    # "pai retard" / "pai caf" share one of two terms (60): apart at 70, together at 60.
    assert [g.count for g in group(["le paiement est en retard", "le paiement de la caf"])] == [1, 1]
    assert [g.count for g in group(["le paiement est en retard", "le paiement de la caf"], threshold=60)] == [2]
    assert group([]) == ()


def test_only_a_request_for_a_person_straight_after_an_answer_counts() -> None:
    answer = {"kb_id": "caf.rsa", "score": 0.9, "node": "reponse", "at": "2026-11-20T09:00:10+00:00",
              "via": "search"}
    transfer = {"queue": "accueil", "skill": None, "priority": 0, "reason": "asked_for_person",
                "at": "2026-11-20T09:00:20+00:00"}

    def call(path: tuple[str, ...], **state: object) -> LoggedCall:
        return LoggedCall(call_sid="CA1", flow_version=1, created_at=T0, tier="normal", path=path, steps=(),
                          ended=True, end_status="completed", transferred=True, person_answered=False,
                          state={"flow_id": "main", "answers": [answer], "transfer": transfer, **state})

    def person(c: LoggedCall) -> tuple[tuple[str, int], ...]:
        return gaps_report([c], {}).followed_by_person

    assert person(call(("objet", "reponse", "conseiller"), asked_for_person=True)) == (("caf.rsa", 1),)
    assert person(call(("objet", "reponse", "urgence"), asked_for_person=False)) == ()     # the triage's
    assert person(call(("objet", "reponse", "objet", "conseiller"), asked_for_person=True)) == ()


def say(text: str) -> SpeechReceived:
    return SpeechReceived(text, 0.8)


PLANS = [
    # h1 asks about a late payment, picks the CAF, then asks for a person; calls back two days later.
    Plan([(5, say("le paiement est en retard")), (10, DigitsReceived("1")), (20, DigitsReceived("0")),
          (60, CallEnded())], caller_hash="h1"),
    Plan([(5, say("comment renouveler mon passeport")), (30, CallEnded())], caller_hash="h1", start=T0 + 2 * DAY),
    # h2 gets the CAF answer too, and calls again nine days later: not a repeat within 7 days.
    Plan([(5, say("mon paiement arrive en retard")), (10, DigitsReceived("1")), (40, CallEnded())],
         caller_hash="h2", start=T0 + timedelta(hours=1)),
    Plan([(5, say("le paiement a du retard")), (10, DigitsReceived("2")), (40, CallEnded())],
         caller_hash="h2", start=T0 + 9 * DAY),
    # h3 is not understood twice.
    Plan([(5, say("j'attends des nouvelles du machin bidule")), (10, say("des nouvelles du bidule")),
          (15, CallEnded())], caller_hash="h3", start=T0 + timedelta(hours=2)),
    # h4 is not understood, then answered, asks for a person, and calls again the next day.
    Plan([(5, say("zorglub blabla truc")), (10, say("comment est calculée la prime d'activité")),
          (20, DigitsReceived("0")), (50, CallEnded())], caller_hash="h4", start=T0 + timedelta(hours=3)),
    Plan([(5, CallEnded())], caller_hash="h4", start=T0 + timedelta(hours=3) + DAY),
]


@pytest.fixture(scope="module")
def engine() -> IvrEngine:
    kb = KnowledgeIndex.build(load_knowledge_base(PROJECT_ROOT / "knowledge_base"))
    return IvrEngine(load_flow(MAIN), kb, load_rules())


def test_gaps_on_seeded_calls(database_url: str, engine: IvrEngine) -> None:
    async def run():  # type: ignore[no-untyped-def]
        await seed(database_url, PLANS, MAIN.read_text(encoding="utf-8"), engine)
        db = Database(database_url)
        try:
            calls = await logged_calls(db)
            return gaps_report(calls, await flows_of(db, calls))
        finally:
            await db.close()

    report = asyncio.run(run())
    assert [(g.count, g.example, len(g.texts)) for g in report.groups] == [
        (3, "le paiement a du retard", 3), (2, "des nouvelles du bidule", 2), (1, "zorglub blabla truc", 1)]
    assert report.followed_by_person == (("caf.date_paiement", 1), ("caf.prime_activite", 1))
    assert report.followed_by_repeat == (("caf.date_paiement", 1), ("caf.prime_activite", 1))


def test_cli(tmp_path: Path, database_url: str, flows_dir: Path, engine: IvrEngine,
             monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    asyncio.run(seed(database_url, PLANS, MAIN.read_text(encoding="utf-8"), engine))
    for k, v in make_env(tmp_path, database_url, flows_dir).items():
        monkeypatch.setenv(k, v)
    assert main(["report", "gaps", "--since", "2026-11-21", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    # From the 21st: the second calls of h1, h2 and h4 only; h2's question needed clarifying.
    assert data["groups"] == [{"count": 1, "example": "le paiement a du retard", "texts": ["le paiement a du retard"]}]
    assert data["followed_by_person"] == {} and data["followed_by_repeat"] == {}
    assert main(["report", "gaps"]) == 0
    text = capsys.readouterr().out
    assert "3  « le paiement a du retard » (+2 formulations)" in text
    assert "1  caf.prime_activite" in text
