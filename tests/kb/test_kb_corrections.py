"""Corrections and second questions in one sentence: "pas X, c'est Y", "et aussi Z"."""

from __future__ import annotations

import pytest

from callcenter.kb import KnowledgeIndex
from callcenter.kb.corrections import split
from callcenter.kb.normalise import words


@pytest.mark.parametrize(("text", "rejected"), [
    ("non c'est pas la prime d'activité c'est mon rsa qui a baissé", ("prime", "activite")),
    ("ce n'est pas pour le passeport c'est pour renouveler le permis", ("passeport",)),
    ("c'était pas la caf hein c'est pour les impôts", ("caf",)),
    ("non pas l'actualisation mais l'inscription", ("actualisation",)),
])
def test_explicit_corrections_are_found(text: str, rejected: tuple[str, ...]) -> None:
    parts = split(words(text))
    assert parts.rejected == (rejected,)
    assert not set(rejected) & set(parts.kept)


@pytest.mark.parametrize("text", [
    "j'ai pas reçu mon rsa ce mois ci",
    "je comprends pas le courrier de la caf",
    "c'est pas pour moi c'est pour ma mère qui touche l'aspa",
    "il y a pas de problème avec ma carte vitale",
])
def test_an_ordinary_negation_is_not_a_correction(text: str) -> None:
    assert split(words(text)).rejected == ()


def test_a_rejected_topic_is_left_out_and_the_other_answered(bundled_index: KnowledgeIndex) -> None:
    said = bundled_index.search("non c'est pas pour la carte grise c'est pour le permis de conduire")
    assert said.rejected == ("titres.carte_grise",)
    assert "titres.carte_grise" not in [entry_id for entry_id, _ in said.results]
    got = said.match.id if said.match is not None else said.clarify[0]
    assert got == "titres.permis"


def test_a_rejection_naming_no_topic_changes_nothing(bundled_index: KnowledgeIndex) -> None:
    plain = bundled_index.search("ma mère voudrait savoir quand sa retraite est versée")
    corrected = bundled_index.search("c'est pas pour moi c'est pour ma mère, quand sa retraite est versée")
    assert corrected.rejected == ()
    assert corrected.results[0][0] == plain.results[0][0] == "retraite.paiement"


def test_a_second_question_is_reported_after_the_first_answer(bundled_index: KnowledgeIndex) -> None:
    said = bundled_index.search(
        "je voudrais déclarer la naissance de mon fils à la caf et aussi le déclarer à la sécu pour sa carte vitale")
    assert said.match is not None
    assert {said.match.id, said.also} == {"caf.naissance", "am.carte_vitale"}

