"""Redaction of personal numbers and addresses from free text (transcripts, notes, log lines).

What is removed: phone numbers in every French form (``06 12 34 56 78``, ``06.12.34.56.78``,
``+33 6 ...``, ``+33 (0)6 ...``, ``0033 6 ...``, and spoken, "zéro six douze ..."), social
security numbers (NIR, 13 or 15 digits, Corsica's 2A/2B), card numbers (13 to 19 digits that pass
the Luhn check), IBANs, and e-mail addresses, written or spoken ("jean point dupont arobase gmail
point com").

What is kept on purpose: amounts, dates, years, postal codes, short service numbers (3949), and
7-digit allocataire numbers, which agents need and which identify a file, not a person's
contact (docs/operations.md, "Personal data").

Numbers are found as runs of digit groups (written digits, or spoken numbers read back by
:mod:`callcenter.privacy.spoken`) separated only by spaces, dots, dashes or brackets. Every
contiguous window of groups in a run is checked, so two numbers said one after the other are both
found, and a number is never missed because a neighbour was glued to it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from callcenter.privacy.spoken import NUMBER_WORDS, groups, is_number_word

LABELS = {"email": "[e-mail]", "iban": "[IBAN]", "nir": "[NIR]", "phone": "[téléphone]",
          "card": "[carte]"}

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
# Country letters in either case; the groups in capitals or digits, so words after it stay.
_IBAN = re.compile(r"\b[A-Za-z]{2}\d{2}(?:[ .-]?[A-Z0-9]{4}){2,7}(?:[ .-]?[A-Z0-9]{1,4})?\b")
# Corsica's NIR has a letter in its department (2A, 2B), so it is not a run of digits.
_NIR_CORSICA = re.compile(r"\b[12][ .-]?\d{2}[ .-]?\d{2}[ .-]?2[AB][ .-]?\d{3}[ .-]?\d{3}(?:[ .-]?\d{2})?\b",
                          re.IGNORECASE)
# Tokens: a word (letters, apostrophes inside), a run of digits, or a plus sign.
_TOKEN = re.compile(r"\+|\d+|[^\W\d_]+(?:['’][^\W\d_]+)*", re.UNICODE)
# What may stand between two groups of one number.
_JOIN = re.compile(r"[\s.\-()]*")
# Spoken e-mails: "arobase" (also as recognisers spell it) between a local part and a domain.
_AT_WORDS = ("arobase", "arrobase", "arobas", "arrobas", "at")
_DOT_WORDS = ("point", "dot")
_LINK_WORDS = ("point", "tiret", "underscore", "dot", "moins", "bas", "du", "tiret-bas")


@dataclass(frozen=True)
class _Group:
    digits: str
    start: int
    end: int
    plus: bool = False


def luhn(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def classify(digits: str, plus: bool = False) -> str | None:
    """What a string of digits is, if it is personal: "phone", "nir", "card" or None."""
    n = len(digits)
    national = None
    if plus and digits.startswith("33"):
        national = digits[2:]
    elif digits.startswith("0033"):
        national = digits[4:]
    if national is not None:
        # "+33 (0)6 ..." keeps the trunk zero in brackets.
        if len(national) == 10 and national[0] == "0":
            national = national[1:]
        if len(national) == 9 and national[0] != "0":
            return "phone"
        return None
    if n == 10 and digits[0] == "0" and digits[1] != "0":
        return "phone"
    if n in (13, 15) and digits[0] in "12" and (digits[3:5] in {f"{m:02d}" for m in range(1, 13)}
                                                 or "20" <= digits[3:5] <= "99"):
        return "nir"
    if 13 <= n <= 19 and luhn(digits):
        return "card"
    return None


def _spans(run: list[_Group]) -> list[tuple[int, int, str]]:
    """The personal numbers in one run: every window of groups, longest first, no overlaps."""
    found: list[tuple[int, int, str]] = []
    taken = [False] * len(run)
    for size in range(len(run), 0, -1):
        for first in range(0, len(run) - size + 1):
            window = run[first:first + size]
            if any(taken[first:first + size]):
                continue
            digits = "".join(g.digits for g in window)
            if len(digits) > 19:
                continue
            kind = classify(digits, window[0].plus)
            if kind is not None:
                found.append((window[0].start, window[-1].end, kind))
                for k in range(first, first + size):
                    taken[k] = True
    return found


def _number_runs(text: str) -> list[list[_Group]]:
    """Runs of digit groups (written or spoken) joined only by separators."""
    runs: list[list[_Group]] = []
    run: list[_Group] = []
    words: list[tuple[str, int, int]] = []  # pending spoken words of the current run
    plus_at: int | None = None
    last_end = 0

    def flush_words() -> None:
        if not words:
            return
        said = [w for w, _, _ in words]
        for digits, a, b in groups(said):
            plus = bool(plus_at is not None and not run and a == 0)
            start = plus_at if plus and plus_at is not None else words[a][1]
            run.append(_Group(digits, start, words[b - 1][2], plus))
        words.clear()

    def close() -> None:
        nonlocal plus_at
        flush_words()
        if run:
            runs.append(list(run))
            run.clear()
        plus_at = None

    for match in _TOKEN.finditer(text):
        token, start, end = match.group(), match.start(), match.end()
        between = text[last_end:start]
        if (run or words) and not _JOIN.fullmatch(between):
            close()
        low = token.lower()
        if token == "+" or low == "plus":
            close()
            plus_at = start
            last_end = end
            continue
        if token.isdigit():
            flush_words()
            plus = plus_at is not None and not run
            run.append(_Group(token, plus_at if plus and plus_at is not None else start, end, plus))
        elif low in NUMBER_WORDS and (is_number_word(low) or words):
            for part in low.split("-"):
                words.append((part, start, end))
        else:
            close()
        last_end = end
    close()
    return runs


def _split_hyphens(text: str) -> str:
    # "trente-quatre" and "quatre-vingt-dix" are one number with hyphens: read them as words.
    return re.sub(r"(?<=[^\W\d_])-(?=[^\W\d_])", " ", text)


def _numeric(token: str) -> bool:
    return token.isdigit() or all(is_number_word(part) for part in token.split("-"))


def _spoken_emails(text: str) -> list[tuple[int, int]]:
    tokens = [(m.group().lower(), m.start(), m.end()) for m in re.finditer(r"[\w.+-]+", text)]
    spans = []
    for i, (word, _start, _end) in enumerate(tokens):
        if word not in _AT_WORDS or i == 0 or i + 1 >= len(tokens):
            continue
        # The domain: a word, then at least one "point word" (or a written "gmail.com").
        j = i + 1
        end = tokens[j][2]
        dotted = "." in tokens[j][0].strip(".")
        j += 1
        while j + 1 < len(tokens) and tokens[j][0] in _DOT_WORDS:
            dotted = True
            end = tokens[j + 1][2]
            j += 2
        if not dotted:
            continue
        # The local part: the word before, and before it any words joined by "point", "tiret"...
        k = i - 1
        while k >= 1 and _numeric(tokens[k][0]):
            k -= 1  # digits said inside the address ("dupont quatre-vingt-douze arobase")
        while k >= 2 and tokens[k - 1][0] in _LINK_WORDS:
            k -= 2
            while k >= 1 and tokens[k][0] in _LINK_WORDS:  # "tiret du bas"
                k -= 1
        spans.append((tokens[k][1], end))
    return spans


def redact(text: str) -> str:
    """``text`` with phone numbers, NIRs, card numbers, IBANs and e-mails replaced by a label."""
    if not text:
        return text
    text = _EMAIL.sub(LABELS["email"], text)
    text = _IBAN.sub(LABELS["iban"], text)
    text = _NIR_CORSICA.sub(LABELS["nir"], text)
    spans: list[tuple[int, int, str]] = [(a, b, "email") for a, b in _spoken_emails(text)]
    flat = _split_hyphens(text)  # same length as text: offsets carry over
    for run in _number_runs(flat):
        spans.extend(_spans(run))
    if not spans:
        return text
    out: list[str] = []
    pos = 0
    for start, end, kind in sorted(spans):
        if start < pos:  # overlaps a span already replaced (a number in a spoken e-mail)
            pos = max(pos, end)
            continue
        out.append(text[pos:start])
        out.append(LABELS[kind])
        pos = end
    out.append(text[pos:])
    return "".join(out)
