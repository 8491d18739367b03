"""How callers name each body, so every entry is also found by the name of the body behind it.

An entry says which body handles it (``organisme`` in the file); callers say "la caf", "la sécu",
"pôle emploi" (the old name of France Travail) or a misheard form of it. These names are indexed
with every entry of that body at a low weight: they separate "la caf n'a pas payé" from "le chômage
n'est pas arrivé" without outweighing the words of the question itself.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from types import MappingProxyType

from callcenter.kb.normalise import words

ORGANISME_NAMES: Mapping[str, tuple[str, ...]] = MappingProxyType({
    "caf": ("caf", "c a f", "la caf", "caisse d'allocations familiales", "allocations", "la gaffe",
            "msa"),
    "france_travail": ("france travail", "pôle emploi", "paul emploi", "pole emploi", "chômage"),
    "assurance_maladie": ("assurance maladie", "cpam", "c pam", "sécurité sociale", "sécu",
                          "caisse primaire", "ameli", "amélie"),
    "assurance_retraite": ("assurance retraite", "retraite", "carsat", "cnav", "caisse de retraite"),
    "impots": ("impôts", "impôt", "finances publiques", "trésor public", "fisc"),
    "ants": ("ants", "antes", "agence nationale des titres sécurisés", "préfecture", "mairie"),
    "tous": (),
})

# Names of a body that are also the name of one of its benefits: "non pas les allocs" rejects the
# allocations familiales, not every topic of the CAF ("... c'est pour l'aide au logement").
TOPIC_LIKE_NAMES: frozenset[str] = frozenset({"allocations", "chômage", "retraite"})

# Names that say which body the caller means and nothing else: not a benefit's name ("chômage",
# "retraite", "allocations") nor a place where several bodies' business is done ("mairie",
# "préfecture"). A sentence naming one of these bodies, and not the body of the best entry, is
# not answered at once: "changer mon adresse pour les impôts" is no change of situation at the CAF.
PLACE_NAMES: frozenset[str] = frozenset({"mairie", "préfecture"})


STRICT_NAMES: Mapping[tuple[str, ...], str] = MappingProxyType({
    tuple(words(name)): body for body, names in ORGANISME_NAMES.items() for name in names
    if name not in TOPIC_LIKE_NAMES and name not in PLACE_NAMES and words(name)
})


_BY_FIRST: dict[str, list[tuple[tuple[str, ...], str]]] = {}
for _name, _body in STRICT_NAMES.items():
    _BY_FIRST.setdefault(_name[0], []).append((_name, _body))


def bodies_named(heard: Sequence[str]) -> frozenset[str]:
    """The bodies a sentence's normalised words name by a strict name."""
    found = set()
    for i, word in enumerate(heard):
        for name, body in _BY_FIRST.get(word, ()):
            if tuple(heard[i:i + len(name)]) == name:
                found.add(body)
    return frozenset(found)


# The body named before a spoken answer ("Selon la CAF, ..."), so the caller knows whose rules
# they hear; none for topics common to every body.
SPOKEN_SOURCE: Mapping[str, str] = MappingProxyType({
    "caf": "la CAF",
    "france_travail": "France Travail",
    "assurance_maladie": "l'Assurance Maladie",
    "assurance_retraite": "l'Assurance retraite",
    "impots": "l'administration fiscale",
    "ants": "France Titres",
})
