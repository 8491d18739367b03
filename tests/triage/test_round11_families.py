"""Round 11 families (issue 9): the error families of batches 18-20 seen in two writers or more.

Danger: a treatment missing for days with a symptom now, a cold home for a frail or old caller,
the end planned (the way, the day), a joke taken back and then the real thing after a "but",
young children alone while the parent is held away. Fragility said as a plain fact: years on a
minimum benefit, an overdraft or what is left to live on said as a sum, a release from prison.
Near misses: care and security jobs, fiction and school work, scolding, a household's rate.

Every sentence here was written for these tests (none is from an evaluation set or the corpus).
The rule families are checked with the rules alone (so also without the model); the last tests
check the combined decision with the model.
"""

from __future__ import annotations

import pytest

from callcenter.triage import TriageInput, assess, load_semantic
from callcenter.triage.combine import Merged, RulesView, answered, merge
from callcenter.triage.semantic import Reading
from tests.triage.helpers import said, why_set_aside


@pytest.fixture(scope="module")
def semantic():  # type: ignore[no-untyped-def]
    return load_semantic()


# Family 1: a treatment missing for days, and a symptom now.
@pytest.mark.parametrize("text", [
    "mon père a plus ses comprimés pour le cœur depuis mardi et ce matin il a des douleurs dans la poitrine",
    "j'ai arrêté mon anticoagulant faute de mutuelle et j'ai la tête qui tourne depuis hier soir",
    "ma tante a plus son traitement contre l'épilepsie depuis cinq jours, elle a refait une crise cette nuit",
    "j'ai pas vu de médecin depuis trois ans et mon orteil devient tout noir, c'est pour la css",
])
def test_a_missing_treatment_with_a_symptom_now_is_urgent(rules, text: str) -> None:  # type: ignore[no-untyped-def]
    decision = said(rules, text)
    assert decision.urgent and "urgent.traitement_manquant_symptome" in decision.urgent_triggers, text
    assert "15" in decision.emergency_numbers


@pytest.mark.parametrize("text", [
    "j'ai des vertiges depuis que j'ai changé de lunettes, les verres sont-ils remboursés",
    "mon mari a plus ses médicaments depuis hier mais la pharmacie le dépanne demain matin",
])
def test_a_symptom_or_a_gap_alone_is_not_urgent(rules, text: str) -> None:  # type: ignore[no-untyped-def]
    assert not said(rules, text).urgent, text


# Family 2: cold at home for an old caller, or a night in a vehicle in freezing weather.
@pytest.mark.parametrize(("text", "trigger"), [
    ("on m'a coupé le chauffage, j'ai quatre-vingt-six ans et il fait quatre degrés dans le salon",
     "urgent.sans_energie_froid_age"),
    ("je dors dans ma camionnette depuis la séparation et cette nuit il fait moins sept",
     "urgent.vehicule_grand_froid"),
])
def test_cold_without_heating_for_the_frail_is_urgent(rules, text: str, trigger: str) -> None:  # type: ignore[no-untyped-def]
    decision = said(rules, text)
    assert decision.urgent and trigger in decision.urgent_triggers
    assert "115" in decision.emergency_numbers


def test_a_driver_sleeping_in_his_lorry_is_not_urgent(rules) -> None:  # type: ignore[no-untyped-def]
    decision = said(rules, "je suis chauffeur, je dors dans mon camion trois nuits par semaine, c'est pour mes frais")
    assert not decision.urgent and not decision.check_danger


# Family 3: the end planned without a danger word: the way thought over, the day chosen.
@pytest.mark.parametrize("text", [
    "je pense souvent à la façon de m'en aller, sinon c'était pour le dossier de mutuelle",
    "l'assurance décès paie-t-elle si l'assuré se donne la mort, je demande pour mes filles",
    "j'irai pas jusqu'à l'été, c'est décidé le jour, je voulais clôturer mon compte",
    "je vais régler ce problème moi-même une fois pour toutes, l'huissier aura plus rien à saisir",
    "le mois prochain je serai plus là pour me réinscrire, alors radiez-moi",
])
def test_the_end_planned_asks(rules, text: str) -> None:  # type: ignore[no-untyped-def]
    decision = said(rules, text)
    assert decision.check_danger or decision.urgent, text


@pytest.mark.parametrize("text", [
    "j'ai choisi la date de mon départ à la retraite, ce sera en septembre",
    "je vais régler ce problème de mot de passe moi-même, merci",
])
def test_an_ordinary_date_or_fix_does_not_ask(rules, text: str) -> None:  # type: ignore[no-untyped-def]
    decision = said(rules, text)
    assert not decision.check_danger and not decision.urgent, text


def test_commanding_voices_are_urgent(rules) -> None:  # type: ignore[no-untyped-def]
    decision = said(rules, "depuis que j'ai plus de traitement les voix me disent de me jeter du balcon")
    assert decision.urgent and "3114" in decision.emergency_numbers


# Family 4: a joke taken back only half, or followed by the real thing after a "but".
def test_a_joke_taken_back_only_half_is_not_a_retraction(rules) -> None:  # type: ignore[no-untyped-def]
    decision = said(rules, "demain je serai plus là, je plaisante, enfin à moitié, c'est pour la résiliation")
    assert decision.urgent or decision.check_danger
    assert why_set_aside(decision).get("danger") != "retracted"


