"""A farewell said through paperwork (session 6): calm, practical, a near date, no word of death.

Giving things away, letters written, a relative to be paid "after Saturday", "one file less for
you": the IVR asks whether the caller is in danger now. A move, a contract's or a benefit's end, a
separation say some of the same words and are not asked. Every sentence was written for these
tests (none is from an evaluation set or the corpus); rules alone.
"""

from __future__ import annotations

import pytest

from tests.triage.helpers import said


@pytest.mark.parametrize("text", [
    "j'ai tout rangé à la maison et j'ai écrit mes lettres, il me reste à prévenir la caf",
    "je voudrais que mon allocation soit versée sur le compte de ma fille après dimanche",
    "à partir de demain j'en aurai plus l'utilité de cette carte vitale, comment on la rend",
    "la voisine va récupérer mon chien et mes affaires après moi, je voulais juste régler la retraite",
    "bon ben ça vous fera un allocataire de moins, c'est pour arrêter le rsa",
    "c'est pour bientôt, j'ai préparé ce qu'il faut, je voulais savoir pour la mutuelle",
    "j'ai donné toutes mes affaires et j'ai résilié le téléphone, il reste la caf",
])
def test_a_farewell_through_paperwork_asks(rules, text: str) -> None:  # type: ignore[no-untyped-def]
    decision = said(rules, text)
    assert decision.check_danger or decision.urgent, text


@pytest.mark.parametrize("text", [
    "je déménage samedi à lyon, après samedi je serai plus à cette adresse",
    "mon contrat se termine vendredi, après vendredi je toucherai plus rien, comment je m'inscris",
    "je pars à la retraite le premier mars, après le premier mars j'aurai plus besoin de la prime",
    "on se sépare, l'allocation ira sur le compte de ma femme à partir de lundi",
    "j'ai vendu mes meubles et j'ai résilié le bail, je pars vivre chez ma fille en bretagne",
])
def test_a_move_or_an_end_of_contract_does_not_ask(rules, text: str) -> None:  # type: ignore[no-untyped-def]
    decision = said(rules, text)
    assert not decision.check_danger and not decision.urgent, text
