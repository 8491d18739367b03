"""The engine as tables: (state reached by earlier events, event) -> commands and state."""

from __future__ import annotations

from typing import Any

import pytest

from callcenter.config import PROJECT_ROOT
from callcenter.flows import load_flow
from callcenter.ivr import (
    CallEnded,
    CallStarted,
    DigitsReceived,
    Event,
    Failure,
    IvrEngine,
    NoInput,
    QueueLeft,
    SpeechReceived,
    StatusChanged,
    WaitEstimated,
    Waiting,
)
from tests.ivr.helpers import T0, run, sample_engine

START = CallStarted("+33600000000", "+33900000000")
PROMPT = [("say", "Bonjour."), ("gather", "main_menu", 1)]
APOLOGY = ("say", "Veuillez nous excuser, un incident technique est survenu. "
                  "Nous vous mettons en relation avec un conseiller.")
PERSON = [("say", "Un conseiller va vous répondre."), ("transfer", "accueil", 0, "asked_for_person")]

CASES: list[tuple[str, list[Event], list[tuple[Any, ...]], str]] = [
    ("start says then listens", [START], PROMPT, "in_ivr"),
    ("key picks an option", [START, DigitsReceived("1")],
     [("say", "Je vous passe la CAF."), ("transfer", "caf", 10, "menu")], "transferred"),
    ("spoken word picks an option", [START, SpeechReceived("c'est pour les allocations", 0.9)],
     [("say", "Je vous passe la CAF."), ("transfer", "caf", 10, "menu")], "transferred"),
    ("misheard word still matches", [START, SpeechReceived("allocation", 0.9)],
     [("say", "Je vous passe la CAF."), ("transfer", "caf", 10, "menu")], "transferred"),
    ("spoken key", [START, SpeechReceived("le deux", 0.8)], [("gather", "postcode", 2)], "in_ivr"),
    ("unknown key is a no-match", [START, DigitsReceived("7")], [("gather", "main_menu", 2)], "in_ivr"),
    ("no-match twice exhausts to a person", [START, DigitsReceived("7"), DigitsReceived("8")],
     [("say", "Un conseiller va vous répondre."), ("transfer", "accueil", 0, "no_match")],
     "transferred"),
    ("silence asks again", [START, NoInput()], [("gather", "main_menu", 2)], "in_ivr"),
    ("silence twice goes to a person", [START, NoInput(), NoInput()],
     [("say", "Un conseiller va vous répondre."), ("transfer", "accueil", 0, "no_input")],
     "transferred"),
    ("key 0 is the way out", [START, DigitsReceived("0")], PERSON, "transferred"),
    ("asking for a person by voice", [START, SpeechReceived("je veux parler à un conseiller", 0.9)],
     PERSON, "transferred"),
    ("low confidence is a no-match", [START, SpeechReceived("allocations", 0.2)],
     [("gather", "main_menu", 2)], "in_ivr"),
    ("empty speech is a no-match", [START, SpeechReceived("  ", 0.9)], [("gather", "main_menu", 2)],
     "in_ivr"),
    ("two options named at once is ambiguous", [START, SpeechReceived("caf ou code", 0.9)],
     [("gather", "main_menu", 2)], "in_ivr"),
    ("ask stores keys and branches", [START, DigitsReceived("2"), DigitsReceived("75001")],
     [("transfer", "paris", 0, "menu")], "transferred"),
    ("ask falls through the branch", [START, DigitsReceived("2"), DigitsReceived("13001")],
     [("gather", "name", 3)], "in_ivr"),
    ("pattern refuses a short code", [START, DigitsReceived("2"), DigitsReceived("750")],
     [("say", "Un conseiller va vous répondre."), ("transfer", "accueil", 0, "no_match")],
     "transferred"),
    ("speech-only ask refuses keys", [START, DigitsReceived("2"), DigitsReceived("13001"),
                                       DigitsReceived("42")], [("gather", "name", 4)], "in_ivr"),
    ("speech-only ask still takes key 0", [START, DigitsReceived("2"), DigitsReceived("13001"),
                                            DigitsReceived("0")], PERSON, "transferred"),
    ("speech ask stores the words", [START, DigitsReceived("2"), DigitsReceived("13001"),
                                      SpeechReceived("Camille", 0.9)],
     [("say", "Je vous passe la CAF."), ("transfer", "caf", 10, "menu")], "transferred"),
    ("hangup node", [START, DigitsReceived("3")], [("say", "Au revoir."), ("hangup",)], "ended"),
    ("failure sends to a person with an apology", [START, Failure("boom")],
     [APOLOGY, ("say", "Un conseiller va vous répondre."), ("transfer", "accueil", 0, "failure")],
     "transferred"),
    ("caller hangs up", [START, CallEnded("completed")], [], "ended"),
    ("input after the end is ignored", [START, CallEnded("completed"), DigitsReceived("1")], [], "ended"),
    ("duplicate start is ignored", [START, START], [], "in_ivr"),
    ("input after a transfer is ignored", [START, DigitsReceived("1"), DigitsReceived("1")], [],
     "transferred"),
    ("speech after a transfer only feeds the transcript",
     [START, DigitsReceived("1"), SpeechReceived("bonjour madame", 0.9)], [], "transferred"),
    ("queue answered then hung up", [START, DigitsReceived("1"), QueueLeft("bridged", 30)],
     [("hangup",)], "ended"),
    ("status and waiting change nothing", [START, StatusChanged("in-progress"), Waiting(2)], [],
     "in_ivr"),
    ("a short wait offers nothing", [START, DigitsReceived("1"), WaitEstimated(120)], [], "transferred"),
    ("a long wait offers a callback", [START, DigitsReceived("1"), WaitEstimated(900, 4)],
     [("gather", "callback", 2), ("transfer", "caf", 10, "menu")], "transferred"),
    ("the callback is taken: which number first", [START, DigitsReceived("1"), WaitEstimated(900),
                                                   DigitsReceived("1")],
     [("gather", "callback_number", 3)], "transferred"),
    ("the callback is taken (no opening hours: as soon as possible)",
     [START, DigitsReceived("1"), WaitEstimated(900), DigitsReceived("1"), DigitsReceived("1")],
     [("callback_number", "+33600000000"), ("callback",),
      ("say", "Nous vous rappellerons au numéro finissant par 0 0. C'est noté. Un conseiller vous rappellera dès "
              "que possible, dans l'ordre de votre place."), ("say", "Au revoir."), ("hangup",)], "ended"),
    ("the callback is declined", [START, DigitsReceived("1"), WaitEstimated(900), DigitsReceived("2")],
     [("transfer", "caf", 10, "menu")], "transferred"),
    ("no callback to a hidden number", [CallStarted("anonymous"), DigitsReceived("1"), WaitEstimated(900)], [],
     "transferred"),
    ("queue full", [START, DigitsReceived("1"), QueueLeft("queue-full")],
     [("say", "Tous nos conseillers sont occupés et nous ne pouvons pas vous faire patienter. "
              "Merci de rappeler un peu plus tard. Au revoir."), ("hangup",)], "ended"),
]


