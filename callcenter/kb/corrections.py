"""What a caller rejects or adds in one sentence: "pas X, c'est Y", "et aussi Z".

Callers correct themselves ("non c'est pas pour la carte vitale c'est pour mes lunettes") and the
words they reject are often the strongest in the sentence: searched as they stand, they win. This
module finds, in the normalised words of a sentence, the spans the caller rejects and the point
where a second question starts. Pure; the search decides what to do with them.

Only explicit forms count: "c'est pas X", "ce n'est pas X", "non pas X", "mais pas X", "pas pour
X", "rien à voir avec X", "oubliez X", "laissez tomber X", a "pas" and an article that open the
sentence or follow a thing ("pas l'inscription, ...", "mes trimestres pas l'attestation"), "je me
suis trompé" or "non, je voulais dire" after X, and a negated wish or act that the caller then
turns round ("je veux pas m'inscrire, je veux juste m'actualiser", "non j'ai pas oublié mon mot de
passe, c'est que ..."). A bare "pas" after a verb ("j'ai pas reçu le courrier", "je touche pas le
chômage") is an ordinary negation, not a correction.

Callers also say which of two topics matters to them ("... mais c'est surtout les indemnités",
"le plus important c'est la carte vitale", "c'est la radiation qui compte", "... c'est ça le
souci"): that part is the ``focus``, and the search answers it first.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

# Words skipped at the start of a rejected span: "c'est pas POUR LA carte vitale".
_LEAD = frozenset({"pour", "la", "le", "les", "un", "une", "du", "des", "de", "mon", "ma", "mes",
                   "ça", "ca", "sur", "au", "aux", "a", "à"})
# Words that end a rejected span: the caller goes on to what they do want.
_END = frozenset({"est", "mais", "plutot", "plutôt", "que", "qui", "hein", "non", "je", "j",
                  "moi", "enfin", "juste", "seulement", "voila", "voilà",
                  "il", "elle", "ils", "elles", "on", "ca", "ça", "vous", "nous", "tu",
                  # "pas l'attestation de pôle emploi, celle de la sécu": the one wanted instead
                  "celle", "celui", "celles", "ceux"})
_MAX_SPAN = 6
_THE_ONE = frozenset({"celle", "celui", "celles", "ceux"})
# A second question: "... et aussi ...", "... et puis ...", "autre question ...".
_ALSO = (("et", "aussi"), ("et", "apres", "aussi"), ("et", "après", "aussi"), ("et", "puis", "aussi"),
         ("autre", "question"), ("deuxieme", "question"), ("deuxième", "question"),
         ("et", "egalement"), ("et", "également"), ("et", "puis"), ("apres", "aussi"),
         ("après", "aussi"))


@dataclass(frozen=True)
class Parts:
    """A sentence's words split into what to search, what the caller rejected, and a second question."""

    kept: tuple[str, ...]
    rejected: tuple[tuple[str, ...], ...] = ()
    # The words after a "et aussi"-like marker, when there is one (also still inside ``kept``).
    also: tuple[str, ...] = ()
    first: tuple[str, ...] = ()
    # The part of the sentence the caller says matters most, when they say so (within ``kept``).
    focus: tuple[str, ...] = ()


_DETERMINERS = frozenset({"la", "le", "les", "un", "une", "mon", "ma", "mes", "du"})
# After these, a determiner belongs to the same phrase: "la carte DE LA caf".
_LINKS = frozenset({"de", "des", "du", "a", "à", "pour", "sur", "avec", "au", "aux", "d"})


# After "est pas" these say how something is, not which topic it is about: "elle est pas
# arrivée", "c'est pas encore versé" (the elided "c'" is gone, so "c'est" and "est" look alike).
_STATES = frozenset({
    "arrive", "arrivee", "arrives", "arrivees", "verse", "versee", "verses", "versees", "paye",
    "payee", "payes", "payees", "recu", "recue", "recus", "recues", "tombe", "tombee", "passe",
    "passee", "venu", "venue", "parti", "partie", "encore", "toujours", "possible", "normal",
    "normale", "clair", "juste", "valide", "validee", "traite", "traitee", "envoye", "envoyee",
    "fait", "faite", "bloque", "bloquee", "accepte", "acceptee", "pris", "prise", "ok", "bon",
    "vrai", "facile", "simple", "grave", "pareil", "complet", "complete", "enregistre",
    "enregistree", "prevu", "prevue", "fini", "finie", "termine", "terminee",
})


