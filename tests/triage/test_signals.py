"""Behaviour in the voice menu, history with the service, profile facts: weak alone, decisive together."""

from __future__ import annotations

import json

import pytest

from callcenter.triage import TriageInput, TriageRules, assess

from .helpers import said


def test_a_quiet_neutral_call_is_not_fragile(rules: TriageRules) -> None:
    decision = said(rules, "c'est pour une attestation")
    assert (decision.fragile, decision.urgent, decision.score, decision.reasons) == (False, False, 0.0, ())


@pytest.mark.parametrize("facts", [
    {"no_input_count": 4},
    {"no_match_count": 2, "no_input_count": 1},
    {"calls_last_7_days": 5},
    {"unresolved_previous_calls": 3},
    {"missed_callbacks": 2},
    {"asked_for_person": True},
    {"seconds_in_ivr": 600.0},
    {"profile": frozenset({"minimum_income"})},
])
def test_one_signal_alone_is_a_hint_not_a_decision(rules: TriageRules, facts: dict) -> None:
    decision = said(rules, "c'est pour une attestation", **facts)
    assert not decision.fragile
    assert decision.reasons == ()
    assert len(decision.hints) == 1 and decision.score > 0


def test_struggling_in_the_menu_and_calling_again_and_again_is_fragile(rules: TriageRules) -> None:
    decision = said(rules, "euh", no_input_count=3, no_match_count=2, calls_last_7_days=4,
                    unresolved_previous_calls=2)
    assert decision.fragile and not decision.urgent
    assert set(decision.reason_ids) == {"exclusion_numerique", "detresse"}
    evidence = dict((r.id, r.evidence) for r in decision.reasons)
    assert "silences and misunderstood answers in the voice menu: 5" in evidence["exclusion_numerique"]
    assert "calls in the last 7 days: 4" in evidence["detresse"]
    assert "previous calls left unresolved: 2" in evidence["detresse"]


def test_below_the_thresholds_nothing_fires(rules: TriageRules) -> None:
    decision = said(rules, "euh", no_input_count=1, no_match_count=1, calls_last_7_days=2,
                    calls_last_30_days=5, unresolved_previous_calls=1, seconds_in_ivr=100.0)
    assert decision.score == 0.0 and not decision.hints


def test_profile_facts_strengthen_what_the_caller_says(rules: TriageRules) -> None:
    weak = "je sais pas comment je vais faire"
    assert not said(rules, weak).fragile
    decision = said(rules, weak, profile=frozenset({"minimum_income"}))
    assert decision.fragile
    assert set(decision.reason_ids) == {"sans_ressources", "detresse"}
    assert ("declared minimum-income beneficiary",) == decision.reasons[0].evidence


def test_both_profile_facts_add_up(rules: TriageRules) -> None:
    decision = said(rules, "bonjour", profile=frozenset({"minimum_income", "long_term_job_seeker"}))
    assert decision.score == pytest.approx(0.8)
    assert not decision.fragile


def test_unknown_profile_facts_change_nothing(rules: TriageRules) -> None:
    assert said(rules, "bonjour", profile=frozenset({"something_else"})).score == 0.0


def test_signals_add_to_a_statement(rules: TriageRules) -> None:
    decision = said(rules, "je sais pas comment faire", no_input_count=3, calls_last_7_days=3)
    assert decision.fragile
    assert decision.score == pytest.approx(0.5 + 0.5 + 0.4)


def test_the_decision_is_pure_and_json_ready(rules: TriageRules) -> None:
    call = TriageInput(("mon mari me frappe", "je dors dans la voiture"), no_input_count=3,
                       profile=frozenset({"minimum_income"}))
    first, second = assess(rules, call), assess(rules, call)
    assert first == second
    data = json.loads(json.dumps(first.to_dict()))
    assert data["urgent"] is True and data["rules_version"] == rules.version
    assert {r["id"] for r in data["reasons"]} >= {"danger", "logement", "sans_ressources"}
