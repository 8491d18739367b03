"""The numbers an answer states, in one comparable form, so each can be traced to a claim.

"48 heures" and "quarante-huit heures" are the same fact; "15 %" and "quinze pour cent" too; "1er
juillet" and "premier juillet"; "103,20 €" and "103.20 €"; a phone number in pairs of digits ("39
49", "trente-neuf quarante-neuf") is one number, "3949"; so is "2 700" (a thousands separator).
Pure: text in, a set of digit strings out.
"""

from __future__ import annotations

import re

from callcenter.kb.normalise import fold

_UNITS = {
    "zero": 0, "un": 1, "une": 1, "deux": 2, "trois": 3, "quatre": 4, "cinq": 5, "six": 6, "sept": 7,
    "huit": 8, "neuf": 9,
}
_TEENS = {"dix": 10, "onze": 11, "douze": 12, "treize": 13, "quatorze": 14, "quinze": 15, "seize": 16}
_TENS = {"vingt": 20, "vingts": 20, "trente": 30, "quarante": 40, "cinquante": 50, "soixante": 60,
         "septante": 70, "huitante": 80, "octante": 80, "nonante": 90}
_MONTHS = frozenset({"janvier", "fevrier", "mars", "avril", "mai", "juin", "juillet", "aout",
                     "septembre", "octobre", "novembre", "decembre"})
_ORDINAL_ONE = frozenset({"premier", "premiere"})

# A token: a decimal number ("103,20", "1.4"), a word, or letters and digits glued together.
_TOKEN = re.compile(r"[a-z0-9]+(?:[.,]\d+)?")
_DECIMAL = re.compile(r"^\d+(?:[.,]\d+)?$")
# "4e jour", "2nd", "1re", "3eme": the number of an ordinal; "8h30": an hour.
_ORDINAL = re.compile(r"^(\d+)(?:e|er|re|ere|eme|ieme|nd|nde)$")
_HOUR = re.compile(r"^(\d{1,2})h(\d{2})?$")
_LIST_MARKER = re.compile(r"(?m)^[ \t]*\d{1,2}[.)][ \t]")


class _Group:
    """One number being read in words: its value and the kind of the last word, to know when a
    new number starts ("trente-neuf quarante-neuf" is two numbers, "quatre-vingt-dix" one)."""

    def __init__(self) -> None:
        self.total = 0
        self.current = 0
        self.last = ""          # "unit", "teen", "tens", "cent", "mille"
        self.words: list[str] = []

    def value(self) -> int:
        return self.total + self.current

    def accepts(self, word: str) -> bool:
        if not self.words:
            return True
        last, prev = self.last, self.words[-1]
        if word in _UNITS:
            if last == "teen":                       # dix-sept, soixante-dix-huit
                return prev == "dix" and word in ("sept", "huit", "neuf")
            return last in ("tens", "cent", "mille") and not (last == "tens" and self.current % 10)
        if word in _TEENS:
            # soixante-dix, quatre-vingt-douze, cent dix
            return (last == "tens" and prev in ("soixante", "vingt", "vingts")) or last in ("cent", "mille")
        if word in ("vingt", "vingts") and prev == "quatre":
            return True
        if word in _TENS:
            return last in ("cent", "mille")
        if word in ("cent", "cents"):
            return last in ("unit", "mille")
        if word in ("mille", "mil"):
            return last in ("unit", "teen", "tens", "cent")
        return False

    def add(self, word: str) -> None:
        prev = self.words[-1] if self.words else ""
        if word in _UNITS:
            self.current += _UNITS[word]
            self.last = "unit"
        elif word in _TEENS:
            self.current += _TEENS[word]
            self.last = "teen"
        elif word in ("vingt", "vingts") and prev == "quatre":
            self.current += 80 - 4
            self.last = "tens"
        elif word in _TENS:
            self.current += _TENS[word]
            self.last = "tens"
        elif word in ("cent", "cents"):
            self.current = (self.current or 1) * 100
            self.last = "cent"
        elif word in ("mille", "mil"):
            self.total += (self.current or 1) * 1000
            self.current = 0
            self.last = "mille"
        self.words.append(word)


