"""The small phrase language of the rules file, compiled to regular expressions.

Reviewers of the rules are not all programmers, so phrases are written as words with a handful of
operators rather than as raw regular expressions::

    je (vis|suis|habite) [tout|toute] seul*       alternatives, optional part, word prefix
    plus ... manger                               up to three other words in between
    moi !{apres_moi}                              one word that is not in the named word list
    (mon|ma) {proches} est decede*                one of the words of a named list
    ^ moi _ pas                                   start of an utterance; any one word

Words are normalised exactly like the caller's text (see :mod:`callcenter.triage.text`), so
accents, apostrophes and hyphens in a phrase do not matter. A gap (``...``) never swallows a
negation word: ``je suis ... seul`` does not match ``je suis pas seul``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from callcenter.triage.text import TextSettings, normalise_words

GAP_WORDS = 3

_LEX = re.compile(r"\.\.\.|!\{[a-z0-9_]+\}|\{[a-z0-9_]+\}|[()\[\]|^]|[^\s()\[\]|{}^]+")
_WORD = r"[a-z0-9]+ "
_START = r"(?:(?<=\A )|(?<=\. ))"


class PhraseError(ValueError):
    """A phrase of the rules file cannot be compiled; the message says why."""


@dataclass(frozen=True)
class Vocabulary:
    """What phrases may refer to: normalisation settings, named word lists, negation words."""

    text: TextSettings
    lists: Mapping[str, tuple[tuple[str, ...], ...]]
    negation_cues: frozenset[str]


def compile_phrase(phrase: str, vocab: Vocabulary) -> re.Pattern[str]:
    """The regex of one phrase over a :class:`~callcenter.triage.text.Stream`; raise
    :class:`PhraseError` when it is malformed."""
    return re.compile("(?<= )" + _body(phrase, vocab))


def _body(phrase: str, vocab: Vocabulary) -> str:
    parser = _Parser(phrase, vocab)
    body, min_words = parser.alternatives()
    if parser.peek() is not None:
        raise PhraseError(f"phrase {phrase!r}: unexpected {parser.peek()!r}")
    if min_words == 0:
        raise PhraseError(f"phrase {phrase!r}: must require at least one word")
    return body


def _words(words: tuple[str, ...]) -> str:
    return "".join(re.escape(w) + " " for w in words)


class _Parser:
    def __init__(self, phrase: str, vocab: Vocabulary) -> None:
        self.phrase = phrase
        self.vocab = vocab
        self.items: list[str] = _LEX.findall(phrase)
        self.pos = 0

    def fail(self, why: str) -> PhraseError:
        return PhraseError(f"phrase {self.phrase!r}: {why}")

    def peek(self) -> str | None:
        return self.items[self.pos] if self.pos < len(self.items) else None

    def take(self) -> str:
        item = self.items[self.pos]
        self.pos += 1
        return item

    def alternatives(self) -> tuple[str, int]:
        options = [self.sequence()]
        while self.peek() == "|":
            self.take()
            options.append(self.sequence())
        if len(options) == 1:
            return options[0]
        return "(?:" + "|".join(o for o, _ in options) + ")", min(n for _, n in options)

    def sequence(self) -> tuple[str, int]:
        parts: list[str] = []
        count = 0
        while (item := self.peek()) is not None and item not in ("|", ")", "]"):
            body, n = self.item()
            parts.append(body)
            count += n
        return "".join(parts), count

    def closing(self, opener: str, closer: str) -> tuple[str, int]:
        body, n = self.alternatives()
        if self.peek() != closer:
            raise self.fail(f"{opener!r} is not closed by {closer!r}")
        self.take()
        if not body:
            raise self.fail(f"empty {opener}{closer}")
        return body, n

    def item(self) -> tuple[str, int]:
        item = self.take()
        if item == "(":
            body, n = self.closing("(", ")")
            return f"(?:{body})", n
        if item == "[":
            body, _ = self.closing("[", "]")
            return f"(?:{body})?", 0
        if item == "...":
            cues = "|".join(re.escape(c) for c in sorted(self.vocab.negation_cues))
            guard = f"(?!(?:{cues}) )" if cues else ""
            return f"(?:{guard}{_WORD}){{0,{GAP_WORDS}}}", 0
        if item == "^":
            return _START, 0
        if item == "_":
            return _WORD, 1
        if item.startswith("{") or item.startswith("!{"):
            return self.word_list(item)
        return self.word(item)

    def word_list(self, item: str) -> tuple[str, int]:
        negated = item.startswith("!")
        name = item.strip("!{}")
        if name not in self.vocab.lists:
            raise self.fail(f"unknown word list {{{name}}}")
        entries = sorted(self.vocab.lists[name], key=len, reverse=True)
        options = "|".join(_words(e) for e in entries)
        if negated:
            return f"(?!(?:{options})){_WORD}", 1
        return f"(?:{options})", min(len(e) for e in entries)

    def word(self, item: str) -> tuple[str, int]:
        prefix = item.endswith("*")
        stem = item[:-1] if prefix else item
        if "*" in stem:
            raise self.fail(f"'*' may only end a word, not {item!r}")
        if any(c in stem for c in ".!?;"):
            raise self.fail(f"punctuation in {item!r}")
        words = normalise_words(stem, self.vocab.text)
        if not words:
            # A word the normaliser drops (``ne``, ``euh``) matches nothing and needs nothing.
            return "", 0
        if not prefix:
            return _words(words), len(words)
        return _words(words[:-1]) + re.escape(words[-1]) + "[a-z0-9]* ", len(words)
