"""How many SMS segments a text costs, the way handsets and Twilio count them (3GPP TS 23.038).

A text written only with the GSM 03.38 alphabet (GSM-7) fits 160 characters in one SMS, or 153
per segment once it is split (the rest of each segment carries the joining header); a character
of the GSM-7 extension table (``€ [ ] { } | ^ ~ \\`` and form feed) takes two places, and never
straddles two segments. One character outside both tables makes the whole text UCS-2: 70 UTF-16
units in one SMS, 67 per segment, and a character outside the Basic Multilingual Plane (an emoji)
takes two units that stay in the same segment. French accents are partly in GSM-7 (é è à ù ì ò
É Ç) and partly not (ê â î ô û ç œ « » ’): one ``ê`` halves what a segment carries.

Pure: no I/O. Used by ``kb check`` and the tests to keep caller SMS within two segments.
"""

from __future__ import annotations

from dataclasses import dataclass

# GSM 03.38 basic character set, in table order (0x1B, the escape, is left out).
GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
# Reached through the escape character: two septets each.
GSM7_EXTENSION = frozenset("\f^{}\\[~]|€")

GSM7_SINGLE, GSM7_PART = 160, 153
UCS2_SINGLE, UCS2_PART = 70, 67
# What the service aims at for a caller's SMS (docs/operations.md, "SMS").
MAX_SEGMENTS = 2


@dataclass(frozen=True)
class SmsCount:
    """``encoding`` ("GSM-7" or "UCS-2"), the ``units`` it takes (septets, or UTF-16 units), the
    ``segments`` sent, and the characters that forced UCS-2 (empty for GSM-7)."""

    encoding: str
    units: int
    segments: int
    not_gsm: tuple[str, ...] = ()


def is_gsm7(text: str) -> bool:
    return all(c in GSM7_BASIC or c in GSM7_EXTENSION for c in text)


def _weights(text: str, gsm: bool) -> list[int]:
    if gsm:
        return [2 if c in GSM7_EXTENSION else 1 for c in text]
    return [2 if ord(c) > 0xFFFF else 1 for c in text]


def _split(weights: list[int], part: int) -> int:
    """Segments when each must hold at most ``part`` units and no character is cut in two."""
    segments, used = 1, 0
    for w in weights:
        if used + w > part:
            segments, used = segments + 1, 0
        used += w
    return segments


def count_segments(text: str) -> SmsCount:
    """The encoding and number of segments of ``text`` (an empty text is one segment)."""
    gsm = is_gsm7(text)
    weights = _weights(text, gsm)
    units = sum(weights)
    single, part = (GSM7_SINGLE, GSM7_PART) if gsm else (UCS2_SINGLE, UCS2_PART)
    segments = 1 if units <= single else _split(weights, part)
    odd = () if gsm else tuple(dict.fromkeys(c for c in text if c not in GSM7_BASIC and c not in GSM7_EXTENSION))
    return SmsCount("GSM-7" if gsm else "UCS-2", units, segments, odd)


def too_long(text: str, max_segments: int = MAX_SEGMENTS) -> str | None:
    """Why ``text`` exceeds ``max_segments`` in words, or ``None`` when it fits."""
    found = count_segments(text)
    if found.segments <= max_segments:
        return None
    why = f"{found.segments} SMS segments ({found.encoding}, {found.units} units; at most {max_segments})"
    if found.not_gsm:
        shown = " ".join(repr(c) for c in found.not_gsm[:6])
        why += f"; {shown} force UCS-2"
    return why
