"""The clarifying question in whole calls on the bundled flow and knowledge base (issue 10).

Answer when sure; otherwise one question offering two or three topics, answered by voice or keys;
otherwise a person. A caller in danger is never held in the question.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from callcenter.config import PROJECT_ROOT
from callcenter.flows import load_flow
from callcenter.ivr import CallStarted, CallState, DigitsReceived, Event, IvrEngine, NoInput, SpeechReceived
from callcenter.ivr import commands as cmd
from callcenter.kb import KnowledgeIndex, load_knowledge_base
from callcenter.triage import load_rules

START = CallStarted("+33612345678", "+33900000000")
T0 = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
# Two CAF / France Travail payment topics are equally likely: the search asks which.
UNSURE = SpeechReceived("le paiement est en retard", 0.8)


@pytest.fixture(scope="module")
def engine() -> IvrEngine:
    kb = KnowledgeIndex.build(load_knowledge_base(PROJECT_ROOT / "knowledge_base"))
    return IvrEngine(load_flow(PROJECT_ROOT / "ivr_flows" / "main.yaml"), kb, load_rules())


def play(engine: IvrEngine, events: list[Event]) -> tuple[CallState, list[cmd.Command]]:
    state, out = engine.new_call("CA" + "2" * 32), []
    for i, event in enumerate(events):
        state, out = engine.step(state, event, T0 + timedelta(seconds=i))
    return state, out


def prompt(out: list[cmd.Command]) -> str:
    gathers = [c for c in out if isinstance(c, cmd.Gather)]
    assert gathers, out
    return gathers[-1].prompt


def transfer(out: list[cmd.Command]) -> cmd.Transfer:
    found = [c for c in out if isinstance(c, cmd.Transfer)]
    assert found, out
    return found[0]


def test_an_unsure_question_gets_one_question_with_the_topics(engine: IvrEngine) -> None:
    state, out = play(engine, [START, UNSURE])
    assert state.answer_phase == "clarify" and state.node == "reponse"
    assert state.clarify_choices[:2] == ("caf.date_paiement", "ft.date_paiement")
    asked = prompt(out)
    assert asked.startswith("Votre question porte-t-elle sur : date de paiement des prestations CAF")
    assert "tapez 1" in asked and "tapez 2" in asked
    assert state.clarifications[-1].outcome is None


def test_the_topic_is_chosen_by_voice(engine: IvrEngine) -> None:
    state, out = play(engine, [START, UNSURE, SpeechReceived("c'est pour le chômage", 0.8)])
    assert state.answers[-1].kb_id == "ft.date_paiement" and state.answers[-1].via == "clarify"
    assert state.clarifications[-1].outcome == "picked"
    assert state.clarifications[-1].picked == "ft.date_paiement"
    spoken = engine.knowledge.kb["ft.date_paiement"].spoken_answer  # type: ignore[union-attr]
    assert prompt(out).startswith(f"Selon France Travail : {spoken}")


def test_the_topic_is_chosen_by_key(engine: IvrEngine) -> None:
    state, _ = play(engine, [START, UNSURE, DigitsReceived("1")])
    assert state.answers[-1].kb_id == "caf.date_paiement"
    assert state.answer_phase == "followup"


def test_a_wrong_key_repeats_the_question(engine: IvrEngine) -> None:
    state, out = play(engine, [START, UNSURE, DigitsReceived("7")])
    assert state.answer_phase == "clarify"
    assert "Votre question porte-t-elle" in prompt(out)


def test_none_of_them_asks_to_rephrase_then_a_person(engine: IvrEngine) -> None:
    state, out = play(engine, [START, UNSURE, SpeechReceived("non aucun des deux", 0.8)])
    assert state.clarifications[-1].outcome == "none"
    assert "reformuler" in prompt(out)
    state, out = play(engine, [START, UNSURE, SpeechReceived("non aucun des deux", 0.8),
                               SpeechReceived("euh bah je sais pas trop", 0.8)])
    assert transfer(out).queue == "accueil"


def test_silence_at_the_question_goes_to_a_person_not_to_goodbye(engine: IvrEngine) -> None:
    state, out = play(engine, [START, UNSURE, NoInput(), NoInput()])
    assert transfer(out).queue == "accueil"
    assert state.clarifications[-1].outcome == "no_input"
    state, out = play(engine, [START, UNSURE, NoInput()])
    assert "Votre question porte-t-elle" in prompt(out)  # the question again, once


def test_a_caller_in_danger_during_the_question_goes_to_the_urgent_path(engine: IvrEngine) -> None:
    state, out = play(engine, [START, UNSURE, SpeechReceived("j'en peux plus je veux en finir avec la vie", 0.8)])
    assert transfer(out).reason == "urgent"
    assert state.status == "transferred"


def test_a_new_question_instead_of_a_reply_is_answered(engine: IvrEngine) -> None:
    state, _ = play(engine, [START, UNSURE, SpeechReceived("j'ai perdu ma carte vitale", 0.8)])
    assert state.answers[-1].kb_id == "am.carte_vitale"
    assert state.clarifications[-1].outcome == "new_question"


def test_not_that_after_an_answer_offers_the_runners_up(engine: IvrEngine) -> None:
    state, _ = play(engine, [START, SpeechReceived("j'ai perdu ma carte vitale", 0.8)])
    assert state.answers[-1].kb_id == "am.carte_vitale" and state.kb_alternatives
    state, out = play(engine, [START, SpeechReceived("j'ai perdu ma carte vitale", 0.8),
                               SpeechReceived("non c'est pas ça", 0.8)])
    assert state.answer_phase == "clarify"
    assert "am.carte_vitale" not in state.clarify_choices
    assert prompt(out).startswith("Excusez-moi. Votre question porte-t-elle")


def test_a_correction_is_answered_on_the_topic_the_caller_wants(engine: IvrEngine) -> None:
    state, _ = play(engine, [START, SpeechReceived(
        "non c'est pas pour la carte grise c'est pour le permis de conduire que j'ai perdu", 0.8)])
    got = state.answers[-1].kb_id if state.answers else state.clarify_choices[0]
    assert got == "titres.permis"


def test_a_second_question_is_offered_after_the_first_answer(engine: IvrEngine) -> None:
    two = SpeechReceived("je voudrais déclarer la naissance de mon fils à la caf et aussi le "
                         "déclarer à la sécu pour sa carte vitale", 0.8)
    state, out = play(engine, [START, two])
    first = state.answers[-1].kb_id
    assert state.kb_also is not None and state.kb_also != first
    assert "Vous aviez aussi une question sur" in prompt(out)
    state, out = play(engine, [START, two, DigitsReceived("5")])
    assert state.answers[-1].via == "also" and state.answers[-1].kb_id != first
    assert state.kb_also is None
    assert "Vous aviez aussi" not in prompt(out)
    state, _ = play(engine, [START, two, SpeechReceived("oui", 0.8)])
    assert state.answers[-1].via == "also"


def test_the_clarification_survives_the_stored_state(engine: IvrEngine) -> None:
    state, _ = play(engine, [START, UNSURE, DigitsReceived("2")])
    again = CallState.from_dict(state.to_dict())
    assert again == state
