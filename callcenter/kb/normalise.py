"""French-aware text normalisation shared by the knowledge base and the callers' queries.

Both sides go through the same steps, so an entry written "Revenu de solidarité active (RSA)" and a
caller heard as "le r s a c'est combien" meet on the same terms:

1. fold: lower case, accents and ligatures removed, typographic apostrophes unified;
2. words: elisions dropped (l', d', j', qu'...), hyphens split, the long names of the bodies
   shortened ("caisse d'allocations familiales" -> "caf", "sécurité sociale" -> "secu"), familiar
   words turned into the entries' words ("gosses" -> "enfants", "boulot" -> "travail"), numbers in
   words turned into digits, acronyms spelled letter by letter joined ("r s a" -> "rsa");
3. terms: stop words dropped, negations kept as markers (they only count inside a pair of words,
   "pas internet"), and a light suffix stemmer so "déclarer", "déclaration" and "déclaré" agree.

Everything here is pure and stateless.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from functools import lru_cache

from callcenter.kb.numbers import words_to_digits

_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "`": "'", "´": "'", "ʼ": "'"})
_LIGATURES = str.maketrans({"œ": "oe", "æ": "ae", "ß": "ss"})
_ELISION = re.compile(r"\b(?:jusqu|lorsqu|puisqu|quoiqu|qu|[ldjnsmtc])'")
_NON_WORD = re.compile(r"[^a-z0-9]+")
# The elided article is kept as a whole word, for ``corrections.split``: "l'" starts a new thing
# ("pas la déclaration trimestrielle, l'actualisation": two phrases, not one), and after "pas" a
# "d'" says a thing is missing ("pas d'internet") where "l'" rejects one ("pas l'inscription").
# Both are stop words, so the search's terms do not change.
_ELIDED_ARTICLE = re.compile(r"\bl'")
_NEGATED_ARTICLE = re.compile(r"\bpas d'")

# The long names of the bodies hold topic words ("caisse d'allocations familiales" is not a question
# about the allocations familiales): they become the short name before anything else is read.
_BODY_NAMES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), short)
    for pattern, short in (
        (r"\bcaisses? (?:d |des |de )?allocations? familiales?\b", "caf"),
        (r"\bcaisses? primaires? (?:d |de )?assurances? maladies?\b", "cpam"),
        (r"\bsecurite sociale\b", "secu"),
        # To stop working (to retire, to raise a child) is not a work stoppage (sick leave): the
        # stemmer would send "arrêter de travailler" onto "arrêt de travail".
        (r"\barret(?:e|es|er|ez|ent|ons|ais|ait|ee|ees) de travailler\b", "cesser de travailler"),
        # Likewise "j'ai arrêté mes études", "arrêter ma formation": the verb and its object.
        (r"\barret(?:e|es|er|ez|ent|ons|ais|ait|ee|ees) (mes|mon|ma|ses|son|sa|nos|notre|leur|leurs) ",
         r"cesse \1 "),
        # "ma paie", "sur la paye" is the salary; the stemmer would send it onto "payer" (the tax
        # debt's word, "je n'arrive pas à payer"). The verb has no article before it ("la caf paie").
        (r"\b(ma|ta|sa|la|une|votre|notre|leur) pa(?:i|y)e\b", r"\1 salaire"),
    )
)

# Everyday words for the words the entries use ("mes gosses", "le boulot", "bosser"): one family,
# one term, on both sides, so an entry need not list every familiar way of saying it.
_COLLOQUIAL: dict[str, str] = {
    **dict.fromkeys(("gamin", "gamins", "gamine", "gamines", "gosse", "gosses", "mome", "momes",
                     "marmot", "marmots", "loupiot", "loupiots"), "enfants"),
    **dict.fromkeys(("boulot", "boulots", "taf", "job", "jobs", "turbin"), "travail"),
    **dict.fromkeys(("bosse", "bosses", "bossent", "bosser", "bossons", "bossez", "bossais",
                     "bossait"), "travaille"),
    **dict.fromkeys(("chomdu", "chomedu"), "chomage"),
    **dict.fromkeys(("toubib", "toubibs"), "medecin"),
    **dict.fromkeys(("proprio", "proprios"), "proprietaire"),
    **dict.fromkeys(("fric", "thune", "thunes", "pognon", "oseille"), "argent"),
    **dict.fromkeys(("ordi", "ordis"), "ordinateur"),
    **dict.fromkeys(("appli", "applis"), "application"),
    **dict.fromkeys(("mutu",), "mutuelle"),
    **dict.fromkeys(("alloc", "allocs", "aloc", "alocs"), "allocations"),
    **dict.fromkeys(("kine", "kines"), "kinesitherapeute"),
}

# Letter names a recogniser writes when a caller spells an acronym ("a pe elle" for APL).
# Names that are also common words ("elle", "a") only count next to another letter.
_LETTER_NAMES: dict[str, str] = {
    "be": "b", "ce": "c", "de": "d", "pe": "p", "te": "t", "ve": "v", "ge": "g", "ka": "k",
    "erre": "r", "esse": "s", "effe": "f", "emme": "m", "enne": "n", "ache": "h", "ixe": "x",
    "zed": "z", "elle": "l", "el": "l", "er": "r", "es": "s", "em": "m", "en": "n", "ef": "f",
}
_WEAK_LETTER_NAMES = frozenset({"elle", "de", "ce", "te", "es", "en", "el", "er", "em", "ef"})

STOP_WORDS = frozenset(
    """
    a ai aie aient aies ait alors as au aucuns aussi autre aux avaient avais avait avec avez avoir
    avons ayant bah ben bien bon bonjour bonsoir c ca car ce cela celle celui ces cet cette ceux chez
    ci comme d dans de des deja depuis dire dis dit dois doit donc du e elle elles en encore es est
    et etaient etais etait ete etre eu euh eux fais fait faut hein hum il ils j je jusqu l la le les
    leur leurs lui m ma madame mademoiselle mais me meme merci mes moi mon monsieur n ne ni non nos
    notre nous o on ont ou oui ouais par parce peu peut peux pour pourquoi puis qu quand que quel
    quelle quelles quels qui quoi s sa sais sait se ses si sil so soit sommes son sont suis sur t ta
    te tes toi ton tous tout toute toutes tres tu un une vais veut veux voila voici vont vos votre
    vous vraiment y allo alors svp stp okay ok enfin bref genre truc style bah beh ah oh eh
    voudrais voulais souhaite aimerais pourrais pouvez pourriez savoir ya
    """.split()
)
# Kept as markers: they change the meaning of the next word ("pas d'internet") but say nothing alone.
MARKERS = frozenset({"pas", "sans", "plus", "jamais", "aucun", "aucune"})

_SUFFIXES: tuple[str, ...] = (
    "issements", "issement", "ements", "ement", "ations", "ation", "itions", "ition", "atrices",
    "atrice", "ateurs", "ateur", "ances", "ance", "ences", "ence", "ites", "ite", "iques", "ique",
    "ives", "ive", "ifs", "euses", "euse", "eurs", "eur", "ables", "able", "ismes", "isme",
    "istes", "iste", "eraient", "erions", "erait", "erons", "eront", "erez", "erai", "eras",
    "era", "aient", "ions", "iez", "ait", "ais", "ant", "ants", "antes", "ante", "ees", "ee",
    "es", "er", "ez", "e", "s", "x",
    # -ire verbs and their nouns: "inscrire", "inscris", "inscrit", "inscription" meet on "inscr".
    "iptions", "iption", "ire", "ir", "is", "it", "its",
)

_SUFFIX_SET = frozenset(_SUFFIXES)
# Words the suffixes would send onto another word: "employeur" is not "emploi".
_KEEP_WHOLE: dict[str, str] = {
    **dict.fromkeys(("employeur", "employeurs", "employeuse"), "employeur"),
    **dict.fromkeys(("bailleur", "bailleurs"), "bailleur"),
}
# Longest first, so "ements" wins over "s"; a set lookup per length keeps stemming cheap.
_SUFFIX_LENGTHS = tuple(sorted({len(x) for x in _SUFFIXES}, reverse=True))


def fold(text: str) -> str:
    """Lower case without accents or ligatures, apostrophes unified."""
    text = text.translate(_APOSTROPHES).lower().translate(_LIGATURES)
    # Accents decompose into base letter + mark; dropping every non-ASCII code point then removes
    # the marks (and symbols such as "€", which carry nothing for search) in one C-level pass.
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")


def letter_of(word: str) -> str | None:
    """The letter a bare letter or a letter name stands for ("pe" -> "p"), else None."""
    if len(word) == 1 and word.isalpha():
        return word
    return _LETTER_NAMES.get(word)


def _run_letter(word: str, weak: bool) -> str | None:
    # Weak names ("elle", "de") are everyday words: in what callers say they never start or extend
    # a run; the index glues them on only when the result is an acronym it knows ("a pe" + "elle"
    # -> "apl"). In the knowledge base's own synonyms, a spelled acronym is meant as one (weak=True).
    if word == "y" or (not weak and word in _WEAK_LETTER_NAMES):
        return None
    return letter_of(word)


def join_spelled_acronyms(words: Sequence[str], *, weak: bool = False) -> list[str]:
    """Join runs of spelled letters into one word: ["r", "s", "a"] -> ["rsa"].

    A run needs two letters or more, one of them other than "a" (a word on its own); letter
    names that are also everyday words ("elle", "de") are left to the index. "il y a" stays.
    """
    out: list[str] = []
    i = 0
    n = len(words)
    while i < n:
        j = i
        letters: list[str] = []
        while j < n:
            letter = _run_letter(words[j], weak)
            if letter is None:
                break
            letters.append(letter)
            j += 1
        if len(letters) >= 2 and any(w != "a" for w in words[i:j]):
            out.append("".join(letters))
            i = j
        else:
            out.append(words[i])
            i += 1
    return out


def words(text: str, *, spelled: bool = False) -> list[str]:
    """Folded words of ``text``: elisions dropped, numbers as digits, spelled acronyms joined.

    ``spelled=True`` reads every letter name as a letter: for synonyms written to spell an
    acronym ("a pe elle"), never for what a caller said.
    """
    folded = _NEGATED_ARTICLE.sub("pas de ", _ELIDED_ARTICLE.sub("le ", fold(text)))
    folded = " " + _NON_WORD.sub(" ", _ELISION.sub(" ", folded)) + " "
    for pattern, short in _BODY_NAMES:
        folded = pattern.sub(short, folded)
    tokens = [_COLLOQUIAL.get(t, t) for t in folded.split()]
    return join_spelled_acronyms(words_to_digits(tokens), weak=spelled)


@lru_cache(maxsize=1 << 16)
def stem(word: str) -> str:
    """A light French stemmer: plural, feminine, common noun and verb endings.

    Deliberately crude and symmetric: it only has to send the entry's word and the caller's word
    to the same place, not to produce a linguistic root. Short words (acronyms) are kept whole.
    """
    if len(word) <= 3 or word.isdigit():
        return word
    if len(word) == 4:
        # Short words are mostly acronyms ("aspa", "cpam"): only a final -e or -s goes.
        return _y_to_i(word[:-1]) if word[-1] in "es" else word
    if word in _KEEP_WHOLE:
        return _KEEP_WHOLE[word]
    # Third person plural of verbs ("ils demandent", "ils réclament"), only on a long stem so
    # that "argent", "parent", "comment" stay whole, and not on nouns in -ment ("document").
    if word.endswith("ent") and len(word) - 3 >= 5 and (not word.endswith("ment") or word.endswith("ament")):
        return _y_to_i(word[:-3])
    for length in _SUFFIX_LENGTHS:
        if len(word) - length >= 3 and word[-length:] in _SUFFIX_SET:
            word = word[:-length]
            break
    # "travaille" / "travail", "détaillé" / "détail".
    if word.endswith("aill"):
        word = word[:-1]
    return _y_to_i(word)


def _y_to_i(word: str) -> str:
    # "payer"/"paiement": pay- and pai- meet.
    return word[:-1] + "i" if word.endswith("y") else word


def is_stop(word: str) -> bool:
    return word in STOP_WORDS


def is_marker(word: str) -> bool:
    return word in MARKERS


def terms(tokens: Iterable[str]) -> list[str]:
    """Stemmed content terms, in order; markers are kept (as themselves) for pairing."""
    out: list[str] = []
    for token in tokens:
        if token in MARKERS:
            out.append(token)
        elif token not in STOP_WORDS and not (len(token) == 1 and not token.isdigit()):
            out.append(stem(token))
    return out


def analyse(text: str) -> list[str]:
    """``terms(words(text))``: the form entries are indexed under."""
    return terms(words(text))
