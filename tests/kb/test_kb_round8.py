"""Round 8 of the search's families (issue 10): another administration's business, two topics named
outright, corrections by a colloquial name or by a state ("pas arrivée"), and everyday names.

Sentences written for these tests, none taken from an evaluation set.
"""

from __future__ import annotations

import pytest

from callcenter.kb import KnowledgeIndex
from callcenter.kb.corrections import split
from callcenter.kb.elsewhere import cues_in, foreign_to
from callcenter.kb.normalise import words


def _outcome(result) -> tuple[str | None, tuple[str, ...]]:  # type: ignore[no-untyped-def]
    return (result.match.id if result.match is not None else None), result.clarify


@pytest.mark.parametrize("text", [
    "on va se marier en juin quels papiers faut-il apporter à la mairie",
    "je dois déclarer la mort de mon oncle à l'état civil comment on fait",
    "il me faut un acte de naissance pour mon dossier",
    "je voudrais un duplicata du livret de famille",
    "mon fils veut passer son permis bateau",
    "je cherche comment avoir un permis de chasse",
    "comment on obtient un permis de pêche",
    "je voudrais demander la nationalité française",
    "il me faut un extrait de casier judiciaire",
    "je dois renouveler mon titre de séjour",
    "comment s'inscrire sur les listes électorales",
])
def test_another_administrations_business_is_not_answered(
        bundled_index: KnowledgeIndex, text: str) -> None:
    assert bundled_index.search(text).match is None


@pytest.mark.parametrize(("text", "topic"), [
    # the same words, about a change the CAF must know or a title this line handles
    ("on s'est mariés le mois dernier il faut le dire à la caf", "caf.changement_situation"),
    ("mon mari est décédé je dois prévenir la caf", "caf.changement_situation"),
    ("j'ai perdu mon permis de conduire", "titres.permis"),
    ("la mairie me demande une attestation de france travail", "ft.attestation"),
])
def test_a_shared_word_alone_is_no_cue(bundled_index: KnowledgeIndex, text: str, topic: str) -> None:
    match, clarify = _outcome(bundled_index.search(text))
    assert match == topic or topic in clarify


def test_a_cue_the_entry_speaks_of_does_not_count() -> None:
    cues = cues_in(words("pour se marier il faut quels papiers"))
    assert cues == (("marier",),)
    assert foreign_to(cues, frozenset({"carte", "identite"}))
    assert not foreign_to(cues, frozenset({"marier", "mariage"}))
    assert cues_in(words("on s'est mariés l'an dernier")) == ()


@pytest.mark.parametrize(("text", "topics"), [
    ("avec mon cpf je peux financer le permis de conduire", {"ft.formation", "titres.permis"}),
    ("mon cpf pour le permis c'est possible", {"ft.formation", "titres.permis"}),
])
def test_two_topics_named_outright_get_a_question(
        bundled_index: KnowledgeIndex, text: str, topics: set[str]) -> None:
    match, clarify = _outcome(bundled_index.search(text))
    assert match is None
    assert topics <= set(clarify)


@pytest.mark.parametrize(("text", "topic"), [
    ("c'est pour les allocs non pas les allocs je voulais dire la prime d'activité", "caf.prime_activite"),
    ("je parlais des allocs enfin non pas les allocs c'est pour mon apl", "caf.aide_logement"),
])
def test_rejecting_the_allocs_keeps_the_other_caf_topics(
        bundled_index: KnowledgeIndex, text: str, topic: str) -> None:
    said = bundled_index.search(text)
    assert said.rejected == ("caf.allocations_familiales",)
    match, clarify = _outcome(said)
    assert match == topic or topic in clarify


def test_words_taken_back_leave_the_question() -> None:
    parts = split(words("c'est pour les allocs non pas les allocs c'est pour le loyer"))
    assert parts.rejected == (("allocations",),)
    assert "allocations" not in parts.kept
    # a word said well before, as part of the story, stays
    parts = split(words("j'ai le rsa depuis deux ans et ma question c'est pas le rsa c'est l'apl"))
    assert "rsa" in parts.kept


@pytest.mark.parametrize(("text", "topic"), [
    ("ma retraite est pas arrivée ce mois-ci", "retraite.paiement"),
    ("ma pension n'est toujours pas arrivée", "retraite.paiement"),
    ("c'est pas le chômage c'est ma retraite qui est pas arrivée", "retraite.paiement"),
])
def test_a_state_denied_is_not_a_correction(bundled_index: KnowledgeIndex, text: str, topic: str) -> None:
    match, clarify = _outcome(bundled_index.search(text))
    assert match == topic or topic in clarify
    assert split(words("elle est pas arrivée")).rejected == ()
    assert split(words("c'est pas la caf")).rejected == (("caf",),)


def test_a_rejected_word_of_the_wanted_topic_keeps_it(bundled_index: KnowledgeIndex) -> None:
    said = bundled_index.search("ce n'est pas pour ma carte d'identité c'est pour faire un passeport")
    assert said.rejected == ()
    assert _outcome(said)[0] == "titres.identite"


@pytest.mark.parametrize(("text", "topic"), [
    ("je veux parler à quelqu'un au bout du fil", "service.parler_conseiller"),
    ("je me suis remis en couple il faut le dire à la caf", "caf.changement_situation"),
    ("on va habiter ensemble avec mon copain faut prévenir la caf", "caf.changement_situation"),
    ("je peux passer sans rendez-vous à l'accueil le matin", "service.horaires"),
    ("il me faut un justificatif de chômage pour mon propriétaire", "ft.attestation"),
    ("je dois pointer tous les mois", "ft.actualisation"),
])
def test_everyday_names_of_topics(bundled_index: KnowledgeIndex, text: str, topic: str) -> None:
    match, clarify = _outcome(bundled_index.search(text))
    assert match == topic or topic in clarify
