"""Personal data is redacted from transcripts and masked on screens."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from callcenter.privacy import LABELS, caller_key, mask_phone, redact, stored_caller


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


@pytest.mark.parametrize(("text", "expected"), [
    ("0033 6 12 34 56 78", "[téléphone]"),
    ("+33 (0)6 12 34 56 78", "[téléphone]"),
    ("06.12.34.56.78 ou 07-98-76-54-32", "[téléphone] ou [téléphone]"),
    ("zéro six douze trente-quatre cinquante-six soixante-dix-huit", "[téléphone]"),
    ("zéro six douze trente quatre cinquante six soixante dix huit merci", "[téléphone] merci"),
    ("plus trente-trois six douze trente-quatre cinquante-six soixante-dix-huit", "[téléphone]"),
    ("carte 4970 1012 3456 7893", "carte [carte]"),
    ("1 85 05 2A 006 084 36", "[NIR]"),
    ("jean point dupont arobase gmail point com", "[e-mail]"),
    ("c'est fatou tiret du bas diallo arobase outlook point fr voilà", "c'est [e-mail] voilà"),
])
def test_more_forms_redacted(text: str, expected: str) -> None:
    assert redact(text) == expected


def test_a_card_number_failing_luhn_is_kept() -> None:
    # 16 digits that are not a card number (the Luhn check fails): an ordinary reference.
    assert redact("référence 4970 1012 3456 7898") == "référence 4970 1012 3456 7898"


def _set() -> list[dict[str, object]]:
    path = Path(__file__).parent / "fixtures" / "redaction.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_redaction_set_recall_is_one_and_precision_reported(capsys: pytest.CaptureFixture[str]) -> None:
    """Every personal number or address of the set, keyed or spoken, is replaced by its label, and
    nothing else of the sentence is touched; ordinary sentences stay as they are."""
    rows = _set()
    positives = [r for r in rows if r["kind"] != "none"]
    assert len(positives) >= 60 and {r["form"] for r in positives} == {"keyed", "spoken"}
    missed = []
    for row in positives:
        expected = str(row["text"]).replace(str(row["secret"]), LABELS[str(row["kind"])])
        if redact(str(row["text"])) != expected:
            missed.append(row["text"])
    assert missed == []
    negatives = [r for r in rows if r["kind"] == "none"]
    touched = [r for r in negatives if redact(str(r["text"])) != r["text"]]
    # Only the look-alikes listed as hard negatives may be touched (they are redacted on purpose).
    assert [r["text"] for r in touched if not r.get("hard")] == []
    precision = len(positives) / (len(positives) + len(touched))
    with capsys.disabled():
        print(f"\nredaction set: {len(positives)} positives, recall 1.00; {len(negatives)} negatives, "
              f"{len(touched)} redacted; precision {precision:.3f}")
    assert precision >= 0.95


def test_stored_caller_masks_numbers_and_keeps_user_addresses() -> None:
    assert stored_caller("+33612345678") == "+33 ••••••• 78"
    assert stored_caller("navigateur:alice") == "navigateur:alice"   # a logged-in user, not a line
    assert "2345" not in stored_caller("sip:+33612345678@trunk.example.com")


def test_numbers_in_any_form_hash_alike() -> None:
    key = b"k" * 32
    forms = ["+33612345678", "06 12 34 56 78", "0033612345678", "+33 6 12 34 56 78"]
    assert len({caller_key(key, f) for f in forms}) == 1
    assert caller_key(b"other", "+33612345678") != caller_key(key, "+33612345678")
    assert caller_key(key, "anonymous") is None and caller_key(key, "") is None
