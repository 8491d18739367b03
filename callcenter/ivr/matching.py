"""Match what a caller said against a menu's options and the way out to a person.

Speech arrives as recogniser output: no punctuation, accents sometimes lost, words split or
misheard. Phrases are compared on normalised tokens first, then fuzzily for longer words.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

from rapidfuzz import fuzz

from callcenter.flows.model import MenuOption

SPOKEN_KEYS = {
    "zero": "0", "un": "1", "une": "1", "deux": "2", "trois": "3", "quatre": "4", "cinq": "5",
    "six": "6", "sept": "7", "huit": "8", "neuf": "9", "etoile": "*", "diese": "#",
}
# Words callers put around a key they say aloud: "le un", "tapez deux", "touche trois".
KEY_FILLERS = frozenset({"le", "la", "l", "touche", "tapez", "tape", "taper", "option", "choix",
                         "numero", "je", "veux", "voudrais", "c", "est", "euh", "alors", "bah"})
FUZZY_MIN_LENGTH = 5
FUZZY_THRESHOLD = 88.0


def normalise(text: str) -> str:
    """Lower case, no accents, apostrophes and hyphens as spaces, single spaces.

    Letters of other scripts are kept (NFC recomposes what NFKD split, e.g. Hangul syllables).
    """
    text = unicodedata.normalize("NFKD", text.lower())
    text = unicodedata.normalize("NFC", "".join(c for c in text if not unicodedata.combining(c)))
    text = re.sub(r"[^\w*#]+|_", " ", text)
    return " ".join(text.split())


def _contains(tokens: Sequence[str], phrase: Sequence[str]) -> bool:
    n = len(phrase)
    return any(list(tokens[i:i + n]) == list(phrase) for i in range(len(tokens) - n + 1))


def phrase_score(text: str, phrase: str) -> float:
    """How well ``phrase`` appears in ``text`` (both normalised); 0 when it does not."""
    p_tokens = phrase.split()
    if not p_tokens:
        return 0.0
    if _contains(text.split(), p_tokens):
        return 100.0 + len(phrase)
    if len(phrase) >= FUZZY_MIN_LENGTH and fuzz.partial_ratio(phrase, text) >= FUZZY_THRESHOLD:
        return float(len(phrase))
    return 0.0


def spoken_key(text: str) -> str | None:
    """The key a caller said aloud ("le deux", "tapez 3"), if that is all they said."""
    words = [w for w in normalise(text).split() if w not in KEY_FILLERS]
    if len(words) != 1:
        return None
    word = words[0]
    if len(word) == 1 and word in "0123456789*#":
        return word
    return SPOKEN_KEYS.get(word)


def asks_for_person(text: str, human_words: Sequence[str]) -> bool:
    norm = normalise(text)
    return any(phrase_score(norm, normalise(w)) >= 100.0 for w in human_words)


# Words that carry no request of their own around a service's name ("c'est pour la caf").
FILLERS = frozenset("""c est pour la le les l un une des de du d mes mon ma ses son sa je j ai suis
appelle appeler appel voudrais veux voulais aimerais question questions sur au aux a avec concernant
par rapport bonjour euh alors oui voila bah ben ben hein ca cela service dossier""".split())


def only_names(text: str, phrase: str) -> bool:
    """Whether ``text`` says nothing beyond ``phrase`` and filler words: a bare service name."""
    rest = normalise(text).split()
    for word in normalise(phrase).split():
        if word in rest:
            rest.remove(word)
    return all(w in FILLERS for w in rest)


def match_option(text: str, options: Sequence[MenuOption]) -> MenuOption | None:
    """The option the caller named; ``None`` when nothing matches or two options tie."""
    found = match_option_phrase(text, options)
    return None if found is None else found[0]


def match_option_phrase(text: str, options: Sequence[MenuOption]) -> tuple[MenuOption, str | None] | None:
    """Like :func:`match_option`, with the phrase that matched exactly (``None`` if by key or fuzzily)."""
    key = spoken_key(text)
    if key is not None:
        for option in options:
            if option.key == key:
                return option, None
    norm = normalise(text)
    exact: list[tuple[str, int]] = []
    fuzzy: list[tuple[float, int]] = []
    for index, option in enumerate(options):
        phrases = [normalise(w) for w in option.words]
        hits = [p for p in phrases if phrase_score(norm, p) >= 100.0]
        if hits:
            exact.append((max(hits, key=len), index))
            continue
        best = max((phrase_score(norm, p) for p in phrases), default=0.0)
        if best > 0:
            fuzzy.append((best, index))
    if exact:
        # "carte vitale" beats "carte" (it says more); two unrelated names are ambiguous.
        exact.sort(key=lambda hit: len(hit[0]), reverse=True)
        longest = exact[0][0]
        if all(other in longest for other, _ in exact[1:]):
            return options[exact[0][1]], longest
        return None
    if not fuzzy:
        return None
    fuzzy.sort(reverse=True)
    if len(fuzzy) > 1 and fuzzy[0][0] == fuzzy[1][0]:
        return None
    return options[fuzzy[0][1]], None