# Endings of a past participle once accents are folded ("inscrite", "remboursée", "suspendu"):
# after "est pas" they say how something is ("ma fille est pas inscrite"), not which topic.
_PARTICIPLE_ENDINGS = ("ee", "ees", "it", "ite", "its", "ites", "ie", "ies", "u", "ue", "us", "ues")


def _is_state(word: str) -> bool:
    return word in _STATES or (len(word) > 4 and word.endswith(_PARTICIPLE_ENDINGS))


# Words a caller opens with before a correction: "non non pas la carte ...", "ah pas l'inscription".
_OPENERS = frozenset({"non", "nan", "ah", "oh", "euh", "bah", "ben", "oui", "alors", "attendez",
                      "attends", "pardon", "enfin", "mais", "bon", "voila", "voilà", "hein", "bonjour"})
# Articles after "pas" that name a thing rejected ("pas la carte", "pas l'inscription", kept as
# "le" by ``normalise.words``); "pas de"/"pas d'" says a thing is missing, "pas du tout" insists.
_ARTICLES = frozenset({"la", "le", "les", "mon", "ma", "mes", "un", "une", "du", "des", "ce", "cette",
                       "son", "sa", "ses", "votre", "notre", "leur", "leurs"})
# Subject and object pronouns: a word right after one is a verb ("je touche pas le chômage").
_CLITICS = frozenset({"je", "j", "tu", "il", "elle", "on", "nous", "vous", "ils", "elles", "ca", "ça",
                      "me", "m", "te", "t", "se", "s", "lui", "leur", "y", "en", "ne", "n", "qui"})
# Verbs often said after an elided subject ("j'arrive pas", "n'marche pas"): never a noun.
_VERB_LIKE = frozenset({"arrive", "trouve", "comprends", "comprend", "recois", "recoit", "touche",
                        "vois", "voit", "marche", "fonctionne", "sais", "connais", "connait", "ai",
                        "avais", "avait", "aurai", "aurais", "etait", "etais", "peux", "veux"})


def _names_a_thing(words: Sequence[str], i: int) -> bool:
    """Whether the "pas" at ``i`` is followed by an article, so it rejects a thing rather than
    denying an act ("pas la dette de la caf", not "pas du tout", "pas de réponse")."""
    if i + 1 >= len(words) or words[i + 1] not in _ARTICLES:
        return False
    return not (words[i + 1] == "du" and i + 2 < len(words) and words[i + 2] == "tout")


def _after_a_thing(words: Sequence[str], i: int) -> bool:
    """Whether the word before the "pas" at ``i`` is a noun ("mes trimestres pas l'attestation",
    "la caf pas la cpam") or an infinitive ("arriver à payer pas la dette"), not a conjugated
    verb ("je touche pas le chômage", "mon fils a pas le droit"): a negation follows its verb, a
    correction follows a thing or a finished clause."""
    if i < 2:
        return False
    prev, before = words[i - 1], words[i - 2]
    if prev in _VERB_LIKE or prev in _CLITICS or prev in _END or before in _CLITICS:
        return False
    if before in _DETERMINERS or before in _LINKS:
        return prev not in _LEAD
    # A bare infinitive before "pas" is never its negation (that is "ne pas payer").
    return len(prev) > 4 and prev.endswith(("er", "ir", "re")) and before not in _CLITICS


