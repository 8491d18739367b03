"""Personal data is redacted from transcripts and masked on screens."""

from __future__ import annotations

import pytest

from callcenter.privacy import mask_phone, redact


@pytest.mark.parametrize(("text", "expected"), [
    ("rappelez-moi au 06 12 34 56 78", "rappelez-moi au [téléphone]"),
    ("mon portable +33 6 12 34 56 78 merci", "mon portable [téléphone] merci"),
    ("c'est le 0612345678", "c'est le [téléphone]"),
    ("mon numéro de sécu 1 85 05 78 006 084 36", "mon numéro de sécu [NIR]"),
    ("numéro 2850578006084", "numéro [NIR]"),
    ("mon iban FR76 3000 6000 0112 3456 7890 189", "mon iban [IBAN]"),
    ("écrivez à jean.dupont@example.fr", "écrivez à [e-mail]"),
    ("jean arobase example point fr", "[e-mail]"),
])
def test_redacted(text: str, expected: str) -> None:
    assert redact(text) == expected


@pytest.mark.parametrize("text", [
    "j'ai trois enfants de 2 4 et 7 ans",
    "mon code postal est 75011",
    "je touche 635 euros par mois depuis 2024",
    "mon numéro d'allocataire 1234567",
])
def test_ordinary_numbers_are_kept(text: str) -> None:
    assert redact(text) == text


def test_mask_phone() -> None:
    assert mask_phone("+33612345678") == "+33 ••••••• 78"
    assert mask_phone(None) == "inconnu"
    assert "12345" not in mask_phone("0612345678")
