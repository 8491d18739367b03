"""The phrase language of the rules file and the normalisation it runs on."""

from __future__ import annotations

import pytest

from callcenter.triage.phrases import PhraseError, Vocabulary, compile_phrase
from callcenter.triage.text import Stream, TextSettings, fold, normalise

SETTINGS = TextSettings(elisions={"j": "je", "m": "me"}, dropped=frozenset({"ne", "n", "euh"}),
                                                # Sources are stored normalised, elisions included ("m" -> "me").
                        rewrites={"me": ((("me", "d", "p", "h"), ("mdph",)),)})
VOCAB = Vocabulary(text=SETTINGS, lists={"proches": (("mari",), ("grand", "mere"))},
                   negation_cues=frozenset({"pas", "plus"}))


def matches(phrase: str, text: str) -> list[str]:
    stream = Stream.of(normalise(text, SETTINGS))
    pattern = compile_phrase(phrase, VOCAB)
    return [stream.quote(text, *stream.token_span(m.start(), m.end()))
            for m in pattern.finditer(stream.text)]


def test_normalisation_folds_accents_elisions_and_drops_particles() -> None:
    assert [t.norm for t in normalise("Je n'ai PLUS d'œuf, euh... à l'hôpital", SETTINGS)] == \
        ["je", "ai", "plus", "d", "oeuf", ".", ".", ".", "a", "l", "hopital"]
    assert fold("Ça Été") == "ca ete"


def test_rewrites_join_split_words_and_quote_the_whole_span() -> None:
    text = "la m d p h a dit"
    tokens = normalise(text, SETTINGS)
    assert [t.norm for t in tokens] == ["la", "mdph", "a", "dit"]
    assert text[tokens[1].start:tokens[1].end] == "m d p h"


@pytest.mark.parametrize(("phrase", "text", "found"), [
    ("j'ai plus rien", "je n'ai plus rien", ["je n'ai plus rien"]),
    ("je (vis|suis) [toute] seul*", "je vis seule et je suis toute seule", ["je vis seule", "je suis toute seule"]),
    ("seul*", "seulement", ["seulement"]),
    ("plus ... manger", "plus rien à manger", ["plus rien à manger"]),
    ("plus ... manger", "plus de quoi pouvoir bien manger", []),
    ("je suis ... seul", "je suis pas seul", []),
    ("(mon|ma) {proches} est parti", "ma grand-mère est partie, mon mari est parti", ["mon mari est parti"]),
    ("moi !{proches}", "moi mari moi pas", ["moi pas"]),
    ("^ moi _", "moi pas. moi aussi et moi non", ["moi pas", "moi aussi"]),
    ("l'hôpital", "L'HOPITAL", ["L'HOPITAL"]),
    ("ne pas", "pas", ["pas"]),
])
def test_phrase_language(phrase: str, text: str, found: list[str]) -> None:
    assert matches(phrase, text) == found


@pytest.mark.parametrize(("phrase", "message"), [
    ("(a|b", "is not closed"),
    ("a]", "unexpected ']'"),
    ("[a]", "at least one word"),
    ("ne", "at least one word"),
    ("se*ul", "'*' may only end a word"),
    ("{inconnue}", "unknown word list {inconnue}"),
    ("a.b", "punctuation"),
    ("()", "empty ()"),
])
def test_malformed_phrases_are_refused(phrase: str, message: str) -> None:
    with pytest.raises(PhraseError, match=message.replace("(", r"\(").replace(")", r"\)")
                       .replace("{", r"\{").replace("}", r"\}").replace("[", r"\[").replace("]", r"\]")):
        compile_phrase(phrase, VOCAB)