def test_what_follows_a_retraction_and_a_but_is_read(rules, semantic) -> None:  # type: ignore[no-untyped-def]
    text = ("ce site va me tuer, je rigole, mais j'ai rangé les cachets de ma mère à côté de mon lit "
            "et je compte les prendre")
    decision = assess(rules, TriageInput(utterances=(text,)), semantic)
    assert decision.urgent or decision.check_danger


def test_a_joke_taken_back_then_a_question_stays_quiet(rules, semantic) -> None:  # type: ignore[no-untyped-def]
    text = "ce site va me rendre dingue, je rigole, mais c'est pour changer mon adresse mail"
    decision = assess(rules, TriageInput(utterances=(text,)), semantic)
    assert not decision.urgent and not decision.check_danger


# Family 5: young children alone at home while the parent is held away.
def test_children_alone_with_nobody_to_come_asks(rules) -> None:  # type: ignore[no-untyped-def]
    decision = said(rules, "on m'a gardé à l'hôpital et les petits sont seuls à la maison, personne peut y aller")
    assert decision.check_danger or decision.urgent


def test_teenagers_alone_after_school_do_not_ask(rules) -> None:  # type: ignore[no-untyped-def]
    decision = said(rules, "les jumeaux restent seuls à l'appart deux heures le soir, ils ont dix-sept ans, "
                           "quelle aide au baby-sitting")
    assert not decision.check_danger and not decision.urgent


def test_a_minor_gone_with_an_adult_is_urgent(rules) -> None:  # type: ignore[no-untyped-def]
    decision = said(rules, "notre petite de treize ans s'est enfuie avec un type de vingt-huit ans rencontré en ligne")
    assert decision.urgent and "119" in decision.emergency_numbers


def test_a_learner_days_without_food_is_urgent(rules) -> None:  # type: ignore[no-untyped-def]
    assert said(rules, "moi et mon fils pas mangé quatre jours, argent fini").urgent


# Fragility said as a plain fact.
@pytest.mark.parametrize("text", [
    "je vis avec le rsa depuis huit ans, c'est pour un changement de RIB",
    "solde à moins deux cent quarante, la banque bloque tout jusqu'au versement",
    "après les factures il me reste quarante euros pour finir le mois",
    "nous vivons à quatre avec sept cents euros, le loyer compris",
    "je sors de quatre ans de détention et j'ai aucun papier",
    "licenciée à cinquante-sept ans, ça fait deux ans, et mes droits sont épuisés",
    "ma mère a la maladie d'alzheimer, elle vit en maison de retraite et je fais tous ses papiers",
    "je m'exprime mal en français excusez, je veux inscrire mon fils à l'école",
])
def test_fragility_said_plainly(rules, text: str) -> None:  # type: ignore[no-untyped-def]
    assert said(rules, text).fragile, text


@pytest.mark.parametrize("text", [
    "il me reste cent euros à rembourser sur le trop-perçu, je peux payer par carte",
    "quand on vit seul sans enfant, la prime d'activité c'est combien",
    "le quotient familial quand on est célibataire sans enfant, comment il marche",
    "aide-soignant en soins palliatifs depuis dix ans, je demande le calcul de ma retraite",
    "j'accompagne des patients en fin de vie à l'hôpital, je voudrais une formation",
])
def test_a_sum_a_household_or_a_job_is_not_fragility(rules, text: str) -> None:  # type: ignore[no-untyped-def]
    assert not said(rules, text).fragile, text


# Near misses: a job, a story, a scolding, a past attack that is over.
@pytest.mark.parametrize("text", [
    "je suis vigile, on se fait menacer tous les samedis soirs, c'est le métier, c'est pour ma fiche de paie",
    "je prépare un exposé sur les violences faites aux femmes pour la fac, vous avez de la documentation",
    "j'écris un roman où la narratrice perd son emploi et finit par se suicider, comment marche le chômage",
    "vous allez me maudire, la signature manque encore sur le cerfa",
    "ils vont me pendre au boulot si j'apporte pas l'attestation lundi",
    "mon cousin a été attaqué au parking l'an dernier, il va bien aujourd'hui, je demande pour sa carte grise",
])
def test_danger_words_about_a_job_a_story_or_a_scolding_are_not_urgent(rules, text: str) -> None:  # type: ignore[no-untyped-def]
    assert not said(rules, text).urgent, text


# The combined decision: a caller asked the danger question is fragile until they answer when
# the semantic layer reads some fragility (0.30 since round 11, 0.50 before): most callers asked
# and read 0.30-0.50 fragile were callers in danger.
def test_a_caller_in_doubt_is_fragile_until_they_answer_from_a_lower_reading(semantic) -> None:  # type: ignore[no-untyped-def]
    assert semantic.threshold("doubt_fragile") == pytest.approx(0.30)
    nothing = RulesView(urgent=False, fragile=False, triggers=(), numbers=frozenset(), weights={}, evidence={},
                        lowered=False)
    text = "une phrase assez longue pour que la lecture sémantique soit prise en compte dans la décision"

    def doubt(fragile: float) -> Merged:
        reading = Reading(text, 0.6, fragile, {"detresse": fragile}, (), text)
        return merge(nothing, semantic, (reading,))

    assert doubt(0.35).check_danger and doubt(0.35).fragile and doubt(0.35).doubt_fragile
    assert not answered(doubt(0.35), "no").fragile
    assert doubt(0.2).check_danger and not doubt(0.2).fragile
