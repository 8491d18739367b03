"""Round 9 families (issue 9): danger said in passing next to a question, minimised, threats in
passing, someone left without the care they need.

Every sentence here was written for these tests (none is from an evaluation set or the corpus).
Each family has positives read by the rules alone (so also without the model) and near misses;
the last tests check the semantic layer on the same families, when the model is installed.
"""

from __future__ import annotations

import pytest

from callcenter.triage import TriageInput, assess, load_semantic
from tests.triage.helpers import said


@pytest.fixture(scope="module")
def semantic():  # type: ignore[no-untyped-def]
    return load_semantic()


# Family 1: someone who cannot be left alone is about to be, or the carer no longer comes.
@pytest.mark.parametrize("text", [
    "je rentre à l'hôpital lundi et ma fille polyhandicapée peut pas rester seule, je sais pas quoi faire",
    "mon père a alzheimer et demain y a personne pour le surveiller, ma soeur est partie",
    "l'auxiliaire de vie passe plus depuis mardi chez mon oncle paralysé, c'était pour son dossier apa",
])
def test_a_dependant_left_without_care_asks(rules, text: str) -> None:  # type: ignore[no-untyped-def]
    decision = said(rules, text)
    assert decision.check_danger or decision.urgent, text


@pytest.mark.parametrize("text", [
    "l'auxiliaire de vie passe tous les matins chez ma mère, je voulais savoir comment la payer",
    "ma fille peut rester seule une heure après l'école maintenant, est-ce que je garde le droit à la garde",
])
def test_care_that_goes_on_does_not_ask(rules, text: str) -> None:  # type: ignore[no-untyped-def]
    decision = said(rules, text)
    assert not decision.check_danger and not decision.urgent, text


# Family 2: a medical emergency said plainly, often by someone else and beside a question.
@pytest.mark.parametrize("text", [
    "mon grand-père a pris trop de comprimés pour sa tension ce matin et il est tout pâle",
    "le monsieur d'en bas était dehors toute la nuit, les pompiers disent hypothermie, il a une tutelle",
    "ma femme a perdu les eaux et on a pas de voiture",
    "les contractions toutes les quatre minutes maintenant, c'était pour le congé",
])
def test_a_medical_emergency_said_plainly_is_urgent(rules, text: str) -> None:  # type: ignore[no-untyped-def]
    assert said(rules, text).urgent, text


def test_a_birth_to_come_is_not_urgent(rules) -> None:  # type: ignore[no-untyped-def]
    decision = said(rules, "le bébé arrive en avril, je voulais savoir pour la prime de naissance")
    assert not decision.urgent and not decision.check_danger


# Family 3: a threat against the caller said after another victim, or in passing.
def test_a_threat_naming_the_caller_after_another_is_urgent(rules) -> None:  # type: ignore[no-untyped-def]
    decision = said(rules, "si je vais voir les gendarmes il tue mon chat et moi ensuite, bref c'est pour l'apl")
    assert decision.urgent
    assert "17" in decision.emergency_numbers


def test_killing_time_is_not_a_threat(rules) -> None:  # type: ignore[no-untyped-def]
    decision = said(rules, "mon mari tue le temps devant la télé et moi je fais les papiers, c'est pour la déclaration")
    assert not decision.urgent and not decision.check_danger


# Family 4: the night outside or no food, said before "it's nothing" or an administrative question.
@pytest.mark.parametrize("text", [
    "c'est plus la peine pour le dossier, cette nuit je dors dans la voiture",
    "je vais dormir où ce soir, pas de logement pas d'amis ici",
])
def test_the_night_outside_said_in_passing_is_urgent(rules, text: str) -> None:  # type: ignore[no-untyped-def]
    assert said(rules, text).urgent, text


@pytest.mark.parametrize("text", [
    "j'ai rien avalé depuis dimanche, enfin c'est pas grave, c'était pour la prime",
    "on mange plus rien depuis mercredi à la maison mais bon, le versement c'est quand",
])
def test_no_food_since_a_weekday_asks(rules, text: str) -> None:  # type: ignore[no-untyped-def]
    decision = said(rules, text)
    assert decision.check_danger or decision.urgent, text


