"""What the IVR says and understands around answers and emergencies (pure text helpers)."""

from __future__ import annotations

import re
from collections.abc import Sequence

from callcenter.ivr.matching import normalise, phrase_score
from callcenter.kb.organismes import SPOKEN_SOURCE

# What a caller may say after hearing an answer, besides keys 1-4.
FOLLOWUP_WORDS: dict[str, tuple[str, ...]] = {
    "1": ("repeter", "reecouter", "encore", "pas compris", "redire", "recommencer"),
    "2": ("sms", "texto", "message", "par ecrit", "envoyer", "envoyez", "recevoir"),
    "3": ("autre question", "une autre", "autre chose", "question"),
    "4": ("c est tout", "terminer", "merci", "au revoir", "c est bon", "ca ira", "non merci"),
}
SMS_LIMIT = 1600
URGENT_INTRO = "Votre sécurité passe avant tout."
URGENT_OUTRO = "Je vous passe tout de suite un conseiller, restez en ligne."


def followup_choice(text: str) -> str | None:
    """The key ("1".."4") a spoken follow-up means, or ``None`` when unclear or ambiguous."""
    norm = normalise(text)
    if norm in ("1", "2", "3", "4", "un", "deux", "trois", "quatre"):
        return {"un": "1", "deux": "2", "trois": "3", "quatre": "4"}.get(norm, norm)
    hits = {key for key, words in FOLLOWUP_WORDS.items() if any(phrase_score(norm, w) >= 100 for w in words)}
    if hits == {"3", "4"}:  # "non merci, pas d'autre question"
        return "4"
    return hits.pop() if len(hits) == 1 else None


def spoken_with_source(organisme: str, spoken_answer: str) -> str:
    """The spoken answer, naming the body whose rules it gives ("Selon la CAF, ...")."""
    source = SPOKEN_SOURCE.get(organisme)
    if not source or not spoken_answer:
        return spoken_answer
    return f"Selon {source} : {spoken_answer}"


def sms_body(title: str, written_answer: str, link: str, references: Sequence[str] = (),
             checked_on: str = "") -> str:
    """The SMS with the details: title, written answer, the legal references and the date the
    facts were checked, and the official link, within one long SMS (the answer is cut, never
    the references or the link)."""
    refs = f"\nRéf. : {' ; '.join(references)}" if references else ""
    checked = f"\nVérifié le {checked_on}" if checked_on else ""
    tail = f"{refs}{checked}" + (f"\n{link}" if link else "")
    body = f"{title}\n{written_answer.strip()}"
    room = SMS_LIMIT - len(tail)
    if len(body) > room:
        body = body[: room - 1].rstrip() + "…"
    return body + tail


# Plain GSM-7 words (no ê, ç, œ, « »): the link SMS stays within two segments (callcenter.sms).
ONLINE_SMS_TAIL = "Pour de l'aide, rappelez-nous et tapez 0."


def online_sms(label: str, url: str) -> str:
    """The SMS of the digital bridge: the procedure's name, its official link, and a person."""
    return f"{label.strip()} : {url}\n{ONLINE_SMS_TAIL}"


def can_text(number: str) -> bool:
    """Whether a caller number can receive an SMS (a French mobile, or an international number)."""
    digits = re.sub(r"[\s.-]", "", number)
    return bool(re.fullmatch(r"(\+33|0)[67]\d{8}", digits) or re.fullmatch(r"\+(?!33)\d{8,15}", digits))


def can_call_back(number: str) -> bool:
    """Whether a caller number can be called back (not hidden, and a real number)."""
    digits = re.sub(r"[\s.-]", "", number)
    return bool(re.fullmatch(r"\+?\d{8,15}", digits))


def spoken_number(number: str) -> str:
    """Emergency numbers as people say them: "31 14", "39 19", but "115" and "15" whole."""
    return f"{number[:2]} {number[2:]}" if len(number) == 4 else number


def spoken_label(label: str) -> str:
    label = label.replace("24h/24", "24 heures sur 24").replace("7j/7", "7 jours sur 7")
    return re.sub(r"[()]", "", label).strip()


def _listed(numbers: Sequence[tuple[str, str]]) -> str:
    return "; ".join(f"le {spoken_number(n)}, {spoken_label(label)}" for n, label in numbers)


def emergency_message(numbers: Sequence[tuple[str, str]]) -> str:
    """The emergency numbers that fit, with what they are, and nothing promised after them."""
    return f"{URGENT_INTRO} Si vous êtes en danger, appelez {_listed(numbers)}."


def emergency_reminder(numbers: Sequence[tuple[str, str]]) -> str:
    """The numbers again, before a caller in danger is let go without a person."""
    return f"En cas de danger, appelez {_listed(numbers)}."


def urgent_message(numbers: Sequence[tuple[str, str]]) -> str:
    """What an urgent caller hears before the transfer: the numbers that fit, with what they are."""
    return f"{emergency_message(numbers)} {URGENT_OUTRO}"


# The danger question: asked at once when the triage is in doubt (see triage/combine.py).
DANGER_QUESTION = ("Je voudrais m'assurer que vous allez bien. Êtes-vous en danger en ce moment ? "
                   "Dites oui, ou tapez 1. Sinon, dites non, ou tapez 2.")
DANGER_NO = "Merci de votre réponse. Continuons."
DANGER_PHRASES = ("oui", "non", "ouais", "ça va", "j'ai peur", "aidez-moi", "un", "deux")
# Said first: "pas en danger" contains "danger", and "non" must not be read inside "non non".
_DANGER_NO = ("non", "nan", "pas en danger", "pas du tout", "ca va", "tout va bien", "je vais bien",
              "pas vraiment", "je rigolais", "je plaisantais", "c etait une blague", "pas de danger")
_DANGER_YES = ("oui", "ouais", "ouai", "si", "en danger", "j ai peur", "aidez moi", "au secours", "aide moi",
               "il est la", "elle est la", "vite", "exactement", "bien sur")


def danger_answer(text: str) -> str | None:
    """"yes", "no", or ``None`` when the answer to the danger question is neither or both."""
    norm = normalise(text)
    if norm in ("un", "1", "deux", "2"):  # the keys, said
        return "yes" if norm in ("un", "1") else "no"
    says_no = any(phrase_score(norm, w) >= 100 for w in _DANGER_NO)
    rest = norm
    for w in _DANGER_NO:
        rest = re.sub(rf"\b{re.escape(w)}\b", " ", rest)
    says_yes = any(phrase_score(rest, w) >= 100 for w in _DANGER_YES)
    if says_no == says_yes:
        return None
    return "yes" if says_yes else "no"
