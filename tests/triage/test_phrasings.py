"""Each reason, said in many ways by callers, and near misses that must stay neutral.

The sentences in fixtures/phrasings.jsonl were written for these tests (spoken French, missing
punctuation and accents, regional turns); none comes from the evaluation set.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from callcenter.triage import TriageRules

from .helpers import said

CASES = [json.loads(line) for line in
         (Path(__file__).parent / "fixtures" / "phrasings.jsonl").read_text(encoding="utf-8").splitlines()
         if line.strip()]


@pytest.mark.parametrize("case", CASES, ids=[c["text"][:60] for c in CASES])
def test_phrasing(rules: TriageRules, case: dict) -> None:
    decision = said(rules, case["text"])
    assert (decision.fragile, decision.urgent) == (case["fragile"], case["urgent"]), decision
    assert set(case["reasons"]) <= set(decision.reason_ids), decision
    assert not set(case.get("not", ())) & set(decision.reason_ids), decision


def test_every_reason_of_the_rules_has_positive_sentences(rules: TriageRules) -> None:
    covered = {r for c in CASES for r in c["reasons"]}
    assert covered == set(rules.reasons)


def test_near_misses_are_a_real_share_of_the_cases() -> None:
    # Without enough neutral sentences, a rules file that flags everything would pass.
    assert sum(not c["fragile"] for c in CASES) >= 60
