"""Figures of the rules on the generalisation batches (see docs/triage.md, "Quality").

Each batch was written *before* the rules were tuned on it and scored first (the honest figure is
in docs/triage.md): ``generalisation_batch1.jsonl`` then ``batch2`` (rules ``2025.07-1``),
``batch3`` (120+ sentences, 60+ urgent, indirect danger and near misses) and ``batch4`` (written
after tuning on batch 3, the honest estimate of ``2025.08-1``). All stay as regression floors;
``score_fixtures.py`` prints the figures.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from callcenter.triage import TriageRules

from .helpers import said
from .score_fixtures import load_cases, score

FIXTURES = Path(__file__).parent / "fixtures"
BATCHES = ["generalisation_batch1.jsonl", "generalisation_batch2.jsonl",
           "generalisation_batch3.jsonl", "generalisation_batch4.jsonl"]

# Urgent callers knowingly missed, each said in words also used by callers who are not in
# danger; every other urgent caller of every batch must be found.
KNOWN_URGENT_MISSES = {
    # "ma décision est prise" / "que quelqu'un sache": also said of a file or a complaint.
    "ma décision est prise madame je voulais juste que quelqu'un sache",
}


@pytest.mark.parametrize("name", BATCHES)
def test_batch_meets_the_targets(rules: TriageRules, name: str) -> None:
    s = score(rules, load_cases(FIXTURES / name))
    fragile_f1 = s.fragile_prf()[2]
    urgent_p, _, _ = s.urgent_prf()
    assert fragile_f1 >= 0.85, s.summary() + "\n" + "\n".join(s.errors)
    assert urgent_p >= 0.8, s.summary() + "\n" + "\n".join(s.errors)


@pytest.mark.parametrize("name", BATCHES)
def test_every_urgent_caller_is_found(rules: TriageRules, name: str) -> None:
    missed = [c["text"] for c in load_cases(FIXTURES / name)
              if c["urgent"] and not said(rules, c["text"]).urgent]
    assert set(missed) <= KNOWN_URGENT_MISSES, missed


def test_batch1_covers_every_reason_and_near_misses() -> None:
    cases = load_cases(FIXTURES / "generalisation_batch1.jsonl")
    for reason in ("danger", "sans_ressources", "logement", "isolement", "sante_handicap",
                   "exclusion_numerique", "rupture", "detresse", "langue"):
        assert sum(reason in c["reasons"] for c in cases) >= 40, reason
    assert sum(c["urgent"] for c in cases) >= 60
    assert sum(not c["fragile"] for c in cases) >= 150


@pytest.mark.parametrize(("name", "total", "urgent", "near_misses"), [
    ("generalisation_batch3.jsonl", 120, 60, 40),
    ("generalisation_batch4.jsonl", 60, 25, 20),
])
def test_urgent_batches_are_large_enough(name: str, total: int, urgent: int,
                                         near_misses: int) -> None:
    cases = load_cases(FIXTURES / name)
    assert len(cases) >= total
    assert sum(c["urgent"] for c in cases) >= urgent
    assert sum(not c["urgent"] for c in cases) >= near_misses