def test_no_meat_since_a_weekday_does_not_ask(rules) -> None:  # type: ignore[no-untyped-def]
    decision = said(rules, "j'ai pas mangé de viande depuis lundi, c'est pour un régime, "
                           "la mutuelle rembourse la diététicienne")
    assert not decision.check_danger and not decision.urgent


# Family 5: a means looked at, or the end said with a doubt and waved away.
@pytest.mark.parametrize("text", [
    "je fixais la corde au grenier toute la soirée, sinon c'était pour la taxe foncière",
    "j'ai repéré la branche derrière la grange, bon, c'était pour mon attestation",
    "la date limite c'est quand, parce que je serai sans doute plus là pour la signer, enfin bon",
])
def test_a_means_in_view_or_a_doubtful_farewell_asks(rules, text: str) -> None:  # type: ignore[no-untyped-def]
    decision = said(rules, text)
    assert decision.check_danger or decision.urgent, text


@pytest.mark.parametrize("text", [
    "je regarde la corde à linge du balcon, elle est tombée chez le voisin, c'est l'assurance qui paie",
    "on a repéré l'arbre du jardin qu'il faut abattre, c'est pour une aide à l'élagage",
    "je serai plus là pour le rendez-vous de jeudi, je change de ville, on peut le faire à distance",
])
def test_an_everyday_rope_or_absence_does_not_ask(rules, text: str) -> None:  # type: ignore[no-untyped-def]
    decision = said(rules, text)
    assert not decision.check_danger and not decision.urgent, text


# The semantic layer on the same families (the model is trained on round9.jsonl, which holds
# none of these sentences).
@pytest.mark.parametrize("text", [
    "mon compagnon a juré qu'il me noierait si je touche à son argent, c'était pour ouvrir un compte à mon nom",
    "maman est clouée au lit et l'aide qui venait l'a laissée tomber hier, moi je suis coincé à l'étranger",
])
def test_the_semantic_layer_hears_danger_beside_a_question(rules, semantic, text: str) -> None:  # type: ignore[no-untyped-def]
    decision = assess(rules, TriageInput(utterances=(text,)), semantic)
    assert decision.urgent or decision.check_danger, text


@pytest.mark.parametrize("text", [
    "j'ai oublié de joindre le rib mais c'est pas grave je le renvoie demain, c'est bon pour la date",
    "le bailleur menace d'augmenter les charges l'an prochain, c'est pas grave mais je voulais savoir si l'apl suit",
])
def test_the_semantic_layer_leaves_ordinary_joints_alone(rules, semantic, text: str) -> None:  # type: ignore[no-untyped-def]
    decision = assess(rules, TriageInput(utterances=(text,)), semantic)
    assert not decision.urgent and not decision.check_danger, text


# Family 6: a knife's word in a threat, screams and blows heard together.
@pytest.mark.parametrize("text", [
    "le type du parking me menace de me poignarder depuis que j'ai appelé la fourrière",
    "au troisième on entend la dame hurler et des coups depuis tout à l'heure, c'est qui qu'il faut appeler",
])
def test_a_threat_with_a_knife_word_or_blows_heard_are_urgent(rules, text: str) -> None:  # type: ignore[no-untyped-def]
    decision = said(rules, text)
    assert decision.urgent and "17" in decision.emergency_numbers, text


def test_screams_and_blows_in_a_film_are_not_urgent(rules) -> None:  # type: ignore[no-untyped-def]
    decision = said(rules, "mon fils regarde des films avec des cris et des coups, ça l'empêche de dormir")
    assert not decision.urgent


# Family 7: a caller who cannot speak freely asks the agent to speak low.
def test_speak_low_he_is_next_door_is_urgent(rules) -> None:  # type: ignore[no-untyped-def]
    decision = said(rules, "excusez-moi parlez pas si fort mon compagnon est à côté, c'était pour un compte à mon nom")
    assert decision.urgent and "3919" in decision.emergency_numbers


def test_speak_low_the_children_sleep_is_not_urgent(rules) -> None:  # type: ignore[no-untyped-def]
    decision = said(rules, "parlez pas trop fort il est tard et les petits dorment, c'était pour la cantine")
    assert not decision.urgent and not decision.check_danger