def _trigger(words: Sequence[str], i: int) -> int:
    """Where a rejected span starts if a rejection begins at ``words[i]``, else -1.

    "c'est pas X", "ce n'est pas X", "non pas X", "mais pas X", "pas pour X" (a purpose denied:
    "pas pour la sécu"), "rien à voir avec X", and, with an article after it, a "pas" that opens
    the sentence ("pas l'inscription, je suis déjà inscrit ...") or follows a thing or a finished
    clause ("le relevé de mes trimestres pas l'attestation de la sécu").
    """
    w = words[i]
    if w == "rien" and tuple(words[i + 1:i + 4]) in (("a", "voir", "avec"), ("à", "voir", "avec")):
        return i + 4
    # "oubliez l'apl, c'est pour le rsa", "laissez tomber la retraite": set aside. (Not "oublie",
    # which is also "oublié": "j'ai oublié mon mot de passe".)
    if w == "oubliez":
        return i + 1
    if w in ("laissez", "laisse") and i + 1 < len(words) and words[i + 1] == "tomber":
        return i + 2
    if w != "pas":
        return -1
    if _names_a_thing(words, i) and (all(x in _OPENERS for x in words[:i]) or _after_a_thing(words, i)):
        return i + 1
    before = words[max(0, i - 3):i]
    if before and before[-1] in ("est", "etait", "était") and i + 1 < len(words) \
            and _is_state(words[i + 1]):
        return -1  # "ma retraite (n')est pas arrivée": a state denied, not a topic rejected
    if before and (before[-1] in ("est", "etait", "était", "non", "mais")
                   or (len(before) >= 2 and before[-2] == "est" and before[-1] == "ne")):
        return i + 1
    if i + 1 < len(words) and words[i + 1] == "pour":
        return i + 1
    return -1


# A wish or an act the caller denies and then turns round: "je veux pas X ... je veux Y".
_DENIED_VERBS = frozenset({"veux", "voulais", "voudrais", "cherche", "cherchais", "demande",
                           "demandais", "appelle", "appelais", "parle", "parlais", "parlait"})
# What turns it round: the caller goes on to what they do want.
_TURNS = (("je", "veux"), ("je", "voudrais"), ("je", "parlais"), ("je", "parle"), ("je", "demandais"),
          ("je", "cherchais"), ("juste",), ("plutot",), ("plutôt",), ("est", "que"),
          ("est", "pour"), ("mais", "je"), ("mais", "est"), ("non",), ("seulement",))


def _turns_later(words: Sequence[str], start: int) -> bool:
    return any(tuple(words[j:j + len(turn)]) == turn
               for j in range(start, len(words)) for turn in _TURNS)


def _denial(words: Sequence[str], i: int) -> int:
    """Where a denied act starts if ``words[i]`` is the "pas" of one, else -1.

    "je veux pas m'actualiser ... je veux m'inscrire" (a wish denied), or a sentence that opens
    with "non" and denies what was understood ("non j'ai pas oublié mon mot de passe c'est que
    ..."); in both the caller then says what they do want, else it is an ordinary negation.
    """
    if words[i] != "pas" or i + 1 >= len(words):
        return -1
    wish = i >= 1 and words[i - 1] in _DENIED_VERBS
    # Only the first negation after an opening "non": "non pas X je suis même PAS inscrit" is not it.
    answering = "non" in words[:min(i, 2)] and "est" not in words[:i] and "pas" not in words[:i]
    if (wish or answering) and _turns_later(words, i + 2):
        return i + 1
    return -1


def _span(words: Sequence[str], start: int, *, verb: bool = False) -> int:
    """End (exclusive) of the rejected span that starts at ``start``: at a word that turns to
    what the caller wants ("c'est", "mais", "je"...), at a new noun phrase ("pas le permis LA
    carte grise"), or at a word repeated ("pas l'attestation de la caf L'ATTESTATION de ...")."""
    i = start
    while i < len(words) and words[i] in _LEAD:
        i += 1
    end = i
    seen: set[str] = set()
    while end < len(words) and words[end] not in _END and end - i < _MAX_SPAN:
        w = words[end]
        if w in seen and w not in _LEAD:
            break
        if w in _DETERMINERS and end > i and words[end - 1] not in _LINKS \
                and not (verb and end == i + 1):
            break
        seen.add(w)
        end += 1
    return end


def _take_back(kept: list[str], content: Sequence[str]) -> None:
    """Drop from the words already kept the rejected ones the caller had said just before (the
    same words in the same order, within the last few words: a repetition, not a topic said
    earlier for another reason)."""
    n = len(content)
    for j in range(len(kept) - n, max(-1, len(kept) - n - 4), -1):
        if j >= 0 and tuple(kept[j:j + n]) == tuple(content):
            del kept[j:j + n]
            return


