"""Small helpers shared by the triage tests."""

from __future__ import annotations

from callcenter.triage import TriageDecision, TriageInput, TriageRules, assess


def said(rules: TriageRules, *utterances: str, **facts: object) -> TriageDecision:
    """The decision for a call where the caller said ``utterances``."""
    return assess(rules, TriageInput(utterances=tuple(utterances), **facts))  # type: ignore[arg-type]


def why_set_aside(decision: TriageDecision) -> dict[str, str]:
    """Reason id -> why its words were set aside (the last one wins)."""
    return {s.reason: s.why for s in decision.set_aside}