def _is_number_word(word: str) -> bool:
    return word in _UNITS or word in _TEENS or word in _TENS or word in ("cent", "cents", "mille", "mil")


def _tokens(text: str) -> list[tuple[str, bool]]:
    """Words and numbers, each with whether a single space precedes it (only then do two numbers
    read as one: "39 49", not "16, 18"). Identifiers such as a form or fiche number ("S3704",
    "F3053") are names, not amounts, and the numbers of a numbered list ("1. Envoi") are not facts."""
    folded = _LIST_MARKER.sub("\n", fold(text)).replace("'", " ").replace("-", " ")
    out: list[tuple[str, bool]] = []
    end = 0
    for match in _TOKEN.finditer(folded):
        token, spaced = match.group(0), folded[end:match.start()] in (" ", "\u00a0", "\u202f")
        end = match.end()
        if _DECIMAL.match(token) or token.isalpha():
            out.append((token, spaced))
        elif (m := _ORDINAL.match(token)) is not None:
            out.append((m.group(1), spaced))
        elif (m := _HOUR.match(token)) is not None:
            out.extend([(m.group(1), spaced), ("h", False)] + ([(m.group(2), False)] if m.group(2) else []))
        else:
            out.append(("_", spaced))            # an identifier: breaks a run of numbers
    return out


def numbers(text: str) -> list[str]:
    """The numbers ``text`` states, in order, each as digits ("48", "3949", "103,20", "1")."""
    pairs = _tokens(text)
    tokens = [t for t, _ in pairs]
    spaced = [s for _, s in pairs]
    found: list[tuple[int, int, str]] = []      # (first token, last token, number)
    i, n = 0, len(tokens)
    while i < n:
        token = tokens[i]
        nxt = tokens[i + 1] if i + 1 < n else ""
        if token == "pour" and nxt in ("cent", "cents"):
            i += 2                                   # "quinze pour cent": the percent sign
            continue
        if token == "_":
            i += 1
            continue
        if token in _ORDINAL_ONE and nxt in _MONTHS:
            found.append((i, i, "1"))
        elif token[0].isdigit():
            found.append((i, i, token.replace(".", ",")))
        elif (token == "et" and nxt in ("un", "une", "onze") and found and found[-1][1] == i - 1
              and found[-1][2].isdigit() and int(found[-1][2]) >= 20 and int(found[-1][2]) % 10 == 0):
            first, _, tens = found[-1]               # "vingt et un", "soixante et onze"
            found[-1] = (first, i + 1, str(int(tens) + (11 if nxt == "onze" else 1)))
            i += 2
            continue
        elif _is_number_word(token) and not (token in ("un", "une") and not _is_number_word(nxt)):
            group = _Group()
            j = i
            while j < n and _is_number_word(tokens[j]) and group.accepts(tokens[j]):
                if tokens[j] in ("cent", "cents") and j > 0 and tokens[j - 1] == "pour":
                    break
                group.add(tokens[j])
                j += 1
            found.append((i, j - 1, str(group.value())))
            i = j
            continue
        i += 1
    return _joined(found, spaced)


def _joined(found: list[tuple[int, int, str]], spaced: list[bool]) -> list[str]:
    """Numbers one space apart read as one: a phone number in groups ("39 49", "0 809 401 401",
    "01 23 45 67 89"), a thousands separator ("2 700")."""
    out: list[tuple[int, int, str]] = []
    for first, last, value in found:
        if out and out[-1][1] == first - 1 and spaced[first]:
            prev_first, _, prev = out[-1]
            if prev.isdigit() and value.isdigit() and (
                (len(value) == 3 and len(prev) <= 3)                        # 2 700, 1 600, 0 809
                or (len(value) == 2 and len(prev) >= 2 and len(prev) % 2 == 0)  # 39 49, 01 23 45
                or (prev.startswith("0") and len(value) in (2, 3))          # 0809 401 401
            ):
                out[-1] = (prev_first, last, prev + value)
                continue
        out.append((first, last, value))
    # "05/12" and "5 décembre" are the same day: no leading zero on short numbers.
    return [v.lstrip("0") or "0" if v.isdigit() and len(v) <= 2 else v for _, _, v in out]


def number_set(text: str) -> set[str]:
    return set(numbers(text))
