"""The SMS that confirms a booking, a move or a cancellation: plain French, at most two segments.

Twilio bills and splits by segment: 160 GSM-7 characters alone, 153 each when split; one character
outside GSM-7 (ç, ê, ô...) turns the whole message into UCS-2 (70, then 67). Letters outside GSM-7
are written without their accent so the message stays in two GSM-7 segments.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from datetime import datetime
from typing import Any, Literal

from callcenter.hours.spoken import DAYS, MONTHS

GSM7 = set("@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZ"
           "ÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà")
GSM7_EXTENDED = set("^{}\\[~]|€")
MAX_SEGMENTS = 2
Kind = Literal["booked", "moved", "cancelled"]


def sms_segments(text: str) -> int:
    """How many segments Twilio sends ``text`` in."""
    if all(c in GSM7 or c in GSM7_EXTENDED for c in text):
        units = sum(2 if c in GSM7_EXTENDED else 1 for c in text)
        return 1 if units <= 160 else -(-units // 153)
    units = sum(2 if ord(c) > 0xFFFF else 1 for c in text)
    return 1 if units <= 70 else -(-units // 67)


def gsm7(text: str) -> str:
    """``text`` with every letter outside GSM-7 written without its accent (ç -> c, ô -> o)."""
    out = []
    for c in text:
        if c in GSM7 or c in GSM7_EXTENDED:
            out.append(c)
            continue
        base = "".join(b for b in unicodedata.normalize("NFKD", c) if not unicodedata.combining(b))
        out.append(base if base and all(b in GSM7 for b in base) else {"’": "'", "«": '"', "»": '"'}.get(c, "?"))
    return "".join(out)


def _when(slot: Mapping[str, Any]) -> str:
    when = datetime.fromisoformat(str(slot["start"]))
    day = "1er" if when.day == 1 else str(when.day)
    return f"{DAYS[when.weekday()]} {day} {MONTHS[when.month - 1]} {when.year} à {when.hour}h{when.minute:02d}"


def sms_text(kind: Kind, slot: Mapping[str, Any], reference: str) -> str:
    """The confirmation: what, when, how (by phone: we call the number of this call; in person:
    where), the reference, and how to change it. Cut (the address first) to two segments."""
    head = {"booked": "Rendez-vous confirmé", "moved": "Rendez-vous déplacé",
            "cancelled": "Rendez-vous annulé"}[kind]
    if kind == "cancelled":
        body = f"{head} : {_when(slot)}. Réf. {reference}."
        return gsm7(body)
    how = ("Nous vous appellerons au numéro de cet appel." if slot.get("channel") == "phone"
           else f"Lieu : {slot.get('agency', '')}, {slot.get('address', '')}".rstrip(", ") + ".")
    tail = f" Réf. {reference}. Pour annuler ou déplacer, rappelez-nous avec cette référence."
    text = gsm7(f"{head} : {_when(slot)}. {how}{tail}")
    while sms_segments(text) > MAX_SEGMENTS and len(how) > 10:
        how = how[: len(how) - 10].rstrip() + "…"
        text = gsm7(f"{head} : {_when(slot)}. {how}{tail}")
    return text
