"""A suicide attempt that is recent (session 6): the strongest risk factor there is.

Recent and still thought of, it is urgent by rule; recent and said without more, the IVR asks; an
attempt long ago that the caller says is over is not made urgent by these rules. Every sentence was
written for these tests (none is from an evaluation set or the corpus). Rules alone: the decision
holds without the semantic model.
"""

from __future__ import annotations

import pytest

from tests.triage.helpers import said


@pytest.mark.parametrize("text", [
    "j'ai fait une tentative la semaine dernière et j'y pense encore tout le temps, c'était pour mon rsa",
    "ma soeur a fait une ts le mois dernier elle y pense encore tous les jours, je voulais savoir pour son aah",
    "bon je vous le dis j'ai refait une tentative il y a quelques jours et j'y repense sans arrêt",
])
def test_a_recent_attempt_still_thought_of_is_urgent(rules, text: str) -> None:  # type: ignore[no-untyped-def]
    decision = said(rules, text)
    assert decision.urgent, text
    assert "3114" in decision.emergency_numbers, decision.emergency_numbers


@pytest.mark.parametrize("text", [
    "j'ai fait une tentative il y a trois semaines, je voulais savoir pour mon arrêt maladie",
    "mon fils a fait une tentative de suicide le mois dernier, est-ce que je peux avoir un congé",
])
def test_a_recent_attempt_said_without_more_asks(rules, text: str) -> None:  # type: ignore[no-untyped-def]
    decision = said(rules, text)
    assert decision.check_danger or decision.urgent, text


@pytest.mark.parametrize("text", [
    "j'ai fait une tentative de connexion hier sur le site et ça marche pas",
    "une tentative de paiement a échoué la semaine dernière sur mon compte caf",
])
def test_other_attempts_are_not_danger(rules, text: str) -> None:  # type: ignore[no-untyped-def]
    decision = said(rules, text)
    assert not decision.urgent and not decision.check_danger, text
