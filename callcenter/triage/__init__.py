"""Fragility triage: named, explainable reasons why a caller needs a person quickly or help now.

The core (:func:`assess`) is pure: rules and call facts in, a :class:`TriageDecision` out. The
rules (lexicon, weights, thresholds, emergency numbers) live in a reviewed, versioned YAML file,
bundled as ``callcenter/triage/fragility.yaml``; :func:`load_rules` is the only file reader.
See docs/triage.md.
"""

from __future__ import annotations

from callcenter.triage.assess import assess
from callcenter.triage.loader import (
    DEFAULT_RULES_PATH,
    RulesError,
    RulesHolder,
    RulesProblem,
    load_rules,
    parse_rules,
)
from callcenter.triage.model import Reason, SetAside, TriageDecision, TriageInput
from callcenter.triage.rules import TriageRules
from callcenter.triage.semantic import SemanticModel, SemanticUnavailable, load_semantic

__all__ = [
    "DEFAULT_RULES_PATH",
    "Reason",
    "RulesError",
    "RulesHolder",
    "RulesProblem",
    "SemanticModel",
    "SemanticUnavailable",
    "SetAside",
    "TriageDecision",
    "TriageInput",
    "TriageRules",
    "assess",
    "load_rules",
    "load_semantic",
    "parse_rules",
]
