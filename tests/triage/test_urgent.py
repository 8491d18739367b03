"""The urgent path: what triggers it and which emergency numbers fit."""

from __future__ import annotations

import pytest

from callcenter.triage import TriageRules

from .helpers import said


@pytest.mark.parametrize(("text", "trigger", "numbers"), [
    ("je pense à en finir", "danger.suicide", ("3114", "15")),
    ("mon conjoint me frappe", "danger.violences", ("3919", "17", "114")),
    ("mon beau-père frappe les enfants", "danger.enfant", ("119", "17")),
    ("je sais pas où dormir ce soir", "logement.nulle_part", ("115",)),
    ("je fais un malaise", "danger.medical", ("15", "112")),
    ("c'est la dernière fois que j'appelle", "danger.suicide_signes", ("3114", "15")),
    ("il contrôle mon téléphone et mon argent", "danger.violences_controle", ("3919", "17", "114")),
    ("je peux pas parler il est à côté", "danger.parole_empechee", ("3919", "17", "114")),
    ("le mari de sa mère la touche la nuit", "danger.enfant_indirect", ("119", "17")),
    ("ma copine peut plus me garder ce soir", "logement.sans_nuit", ("115",)),
    ("ça fait quatre jours que j'ai rien mangé", "danger.sans_manger", ("15",)),
    ("je mange un jour sur deux pour que les petits aient à manger", "danger.sans_manger", ("15",)),
])
def test_each_urgent_trigger_gives_its_numbers(rules: TriageRules, text: str, trigger: str,
                                               numbers: tuple[str, ...]) -> None:
    decision = said(rules, text)
    assert decision.urgent and decision.fragile
    assert decision.urgent_triggers == (trigger,)
    assert decision.emergency_numbers == numbers


@pytest.mark.parametrize(("utterances", "combination", "number"), [
    (("on dort dans la voiture", "avec mes deux enfants"), "urgent.dehors_avec_enfants", "115"),
    (("je dors dehors et il fait très froid",), "urgent.dehors_par_grand_froid", "115"),
    (("ils m'ont coupé l'électricité", "je suis sous oxygène"), "urgent.energie_coupee_appareil_vital", "15"),
    (("je suis à la rue", "c'est pour ce soir"), "urgent.dehors_ce_soir", "115"),
    (("j'ai 80 ans", "je dors dans ma voiture"), "urgent.dehors_personne_agee", "115"),
    (("j'ai donné mon chat à ma voisine", "j'en aurai plus besoin"), "urgent.don_affaires", "3114"),
    (("l'huissier passe demain matin", "pour l'expulsion"), "urgent.expulsion_demain", "115"),
])
def test_combinations_across_utterances(rules: TriageRules, utterances: tuple[str, ...],
                                        combination: str, number: str) -> None:
    decision = said(rules, *utterances)
    assert decision.urgent
    assert combination in decision.urgent_triggers
    assert number in decision.emergency_numbers


def test_half_a_combination_is_fragile_but_not_urgent(rules: TriageRules) -> None:
    for text in ("je dors dans ma voiture", "ils m'ont coupé l'électricité", "je suis sous oxygène"):
        decision = said(rules, text)
        assert decision.fragile and not decision.urgent, text


def test_emergency_numbers_follow_the_order_of_the_rules_file(rules: TriageRules) -> None:
    decision = said(rules, "il me frappe et je veux mourir")
    order = [n for n, _ in rules.emergency_numbers]
    assert list(decision.emergency_numbers) == sorted(decision.emergency_numbers, key=order.index)
    assert {"3114", "3919"} <= set(decision.emergency_numbers)


def test_every_emergency_number_has_a_label(rules: TriageRules) -> None:
    for number in ("3114", "3919", "119", "115", "15", "17", "112"):
        assert rules.emergency_label(number)


def test_not_urgent_means_no_numbers(rules: TriageRules) -> None:
    decision = said(rules, "je suis toute seule et j'ai plus rien")
    assert decision.fragile and not decision.urgent
    assert decision.emergency_numbers == () and decision.urgent_triggers == ()


@pytest.mark.parametrize("text", [
    "ça fait deux jours que j'ai pas mangé de viande",       # a diet, not hunger
    "il y a deux ans j'ai eu une expulsion demain je signe un bail",  # a past eviction, a new lease
    "j'ai pas mangé depuis ce matin c'est le ramadan",       # hours, not days
])
def test_near_misses_of_hunger_and_eviction_are_not_urgent(rules: TriageRules, text: str) -> None:
    assert not said(rules, text).urgent
