"""Round 9 of the search's families (issue 10): corrections with no "c'est" before them, another
administration named by a place or an act, "X et aussi Y", neighbours close enough to ask, and
vague sentences.

Sentences written for these tests, none taken from an evaluation set.
"""

from __future__ import annotations

import pytest

from callcenter.kb import KnowledgeIndex
from callcenter.kb.corrections import split
from callcenter.kb.elsewhere import cues_in
from callcenter.kb.index import asks_appointment, asks_for_proof, asks_when_paid
from callcenter.kb.normalise import terms, words
from callcenter.kb.organismes import bodies_named


def _outcome(result) -> tuple[str | None, tuple[str, ...]]:  # type: ignore[no-untyped-def]
    return (result.match.id if result.match is not None else None), result.clarify


# -- 1. corrections without "c'est" -----------------------------------------------------------

@pytest.mark.parametrize(("text", "rejected"), [
    # a sentence that opens on "pas" and an article
    ("pas l'actualisation je l'ai faite je voudrais savoir quand le chômage tombe", ("actualisation",)),
    ("non non pas la carte vitale elle est arrivée c'est pour un remboursement", ("carte", "vitale")),
    ("ah pas mon arrêt maladie mon congé maternité", ("arret", "maladie")),
    # after a thing or a finished clause
    ("le relevé de tous mes trimestres pas l'attestation de la sécu", ("attestation", "secu")),
    ("c'est la taxe foncière que je dois payer pas la dette de la caf", ("dette", "caf")),
    ("pour la caf pas la cpam", ("cpam",)),
])
def test_a_correction_needs_no_cest(text: str, rejected: tuple[str, ...]) -> None:
    assert split(words(text)).rejected == (rejected,)


@pytest.mark.parametrize("text", [
    "pas d'internet à la maison comment je fais ma demande",     # something missing
    "pas de nouvelles de mon dossier de retraite",
    "pas du tout je voulais la carte grise",
    "je touche pas le chômage depuis deux mois",                  # a verb before the "pas"
    "mon fils a pas le droit au rsa",
    "mon mari touche pas la retraite encore",
    "j'arrive pas à payer la dette de la caf",
    "le site marche pas le soir",
    "pas encore reçu ma carte vitale",                            # a state, no article
])
def test_a_negation_with_no_thing_rejected_stays_a_negation(text: str) -> None:
    assert split(words(text)).rejected == ()


@pytest.mark.parametrize(("text", "rejected"), [
    ("oubliez la carte grise c'est pour mon permis", ("carte", "grise")),
    ("laissez tomber le chômage je voudrais savoir pour le rsa", ("chomage",)),
    ("non je parlais pas du rsa je parlais de la prime d'activité", ("rsa",)),
])
def test_setting_a_topic_aside_rejects_it(text: str, rejected: tuple[str, ...]) -> None:
    assert split(words(text)).rejected == (rejected,)


@pytest.mark.parametrize("text", [
    "j'ai oublié mon mot de passe",       # "oublié" folds to "oublie": only "oubliez" sets aside
    "je parlais de mon rsa avec ma voisine",
])
def test_forgetting_or_talking_is_no_correction(text: str) -> None:
    assert split(words(text)).rejected == ()


def test_the_article_after_pas_is_kept_and_costs_the_search_nothing() -> None:
    assert words("pas l'inscription")[:2] == ["pas", "le"]
    assert words("pas d'internet")[:2] == ["pas", "de"]
    assert terms(words("pas d'internet")) == terms(["pas", "internet"])


@pytest.mark.parametrize(("text", "topic", "left_out"), [
    ("pas l'actualisation je l'ai faite je voudrais savoir quand le paiement du chômage tombe",
     "ft.date_paiement", "ft.actualisation"),
    ("pas la carte vitale je l'ai reçue c'est pour le remboursement de mes lunettes",
     "am.remboursement", "am.carte_vitale"),
    ("je cherche le papier avec mes trimestres pour la retraite pas l'attestation de la sécu",
     "retraite.releve_carriere", "am.attestation_droits"),
])
def test_the_rejected_topic_is_left_out(bundled_index: KnowledgeIndex, text: str, topic: str,
                                        left_out: str) -> None:
    said = bundled_index.search(text)
    assert left_out in said.rejected
    match, clarify = _outcome(said)
    assert match != left_out and left_out not in clarify
    assert match == topic or topic in clarify


def test_the_rejected_word_said_again_as_a_state_keeps_it_rejected(bundled_index: KnowledgeIndex) -> None:
    said = bundled_index.search("pas l'inscription je suis déjà inscrit c'est pour m'actualiser ce mois-ci")
    assert "ft.inscription" in said.rejected
    match, clarify = _outcome(said)
    assert match == "ft.actualisation" or "ft.actualisation" in clarify
    # the same topic named by other words is still what the caller wants
    said = bundled_index.search("ce n'est pas pour ma carte d'identité c'est pour faire un passeport")
    assert said.rejected == ()


