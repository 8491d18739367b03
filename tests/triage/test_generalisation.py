"""Figures of the rules on the generalisation batches (see docs/triage.md, "Quality").

``generalisation_batch1.jsonl`` was written first and scored before the rules were tuned on it;
``generalisation_batch2.jsonl`` was written after the tuning and scored before any further change
(the honest estimate). Both stay as regression floors; ``score_fixtures.py`` prints the figures.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from callcenter.triage import TriageRules

from .score_fixtures import load_cases, score

FIXTURES = Path(__file__).parent / "fixtures"
BATCHES = ["generalisation_batch1.jsonl", "generalisation_batch2.jsonl"]


@pytest.mark.parametrize("name", BATCHES)
def test_batch_meets_the_targets(rules: TriageRules, name: str) -> None:
    s = score(rules, load_cases(FIXTURES / name))
    fragile_f1 = s.fragile_prf()[2]
    urgent_p, urgent_r, _ = s.urgent_prf()
    assert fragile_f1 >= 0.85, s.summary() + "\n" + "\n".join(s.errors)
    assert urgent_p >= 0.8, s.summary() + "\n" + "\n".join(s.errors)
    # One indirect phrasing of batch 1 is knowingly missed ("après je ferai ce que j'ai à
    # faire": also said by angry callers); every other urgent caller must be found.
    assert urgent_r >= 0.98, s.summary() + "\n" + "\n".join(s.errors)


def test_batch1_covers_every_reason_and_near_misses() -> None:
    cases = load_cases(FIXTURES / "generalisation_batch1.jsonl")
    for reason in ("danger", "sans_ressources", "logement", "isolement", "sante_handicap",
                   "exclusion_numerique", "rupture", "detresse", "langue"):
        assert sum(reason in c["reasons"] for c in cases) >= 40, reason
    assert sum(c["urgent"] for c in cases) >= 60
    assert sum(not c["fragile"] for c in cases) >= 150