@pytest.mark.parametrize(("events", "expected", "status"), [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])
def test_engine_table(events: list[Event], expected: list[tuple[Any, ...]], status: str) -> None:
    state, commands = run(sample_engine(), events)
    assert commands == expected
    assert state.status == status


def test_state_records_path_counts_and_answers() -> None:
    engine = sample_engine()
    state, _ = run(engine, [START, NoInput(), DigitsReceived("2"), DigitsReceived("13001"),
                            SpeechReceived("Camille", 0.9)])
    assert state.path == ("welcome", "main_menu", "postcode", "route", "name", "caf")
    assert state.total_no_input == 1
    # The postcode node keeps its answer (stored: kept); the name node masks it (the default).
    assert state.variables == {"code_postal": "13001", "prenom": "•••••le"}
    assert [u.text for u in state.utterances] == ["•••••le"]
    assert state.transfer is not None and state.transfer.queue == "caf"
    assert state.started_at == T0.isoformat()


def test_retry_counts_reset_on_a_new_node() -> None:
    state, _ = run(sample_engine(), [START, NoInput(), DigitsReceived("2"), NoInput()])
    assert state.node == "postcode" and state.no_input == 1 and state.total_no_input == 2


def test_retry_prompt_precedes_the_question() -> None:
    engine = sample_engine()
    state, _ = run(engine, [START])
    _, commands = engine.step(state, NoInput(), T0)
    gather = commands[0]
    assert gather.prompt.startswith("Je ne vous ai pas entendu. Tapez 1")  # type: ignore[union-attr]
    assert gather.modes == ("dtmf", "speech")  # type: ignore[union-attr]


def test_speech_only_node_still_listens_to_keys() -> None:
    engine = sample_engine()
    state, _ = run(engine, [START, DigitsReceived("2")])
    _, commands = engine.step(state, DigitsReceived("13001"), T0)
    assert commands[0].modes == ("dtmf", "speech")  # type: ignore[union-attr]


def test_step_is_deterministic_and_pure() -> None:
    engine = sample_engine()
    events: list[Event] = [START, SpeechReceived("code", 0.9), DigitsReceived("13001")]
    first = run(engine, events)
    second = run(engine, events)
    assert first == second


def test_main_flow_reaches_every_organisme_by_voice() -> None:
    engine = IvrEngine(load_flow(PROJECT_ROOT / "ivr_flows" / "main.yaml"))
    said = {
        "je vous appelle pour mon dossier caf": "menu_caf",
        "c'est pour pôle emploi": "menu_france_travail",
        "j'ai perdu ma carte vitale": "menu_assurance_maladie",
        "une question sur ma retraite": "retraite",
        "c'est pour mes impôts": "impots",
        "je voudrais refaire mon passeport": "info_titres",
    }
    for words, node in said.items():
        state, _ = run(engine, [START, SpeechReceived(words, 0.8)])
        assert node in state.path, words
