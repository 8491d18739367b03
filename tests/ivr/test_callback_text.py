"""What callers hear and read around a callback: numbers checked and said, the last SMS short."""

from __future__ import annotations

import pytest

from callcenter.ivr.callback_text import french_number, sms_segments, sms_text, sms_units, spoken_number


@pytest.mark.parametrize(("keyed", "number"), [
    ("0612345678", "+33612345678"), ("0145678901", "+33145678901"), ("0912345678", "+33912345678"),
    ("+33712345678", "+33712345678"), ("0812345678", None), ("061234567", None), ("06123456789", None),
    ("1234567890", None), ("3312345678", None), ("", None),
], ids=lambda v: str(v))
def test_only_french_numbers_that_can_be_rung(keyed: str, number: str | None) -> None:
    assert french_number(keyed) == number


def test_numbers_are_said_in_pairs() -> None:
    assert spoken_number("+33612345678") == "06 12 34 56 78"


@pytest.mark.parametrize("week", [None, "du lundi au vendredi, de 8 heures 30 à midi et de 13 heures 30 à 16 heures 30",
                                  "le lundi, de 8 heures à midi; " * 12])
def test_the_last_sms_fits_two_gsm_parts(week: str | None) -> None:
    body = sms_text("+33900000000", 3, week)
    assert sms_units(body) is not None           # GSM 7-bit: 153 characters a part, not 67
    assert sms_segments(body) <= 2
    assert "Nous avons essayé 3 fois" in body and "09 00 00 00 00" in body and "etre rappelé" in body
    assert (week is not None and len(week) < 150) == ("du lundi au vendredi" in body)
