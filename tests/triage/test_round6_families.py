"""Round 6 families (issue 9): the caller's end said without a danger word, danger through
circumstances, fragility said plainly (a recent loss, a child born disabled, care given up for
money, a home lost to a fire, grandchildren taken in, a benefit cut and the rent unpaid), and the
over-flagged: impatience at the wait, amicable separations, old bereavements long settled.

Every sentence here was written for these tests (none is from an evaluation set or the corpus).
Each family has positives and precision cases that must stay as they are.
"""

from __future__ import annotations

import pytest

from callcenter.triage import TriageInput, assess, load_semantic
from tests.triage.helpers import said


@pytest.fixture(scope="module")
def semantic():  # type: ignore[no-untyped-def]
    return load_semantic()


# Family 1: the caller's end, without suicide, death or danger words: the IVR asks.
@pytest.mark.parametrize("text", [
    "d'ici quinze jours j'aurai plus besoin de rien, annulez mon dossier",
    "depuis la mort de mon mari je pense sans arrêt à le rejoindre",
    "mon contrat obsèques est signé, mes filles auront l'argent quand je serai plus là",
    "je vais pas avoir besoin de remplir vos dossiers bien longtemps",
    "ce sera la dernière demande de ma vie, faites au moins ça",
    "je m'en vais, vous me reverrez plus jamais au guichet ni ailleurs",
    "merci pour tout ce que vous avez fait, c'est la dernière fois que vous m'entendez, adieu",
    "vous entendrez plus parler de moi après cette semaine",
])
def test_the_callers_end_said_without_a_danger_word_makes_the_ivr_ask(rules, text: str) -> None:  # type: ignore[no-untyped-def]
    decision = said(rules, text)
    assert decision.check_danger or decision.urgent, text
    assert decision.fragile, text


@pytest.mark.parametrize("text", [
    "j'ai trouvé un cdi, j'aurai plus besoin du rsa à partir de mai",
    "mes cousins vivent à nantes, je vais les rejoindre cet été",
    "bon ben adieu la paperasse, tout est envoyé, bonne journée à vous",
    "c'est la dernière pièce qui manquait à mon dossier je crois",
])
def test_ordinary_endings_are_not_asked_about(rules, text: str) -> None:  # type: ignore[no-untyped-def]
    decision = said(rules, text)
    assert not decision.check_danger and not decision.urgent, text


# Family 2: danger through circumstances, urgent by rule.
@pytest.mark.parametrize(("text", "trigger", "number"), [
    ("ça fait deux jours que j'ai plus d'insuline et je me sens pas bien", "danger.traitement_vital", "15"),
    ("mon père saute ses séances de dialyse depuis que le transport est plus remboursé",
     "danger.traitement_vital", "15"),
    ("j'ai rempli un bidon d'essence et je vais aller à votre agence", "danger.menace_autrui", "17"),
    ("je vais mettre le feu à la mairie s'ils me rendent pas mes enfants", "danger.menace_autrui", "17"),
    ("là maintenant j'entends mon voisin qui frappe sa femme, elle appelle au secours",
     "danger.violences_entendues", "17"),
    ("on entend des hurlements dans l'appartement d'à côté depuis une heure",
     "danger.violences_entendues", "17"),
])
def test_danger_through_circumstances_is_urgent(rules, text: str, trigger: str, number: str) -> None:  # type: ignore[no-untyped-def]
    decision = said(rules, text)
    assert decision.urgent and trigger in decision.urgent_triggers, text
    assert number in decision.emergency_numbers, text


@pytest.mark.parametrize("text", [
    "mon fils est sous insuline depuis ses six ans, c'est pour son pai à l'école",
    "j'ai fini ma dialyse l'an dernier, j'ai été greffé, c'est pour la mutuelle",
    "je vais tuer le temps en remplissant ce formulaire",
    "j'entends mal, vous pouvez parler plus fort s'il vous plaît",
    "le voisin tape sur le mur quand on met la musique, c'est pour un conflit de voisinage",
])
def test_ordinary_words_of_treatment_noise_or_anger_are_not_danger(rules, text: str) -> None:  # type: ignore[no-untyped-def]
    assert not said(rules, text).urgent, text


