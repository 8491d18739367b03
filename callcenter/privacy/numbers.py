"""Caller numbers: one canonical form, a keyed hash for matching, a mask for screens."""

from __future__ import annotations

import hashlib
import hmac
import re


def normalise_number(number: str) -> str:
    """A French number in international form (``06 12 ...``, ``0033 6 ...`` -> ``+336...``); other
    numbers keep their digits with a leading ``+`` if they had one; SIP or client addresses stay."""
    raw = number.strip()
    digits = re.sub(r"\D", "", raw)
    if not digits or re.search(r"[A-Za-z@:]", raw):
        return raw.lower()
    if raw.startswith("+"):
        return "+" + digits
    if digits.startswith("00"):
        return "+" + digits[2:]
    if len(digits) == 10 and digits[0] == "0":
        return "+33" + digits[1:]
    return digits


def caller_key(key: bytes, number: str | None) -> str | None:
    """The keyed hash (HMAC-SHA256, hex) of a caller number: equal for the same person whatever
    form the network gave, useless without the key. None for a withheld number."""
    if not number or number.strip().lower() in ("anonymous", "unknown", "restricted", "private"):
        return None
    return hmac.new(key, normalise_number(number).encode(), hashlib.sha256).hexdigest()


def mask_phone(number: str | None) -> str:
    """A caller number fit for a screen: country and last two digits only."""
    if not number:
        return "inconnu"
    digits = re.sub(r"\D", "", number)
    if len(digits) < 4:
        return "•" * len(digits)
    prefix = "+" + digits[:2] if number.startswith("+") else digits[:1]
    return prefix + " " + "•" * (len(digits) - len(prefix.lstrip("+")) - 2) + " " + digits[-2:]


def stored_caller(caller: str) -> str:
    """What the calls table keeps of a caller: a number masked; a SIP address with its user part
    masked; an address without one (the browser phone's ``navigateur:alice``, a ``client:``
    identity) as it is, since it names a logged-in user, not a caller's line."""
    if len(re.sub(r"\D", "", caller)) >= 6:
        return mask_phone(caller)[:255]
    sip = re.fullmatch(r"(sips?:)([^@]+)@(.+)", caller)
    if sip:
        # A caller's SIP address names a person or a line: only its first letter and host stay.
        return f"{sip[1]}{sip[2][0]}•••@{sip[3]}"[:255]
    return caller[:255]