_MISTAKE = frozenset({"trompe", "trompee", "trompes", "trompees"})
# After these, "je voulais dire X" puts X in place of what was said before: "non je voulais dire".
_RESTATE_AFTER = frozenset({"non", "pardon", "enfin", "euh"})
_RESTATES = (("je", "voulais", "dire"), ("je", "veux", "dire"), ("voulais", "dire"))
_RESTATE_SKIP = frozenset({"je", "me", "m", "suis", "excusez", "moi", "desole", "desolee"})


def _restated(words: Sequence[str]) -> tuple[int, int]:
    """(end of what the caller takes back, start of what they say instead) when they say they
    got it wrong ("la carte grise euh je me suis trompé, le permis", "l'apl, non je voulais dire
    la prime"), else (-1, -1). The last such point counts."""
    found = (-1, -1)
    if not _MISTAKE.intersection(words) and "dire" not in words:
        return found
    for k, w in enumerate(words):
        if w in _MISTAKE and any(x in ("suis", "me", "m", "ai") for x in words[max(0, k - 2):k]):
            start = k - 1
            while start > 0 and words[start - 1] in _RESTATE_SKIP:
                start -= 1
            after = k + 1
            for restate in _RESTATES:  # "je me suis trompé, je voulais dire ..."
                if tuple(words[after:after + len(restate)]) == restate:
                    after += len(restate)
                    break
            found = (max(start, 0), after)
        for restate in _RESTATES:
            if tuple(words[k:k + len(restate)]) == restate and k >= 1 and words[k - 1] in _RESTATE_AFTER:
                found = (k - 1, k + len(restate))
    return found


def split(words: Sequence[str]) -> Parts:
    """Find rejected spans and a second question in normalised ``words`` (see ``normalise.words``)."""
    kept: list[str] = []
    rejected: list[tuple[str, ...]] = []
    end, after = _restated(words)
    if end >= 0 and after < len(words):
        # What the caller said before they corrected themselves is what they do not want.
        before = tuple(w for w in words[:end] if w not in _LEAD and w not in _OPENERS)
        if before:
            rejected.append(before[-_MAX_SPAN:])
        words = words[after:]
    i = 0
    while i < len(words):
        start = _trigger(words, i)
        verb = start < 0 and (start := _denial(words, i)) >= 0
        if start >= 0:
            end = _span(words, start, verb=verb)
            content = tuple(w for w in words[start:end] if w not in _LEAD)
            if content:
                rejected.append(content)
                # "c'est pour les allocs, non pas les allocs, c'est pour ...": the caller takes
                # back words said just before; they are not part of the question any more.
                _take_back(kept, content)
                i = end
                if i < len(words) and words[i] in _THE_ONE:
                    # "pas l'attestation de pôle emploi, celle de la sécu": the same thing, of
                    # another; the pronoun stands for the rejected phrase's first word.
                    kept.append(content[0])
                    i += 1
                continue
        kept.append(words[i])
        i += 1
    also: tuple[str, ...] = ()
    first: tuple[str, ...] = ()
    for marker in _ALSO:
        n = len(marker)
        for j in range(1, len(kept) - n):
            if tuple(kept[j:j + n]) == marker:
                first, also = tuple(kept[:j]), tuple(kept[j + n:])
                break
        if also:
            break
    focus = _focus(kept)
    if also and len(focus) > len(also) and focus[-len(also):] == also:
        # "ma question c'est l'apl, et puis aussi mon mot de passe": the focus is the first part.
        focus = focus[:-len(also)]
        marker = next((m for m in _ALSO if focus[-len(m):] == m), ())
        focus = focus[:len(focus) - len(marker)]
    return Parts(kept=tuple(kept), rejected=tuple(rejected), also=also, first=first, focus=focus)


# Words after which the caller says what matters most: "c'est surtout X", "mais bon X".
_FOCUS_AFTER = (("surtout",), ("mais", "bon"), ("est", "bon", "mais"), ("est", "bon"), ("est", "regle"))
# "non pas ça, plutôt X", "pas le rsa mais plutôt la prime": "plutôt" after a refusal.
_INSTEAD = frozenset({"non", "pas", "mais"})
# Words naming what matters, followed by "c'est X": "le plus important c'est X", "ma question
# c'est X", "le problème c'est X", "ce qui compte c'est X".
_FOCUS_NOUNS = frozenset({"important", "importante", "compte", "question", "probleme", "souci",
                          "inquiete", "interesse", "urgent", "presse", "urge"})
