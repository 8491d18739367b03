"""Turn a caller's utterance into the normalised word stream the lexicon is matched against.

Speech recognition gives lowercase words, often without punctuation, sometimes without accents or
apostrophes. Matching is therefore done on a canonical form: lowercase, no accents, elided clitics
spelled out (``j'`` -> ``je``), the negation particle ``ne`` and hesitations dropped, and a few
known misrecognitions rewritten. Every normalised token keeps the character span of the words it
came from, so evidence is always quoted in the caller's own words.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from collections.abc import Mapping
from dataclasses import dataclass

BOUNDARY = "."

_RAW_TOKEN = re.compile(r"[^\W_]+|[.!?;]")
_LIGATURES = str.maketrans({"œ": "oe", "æ": "ae", "ß": "ss"})


@dataclass(frozen=True)
class Token:
    """One normalised word; ``start``/``end`` index the original text."""

    norm: str
    start: int
    end: int


@dataclass(frozen=True)
class TextSettings:
    """How raw words become normalised tokens (all values already normalised)."""

    elisions: Mapping[str, str]
    dropped: frozenset[str]
    # First word -> (words to replace, replacement), longest first.
    rewrites: Mapping[str, tuple[tuple[tuple[str, ...], tuple[str, ...]], ...]]


def fold(word: str) -> str:
    """Lowercase and strip accents: ``Été`` -> ``ete``."""
    decomposed = unicodedata.normalize("NFKD", word.lower().translate(_LIGATURES))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def raw_words(text: str) -> list[tuple[str, int, int]]:
    """Split into folded words and sentence punctuation, with their spans in ``text``."""
    out = []
    for m in _RAW_TOKEN.finditer(text):
        word = m.group()
        out.append((BOUNDARY if word in ".!?;" else fold(word), m.start(), m.end()))
    return out


def normalise(text: str, settings: TextSettings) -> tuple[Token, ...]:
    """The canonical token stream of ``text``."""
    tokens = []
    for word, start, end in raw_words(text):
        word = settings.elisions.get(word, word)
        if word not in settings.dropped:
            tokens.append(Token(word, start, end))
    return _rewrite(tokens, settings.rewrites)


def normalise_words(words: str, settings: TextSettings) -> tuple[str, ...]:
    """Normalise a phrase written in a rules file exactly as caller text is normalised."""
    return tuple(t.norm for t in normalise(words, settings))


def _rewrite(tokens: list[Token],
             rewrites: Mapping[str, tuple[tuple[tuple[str, ...], tuple[str, ...]], ...]]
             ) -> tuple[Token, ...]:
    if not rewrites:
        return tuple(tokens)
    out: list[Token] = []
    i = 0
    while i < len(tokens):
        for source, target in rewrites.get(tokens[i].norm, ()):
            n = len(source)
            if tuple(t.norm for t in tokens[i:i + n]) == source:
                # The replacement words all quote the whole misrecognised span.
                start, end = tokens[i].start, tokens[i + n - 1].end
                out.extend(Token(word, start, end) for word in target)
                i += n
                break
        else:
            out.append(tokens[i])
            i += 1
    return tuple(out)


@dataclass(frozen=True)
class Stream:
    """Normalised tokens joined as `` w1 w2 w3 `` so compiled phrases can run over them."""

    text: str
    tokens: tuple[Token, ...]
    offsets: tuple[int, ...]

    @classmethod
    def of(cls, tokens: tuple[Token, ...]) -> Stream:
        offsets = []
        pos = 1
        for t in tokens:
            offsets.append(pos)
            pos += len(t.norm) + 1
        return cls(" " + " ".join(t.norm for t in tokens) + " ", tokens, tuple(offsets))

    def token_span(self, char_start: int, char_end: int) -> tuple[int, int]:
        """Token indices ``[first, last)`` covered by a match over ``text``."""
        first = bisect_right(self.offsets, char_start) - 1
        last = bisect_right(self.offsets, char_end - 2)
        return first, last

    def quote(self, original: str, first: int, last: int) -> str:
        """The caller's own words for tokens ``[first, last)``."""
        return original[self.tokens[first].start:self.tokens[last - 1].end]
