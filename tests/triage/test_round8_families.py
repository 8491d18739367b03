"""Round 8 families (issue 9): callers in danger said without a danger word, fragility said plainly.

Joining a dead partner said with "je vais la rejoindre", a veiled threat taken back ("je sais pas
ce que je vais faire, enfin si je sais"), someone nobody has seen for days, a threat to come back
and finish, a family put out by changed locks; learners' French, a worn-out body or a stroke, a
job lost with a licence, a very old person "who has nobody".

Every sentence here was written for these tests (none is from an evaluation set or the corpus).
Each family has positives (read by the rules alone, so also without the model) and near misses.
"""

from __future__ import annotations

import pytest

from tests.triage.helpers import said


# Family 1: joining a dead (or gone) partner, said with "je vais".
@pytest.mark.parametrize("text", [
    "mon mari est décédé à la toussaint, je règle la succession et après je vais le rejoindre bientôt",
    "elle est partie au printemps ma chérie, moi je vais la retrouver là-haut, c'est pour la pension",
    "depuis qu'il est mort je compte le rejoindre, c'est décidé, je voulais savoir pour les obsèques",
])
def test_joining_a_dead_partner_asks(rules, text: str) -> None:  # type: ignore[no-untyped-def]
    decision = said(rules, text)
    assert decision.check_danger or decision.urgent, text


@pytest.mark.parametrize("text", [
    "ma fille habite à nantes, je vais la rejoindre à noël, il faut changer mon adresse",
    "mon fils travaille à lille je vais le rejoindre en train, c'est pour la carte de réduction",
])
def test_joining_a_living_relative_does_not_ask(rules, text: str) -> None:  # type: ignore[no-untyped-def]
    decision = said(rules, text)
    assert not decision.check_danger and not decision.urgent, text


# Family 2: a veiled threat, taken back at once.
@pytest.mark.parametrize("text", [
    "si la pension arrive pas demain je sais pas ce que je vais faire, ou plutôt si je sais très bien",
    "on me coupe tout, je sais plus ce que je vais faire mais si je le sais, bon c'est quand le versement",
])
def test_a_veiled_threat_asks(rules, text: str) -> None:  # type: ignore[no-untyped-def]
    decision = said(rules, text)
    assert decision.check_danger or decision.urgent, text


def test_not_knowing_what_to_do_alone_does_not_ask(rules) -> None:  # type: ignore[no-untyped-def]
    decision = said(rules, "je sais pas ce que je vais faire pour les vacances, est-ce que la caf aide pour la colo")
    assert not decision.check_danger and not decision.urgent


# Family 3: a child alone or an old neighbour nobody has seen for days.
@pytest.mark.parametrize("text", [
    "la dame d'en face ses volets restent fermés depuis cinq jours et elle a quatre-vingt-huit ans",
    "le papi du rez-de-chaussée, sa boîte aux lettres déborde, personne l'a vu depuis une semaine",
    "le garçon du dessus il a huit ans, il est tout seul à la maison depuis hier soir",
    "les deux petits d'à côté, leur mère est partie depuis avant-hier et ils pleurent",
])
def test_someone_alone_or_unseen_for_days_asks(rules, text: str) -> None:  # type: ignore[no-untyped-def]
    decision = said(rules, text)
    assert decision.check_danger or decision.urgent, text


@pytest.mark.parametrize("text", [
    "mon voisin est parti en vacances, il m'a demandé de relever son courrier, c'est pour sa procuration",
    "je suis seule à la maison depuis hier car mon mari est en déplacement, c'est pour la taxe foncière",
])
def test_an_ordinary_absence_does_not_ask(rules, text: str) -> None:  # type: ignore[no-untyped-def]
    decision = said(rules, text)
    assert not decision.check_danger and not decision.urgent, text


# Family 4: a threat to come back and finish.
def test_a_threat_to_come_back_and_finish_asks(rules) -> None:  # type: ignore[no-untyped-def]
    decision = said(rules, "je déménage en urgence, il m'a prévenue qu'il reviendrait terminer ce qu'il a commencé")
    assert decision.check_danger or decision.urgent


def test_finishing_what_one_started_at_work_does_not_ask(rules) -> None:  # type: ignore[no-untyped-def]
    decision = said(rules, "je voudrais finir ce que j'ai commencé comme formation, est-ce que france travail la paie")
    assert not decision.check_danger and not decision.urgent