@pytest.mark.parametrize(("text", "rejected", "searched"), [
    ("la carte grise euh je me suis trompé je voulais dire le permis", ("carte", "grise"), "permis"),
    ("l'apl pardon je voulais dire la prime d'activité", ("apl",), "prime"),
    ("je me suis trompée c'est pour mon passeport", (), "passeport"),
])
def test_a_caller_who_got_it_wrong_takes_back_what_came_before(
        text: str, rejected: tuple[str, ...], searched: str) -> None:
    parts = split(words(text))
    assert parts.rejected == ((rejected,) if rejected else ())
    assert searched in parts.kept
    assert not set(rejected) & set(parts.kept)


def test_an_elided_article_starts_a_new_phrase() -> None:
    # "pas la déclaration trimestrielle, l'actualisation": the rejection ends at "l'"
    parts = split(words("non attendez pas la déclaration trimestrielle l'actualisation de france travail"))
    assert parts.rejected == (("declaration", "trimestrielle"),)
    assert "actualisation" in parts.kept


def test_i_mean_is_a_correction_only_after_a_refusal() -> None:
    assert split(words("je voulais dire que j'ai déménagé le mois dernier")).rejected == ()


def test_plutot_after_a_refusal_is_the_focus(bundled_index: KnowledgeIndex) -> None:
    focus = split(words("non pas ça plutôt la date de paiement de la caf")).focus
    assert focus[0] == "la" and "paiement" in focus and "ca" not in focus
    assert split(words("c'est plutôt urgent")).focus == ()
    said = bundled_index.search("non pas le rsa mais plutôt la prime d'activité")
    assert _outcome(said)[0] == "caf.prime_activite"


# -- 2. another administration named by a place or an act -------------------------------------

@pytest.mark.parametrize("text", [
    "je dois déclarer la naissance de ma fille à la mairie",
    "la mairie demande quoi pour l'acte de décès de mon grand-père",
    "on veut se pacser à la mairie c'est quels papiers",
    "quand est-ce que je dois repasser le contrôle technique",
    "j'ai reçu une amende pour stationnement",
    "ma mutuelle ne veut pas rembourser mes lunettes",
    "edf m'a envoyé une facture énorme",
    "la police a gardé mon permis après un contrôle",
    "je voudrais opposer ma carte bancaire",
])
def test_another_administration_is_not_answered(bundled_index: KnowledgeIndex, text: str) -> None:
    assert bundled_index.search(text).match is None


def test_a_town_hall_and_an_act_make_a_cue_only_together() -> None:
    assert ("mairie", "deces") in cues_in(words("le décès de mon père à la mairie"))
    assert cues_in(words("rendez-vous à la mairie pour ma carte d'identité")) == ()
    assert cues_in(words("mon mari est décédé il faut prévenir la caf")) == ()


@pytest.mark.parametrize(("text", "topic"), [
    # the place or the reason is the story, the question is ours
    ("il me faut l'attestation de paiement de la caf pour mon bailleur social", "caf.attestation"),
    ("la mairie me demande une attestation de france travail", "ft.attestation"),
    ("mon conjoint est décédé le mois dernier je dois le dire à la caf", "caf.changement_situation"),
])
def test_a_place_named_as_the_reason_still_gets_its_topic(
        bundled_index: KnowledgeIndex, text: str, topic: str) -> None:
    match, clarify = _outcome(bundled_index.search(text))
    assert match == topic or topic in clarify


@pytest.mark.parametrize("text", [
    "je voudrais changer mon adresse pour les impôts",     # the CAF's change of situation otherwise
    "mon numéro fiscal pour les impôts je le trouve où",
])
def test_a_body_named_that_is_not_the_answers_gets_no_answer(bundled_index: KnowledgeIndex, text: str) -> None:
    said = bundled_index.search(text)
    assert said.match is None or said.match.organisme == "impots"


def test_bodies_are_named_by_their_own_names_only() -> None:
    assert bodies_named(words("la caf et pôle emploi")) == {"caf", "france_travail"}
    # a benefit's name or a place is not the body's name
    assert bodies_named(words("ma retraite et mon chômage à la mairie")) == frozenset()


# -- 3. two questions in one sentence ---------------------------------------------------------

@pytest.mark.parametrize(("text", "first", "second"), [
    ("je voudrais savoir quand est versée ma pension de retraite et aussi si j'ai droit à l'aspa",
     "retraite.paiement", "retraite.aspa"),
    ("quel jour la caf verse les allocations et aussi est-ce que j'ai droit à la prime d'activité",
     "caf.date_paiement", "caf.prime_activite"),
    ("comment changer mon taux de prélèvement à la source et aussi comment déclarer mes revenus",
     "impots.prelevement_source", "impots.declaration"),
])
def test_and_also_answers_the_first_question_and_offers_the_second(
        bundled_index: KnowledgeIndex, text: str, first: str, second: str) -> None:
    said = bundled_index.search(text)
    assert said.match is not None and said.match.id == first
    assert said.also == second


