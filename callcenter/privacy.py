"""Personal data out of stored transcripts and logs: redaction and masking.

Speech transcripts are redacted before they become events, so the event log, the call state and
every screen downstream only ever hold the redacted text.
"""

from __future__ import annotations

import re

# Recognisers write long numbers with spaces between groups, so allow separators inside.
_SEP = r"[\s.\-]?"
_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("email", re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")),
    ("email", re.compile(r"\b[\w.+-]+ arobase [\w-]+(?: point [a-z]{2,6})+\b", re.IGNORECASE)),
    ("iban", re.compile(r"\b[A-Z]{2}\d{2}(?:" + _SEP + r"[A-Z0-9]{4}){2,7}(?:" + _SEP
                        + r"[A-Z0-9]{1,4})?\b", re.IGNORECASE)),
    # NIR (numéro de sécurité sociale): 13 digits (sex, year, month, place, order) + 2-digit key.
    ("nir", re.compile(r"\b[12]" + _SEP + r"\d{2}" + _SEP + r"(?:0[1-9]|1[0-2]|[2-9]\d)" + _SEP
                       + r"(?:\d{2}|2[AB])" + _SEP + r"\d{3}" + _SEP + r"\d{3}(?:" + _SEP
                       + r"\d{2})?\b", re.IGNORECASE)),
    ("phone", re.compile(r"(?:\+33" + _SEP + r"|\b0)[1-9](?:" + _SEP + r"\d{2}){4}\b")),
)
LABELS = {"email": "[e-mail]", "iban": "[IBAN]", "nir": "[NIR]", "phone": "[téléphone]"}


def redact(text: str) -> str:
    """``text`` with e-mails, IBANs, NIRs and phone numbers replaced by a label."""
    for kind, pattern in _PATTERNS:
        text = pattern.sub(LABELS[kind], text)
    return text


def mask_phone(number: str | None) -> str:
    """A caller number fit for a screen: country and last two digits only."""
    if not number:
        return "inconnu"
    digits = re.sub(r"\D", "", number)
    if len(digits) < 4:
        return "•" * len(digits)
    prefix = "+" + digits[:2] if number.startswith("+") else digits[:1]
    return prefix + " " + "•" * (len(digits) - len(prefix.lstrip("+")) - 2) + " " + digits[-2:]