# Family 5: put out today, the locks changed.
@pytest.mark.parametrize("text", [
    "l'agence a changé le barillet, nos meubles et nos papiers sont restés là-bas",
    "nous sommes sur le trottoir depuis ce midi avec les valises, on fait comment pour l'aide au logement",
])
def test_put_out_today_asks(rules, text: str) -> None:  # type: ignore[no-untyped-def]
    decision = said(rules, text)
    assert decision.check_danger or decision.urgent, text
    assert "logement" in decision.reason_ids


def test_an_ordinary_lock_change_does_not_ask(rules) -> None:  # type: ignore[no-untyped-def]
    decision = said(rules, "on a changé la serrure de la boîte aux lettres, est-ce que je dois le signaler à la poste")
    assert not decision.check_danger and not decision.urgent


# Family 6: learners' French and callers who cannot read French well.
@pytest.mark.parametrize("text", [
    "moi je travailler dans le nettoyage, contrat fini, je inscrire où",
    "mon mari et moi nous sais pas pour le formulaire de la crèche",
    "la lettre de la préfecture, comment on dit en français, renouveler",
    "j'arrive pas bien lire les lettres de la sécu, c'est ma voisine qui m'aide",
    "je prends des cours de français le soir, le formulaire de la caf est trop long",
    "le français écrit c'est dur pour moi, je parle le créole, les courriers je comprends pas",
])
def test_a_learner_or_a_poor_reader_is_fragile_for_langue(rules, text: str) -> None:  # type: ignore[no-untyped-def]
    decision = said(rules, text)
    assert decision.fragile and "langue" in decision.reason_ids, text


@pytest.mark.parametrize("text", [
    "je viens chercher mon attestation demain matin, vous êtes ouverts à quelle heure",
    "nous savons pas encore la date du déménagement, on peut prévenir la caf après",
    "comment on dit déjà, le numéro fiscal, c'est celui sur l'avis d'impôt",
])
def test_ordinary_french_is_not_langue(rules, text: str) -> None:  # type: ignore[no-untyped-def]
    decision = said(rules, text)
    assert "langue" not in decision.reason_ids, text


# Family 7: a worn-out body that stops work, a stroke named as an event.
@pytest.mark.parametrize("text", [
    "maçon depuis trente ans, le dos complètement foutu, je peux plus travailler, c'est quoi l'invalidité",
    "depuis mon infarctus je suis essoufflé au moindre effort, je voulais savoir pour le temps partiel",
    "après son a v c mon mari a besoin d'aide pour s'habiller",
])
def test_a_body_that_stops_work_is_fragile_for_health(rules, text: str) -> None:  # type: ignore[no-untyped-def]
    decision = said(rules, text)
    assert decision.fragile and "sante_handicap" in decision.reason_ids, text


def test_a_broken_object_is_not_health(rules) -> None:  # type: ignore[no-untyped-def]
    decision = said(rules, "mon téléphone est complètement foutu, je peux plus recevoir les codes de la banque")
    assert "sante_handicap" not in decision.reason_ids


# Family 8: a job lost with a licence or a vehicle.
@pytest.mark.parametrize("text", [
    "j'ai perdu le permis et du coup le travail de chauffeur, je m'inscris où",
    "on m'a suspendu le permis, je vais perdre mon poste à la fin du mois",
])
def test_a_job_lost_with_a_licence_is_a_rupture(rules, text: str) -> None:  # type: ignore[no-untyped-def]
    decision = said(rules, text)
    assert decision.fragile and "rupture" in decision.reason_ids, text


def test_a_lost_licence_card_is_not_a_rupture(rules) -> None:  # type: ignore[no-untyped-def]
    decision = said(rules, "j'ai perdu mon permis dans le train, c'est quoi la démarche pour le duplicata")
    assert "rupture" not in decision.reason_ids


# Family 9: a very old person who has nobody.
@pytest.mark.parametrize("text", [
    "ma tante a quatre-vingt-quinze ans elle a plus personne, c'est pour l'aide à domicile",
    "il a plus de famille, il a nonante ans le monsieur, je l'aide pour sa retraite",
])
def test_a_very_old_person_with_nobody_is_isolated(rules, text: str) -> None:  # type: ignore[no-untyped-def]
    decision = said(rules, text)
    assert decision.fragile and "isolement" in decision.reason_ids, text


def test_an_old_person_with_family_is_not_isolated(rules) -> None:  # type: ignore[no-untyped-def]
    decision = said(rules, "ma grand-mère a quatre-vingt-dix ans, toute la famille passe la voir, c'est pour l'apa")
    assert "isolement" not in decision.reason_ids
