"""Matching what callers say against menu options and the way out to a person."""

from __future__ import annotations

import pytest

from callcenter.flows import MenuOption
from callcenter.ivr.matching import asks_for_person, match_option, normalise, spoken_key

OPTIONS = (
    MenuOption(next="caf", key="1", words=("caf", "allocations familiales", "rsa", "r s a")),
    MenuOption(next="am", key="2", words=("carte vitale", "assurance maladie")),
    MenuOption(next="titres", key="3", words=("carte grise", "permis de conduire", "permis")),
)
HUMAN = ("conseiller", "conseillère", "une personne", "quelqu'un")


def test_normalise() -> None:
    assert normalise("J'AI perdu ma Carte-Vitale !") == "j ai perdu ma carte vitale"
    assert normalise("  Pôle   emploi ") == "pole emploi"


@pytest.mark.parametrize(("said", "expected"), [
    ("c'est pour le RSA", "caf"),
    ("r s a", "caf"),
    ("j'ai perdu ma carte vitale", "am"),
    ("ma carte grise", "titres"),
    ("le permis de conduire de mon fils", "titres"),
    ("allocation familiale", "caf"),           # singular, as often recognised
    ("assurence maladie", "am"),               # misspelt by the recogniser
    ("le deux", "am"),
    ("tapez trois", "titres"),
    ("1", "caf"),
])
def test_options_found(said: str, expected: str) -> None:
    option = match_option(said, OPTIONS)
    assert option is not None and option.next == expected


@pytest.mark.parametrize("said", [
    "bonjour",
    "la carte",                      # could be either card
    "le rsa et la carte grise",      # two different services named
    "douze",
])
def test_no_option(said: str) -> None:
    assert match_option(said, OPTIONS) is None


def test_spoken_key() -> None:
    assert spoken_key("euh le trois") == "3"
    assert spoken_key("étoile") == "*"
    assert spoken_key("le trois ou le quatre") is None


@pytest.mark.parametrize(("said", "expected"), [
    ("je voudrais parler à un conseiller", True),
    ("une conseillère s'il vous plaît", True),
    ("je veux parler à quelqu'un", True),
    ("c'est pour ma carte vitale", False),
    ("il n'y a personne chez moi", False),
])
def test_asks_for_person(said: str, expected: bool) -> None:
    assert asks_for_person(said, HUMAN) is expected