def test_what_the_caller_says_matters_stops_where_the_second_question_starts(
        bundled_index: KnowledgeIndex) -> None:
    parts = split(words("ma question c'est pour la prime d'activité et puis aussi mon mot de passe"))
    assert "passe" not in parts.focus and "prime" in parts.focus
    said = bundled_index.search("ma question c'est pour la prime d'activité et puis aussi mon mot de passe")
    assert _outcome(said)[0] == "caf.prime_activite"


def test_a_stated_preference_still_wins_over_the_order(bundled_index: KnowledgeIndex) -> None:
    said = bundled_index.search(
        "j'ai déménagé et aussi perdu ma carte vitale mais le plus important c'est la carte vitale")
    assert _outcome(said)[0] == "am.carte_vitale"


# -- 4. neighbours: ask rather than guess -----------------------------------------------------

@pytest.mark.parametrize("text", [
    "notre bébé est né hier comment je le rajoute sur le dossier caf",
    "ma femme a accouché je dois prévenir la caf pour le petit",
    "comment je signale la naissance de ma fille à la caf",
])
def test_a_birth_to_declare_offers_the_change_of_situation(bundled_index: KnowledgeIndex, text: str) -> None:
    match, clarify = _outcome(bundled_index.search(text))
    assert match == "caf.changement_situation" or "caf.changement_situation" in clarify


@pytest.mark.parametrize(("text", "topic"), [
    ("je compte arrêter de travailler en juin comment je touche ma pension", "retraite."),
    ("je veux arrêter de travailler pour m'occuper de ma fille qui vient de naître", "caf.naissance"),
    ("le médecin m'a mis en arrêt de travail deux semaines", "am.arret_maladie"),
])
def test_to_stop_working_is_not_a_sick_leave(bundled_index: KnowledgeIndex, text: str, topic: str) -> None:
    match, clarify = _outcome(bundled_index.search(text))
    assert (match or "").startswith(topic) or any(c.startswith(topic) for c in clarify)
    assert match != "am.arret_maladie" or topic == "am.arret_maladie"


@pytest.mark.parametrize(("text", "benefit", "dates"), [
    ("c'est quand qu'on touche l'aah ce mois-ci", "caf.aah", "caf.date_paiement"),
    ("la prime d'activité elle tombe le combien", "caf.prime_activite", "caf.date_paiement"),
    ("ma prime d'activité est en retard", "caf.prime_activite", "caf.date_paiement"),
])
def test_when_a_benefit_is_paid_offers_the_payment_dates(
        bundled_index: KnowledgeIndex, text: str, benefit: str, dates: str) -> None:
    match, clarify = _outcome(bundled_index.search(text))
    assert match is None and set(clarify) == {benefit, dates}


@pytest.mark.parametrize(("text", "topic", "proof"), [
    ("il me faudrait un document qui montre combien je touche du chômage pour l'agence immobilière",
     "ft.allocation_chomage", "ft.attestation"),
])
def test_a_paper_proving_a_benefit_offers_the_attestations(
        bundled_index: KnowledgeIndex, text: str, topic: str, proof: str) -> None:
    match, clarify = _outcome(bundled_index.search(text))
    assert match is None and set(clarify) == {topic, proof}


def test_a_proof_is_a_paper_and_a_verb_close_together() -> None:
    assert asks_for_proof(words("le papier qui prouve que je suis inscrit"))
    assert not asks_for_proof(words("j'ai reçu un papier d'huissier pour l'expulsion le propriétaire il dit que"))


def test_when_paid_is_a_question_not_a_condition() -> None:
    assert asks_when_paid(words("quel jour est versée l'allocation"))
    assert asks_when_paid(words("le chômage il tombe quand"))
    assert not asks_when_paid(words("combien on touche au rsa quand on vit seul"))
    assert not asks_when_paid(words("quand est-ce que je peux partir à la retraite"))


def test_asking_for_an_appointment_about_a_topic_offers_both(bundled_index: KnowledgeIndex) -> None:
    assert asks_appointment(words("je voudrais un rendez-vous pour ma demande de retraite"))
    assert not asks_appointment(words("il faut prendre rendez-vous à la mairie pour la carte d'identité"))
    match, clarify = _outcome(bundled_index.search("je voudrais un rendez-vous pour faire ma demande de retraite"))
    assert match is None and "service.rendez_vous" in clarify


# -- 5. vague sentences -----------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "c'est pour la caf",
    "j'ai un problème avec mes papiers",
    "j'ai une question sur mon dossier",
    "c'est au sujet de la sécu",
    "c'est par rapport à ma retraite",
    "j'ai un souci avec ameli",
    "c'est pour le logement",
    "c'est au sujet des papiers",
])
def test_a_vague_sentence_gets_no_answer(bundled_index: KnowledgeIndex, text: str) -> None:
    assert bundled_index.search(text).match is None
