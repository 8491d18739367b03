"""Answers say whose rules they give; the SMS carries the legal references, the check date and
the official link (issue 10 point 4)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from callcenter.config import PROJECT_ROOT
from callcenter.flows import load_flow
from callcenter.ivr import CallStarted, DigitsReceived, IvrEngine, SpeechReceived
from callcenter.ivr import commands as cmd
from callcenter.ivr.wording import SMS_LIMIT, sms_body, spoken_with_source
from callcenter.kb import KnowledgeIndex, load_knowledge_base

T0 = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)


def test_the_spoken_answer_names_its_body_and_a_common_topic_none() -> None:
    assert spoken_with_source("caf", "Votre aide est versée le 5.") == "Selon la CAF : Votre aide est versée le 5."
    assert spoken_with_source("tous", "Tapez 0.") == "Tapez 0."


def test_a_long_answer_is_cut_but_never_its_references_or_link() -> None:
    body = sms_body("Titre", "mot " * 1000, "https://www.service-public.fr/particuliers/vosdroits/F1",
                    ["CSS art. L. 861-1", "CASF art. L. 262-2"], "28/11/2026")
    assert len(body) <= SMS_LIMIT
    assert body.endswith("Réf. : CSS art. L. 861-1 ; CASF art. L. 262-2\nVérifié le 28/11/2026\n"
                         "https://www.service-public.fr/particuliers/vosdroits/F1")
    assert "…" in body


def test_the_sms_of_an_answer_carries_its_entry_references() -> None:
    index = KnowledgeIndex.build(load_knowledge_base(PROJECT_ROOT / "knowledge_base"))
    engine = IvrEngine(load_flow(PROJECT_ROOT / "ivr_flows" / "main.yaml"), index)
    state = engine.new_call("CA" + "3" * 32)
    out: list[cmd.Command] = []
    for i, event in enumerate([CallStarted("+33612345678", "+33900000000"),
                               SpeechReceived("j'ai perdu ma carte vitale", 0.8), DigitsReceived("2")]):
        state, out = engine.step(state, event, T0 + timedelta(seconds=i))
    entry = index.kb["am.carte_vitale"]
    [sms] = [c for c in out if isinstance(c, cmd.SendSms)]
    assert all(str(ref) in sms.body for ref in entry.legal_references)
    assert f"Vérifié le {entry.checked_on:%d/%m/%Y}" in sms.body
    assert sms.body.endswith(entry.link)
