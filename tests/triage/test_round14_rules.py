"""Round 14 (session 8): an act of self-harm already done, said calmly before an administrative
question (a whole pack swallowed, the gas bottle opened in a caravan), and what sounds the same
but is safe.

Batch 33 (a fresh writer, judged on the final triage of round 13) showed the family: a blister
pack swallowed "entière", the gas bottle opened in the caravan, said in passing before a question
about a card or a benefit. Every sentence here was written for these tests (none is from a
batch, an evaluation set or the corpus); rules alone.
"""

from __future__ import annotations

import pytest

from tests.triage.helpers import said

URGENT = [
    "j'ai pris la boîte entière de somnifères tout à l'heure, je voulais savoir pour mon arrêt maladie",
    "ma femme a avalé la plaquette complète de ses cachets ce matin et elle dort, c'est pour la caf",
    "bon j'ai vidé le flacon en entier hier soir mais c'est pas pour ça que j'appelle, c'est la carte vitale",
    "j'ai avalé trois plaquettes d'un coup, bref je voulais mon attestation de droits",
    "mon fils a pris deux boîtes de doliprane ce soir, on est à la maison, c'est pour la mutuelle",
    "j'ai ouvert la bouteille de gaz dans le camion, voilà, c'est pour que ma fille touche la pension",
    "il a laissé la bouteille de gaz ouverte fenêtres fermées... non il a ouvert la bouteille de gaz sans allumer",
    "j'ai ouvert une bouteille de gaz dans la chambre et je suis assis à côté, je voulais prévenir pour le loyer",
]

CALM = [
    "j'ai pris la boîte de vitesses en entier chez le garagiste, c'est pour le remboursement des frais",
    "mon fils a vidé la boîte à biscuits entière ce matin, c'est pour l'inscription à la cantine",
    "le médecin m'a dit de prendre la plaquette du mois dans l'ordre, c'est pour le renouvellement",
    "j'ai ouvert la bouteille de gaz pour la gazinière comme d'habitude, c'est pour une aide au chauffage",
    "on a changé la bouteille de gaz du camping-car, c'est pour l'assurance",
    "la pharmacie m'a donné trois plaquettes pour le mois, est-ce que c'est remboursé",
    "j'ai vidé la boîte aux lettres en entier et y avait rien de la caf",
]


@pytest.mark.parametrize("text", URGENT)
def test_an_act_already_done_is_urgent(rules, text: str) -> None:  # type: ignore[no-untyped-def]
    decision = said(rules, text)
    assert decision.urgent, text


@pytest.mark.parametrize("text", CALM)
def test_the_same_words_about_ordinary_things_stay_calm(rules, text: str) -> None:  # type: ignore[no-untyped-def]
    decision = said(rules, text)
    assert not decision.urgent and not decision.check_danger, text
