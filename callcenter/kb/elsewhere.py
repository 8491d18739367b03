"""Cues that a caller's request belongs to another administration or another procedure.

Callers ask the line about things no body behind it handles: papers for a wedding at the town
hall, declaring a death to the civil registry, a hunting or boating licence, naturalisation. Such a
sentence often shares a word with a topic ("permis" de chasse / permis de conduire, "décès" at the
état civil / a death declared to the CAF), and the shared word alone is enough for an answer. A cue
below, when the best entry does not itself use its words, keeps the search from answering at once:
it asks which topic (the caller can say "none") or hands over. Pure data and one pure function.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

# Normalised words (``normalise.words``: lower case, no accents, elisions dropped), not stems:
# "marier" (a wedding to come, the town hall's) is not "mariés" (a change the CAF must know).
CUES: tuple[tuple[str, ...], ...] = (
    # Civil registry, town hall procedures.
    ("etat", "civil"), ("acte", "de", "naissance"), ("acte", "naissance"), ("acte", "de", "deces"),
    ("acte", "deces"), ("acte", "de", "mariage"), ("acte", "mariage"), ("livret", "de", "famille"),
    ("marier",), ("publication", "des", "bans"), ("bans",), ("obseques",), ("enterrement",),
    ("cimetiere",), ("inhumation",), ("cremation",), ("permis", "de", "construire"), ("urbanisme",),
    ("cantine",), ("listes", "electorales"), ("liste", "electorale"), ("carte", "electeur"),
    ("carte", "electorale"), ("recensement", "militaire"),
    # Other licences and titles (prefecture, other ministries).
    ("chasse",), ("bateau",), ("peche",), ("port", "arme"), ("naturalisation",), ("nationalite",),
    ("titre", "de", "sejour"), ("visa",), ("casier", "judiciaire"), ("asile",),
    ("regroupement", "familial"), ("carte", "de", "resident"), ("carte", "resident"),
    # Cars and roads beyond the licence and the registration certificate.
    ("controle", "technique"), ("contravention",), ("amende",), ("antai",), ("fourriere",),
    # Employers, banks, insurers, a company's or a private health insurer.
    ("carte", "bancaire"), ("banquier",), ("banque",), ("mutuelle",), ("assureur",), ("assurance", "auto"),
    ("assurance", "voiture"), ("assurance", "habitation"), ("fiche", "de", "paie"),
    ("bulletin", "de", "salaire"), ("conges", "payes"), ("prudhommes",), ("prud", "hommes"),
    # Schools, energy suppliers, social housing offices, police and courts.
    # (Not a social landlord, a bailiff or a pupil's school year: callers name them as the reason
    # for a paper or a payment they ask us about.)
    ("ecole",), ("bourse", "scolaire"), ("edf",), ("engie",), ("electricite",), ("gaz",),
    ("cheque", "energie"), ("compteur",), ("caution",), ("commissariat",), ("gendarmerie",),
    ("police",), ("tribunal",), ("avocat",), ("urssaf",), ("sncf",), ("ratp",), ("navigo",),
    ("billet",),
    # Local transport (the town, the region or the operator): a bus pass, even a free one for
    # older people, is no pension ("la carte de bus gratuite pour les personnes âgées"). The pass
    # or the ticket, not the bus itself: "j'ai perdu ma carte vitale dans le bus" is ours.
    ("carte", "de", "bus"), ("carte", "bus"), ("abonnement", "de", "bus"), ("abonnement", "bus"),
    ("carte", "de", "transport"), ("titre", "de", "transport"), ("abonnement", "transport"),
    ("abonnement", "de", "transport"), ("ticket",), ("tickets",), ("pension", "alimentaire"),
    # The town's own services. (Not social housing: callers name it as the reason for a paper they
    # ask us for, "une attestation de paiement pour ma demande de logement social".)
    ("piscine",), ("mediatheque",), ("bibliotheque",), ("dechetterie",), ("poubelles",), ("ordures",),
    ("creche",), ("stationnement",),
)
# Two words anywhere in the sentence: a civil-status act named with the town hall ("déclarer le
# décès de mon père à la mairie"); either word alone is a topic's ("prévenir la caf d'un décès",
# "rendez-vous en mairie pour la carte d'identité").
PAIRED_CUES: tuple[tuple[str, ...], ...] = tuple(
    ("mairie", act) for act in ("deces", "decede", "decedee", "naissance", "mariage", "marie",
                                "mariee", "maries", "pacs", "pacser", "pacse", "pacsee", "pacses",
                                "divorce", "reconnaissance", "reconnaitre", "nom", "prenom")) + (
    # A salary the employer owes ("mon patron m'a pas versé mon salaire"): the employer's, then the
    # labour inspectorate's or the industrial tribunal's, not a benefit's payment date.
    ("patron", "salaire"), ("employeur", "salaire"), ("patronne", "salaire"))


# The cues by their first word: a sentence is read once, word by word, on every search.
_BY_FIRST: dict[str, tuple[tuple[str, ...], ...]] = {}
for _cue in CUES:
    _BY_FIRST[_cue[0]] = (*_BY_FIRST.get(_cue[0], ()), _cue)


def cues_in(heard: Sequence[str]) -> tuple[tuple[str, ...], ...]:
    """The cues found in a sentence's normalised words, in the order they are said (the paired
    cues after the others)."""
    found: list[tuple[str, ...]] = []
    for i, word in enumerate(heard):
        for cue in _BY_FIRST.get(word, ()):
            if cue not in found and tuple(heard[i:i + len(cue)]) == cue:
                found.append(cue)
    said = set(heard)
    found += [cue for cue in PAIRED_CUES if said.issuperset(cue)]
    return tuple(found)


def foreign_to(cues: Iterable[tuple[str, ...]], entry_words: frozenset[str]) -> bool:
    """Whether one of ``cues`` is not a thing the entry speaks of (its words are not all the
    entry's own): the entry is then not a safe answer to that sentence."""
    return any(not all(w in entry_words for w in cue if len(w) > 2) for cue in cues)
