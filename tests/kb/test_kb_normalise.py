from __future__ import annotations

import pytest

from callcenter.kb.normalise import analyse, fold, join_spelled_acronyms, stem, terms, words
from callcenter.kb.numbers import words_to_digits
from callcenter.kb.phonetic import phonetic_key


def test_fold_drops_case_accents_and_ligatures() -> None:
    assert fold("ÉLÈVE Œuvre Déjà Noël ça") == "eleve oeuvre deja noel ca"


def test_fold_unifies_typographic_apostrophes() -> None:
    # the elided article "l'" stays as "le" (a phrase boundary for corrections), a stop word
    assert words("l’aide d‘urgence") == words("l'aide d'urgence") == ["le", "aide", "urgence"]
    assert terms(words("l'aide d'urgence")) == terms(["aide", "urgence"])


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("l'attestation", ["le", "attestation"]),
        ("d'allocation", ["allocation"]),
        ("j'ai", ["ai"]),
        ("qu'il", ["il"]),
        ("jusqu'au", ["au"]),
        ("n'est", ["est"]),
        ("aujourd'hui", ["aujourd", "hui"]),  # no elision inside a word
    ],
)
def test_elisions(text: str, expected: list[str]) -> None:
    assert words(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("quatre-vingt-deux ans", ["82", "ans"]),
        ("née en soixante-cinq", ["nee", "en", "65"]),
        ("mille deux cents euros", ["1200", "euros"]),
        ("soixante et onze", ["71"]),
        ("quatre-vingt-dix-sept", ["97"]),
        ("deux mille vingt-six", ["2026"]),
        ("quatre-vingts pour cent", ["80", "pourcent"]),
        ("le dix du mois", ["le", "10", "du", "mois"]),
        ("un mois", ["un", "mois"]),  # an article stays a word
    ],
)
def test_numbers_in_words_become_digits(text: str, expected: list[str]) -> None:
    assert words(text) == expected


def test_numbers_keep_other_words_in_place() -> None:
    assert words_to_digits(["il", "a", "trois", "enfants"]) == ["il", "a", "3", "enfants"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("le r s a", ["le", "rsa"]),
        ("la d t r", ["la", "dtr"]),
        ("l'a à h", ["le", "aah"]),
        ("mon c p f", ["mon", "cpf"]),
        ("la m d p h", ["la", "mdph"]),
        ("le erre esse a", ["le", "rsa"]),
        ("il y a un an", ["il", "y", "a", "un", "an"]),  # not an acronym
        ("a de la", ["a", "de", "la"]),  # everyday words are not spelled letters
    ],
)
def test_spelled_acronyms_are_joined(text: str, expected: list[str]) -> None:
    assert words(text) == expected


def test_weak_letter_names_are_left_for_the_index() -> None:
    # "elle" is a pronoun far more often than the letter L: the index decides with its vocabulary.
    assert join_spelled_acronyms(["a", "pe", "elle"]) == ["ap", "elle"]


def test_analyse_drops_stop_words_and_keeps_negation_markers() -> None:
    assert analyse("euh bonjour je voudrais savoir") == []
    assert analyse("j'ai pas d'internet") == ["pas", "internet"]
    assert analyse("sans ordinateur") == ["sans", "ordin"]


@pytest.mark.parametrize(
    "family",
    [
        ("déclarer", "déclaration", "déclaré", "déclarée"),
        ("inscrire", "inscription", "inscrit", "inscris"),
        ("payer", "paiement", "payé"),
        ("radiation", "radié", "radiée"),
        ("allocation", "allocations"),
        ("vitale", "vital"),
    ],
)
def test_stemming_sends_a_word_family_to_one_term(family: tuple[str, ...]) -> None:
    assert len({stem(fold(w)) for w in family}) == 1


def test_stemming_keeps_acronyms_whole() -> None:
    assert [stem(w) for w in ("rsa", "apl", "cpam", "aspa")] == ["rsa", "apl", "cpam", "aspa"]


@pytest.mark.parametrize(("heard", "meant"), [("paul", "pole"), ("amelie", "ameli"), ("page", "paje")])
def test_phonetic_key_matches_homophones(heard: str, meant: str) -> None:
    assert phonetic_key(heard) == phonetic_key(meant)


def test_phonetic_key_separates_different_words() -> None:
    assert phonetic_key("carte") != phonetic_key("caf")


def test_long_body_names_become_the_short_name() -> None:
    # "caisse d'allocations familiales" is the body, not a question about allocations familiales.
    assert words("la caisse d'allocations familiales") == ["la", "caf"]
    assert words("caisse primaire d'assurance maladie") == ["cpam"]
    assert analyse("ma carte de sécurité sociale") == analyse("ma carte de sécu")


def test_familiar_words_meet_the_entries_words() -> None:
    assert analyse("mes gosses") == analyse("mes enfants")
    assert analyse("je bosse") == analyse("je travaille") == analyse("le boulot")
    assert analyse("mon toubib") == analyse("mon médecin")


def test_stemmer_keeps_apart_and_brings_together() -> None:
    assert stem("employeur") != stem("emploi")  # not the job seeker's "emploi"
    assert stem("bailleur") != stem("bail")
    assert stem("travaille") == stem("travail")
    assert stem("demandent") == stem("demande")  # third person plural
    assert stem("argent") == "argent" and stem("document") == "document"
