"""The fixed system wording in English, for callers who chose English (flow ``languages``). Pure.

The French sentences stay the source (callcenter/ivr/wording.py, engine.py, unstaffed.py,
clarify.py, telephony/twiml.py); this table gives each its English version, keyed by the French
text or template, so a sentence added in French without an English one is found by a test
(tests/ivr/test_languages.py) rather than read in French to an English caller; the appointment,
survey, online-link and callback dialogues have theirs in dialogues_en.py, found the same way.
Opening hours are not translated: an English caller is told the service is closed and asked to
call back during opening hours, without the hours themselves.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from callcenter.ivr import clarify, dialogues_en
from callcenter.ivr import wording as fr
from callcenter.ivr.matching import normalise, phrase_score

ENGLISH = "en"
# Said before a knowledge-base answer that exists in French only.
FRENCH_ONLY = "This answer is only available in French."
CLOSED_NO_HOURS = "Please call back during our opening hours."

# unstaffed.py's sentences are keyed by their text (it imports this module, not the reverse).
FIXED: dict[str, str] = {
    fr.DANGER_QUESTION: ("I want to make sure you are all right. Are you in danger right now? Say yes, or "
                         "press 1. Otherwise, say no, or press 2."),
    fr.DANGER_NO: "Thank you for your answer. Let us go on.",
    clarify.NOT_UNDERSTOOD: "All right. Please say your question another way, in a few words.",
    "Excusez-moi.": "Sorry.",
    "Notre service est fermé en ce moment.": "Our service is closed at the moment.",
    "Notre service est fermé aujourd'hui, jour férié.": "Our service is closed today, a public holiday.",
    "Notre service est exceptionnellement fermé aujourd'hui.": "Our service is exceptionally closed today.",
    "Aucun conseiller n'est disponible pour le moment.": "No adviser is available at the moment.",
    "Pour être rappelé à ce numéro après la réouverture, tapez 1.":
        "To be called back at this number after we reopen, press 1.",
    ("Pour être rappelé à ce numéro, tapez 1. Vous pouvez aussi rester en ligne, mais nous "
     "ne savons pas quand un conseiller sera libre."):
        ("To be called back at this number, press 1. You can also stay on the line, but we cannot say when "
         "an adviser will be free."),
    "Vous pouvez rester en ligne, mais nous ne savons pas quand un conseiller sera libre.":
        "You can stay on the line, but we cannot say when an adviser will be free.",
    "C'est noté. Un conseiller vous rappellera à ce numéro dès la réouverture.":
        "Thank you. An adviser will call you back at this number when we reopen.",
    "Merci de votre appel. Au revoir.": "Thank you for calling. Goodbye.",
    "Au revoir.": "Goodbye.",
}

# What a caller may say in English: after an answer (keys 1-4), to reach a person, to the danger
# question. Compared after the same normalisation as the French words.
FOLLOWUP_WORDS: dict[str, tuple[str, ...]] = {
    "1": ("repeat", "again", "say that again", "one more time", "didn t understand"),
    "2": ("text", "sms", "message", "send", "in writing"),
    "3": ("another question", "something else", "other question"),
    "4": ("that s all", "that is all", "done", "thank you", "thanks", "goodbye", "bye", "no thanks"),
}
HUMAN_WORDS = ("adviser", "advisor", "agent", "a person", "someone", "somebody", "operator", "human",
               "real person")
DANGER_PHRASES = ("yes", "no", "help", "i m scared", "one", "two")
_DANGER_NO = ("no", "not in danger", "i m fine", "i am fine", "i m ok", "all right", "not really")
_DANGER_YES = ("yes", "yeah", "in danger", "help", "i m scared", "i am scared", "help me")
_KEYS = {"one": "1", "two": "2", "three": "3", "four": "4"}


def fixed(text: str) -> str | None:
    """The English version of a fixed French sentence or template; ``None`` if there is none."""
    found = FIXED.get(text)
    return found if found is not None else dialogues_en.FIXED.get(text)


def followup_choice(text: str) -> str | None:
    norm = normalise(text)
    if norm in _KEYS or norm in ("1", "2", "3", "4"):
        return _KEYS.get(norm, norm)
    hits = {key for key, words in FOLLOWUP_WORDS.items() if any(phrase_score(norm, w) >= 100 for w in words)}
    if hits == {"3", "4"}:
        return "4"
    return hits.pop() if len(hits) == 1 else None


def danger_answer(text: str) -> str | None:
    norm = normalise(text)
    if norm in ("one", "1", "two", "2"):
        return "yes" if norm in ("one", "1") else "no"
    says_no = any(phrase_score(norm, w) >= 100 for w in _DANGER_NO)
    rest = norm
    for w in _DANGER_NO:
        rest = re.sub(rf"\b{re.escape(w)}\b", " ", rest)
    says_yes = any(phrase_score(rest, w) >= 100 for w in _DANGER_YES)
    if says_no == says_yes:
        return None
    return "yes" if says_yes else "no"


def _listed(numbers: Sequence[tuple[str, str]]) -> str:
    # The services' names stay French: they are what the caller will hear when they call.
    return "; ".join(f"{fr.spoken_number(n)}, {fr.spoken_label(label)}" for n, label in numbers)


def emergency_message(numbers: Sequence[tuple[str, str]]) -> str:
    return f"Your safety comes first. If you are in danger, call {_listed(numbers)}."


def emergency_reminder(numbers: Sequence[tuple[str, str]]) -> str:
    return f"If you are in danger, call {_listed(numbers)}."


def urgent_message(numbers: Sequence[tuple[str, str]]) -> str:
    return f"{emergency_message(numbers)} I am putting you through to an adviser right now, please stay on the line."


def callback_offer(minutes: int) -> str:
    return (f"The wait is estimated at about {minutes} minutes. To be called back without losing your place, "
            "press 1. Otherwise, stay on the line.")


CALLBACK_TAKEN = ("Thank you. An adviser will call you back at this number, in the order of your place in the "
                  "queue. Goodbye.")
SMS_FAILED = "Sorry, the text message could not be sent. To speak to an adviser, press 0, or say adviser."
QUEUE_FULL = "All our advisers are busy and we cannot keep you waiting. Please call again a little later. Goodbye."


def clarify_question(labels: Sequence[str]) -> str:
    """The clarifying question; the topics keep their French names (those of the knowledge base)."""
    if len(labels) == 1:
        return (f"Is your question about: {labels[0]}? Say yes, or press 1. Otherwise, say no, or press 2.")
    offers = [f"about: {text}, press {i}" for i, text in enumerate(labels, start=1)]
    return f"Is your question {', or '.join(offers)}? You can also say it. Otherwise, say no."


def also_offer(topic: str, key: str) -> str:
    return f"You also had a question about: {topic}. To hear it, say yes, or press {key}."


CLARIFY_YES = ("yes", "yeah", "that s it", "exactly", "right")
CLARIFY_NONE = ("no", "none", "neither", "something else", "not that")


def clarify_reply(text: str, count: int) -> int | None:
    """An English reply to the clarifying question: by number or yes/no (topics are French)."""
    norm = normalise(text)
    if norm in _KEYS or norm in ("1", "2", "3"):
        key = int(_KEYS.get(norm, norm))
        if count == 1:
            return {1: 1, 2: 0}.get(key)
        return key if key <= count else None
    if count == 1 and any(phrase_score(norm, w) >= 100 for w in CLARIFY_YES):
        return 1
    if any(phrase_score(norm, w) >= 100 for w in CLARIFY_NONE):
        return 0
    return None


HOLD = {
    "text": "Thank you for waiting, an adviser will answer you. Your call is important to us.",
    "position": "You are number {position} in the queue.",
    "wait": "The wait is estimated at about {minutes} minutes.",
    "nobody": ("No adviser is available at the moment. You keep your place, but we cannot say when an adviser "
               "will be free. You can also hang up and call again later."),
    "music": "Please stay on the line, your adviser will be back with you.",
}