# Family 3: fragility said plainly.
@pytest.mark.parametrize(("text", "reason"), [
    ("je viens de perdre ma compagne et je dois déclarer son décès à la caisse", "rupture"),
    ("notre fils est décédé il y a deux semaines et je reçois encore ses courriers", "rupture"),
    ("après trente ans de mariage mon épouse est partie d'un coup en mars", "rupture"),
    ("notre fille est née avec une malformation du coeur, on voudrait connaître les aides", "sante_handicap"),
    ("mon bébé trisomique sort de la maternité demain, qui peut nous aider pour le dossier", "sante_handicap"),
    ("j'ai une sclérose en plaques et j'ai arrêté mes traitements faute de mutuelle", "sante_handicap"),
    ("on a tout perdu dans l'incendie de notre maison, les papiers aussi", "rupture"),
    ("on a recueilli nos petits enfants depuis que leur mère est hospitalisée", "rupture"),
    ("ils m'ont coupé l'apl alors je paye plus le loyer et le bailleur m'a écrit", "logement"),
    ("j'ai reçu une lettre pour les loyers impayés depuis que le rsa est suspendu", "logement"),
])
def test_fragility_said_plainly_counts(rules, text: str, reason: str) -> None:  # type: ignore[no-untyped-def]
    decision = said(rules, text)
    assert decision.fragile and reason in decision.reason_ids, text


@pytest.mark.parametrize("text", [
    "notre vieux chat est parti dimanche, bref, je voulais une attestation de paiement",
    "mon imprimante est morte hier soir, je peux envoyer le formulaire plus tard ?",
    "je suis née avec un prénom composé, comment je le change sur la carte",
    "j'ai arrêté mes cours de yoga, c'est pour la carte de réduction",
    "on a eu un petit incendie de poubelle dans la cour, rien de grave, c'est pour l'assurance",
])
def test_plain_words_about_pets_things_and_names_are_not_fragility(rules, text: str) -> None:  # type: ignore[no-untyped-def]
    assert not said(rules, text).fragile, text


# Family 4: over-flagged before round 6.
@pytest.mark.parametrize("text", [
    "je vais craquer si je dois encore attendre une demi-heure en ligne, c'est pour une attestation",
    "je vais péter un plomb à force d'attendre au téléphone, je veux juste mon relevé",
    "on s'est séparés à l'amiable avec mon mari, il faut changer le nom sur le dossier",
    "nous avons divorcé d'un commun accord, c'est pour la pension alimentaire déjà fixée",
    "mon père est décédé il y a un an et demi, tout a été réglé chez le notaire, c'est pour un relevé",
])
def test_impatience_amicable_separations_and_settled_losses_are_not_fragile(rules, text: str) -> None:  # type: ignore[no-untyped-def]
    decision = said(rules, text)
    assert not decision.fragile and not decision.urgent, text


@pytest.mark.parametrize("text", [
    "je vais craquer, je dors plus depuis que mon fils est parti",
    "on s'est séparés la semaine dernière et je suis à la rue",
    "depuis le décès de mon frère le mois dernier je tiens plus debout",
])
def test_distress_a_rupture_or_a_recent_loss_still_count(rules, text: str) -> None:  # type: ignore[no-untyped-def]
    assert said(rules, text).fragile, text


def test_the_bundled_model_reads_the_new_families(rules, semantic) -> None:  # type: ignore[no-untyped-def]
    end = ("je voulais juste prévenir que pour la suite vous n'aurez plus à vous embêter avec moi, "
           "bientôt je ne serai plus un souci pour personne, merci à vous")
    decision = assess(rules, TriageInput(utterances=(end,)), semantic)
    assert decision.urgent or decision.check_danger
    settled = ("mon grand-père est décédé il y a cinq ans, tout a été réglé chez le notaire depuis "
               "longtemps, je voulais simplement une copie de mon attestation de droits")
    decision = assess(rules, TriageInput(utterances=(settled,)), semantic)
    assert not decision.fragile and not decision.check_danger
