"""How the triage reads French: negation, figures of speech, third persons, hypotheses, ASR."""

from __future__ import annotations

import pytest

from callcenter.triage import TriageRules

from .helpers import said, why_set_aside


@pytest.mark.parametrize(("text", "reason"), [
    ("je ne suis pas seul j'ai ma famille à côté", "isolement"),
    ("non je suis pas seule hein mon fils vit avec moi", "isolement"),
    ("je n'ai pas de problème de logement", "logement"),
    ("j'ai pas de souci de loyer je voulais juste une attestation", "logement"),
    ("je suis jamais allé à l'hôpital pour ça", "sante_handicap"),
])
def test_negated_statements_do_not_count(rules: TriageRules, text: str, reason: str) -> None:
    decision = said(rules, text)
    assert reason not in decision.reason_ids
    assert not decision.fragile


def test_a_negation_is_recorded_as_set_aside(rules: TriageRules) -> None:
    decision = said(rules, "je n'ai pas de problème de logement")
    assert why_set_aside(decision) == {"logement": "negated"}
    assert decision.set_aside[0].evidence == "problème de logement"


@pytest.mark.parametrize("text", [
    "je suis de plus en plus seule depuis l'hiver",
    "en plus je suis toute seule avec les enfants",
])
def test_plus_that_is_not_a_negation(rules: TriageRules, text: str) -> None:
    assert "isolement" in said(rules, text).reason_ids


def test_negative_statements_that_are_the_signal_itself(rules: TriageRules) -> None:
    # "plus rien", "pas d'internet": the negation is the fragility, not its denial.
    assert "sans_ressources" in said(rules, "plus de salaire plus rien pour vivre").reason_ids
    assert "exclusion_numerique" in said(rules, "j'ai même pas d'ordinateur").reason_ids


def test_a_new_clause_is_not_negated_by_the_previous_one(rules: TriageRules) -> None:
    decision = said(rules, "c'est pas facile je suis toute seule depuis la naissance")
    assert "isolement" in decision.reason_ids


@pytest.mark.parametrize("text", [
    "ça me tue ces délais",
    "ces démarches vont me tuer",
    "je meurs d'envie de retravailler",
    "je suis mort de rire",
    "je suis morte de fatigue avec les enfants",
    "ce site me rend folle",
])
def test_figures_of_speech_are_not_distress(rules: TriageRules, text: str) -> None:
    decision = said(rules, text)
    assert not decision.fragile and not decision.urgent and not decision.hints


@pytest.mark.parametrize(("text", "reason", "mask"), [
    ("je vais mourir de honte", "danger", "figure.mourir_de"),
    ("je voudrais en finir avec ce dossier", "danger", "figure.en_finir_avec"),
    ("je suis complètement à la rue avec ces papiers", "logement", "figure.a_la_rue_perdu"),
    ("je suis seul gérant de ma société", "isolement", "neutral.seul_responsable"),
])
def test_look_alikes_covered_by_a_figure_are_set_aside(rules: TriageRules, text: str, reason: str,
                                                       mask: str) -> None:
    decision = said(rules, text)
    assert not decision.fragile and not decision.urgent
    assert why_set_aside(decision) == {reason: mask}


def test_a_figure_does_not_hide_a_real_statement_elsewhere(rules: TriageRules) -> None:
    decision = said(rules, "je suis morte de peur il me frappe tous les soirs")
    assert decision.urgent and "danger" in decision.reason_ids


def test_a_third_persons_situation_is_set_aside(rules: TriageRules) -> None:
    decision = said(rules, "ma voisine est à la rue depuis hier")
    assert not decision.fragile
    assert why_set_aside(decision) == {"logement": "third_person"}


@pytest.mark.parametrize("text", [
    "mon frère il vit tout seul",
    "ma mère est hospitalisée depuis lundi",
    "les personnes handicapées ont-elles un accueil prioritaire",
    "j'ai une amie qui dort dans sa voiture",
])
def test_other_peoples_states_do_not_make_the_caller_fragile(rules: TriageRules, text: str) -> None:
    assert not said(rules, text).fragile


def test_the_caller_speaking_after_a_third_person_is_counted(rules: TriageRules) -> None:
    decision = said(rules, "ma voisine m'a dit d'appeler parce que je suis à la rue")
    assert "logement" in decision.reason_ids


def test_household_children_are_the_callers_situation(rules: TriageRules) -> None:
    assert "sans_ressources" in said(rules, "mes enfants ont faim").reason_ids


@pytest.mark.parametrize(("text", "numbers"), [
    ("mon voisin bat sa femme je l'entends crier", ("3919", "17")),
    ("la petite d'à côté est maltraitée par ses parents", ("119", "17")),
    ("mon fils parle de se suicider", ("3114", "15")),
])
def test_danger_to_anyone_is_urgent(rules: TriageRules, text: str, numbers: tuple[str, ...]) -> None:
    decision = said(rules, text)
    assert decision.urgent
    assert set(numbers) <= set(decision.emergency_numbers)


def test_deaths_of_close_people_are_the_callers_break(rules: TriageRules) -> None:
    assert "rupture" in said(rules, "ma mère est décédée la semaine dernière").reason_ids
    assert not said(rules, "ma collègue est décédée l'an dernier").fragile


@pytest.mark.parametrize("text", [
    "si je perds mon logement est-ce que je garde l'apl",
    "au cas où je me retrouve à la rue qui je dois appeler",
    "si jamais je suis hospitalisé qui touche mes indemnités",
])
def test_hypotheses_are_questions_not_situations(rules: TriageRules, text: str) -> None:
    decision = said(rules, text)
    assert not decision.fragile
    assert "hypothetical" in {s.why for s in decision.set_aside}


def test_politeness_is_not_a_hypothesis(rules: TriageRules) -> None:
    assert said(rules, "s'il vous plaît je suis à la rue avec mon bébé").fragile


def test_danger_is_counted_even_negated(rules: TriageRules) -> None:
    # Safety first: a caller who mentions suicide at all hears the prevention number.
    decision = said(rules, "non je pense pas au suicide")
    assert decision.urgent and "3114" in decision.emergency_numbers


@pytest.mark.parametrize("text", [
    "JE SUIS TOUTE SEULE",
    "je suis toute seule.",
    "je vis seule, sans personne",
    "je suis a decouvert",
    "jai plus rien sur le compte",
    "chuis à la rue",
    "j ai pas d ordinateur",
    "la m d p h m'a reconnu handicapé",
])
def test_speech_recognition_variants(rules: TriageRules, text: str) -> None:
    assert said(rules, text).fragile


def test_sentence_punctuation_bounds_a_phrase(rules: TriageRules) -> None:
    assert said(rules, "je suis seule").fragile
    assert not said(rules, "je suis. Seule la prime m'intéresse").fragile


def test_evidence_quotes_the_callers_own_words(rules: TriageRules) -> None:
    decision = said(rules, "Bonjour, j'ai plus un CENTIME, rien")
    assert decision.reasons[0].evidence == ("plus un CENTIME",)


def test_all_utterances_of_the_call_count(rules: TriageRules) -> None:
    decision = said(rules, "c'est pour la prime d'activité", "en fait je vis toute seule", "et j'ai pas internet")
    assert set(decision.reason_ids) == {"isolement", "exclusion_numerique"}
