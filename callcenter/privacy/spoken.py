"""French numbers as a recogniser writes them ("zéro six douze trente-quatre"), read back as digits.

Vosk writes every number in words, and callers say long numbers in pieces: a phone number in
pairs ("zéro six, douze, trente-quatre"), a social security number in its groups ("un,
quatre-vingt-cinq, zéro cinq"), a card number digit by digit. Each spoken piece becomes one group
of digits, written as the caller would have keyed it ("zéro" is "0", "douze" is "12", "six cent
quatre-vingt-quatre" is "684"); the redaction then checks runs of groups the way it checks
written digits. Pure functions, no I/O.
"""

from __future__ import annotations

UNITS = {"zéro": 0, "zero": 0, "un": 1, "une": 1, "deux": 2, "trois": 3, "quatre": 4, "cinq": 5,
         "six": 6, "sept": 7, "huit": 8, "neuf": 9}
TEENS = {"dix": 10, "onze": 11, "douze": 12, "treize": 13, "quatorze": 14, "quinze": 15, "seize": 16}
TENS = {"vingt": 20, "trente": 30, "quarante": 40, "cinquante": 50, "soixante": 60}
NUMBER_WORDS = frozenset({*UNITS, *TEENS, *TENS, "vingts", "cent", "cents", "mille", "et"})


def is_number_word(word: str) -> bool:
    return word in NUMBER_WORDS and word != "et"


def _below_hundred(words: list[str], i: int) -> tuple[int, int] | None:
    """A number below 100 starting at ``words[i]``: (value, next index), greedy like a listener."""
    n = len(words)
    w = words[i]
    if w == "quatre" and i + 1 < n and words[i + 1] in ("vingt", "vingts"):
        value, i = 80, i + 2
        rest = _teen_or_unit(words, i, allow_teen=True)
        if rest is not None and rest[0] != 0:
            return value + rest[0], rest[1]
        return value, i
    if w in TENS:
        value, i = TENS[w], i + 1
        if i + 1 < n and words[i] == "et" and words[i + 1] in ("un", "une", "onze"):
            return value + (1 if words[i + 1] != "onze" else 11), i + 2
        if w == "soixante":
            rest = _teen_or_unit(words, i, allow_teen=True)
            if rest is not None and rest[0] != 0:
                return value + rest[0], rest[1]
            return value, i
        rest = _teen_or_unit(words, i, allow_teen=False)
        if rest is not None and rest[0] != 0:
            return value + rest[0], rest[1]
        return value, i
    return _teen_or_unit(words, i, allow_teen=True)


def _teen_or_unit(words: list[str], i: int, *, allow_teen: bool) -> tuple[int, int] | None:
    if i >= len(words):
        return None
    w = words[i]
    if allow_teen and w == "dix" and i + 1 < len(words) and words[i + 1] in ("sept", "huit", "neuf"):
        return 10 + UNITS[words[i + 1]], i + 2
    if allow_teen and w in TEENS:
        return TEENS[w], i + 1
    if w in UNITS:
        return UNITS[w], i + 1
    return None


def _below_thousand(words: list[str], i: int) -> tuple[int, int] | None:
    n = len(words)
    if words[i] in ("cent", "cents"):
        hundreds, j = 1, i + 1
    elif words[i] in UNITS and words[i] not in ("zéro", "zero") and i + 1 < n and words[i + 1] in ("cent", "cents"):
        hundreds, j = UNITS[words[i]], i + 2
    else:
        return _below_hundred(words, i)
    rest = _below_hundred(words, j) if j < n else None
    if rest is not None and rest[0] != 0:
        return hundreds * 100 + rest[0], rest[1]
    return hundreds * 100, j


def groups(words: list[str]) -> list[tuple[str, int, int]]:
    """The digit groups said in ``words`` (all number words): (digits, first word, end word)."""
    out: list[tuple[str, int, int]] = []
    i = 0
    while i < len(words):
        if words[i] in ("zéro", "zero"):
            out.append(("0", i, i + 1))
            i += 1
            continue
        if words[i] == "mille":
            parsed: tuple[int, int] | None = (1000, i + 1)
        else:
            parsed = _below_thousand(words, i)
        if parsed is None:  # a stray "et" or "vingts"
            i += 1
            continue
        value, j = parsed
        if j < len(words) and words[j] == "mille" and value < 1000:
            value, j = value * 1000, j + 1
            rest = _below_thousand(words, j) if j < len(words) and words[j] not in ("zéro", "zero") else None
            if rest is not None:
                value, j = value + rest[0], rest[1]
        out.append((str(value), i, j))
        i = j
    return out
