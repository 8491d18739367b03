"""French numbers written in words, turned into digits ("quatre-vingt-deux" -> "82").

Speech recognisers write numbers either way ("le cinq", "le 5"); callers and entries must meet on
one form, so every number said in words becomes digits before indexing or searching.
"""

from __future__ import annotations

from collections.abc import Sequence

_UNITS: dict[str, int] = {
    "zero": 0, "deux": 2, "trois": 3, "quatre": 4, "cinq": 5, "six": 6, "sept": 7,
    "huit": 8, "neuf": 9, "dix": 10, "onze": 11, "douze": 12, "treize": 13, "quatorze": 14,
    "quinze": 15, "seize": 16,
}
_TENS: dict[str, int] = {
    "vingt": 20, "vingts": 20, "trente": 30, "quarante": 40, "cinquante": 50, "soixante": 60,
    "septante": 70, "huitante": 80, "octante": 80, "nonante": 90,
}
_SCALES: dict[str, int] = {"cent": 100, "cents": 100, "mille": 1000, "mil": 1000}
# "un"/"une" are articles far more often than numbers; they count only inside a longer number.
_ONE = frozenset({"un", "une"})

NUMBER_WORDS = frozenset(_UNITS) | frozenset(_TENS) | frozenset(_SCALES)


def _value(words: Sequence[str]) -> int:
    total = 0
    current = 0
    previous = ""
    for word in words:
        if word.isdigit():
            current += int(word)
        elif word in _ONE:
            current += 1
        elif word in _UNITS:
            current += _UNITS[word]
        elif word in ("vingt", "vingts") and previous == "quatre":
            current += 80 - 4
        elif word in _TENS:
            current += _TENS[word]
        elif word in ("cent", "cents"):
            current = (current or 1) * 100 if current < 100 else current + 100
        elif word in ("mille", "mil"):
            total += (current or 1) * 1000
            current = 0
        previous = word
    return total + current


def words_to_digits(tokens: Sequence[str]) -> list[str]:
    """Replace each run of French number words by its value in digits.

    ``tokens`` are already folded (lower case, no accents, hyphens split). "et" joins a run only
    between number words ("vingt et un"); a lone "un"/"une" stays a word; "pour cent" becomes
    one token so a percentage is not read as the number 100.
    """
    out: list[str] = []
    i = 0
    n = len(tokens)
    while i < n:
        token = tokens[i]
        if token == "pour" and i + 1 < n and tokens[i + 1] in ("cent", "cents"):
            out.append("pourcent")
            i += 2
            continue
        if token in NUMBER_WORDS or (token in _ONE and i + 1 < n and tokens[i + 1] in _SCALES):
            run = [token]
            j = i + 1
            while j < n:
                nxt = tokens[j]
                if nxt == "pour" and j + 1 < n and tokens[j + 1] in ("cent", "cents"):
                    break
                if nxt in NUMBER_WORDS or (nxt in _ONE and run[-1] in _TENS):
                    run.append(nxt)
                    j += 1
                elif (nxt == "et" and j + 1 < n and tokens[j + 1] in ("un", "une", "onze")
                      and run[-1] in _TENS):
                    j += 1
                else:
                    break
            out.append(str(_value(run)))
            i = j
            continue
        out.append(token)
        i += 1
    return out
