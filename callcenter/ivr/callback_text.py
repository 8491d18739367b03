"""What a caller hears and reads around a callback, in plain French for text-to-speech and SMS. Pure.

The IVR asks which number and when (``callcenter.ivr.callback``); the call placed back says who
calls and why and asks for a key; the last SMS says we could not reach them and how to call us.
"""

from __future__ import annotations

import re

# -- the IVR: which number, and when -----------------------------------------------------------------
CONFIRM_NUMBER = ("Nous vous rappellerons au {number}. Tapez 1 pour confirmer, ou tapez un autre numéro "
                  "de téléphone, suivi de la touche dièse.")
ASK_NUMBER = "Tapez le numéro de téléphone où vous rappeler, suivi de la touche dièse."
BAD_NUMBER = "Ce numéro n'est pas valide."
NO_NUMBER = "Nous n'avons pas pu noter de numéro pour vous rappeler."
NUMBER_TAKEN = "Nous vous rappellerons au numéro finissant par {last}."
ASAP = "Pour être rappelé dès que possible, tapez 1."
ASAP_CLOSED = "Pour être rappelé dès la réouverture, {moment}, tapez 1."
SLOT = "Pour être rappelé {moment}, tapez {key}."
NOT_UNDERSTOOD = "Je n'ai pas compris."
TAKEN_ASAP = "C'est noté. Un conseiller vous rappellera dès que possible, dans l'ordre de votre place."
TAKEN_SLOT = "C'est noté. Un conseiller vous rappellera {moment}."
GOODBYE = "Au revoir."

# -- the call placed back -------------------------------------------------------------------------------
GREETING = ("Bonjour, ici votre service public d'accueil téléphonique. Vous nous avez appelés {when} et "
            "avez demandé à être rappelé. Un conseiller est prêt à vous répondre. Pour lui parler, tapez 1.")
GREETING_AGAIN = "Pour parler au conseiller, tapez 1."
JOINING = "Merci. Nous vous mettons en relation."
NO_KEY = ("Nous n'avons pas eu de réponse. Nous essaierons de vous rappeler plus tard. Au revoir.")
STALE = "Ce rappel n'est plus en cours. Merci, au revoir."

# -- the last SMS (GSM 7-bit characters only, at most two segments) -------------------------------------
SMS = ("Bonjour. Vous avez demandé à être rappelé par notre service. Nous avons essayé {tries} fois "
       "sans vous joindre. Pour parler à un conseiller, appelez le {number}{hours}. Merci.")
SMS_HOURS = ", {week}"
SMS_SEGMENT = 153  # characters of one part of a long GSM 7-bit SMS
SMS_MAX_SEGMENTS = 2

# The GSM 03.38 basic character set (what one 7-bit SMS character can be), and its extension.
GSM7 = frozenset("@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                 "ÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà")
GSM7_EXT = frozenset("^{}\\[~]|€")


def french_number(number: str) -> str | None:
    """A number keyed by the caller in the canonical ``+33`` form, when it is a French number a
    callback can ring: ten digits, 01 to 07 or 09 (08 numbers can be charged or unreachable)."""
    digits = re.sub(r"\D", "", number)
    if re.fullmatch(r"0[1-79]\d{8}", digits):
        return "+33" + digits[1:]
    if re.fullmatch(r"33[1-79]\d{8}", digits) and number.strip().startswith("+"):
        return "+" + digits
    return None


def spoken_number(number: str) -> str:
    """+33612345678 -> "06 12 34 56 78" (read in pairs, as people say them)."""
    digits = re.sub(r"\D", "", number)
    if digits.startswith("33") and len(digits) == 11:
        digits = "0" + digits[2:]
    if len(digits) != 10:
        return " ".join(digits)
    return " ".join(digits[i:i + 2] for i in range(0, 10, 2))


def last_digits(number: str) -> str:
    digits = re.sub(r"\D", "", number)
    return " ".join(digits[-2:])


def sms_units(text: str) -> int | None:
    """Characters ``text`` takes in a GSM 7-bit SMS; ``None`` if it needs UCS-2 (70 a part)."""
    units = 0
    for ch in text:
        if ch in GSM7:
            units += 1
        elif ch in GSM7_EXT:
            units += 2
        else:
            return None
    return units


def sms_segments(text: str) -> int:
    units = sms_units(text)
    if units is None:
        return 1 if len(text) <= 70 else -(-len(text) // 67)
    return 1 if units <= 160 else -(-units // SMS_SEGMENT)


def _gsm(text: str) -> str:
    """Accents outside GSM 7-bit written without them (an SMS in UCS-2 holds 70 characters)."""
    table = str.maketrans({"â": "a", "ê": "e", "î": "i", "ô": "o", "û": "u", "ë": "e", "ï": "i", "ç": "c",
                           "Â": "A", "Ê": "E", "Î": "I", "Ô": "O", "Û": "U", "À": "A", "È": "E", "Ù": "U",
                           "’": "'", "«": '"', "»": '"'})
    return "".join(ch for ch in text.translate(table) if ch in GSM7 or ch in GSM7_EXT)


def sms_text(our_number: str, tries: int, week: str | None = None) -> str:
    """The last SMS; the opening hours only when they fit within two parts."""
    shown = spoken_number(our_number)
    if week:
        with_hours = _gsm(SMS.format(tries=tries, number=shown, hours=SMS_HOURS.format(week=week)))
        if sms_segments(with_hours) <= SMS_MAX_SEGMENTS:
            return with_hours
    return _gsm(SMS.format(tries=tries, number=shown, hours=""))
