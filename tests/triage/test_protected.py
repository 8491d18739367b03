"""The triage never uses nationality, origin, religion or a residence permit."""

from __future__ import annotations

import pytest

from callcenter.triage import TriageRules

from .helpers import said

BASES = [
    "c'est pour la date de paiement de la prime d'activité",
    "je suis toute seule et j'ai plus rien sur le compte",
    "mon mari me frappe",
]
ADDITIONS = [
    "je suis algérienne",
    "je viens du maroc",
    "je suis né au portugal",
    "je suis musulman",
    "je suis juive",
    "je suis catholique pratiquant",
    "je suis étranger",
    "je suis réfugié",
    "j'ai un titre de séjour",
    "mon nom c'est mohamed",
    "je suis noire",
    "je suis sans papiers",
]


@pytest.mark.parametrize("addition", ADDITIONS)
@pytest.mark.parametrize("base", BASES)
def test_origin_religion_and_status_change_nothing(rules: TriageRules, base: str, addition: str) -> None:
    plain = said(rules, base)
    decided = said(rules, f"{addition} {base}")
    assert (decided.fragile, decided.urgent, decided.score, decided.reason_ids) == \
        (plain.fragile, plain.urgent, plain.score, plain.reason_ids)
    assert said(rules, addition).score == 0.0


def test_speaking_another_language_is_about_french_not_origin(rules: TriageRules) -> None:
    assert "langue" in said(rules, "je parle pas bien le français").reason_ids
    assert not said(rules, "je suis portugais je parle français depuis toujours").fragile
