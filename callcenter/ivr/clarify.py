"""The clarifying question: "is your question about X, or Y?" — wording and reading the reply.

When the knowledge search is unsure between two or three topics (or has one it is not sure of),
one question resolves almost every call (issue 10): cheaper for the caller than a wrong answer,
and cheaper for the service than a person. Pure text helpers; the engine decides when to ask.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from callcenter.ivr.matching import normalise, phrase_score
from callcenter.kb.normalise import terms, words

KEY_WORDS = {"un": "1", "deux": "2", "trois": "3", "1": "1", "2": "2", "3": "3"}
_ORDINALS = {"premier": 1, "premiere": 1, "deuxieme": 2, "second": 2, "seconde": 2, "troisieme": 3,
             "dernier": -1, "derniere": -1}
_YES = ("oui", "ouais", "c est ca", "exactement", "tout a fait", "voila", "bien sur", "c est bien ca")
_NONE = ("non", "aucun", "aucune", "ni l un ni l autre", "rien de tout ca", "autre chose", "pas ca",
         "ni l une ni l autre", "aucun des deux", "non plus")
# After an answer: the caller says it was not what they asked.
_NOT_THAT = ("pas ca", "c est pas ca", "ce n est pas ca", "l autre", "pas la bonne", "pas ma question",
             "pas ce que je", "vous avez pas compris", "vous n avez pas compris", "rien a voir",
             "c est pas la question", "ce n est pas la question", "pas du tout ca")
NOT_UNDERSTOOD = "D'accord. Dites votre question autrement, en quelques mots."


def label(title: str) -> str:
    """A topic's title as it is read in a question: without what is in brackets (lists and
    acronyms, long to hear), no trailing dot, first letter lowered."""
    # A lone acronym stays: callers know the RSA by its letters.
    text = re.sub(r"\s*\(([A-Z]{2,6})\)", r", \1", title)
    text = " ".join(re.sub(r"\([^)]*\)", " ", text).split()).strip().rstrip(".")
    first = text.split(" ", 1)[0]
    # Keep acronyms and proper names as written ("RSA", "France Travail").
    if len(first) > 1 and first[1:].islower():
        text = text[0].lower() + text[1:]
    return text


def question(labels: Sequence[str]) -> str:
    """One question offering one to three topics, answerable by voice or keys."""
    if len(labels) == 1:
        return (f"Votre question porte-t-elle sur : {labels[0]} ? "
                "Dites oui, ou tapez 1. Sinon, dites non, ou tapez 2.")
    offers = [f"sur : {text}, tapez {i}" for i, text in enumerate(labels, start=1)]
    listed = ", ou ".join(offers)
    return f"Votre question porte-t-elle {listed} ? Vous pouvez aussi le dire. Sinon, dites non."


def reply(text: str, labels: Sequence[str]) -> int | None:
    """What a spoken reply to ``question(labels)`` means: the 1-based choice, 0 for none of them,
    or ``None`` when it is not an answer to the question (maybe a new question)."""
    norm = normalise(text)
    if not norm:
        return None
    single = len(labels) == 1
    if norm in KEY_WORDS:
        key = int(KEY_WORDS[norm])
        if single:
            return {1: 1, 2: 0}.get(key)
        return key if key <= len(labels) else None
    for word, rank in _ORDINALS.items():
        if re.search(rf"\b{word}\b", norm) and not single:
            return len(labels) if rank == -1 else (rank if rank <= len(labels) else None)
    says_none = any(phrase_score(norm, w) >= 100 for w in _NONE)
    heard = set(terms(words(text)))
    shared = [len(heard & set(terms(words(t)))) for t in labels]
    top = max(shared)
    named = [i for i, n in enumerate(shared, start=1) if n == top and n > 0]
    if len(named) == 1 and not says_none:
        return named[0]
    if single and any(phrase_score(norm, w) >= 100 for w in _YES) and not says_none:
        return 1
    if says_none and not named:
        return 0
    return None


def digits_reply(digits: str, count: int) -> int | None:
    """What a key pressed at the question means (same values as ``reply``)."""
    if count == 1:
        return {"1": 1, "2": 0}.get(digits)
    return int(digits) if digits.isdigit() and 1 <= int(digits) <= count else None


def not_that(text: str) -> bool:
    """After an answer: "non, c'est pas ça", "l'autre" — the answer was not to their question."""
    norm = normalise(text)
    return any(phrase_score(norm, w) >= 100 for w in _NOT_THAT)


def also_offer(topic: str, key: str) -> str:
    """After the first answer: the caller's second question, offered."""
    return f"Vous aviez aussi une question sur : {topic}. Pour l'entendre, dites oui, ou tapez {key}."