# "la deuxième question c'est X" counts the questions; it does not say which matters.
_ORDINALS = frozenset({"premiere", "premier", "deuxieme", "seconde", "second", "troisieme", "autre", "1",
                       "2", "3"})
# Said after X: "c'est X qui compte", "c'est X qui m'inquiète", "X c'est ça le souci".
_FOCUS_CLEFT = frozenset({"compte", "inquiete", "importe", "peur", "interesse", "presse", "urge", "urgent",
                          "pas", "bloque", "manque", "coince"})
_FOCUS_BACK = (("est", "ca", "le", "souci"), ("est", "ca", "le", "probleme"), ("est", "ca", "qui"),
               ("voila", "le", "probleme"), ("voila", "le", "souci"), ("est", "ca", "le", "plus"),
               ("est", "le", "plus", "urgent"), ("est", "le", "plus", "important"),
               ("est", "ca", "le", "urgence"), ("est", "ca", "ma", "question"))
# A state said to be fine before "mais" ("elle est à jour mais", "ça marche bien mais").
_FINE = frozenset({"bien", "jour", "ok", "bon", "bonne", "valide", "regle", "reglee", "fonctionne", "marche",
                   "recu", "recue", "fait", "faite"})
_NEGATIONS = frozenset({"pas", "plus", "jamais", "rien"})
# Where the clause holding X starts: "..., mais X c'est ça le souci", "..., et aussi X, c'est ça le
# plus urgent" (the second of two questions is the one that matters).
_CLAUSE_STARTS = (("mais",), ("est", "bon"), *_ALSO)
_SKIP = frozenset({"est", "pour", "ca", "que", "qui", "me", "m"})


def _strip(span: Sequence[str]) -> tuple[str, ...]:
    start = 0
    while start < len(span) and span[start] in _SKIP:
        start += 1
    return tuple(span[start:])


def _focus(words: Sequence[str]) -> tuple[str, ...]:
    """The part of the sentence the caller says matters most, or () when they do not say."""
    n = len(words)
    for i in range(n):
        if words[i] in ("plutot", "plutôt") and _INSTEAD & set(words[max(0, i - 4):i]) \
                and (span := _strip(words[i + 1:])):
            return span
        # "c'est surtout X" (but "il faut surtout pas que..." is an ordinary insistence).
        for marker in _FOCUS_AFTER:
            if tuple(words[i:i + len(marker)]) == marker:
                after = i + len(marker)
                if marker == ("surtout",) and after < n and words[after] == "pas":
                    continue
                if (span := _strip(words[after:])):
                    return span
        # "le plus important c'est X", "ce qui compte c'est X".
        if words[i] in _FOCUS_NOUNS and "est" in words[i + 1:i + 3] and not (i and words[i - 1] in _ORDINALS):
            after = words.index("est", i + 1) + 1
            if (span := _strip(words[after:])):
                return span
        # "c'est X qui compte", "c'est X qui m'inquiète".
        if words[i] == "qui" and i >= 1 and any(w in _FOCUS_CLEFT for w in words[i + 1:i + 4]):
            # The cleft's own "c'est", not the verb of a relative ("qui EST en retard").
            head = max((j for j in range(i) if words[j] == "est" and (j == 0 or words[j - 1] != "qui")),
                       default=-1)
            if head >= 0 and (span := _strip(words[head + 1:i])):
                return span
        # "X, c'est ça le souci": X back to the start of its clause.
        for marker in _FOCUS_BACK:
            if tuple(words[i:i + len(marker)]) == marker:
                begin = 0
                for j in range(i):
                    for start in _CLAUSE_STARTS:
                        if tuple(words[j:j + len(start)]) == start:
                            begin = j + len(start)
                if (span := _strip(words[begin:i])):
                    return span
    # "ma carte vitale marche bien mais je voudrais la complémentaire": what is fine is not the
    # question; what follows "mais" is (when nothing above said what matters).
    for i in range(n):
        if words[i] == "mais" and _FINE.intersection(words[max(0, i - 3):i]) \
                and not _NEGATIONS.intersection(words[max(0, i - 4):i]) and (span := _strip(words[i + 1:])):
            return span
    return ()
