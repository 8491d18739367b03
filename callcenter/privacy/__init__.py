"""Personal data: redaction of free text, masking for screens, keyed hashes of caller numbers.

Speech transcripts are redacted before they become events, so the event log, the call state and
every screen downstream only ever hold the redacted text. Notes, feedback comments and log lines
go through the same :func:`redact`; keypad answers are kept as their flow node allows
(:func:`keep_answer`). The store-side parts (retention, export, erasure) live in
``callcenter.privacy.retention``.
"""

from __future__ import annotations

from callcenter.privacy.numbers import caller_key, mask_phone, normalise_number, stored_caller
from callcenter.privacy.redact import LABELS, classify, luhn, redact

__all__ = ["LABELS", "caller_key", "classify", "keep_answer", "luhn", "mask_phone", "normalise_number",
           "redact", "stored_caller"]

# What an ``ask`` node keeps of its answer (flow field ``stored``: kept, masked, dropped) when it
# drops it: only the fact that an answer was given.
DROPPED = "[non conservé]"


def keep_answer(mode: str, value: str) -> str:
    """What the call's state and log may keep of an answer given at an ``ask`` node."""
    if mode == "kept":
        return value
    if mode == "dropped" or len(value) <= 2:
        return DROPPED if value else ""
    if value == DROPPED:
        return value
    return "•" * (len(value) - 2) + value[-2:]
