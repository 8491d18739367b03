"""Search of the knowledge base: a weighted term index, spelling repair, and the answer decision.

How a query is scored (all pure, nothing read or written):

1. The caller's words are normalised (``normalise.words``). Words the knowledge base does not
   know are repaired first: pieces a recogniser split apart are glued back when together they make
   a known word ("prélève man" -> "prélèvement", "c pam" -> "cpam", "a pe" + "elle" -> "apl"),
   then a remaining unknown word is replaced by a known word that sounds the same ("paul emploi"
   -> "pôle emploi") or is spelled almost the same (rapidfuzz ratio above ``fuzzy_cutoff``), at a
   reduced similarity.
2. Terms and adjacent pairs of terms are looked up in posting lists. An entry's weight for a term
   adds up the fields it appears in: a synonym or the title (a one-word synonym counts fully, a word
   inside a longer phrase half, the phrase itself as a pair), the examples (more when several
   examples use it), the body (little), and the name of the body that handles it. That weight is
   multiplied by the term's rarity across entries (an idf), so "rsa" counts for much and "demande"
   for little.
3. The summed evidence ranks entries. The best entry's evidence is discounted by the share of the
   query it leaves unexplained (its coverage), and the IVR answers (``match``) only when that is
   high enough and the runner-up is clearly behind; otherwise it asks again or hands over.

The index is immutable once built: ``KnowledgeIndex.build(kb)`` again after a change.
"""

from __future__ import annotations

import dataclasses
import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import product
from operator import itemgetter
from types import MappingProxyType

from rapidfuzz import fuzz, process

from callcenter.kb.corrections import Parts, split
from callcenter.kb.elsewhere import cues_in, foreign_to
from callcenter.kb.entry import Entry, KnowledgeBase
from callcenter.kb.normalise import is_marker, is_stop, letter_of, stem, terms, words
from callcenter.kb.organismes import ORGANISME_NAMES, TOPIC_LIKE_NAMES, bodies_named
from callcenter.kb.phonetic import phonetic_key
from callcenter.kb.semantic import Embedder, EntryVectors

PAIR_JOIN = " "
_TOPIC_LIKE_TERMS = frozenset(t for name in TOPIC_LIKE_NAMES for t in terms(words(name)))
_BODY_TERMS = frozenset(t for names in ORGANISME_NAMES.values() for name in names for t in terms(words(name)))


@dataclass(frozen=True)
class SearchSettings:
    """Weights and thresholds of the search; the defaults are the calibrated ones (see docs)."""

    synonym_weight: float = 1.0
    title_weight: float = 0.8
    example_weight: float = 0.6
    # Examples count fully for a term used in this many of them, proportionally below.
    example_saturation: int = 2
    organisme_weight: float = 0.4
    body_weight: float = 0.15
    # A word inside a multi-word synonym or title counts this share; the phrase counts as a pair.
    phrase_word_share: float = 0.5
    pair_weight: float = 0.8
    # A "channel" entry (how to reach a service) yields to a "subject" entry the caller also names:
    # "je veux m'inscrire mais j'ai pas d'ordinateur" is about registering, done without internet.
    channel_weight: float = 0.8
    max_term_weight: float = 2.5
    # Confidence discounts the best entry's evidence by the share of the query it leaves unexplained
    # (words it does not contain, unknown words counting as rare): "les horaires du train pour
    # lyon" matches one word of an entry, "rsa" matches all of one. At most this share is removed.
    coverage_discount: float = 0.5
    # Answer only above this confidence evidence, and only if the runner-up has at most this share
    # of the best entry's evidence. Evidence is a sum of (field weight x relative idf) per term.
    min_evidence: float = 1.05
    max_runner_up: float = 0.75
    # Evidence at which the reported score is 0.5: scores are evidence / (evidence + this). Equal
    # to min_evidence, so the IVR answers from a confidence of 0.5.
    half_score_evidence: float = 0.9
    # Without a clear answer, offer the topics whose evidence is at least this share of the best
    # one (at most max_choices), provided the best one has this much evidence once discounted for
    # the part of the query it leaves unexplained; else ask again.
    clarify_share: float = 0.8
    clarify_min_evidence: float = 0.5
    # A single topic is offered ("is it about X?") only with this much evidence.
    confirm_min_evidence: float = 0.85
    # Below that, the weak topic is offered with the runners-up that have at least this share of
    # its evidence (a choice of two or three is a real question; one weak guess is not).
    widen_share: float = 0.5
    max_choices: int = 3
    # Semantic check (when the index has sentence embeddings): an answer whose runner-up has at
    # least this share of its evidence is checked against the embeddings of the first three
    # entries, and turned into a question when another of them is closer to what the caller said
    # by more than ``semantic_margin`` (cosine).
    # Two topics each named outright: an answer is turned into a question ("which of the two?")
    # when one of the runners-up holds a word at least this strong (weight x relative idf, about
    # a whole synonym's) that the best entry does not have at all ("mon CPF pour le permis").
    named_rival_weight: float = 1.4
    # A state said to be over ("plus inscrit") named by a runner-up at least this strongly
    # (weight x relative idf of the pair) and never by the best entry turns the answer into a
    # question between the two: the sentence says the opposite of what the best entry is about.
    negated_rival_weight: float = 0.4
    semantic_zone: float = 0.5
    semantic_margin: float = 0.03
    fuzzy_cutoff: float = 86.0
    min_fuzzy_length: int = 5
    phonetic_similarity: float = 0.85
    min_phonetic_key: int = 3


@dataclass(frozen=True)
class SearchResult:
    """What the search found for one query.

    ``results`` are ``(entry_id, score)`` pairs, best first, scores in [0, 1). ``match`` is the
    entry the IVR would answer with, or None when it should ask again or hand over to a person.
    ``terms`` are the query's terms as the index understood them (after repair), for display.
    """

    query: str
    match: Entry | None
    results: tuple[tuple[str, float], ...]
    terms: tuple[str, ...] = ()
    # Confidence in the best entry, in [0, 1): its evidence discounted for the unexplained part of
    # the query, on the same scale as the scores. ``match`` is set only when it is high enough.
    confidence: float = 0.0
    # With no match: the topics to offer in one question ("is it about X or Y?"), best first.
    clarify: tuple[str, ...] = ()
    # Topics the caller said it was not about; left out of ``results``.
    rejected: tuple[str, ...] = ()
    # A second topic the caller asked about in the same sentence, to offer after the answer.
    also: str | None = None
    # The entry the sentence embeddings found closer than the lexical best, when that turned an
    # answer into a question (for the call's log).
    semantic_rival: str | None = None

    @property
    def score(self) -> float:
        return self.results[0][1] if self.results else 0.0


def _pairs(seq: Sequence[str]) -> list[str]:
    return [a + PAIR_JOIN + b for a, b in zip(seq, seq[1:], strict=False)]


def _phrase_weights(texts: Iterable[str], weight: float, share: float) -> dict[str, float]:
    """Weights from short phrases (synonyms, title, body names)."""
    out: dict[str, float] = {}
    for text in texts:
        seq = terms(words(text, spelled=True))
        unigrams = [t for t in seq if not is_marker(t)]
        # "pas d'internet" is a phrase: its word alone ("internet") does not carry it.
        w_uni = weight if len(seq) == 1 else weight * share
        for t in unigrams:
            out[t] = max(out.get(t, 0.0), w_uni)
        for p in _pairs(seq):
            out[p] = max(out.get(p, 0.0), weight)
    return out


def _example_weights(texts: Sequence[str], weight: float, saturation: int) -> dict[str, float]:
    counts: Counter[str] = Counter()
    for text in texts:
        seq = terms(words(text))
        counts.update({t for t in seq if not is_marker(t)} | set(_pairs(seq)))
    return {f: weight * min(1.0, c / saturation) for f, c in counts.items()}


def _body_weights(texts: Iterable[str], weight: float) -> dict[str, float]:
    out: dict[str, float] = {}
    for text in texts:
        seq = terms(words(text))
        for f in [t for t in seq if not is_marker(t)] + _pairs(seq):
            out[f] = weight
    return out


def _entry_weights(entry: Entry, s: SearchSettings) -> dict[str, float]:
    parts = (
        _phrase_weights(entry.synonyms, s.synonym_weight, s.phrase_word_share),
        _phrase_weights((entry.title,), s.title_weight, s.phrase_word_share),
        _phrase_weights(ORGANISME_NAMES.get(entry.organisme, ()), s.organisme_weight,
                        s.phrase_word_share),
        _example_weights(entry.examples, s.example_weight, s.example_saturation),
        _body_weights((entry.spoken_answer, entry.written_answer), s.body_weight),
    )
    total: dict[str, float] = defaultdict(float)
    for part in parts:
        for f, w in part.items():
            total[f] += w
    factor = s.channel_weight if entry.kind == "channel" else 1.0
    return {f: min(w, s.max_term_weight) * factor for f, w in total.items()}


def _names(entry: Entry) -> set[str]:
    """The features that name the entry on their own: a one-word synonym, a two-word one's pair."""
    out: set[str] = set()
    for syn in entry.synonyms:
        seq = terms(words(syn, spelled=True))
        if len(seq) == 1:
            out.add(seq[0])
        elif len(seq) == 2:
            out.add(seq[0] + PAIR_JOIN + seq[1])
    return out


# "Quand est-ce qu'on touche X", "X tombe quel jour": a question about when a benefit is paid.
_WHEN = (("quel", "jour"), ("quelle", "date"), ("quel", "date"), ("date",), ("quand",),
         ("le", "combien"), ("jour", "du"), ("jour", "de"))
# "quand ON vit seul", "quand J'ai accouché": a condition or a moment, not a question.
_NOT_WHEN_AFTER = frozenset({"on", "je", "j", "il", "elle", "ils", "elles", "nous", "vous", "tu",
                             "ai", "suis", "mon", "ma", "mes", "le", "la", "les", "un", "une"})
_WHEN_FIRST = frozenset(phrase[0] for phrase in _WHEN)
_PAID = ("touch", "tomb", "vers", "vire", "pay", "pai", "arriv", "recoi", "recev", "recu")


def asks_when_paid(heard: Sequence[str]) -> bool:
    """Whether a sentence's normalised words ask when something is paid, or say it is late ("ma
    prime est en retard": the payment dates' entry says what to do)."""
    if "retard" in heard and ("en", "retard") in zip(heard, heard[1:], strict=False):
        return True
    if not any(w.startswith(_PAID) for w in heard):
        return False
    when = False
    for i, word in enumerate(heard):
        if word not in _WHEN_FIRST:
            continue
        for phrase in _WHEN:
            # ("c'est quand qu'on touche": the cleft makes it a question again.)
            if tuple(heard[i:i + len(phrase)]) == phrase and not (
                    phrase == ("quand",) and i + 1 < len(heard) and heard[i + 1] in _NOT_WHEN_AFTER
                    and (i == 0 or heard[i - 1] != "est")):
                when = True
    return when


# "depuis trois mois", "ça fait deux semaines", "il y a 3 jours": how long, not what about ("mon
# dossier est bloqué depuis trois mois" is not the quarterly return, whose "tous les trois mois"
# has no such word before it).
_SINCE = frozenset({"depuis", "fait", "ya", "pendant", "dans"})
_UNITS = frozenset({"jour", "jours", "semaine", "semaines", "mois", "an", "ans", "annee", "annees",
                    "heure", "heures", "minute", "minutes"})


def without_durations(heard: Sequence[str]) -> Sequence[str]:
    """A sentence's normalised words without the durations it states (a number and its unit
    after "depuis", "ça fait", "il y a", "pendant", "dans")."""
    if not _SINCE.intersection(heard) and "y" not in heard:
        return heard
    out: list[str] = []
    i = 0
    while i < len(heard):
        since = heard[i] in _SINCE or (heard[i] == "a" and i >= 2 and tuple(heard[i - 2:i]) == ("il", "y"))
        if since and i + 2 < len(heard) and heard[i + 1].isdigit() and heard[i + 2] in _UNITS:
            out.append(heard[i])
            i += 3
            continue
        out.append(heard[i])
        i += 1
    return out


# "je voudrais un rendez-vous pour mon dossier retraite": the caller asks for the appointment.
_WISH = frozenset({"voudrais", "veux", "voulais", "aimerais", "souhaite", "souhaiterais"})


def asks_appointment(heard: Sequence[str]) -> bool:
    """Whether a sentence's normalised words ask for an appointment ("je voudrais un rdv")."""
    for i, word in enumerate(heard):
        if word in ("rendez", "rdv") and any(w in _WISH for w in heard[max(0, i - 3):i]):
            return True
    return False


def _strongest(kb: KnowledgeBase, postings: Mapping[str, Sequence[tuple[int, float]]], phrase: str) -> int | None:
    """The entry that the phrase (its pair of terms) names most strongly, if any."""
    feature = PAIR_JOIN.join(terms(words(phrase)))
    found = max(postings.get(feature, ()), key=itemgetter(1), default=None)
    return found[0] if found is not None else None


# "un papier qui prouve ce que je touche", "le document qui montre que je suis inscrit": a proof
# asked for, the body's attestation entry.
_PROOF_NOUNS = frozenset({"papier", "papiers", "document", "documents", "justificatif", "justificatifs",
                          "preuve", "certificat"})
_PROOF_VERBS = ("prouv", "montr", "justifi", "attest", "certifi")
_PROOF_ONLY = frozenset({"justificatif", "justificatifs", "preuve", "preuves", "certificat"})


def asks_for_proof(heard: Sequence[str]) -> bool:
    """Whether a sentence's normalised words ask for a paper proving something."""
    for i, word in enumerate(heard):
        if word in _PROOF_NOUNS and any(w.startswith(_PROOF_VERBS) for w in heard[i + 1:i + 5]):
            return True
        # "un justificatif que je touche le rsa", "une preuve comme quoi": what it proves follows.
        if word in _PROOF_ONLY and i + 1 < len(heard) and heard[i + 1] in ("que", "comme"):
            return True
    return False


def _body_entries(kb: KnowledgeBase, postings: Mapping[str, Sequence[tuple[int, float]]],
                  phrase: str) -> dict[str, int]:
    """Each body's entry that the phrase (its terms, as one feature) names most strongly."""
    feature = PAIR_JOIN.join(terms(words(phrase)))
    out: dict[str, tuple[float, int]] = {}
    for idx, weight in postings.get(feature, ()):
        body = kb.entries[idx].organisme
        if weight > out.get(body, (0.0, -1))[0]:
            out[body] = (weight, idx)
    return {body: idx for body, (_, idx) in out.items()}


def _keywords(entry: Entry) -> set[str]:
    """Words worth repairing a misheard word towards: not the body's, which is long prose."""
    texts = (*entry.synonyms, entry.title, *entry.examples, *ORGANISME_NAMES.get(entry.organisme, ()))
    return {w for text in texts for w in words(text) if not is_stop(w) and not is_marker(w)}


def _length_pools(keywords: Sequence[str], s: SearchSettings) -> dict[int, tuple[str, ...]]:
    """For each word length, the keywords whose length allows a ratio above the cutoff.

    fuzz.ratio is 2 * common / (len_a + len_b), so ratio c needs len_b between
    len_a * c / (2 - c) and len_a * (2 - c) / c. The last pool also serves longer words.
    """
    c = s.fuzzy_cutoff / 100.0
    longest = max((len(w) for w in keywords), default=0)
    pools = {}
    for size in range(s.min_fuzzy_length, longest + 1):
        low, high = size * c / (2 - c), size * (2 - c) / c
        pools[size] = tuple(w for w in keywords if low <= len(w) <= high)
    return pools


@dataclass(frozen=True, eq=False)
class KnowledgeIndex:
    """An immutable search index over a :class:`KnowledgeBase`; safe to share between threads."""

    kb: KnowledgeBase
    settings: SearchSettings
    _postings: Mapping[str, tuple[tuple[int, float], ...]] = field(repr=False)
    _idf: Mapping[str, float] = field(repr=False)
    # Terms that are a whole synonym of three to five letters: the acronyms ("rsa", "apl", "aspa").
    _acronyms: frozenset[str] = field(repr=False)
    # Each entry's terms, for the coverage of a query by its best entry.
    _entry_terms: tuple[frozenset[str], ...] = field(repr=False)
    # Each entry's names: its one-word synonyms and the pairs of its two-word ones ("rsa",
    # "actualisation", "mot passe"). A one-word question is answered only when it names a topic.
    _entry_names: tuple[frozenset[str], ...] = field(repr=False)
    # For each body, its entry that names the payment date ("date de paiement"), if any.
    _payday_entries: Mapping[str, int] = field(repr=False)
    # For each body, its entry that names an attestation, if any.
    _proof_entries: Mapping[str, int] = field(repr=False)
    # The entry that names an appointment ("prendre rendez-vous"), if any.
    _appointment_entry: int | None = field(repr=False)
    # Repair targets by the length of the word to repair: a spelling close enough has a close
    # length, so each word is compared with a small pool, keeping a query well under a millisecond.
    _fuzzy_pools: Mapping[int, tuple[str, ...]] = field(repr=False)
    _phonetic: Mapping[str, tuple[str, ...]] = field(repr=False)
    # Sentence embeddings of the entries, for the semantic check; None: lexical search only.
    semantic: EntryVectors | None = field(default=None, repr=False)
    # Why the semantic check is off although an embedder was given (for /healthz).
    semantic_problem: str | None = None

    @classmethod
    def build(cls, kb: KnowledgeBase, settings: SearchSettings | None = None,
              embedder: Embedder | None = None) -> KnowledgeIndex:
        """The index of ``kb``; with ``embedder``, also the entries' sentence embeddings (if they
        cannot be made, the index searches without them and says why in ``semantic_problem``)."""
        s = settings or SearchSettings()
        semantic: EntryVectors | None = None
        problem: str | None = None
        if embedder is not None and kb.entries:
            try:
                semantic = EntryVectors.build(kb, embedder)
            except Exception as exc:  # noqa: BLE001 - the lexical search must still answer
                problem = f"entries not embedded: {type(exc).__name__}: {exc}"
        per_entry = [_entry_weights(e, s) for e in kb.entries]
        n = len(per_entry)
        # Document frequency counts an entry fully once a term weighs as much as a synonym.
        df: dict[str, float] = defaultdict(float)
        for weights in per_entry:
            for f, w in weights.items():
                df[f] += min(1.0, w / s.synonym_weight)
        postings: dict[str, list[tuple[int, float]]] = defaultdict(list)
        # idf relative to that of a term found in no entry, so evidence keeps one scale (and the
        # thresholds their meaning) whether the base has forty entries or four hundred.
        rarest = math.log((n + 1) / 0.5)
        idfs = {f: math.log((n + 1) / (d + 0.5)) / rarest for f, d in df.items()}
        for i, weights in enumerate(per_entry):
            for f, w in weights.items():
                idf = idfs[f]
                if idf > 0:
                    scale = s.pair_weight if PAIR_JOIN in f else 1.0
                    postings[f].append((i, w * idf * scale))
        keywords = sorted(set().union(*(_keywords(e) for e in kb.entries)) if n else set())
        phonetic: dict[str, list[str]] = defaultdict(list)
        for word in keywords:
            key = phonetic_key(word)
            if len(key) >= s.min_phonetic_key:
                phonetic[key].append(word)
        acronyms = frozenset(
            seq[0] for e in kb.entries for syn in e.synonyms
            if len(seq := terms(words(syn, spelled=True))) == 1 and 3 <= len(seq[0]) <= 5 and seq[0].isalpha()
        )
        return cls(
            kb=kb,
            settings=s,
            _acronyms=acronyms,
            _entry_terms=tuple(frozenset(f for f in w if PAIR_JOIN not in f) for w in per_entry),
            _entry_names=tuple(frozenset(_names(e)) for e in kb.entries),
            _payday_entries=MappingProxyType(_body_entries(kb, postings, "date de paiement")),
            _proof_entries=MappingProxyType(_body_entries(kb, postings, "attestation")),
            _appointment_entry=_strongest(kb, postings, "prendre rendez-vous"),
            _postings=MappingProxyType({f: tuple(p) for f, p in postings.items()}),
            _idf=MappingProxyType({f: max(v, 0.0) for f, v in idfs.items()}),
            _fuzzy_pools=MappingProxyType(_length_pools(keywords, s)),
            _phonetic=MappingProxyType({k: tuple(v) for k, v in phonetic.items()}),
            semantic=semantic,
            semantic_problem=problem,
        )

    def with_semantic(self, embedder: Embedder) -> KnowledgeIndex:
        """This index with the entries' sentence embeddings (the slow part of a build: a server
        answers with the lexical index meanwhile). On failure, the same index says why."""
        try:
            return dataclasses.replace(self, semantic=EntryVectors.build(self.kb, embedder), semantic_problem=None)
        except Exception as exc:  # noqa: BLE001 - the lexical search must still answer
            return dataclasses.replace(self, semantic=None,
                                       semantic_problem=f"entries not embedded: {type(exc).__name__}: {exc}")

    # -- query side -----------------------------------------------------------------------------

    def _known(self, word: str) -> bool:
        return stem(word) in self._postings

    def _fuzzy(self, word: str) -> tuple[str, float] | None:
        if len(word) < self.settings.min_fuzzy_length:
            return None
        pool = self._fuzzy_pools.get(min(len(word), max(self._fuzzy_pools, default=0)), ())
        found = process.extractOne(word, pool, scorer=fuzz.ratio,
                                   score_cutoff=self.settings.fuzzy_cutoff)
        return (found[0], found[1] / 100.0) if found is not None else None

    def _closest(self, word: str) -> tuple[str, float] | None:
        """A known word for an unknown one: an acronym with a stray letter, same sound, close spelling."""
        s = self.settings
        # "l'a p l a baissé": the spelled run swallowed the next word ("a"); try without it.
        if len(word) <= 6:
            for trimmed in (word[:-1], word[1:]):
                if trimmed in self._acronyms:
                    return trimmed, s.phonetic_similarity
        key = phonetic_key(word)
        if len(key) >= s.min_phonetic_key and key in self._phonetic:
            best = max(self._phonetic[key], key=lambda k: fuzz.ratio(word, k))
            return best, s.phonetic_similarity
        return self._fuzzy(word)

    def _glue(self, parts: Sequence[str]) -> tuple[str, float] | None:
        """A known word made of pieces the recogniser split ("vit a le" -> "vitale")."""
        spellings = [(p,) if letter_of(p) is None else (p, letter_of(p) or p) for p in parts]
        for combo in product(*spellings):
            joined = "".join(combo)
            if len(joined) >= 3 and self._known(joined):
                return joined, 1.0
        # Fuzzy gluing only for fragments (a short piece that is not a common word): two whole
        # unknown words, or a word and its article, stay apart.
        if not any(len(p) <= 3 and not is_stop(p) for p in parts):
            return None
        joined = "".join(parts)
        return self._fuzzy(joined) if len(joined) >= 6 else None

    def _strength(self, word: str) -> float:
        """The most a word weighs in any entry (0 for a word no entry has)."""
        return max((w for _, w in self._postings.get(stem(word), ())), default=0.0)

    def _cut_word(self, left: str, right: str) -> str | None:
        """Two known words that a recogniser cut out of one ("passe port" -> "passeport").

        Glued only when the whole is a strong word of some entry (a name or a title word) and
        each piece alone says little: "mot de passe" or "carte vitale" stay as they are.
        """
        if is_stop(left) or is_stop(right) or is_marker(left) or is_marker(right) \
                or len(left) < 3 or len(right) < 3:
            return None
        whole = left + right
        strong = self._strength(whole)
        if strong < self.settings.synonym_weight * 0.5:
            return None
        if max(self._strength(left), self._strength(right)) * 1.5 > strong:
            return None
        return whole

    def _repair(self, heard: Sequence[str]) -> list[tuple[str, float]]:
        """Words with a similarity each: 1.0 as heard, less when repaired."""
        unknown = [
            (len(w) == 1 and w.isalpha())
            or (not is_stop(w) and not is_marker(w) and not w.isdigit() and not self._known(w))
            for w in heard
        ]
        out: list[tuple[str, float]] = []
        i = 0
        n = len(heard)
        while i < n:
            glued = None
            for size in (3, 2):
                if i + size <= n and any(unknown[i:i + size]) \
                        and not all(is_stop(p) for p in heard[i:i + size]):
                    glued = self._glue(heard[i:i + size])
                    if glued is not None:
                        i += size
                        break
            if glued is None and i + 1 < n and (whole := self._cut_word(heard[i], heard[i + 1])):
                glued = (whole, 1.0)
                i += 2
            if glued is not None:
                out.append(glued)
                continue
            word = heard[i]
            closest = self._closest(word) if unknown[i] and len(word) > 2 else None
            out.append(closest if closest is not None else (word, 1.0))
            i += 1
        return out

    def _rank(self, heard: Sequence[str]) -> tuple[list[tuple[str, float]], list[tuple[int, float]]]:
        """The query's terms (with their similarity) and the entries by evidence, best first."""
        seq: list[tuple[str, float]] = []
        for word, sim in self._repair(without_durations(heard)):
            term = terms([word])
            if term:
                seq.append((term[0], sim))
        wanted: dict[str, float] = {}
        for t, sim in seq:
            if not is_marker(t):
                wanted[t] = max(wanted.get(t, 0.0), sim)
        for (a, sa), (b, sb) in zip(seq, seq[1:], strict=False):
            pair = a + PAIR_JOIN + b
            wanted[pair] = max(wanted.get(pair, 0.0), min(sa, sb))
        evidence: dict[int, float] = defaultdict(float)
        for feature, sim in wanted.items():
            for idx, w in self._postings.get(feature, ()):
                evidence[idx] += sim * w
        # Entries are in id order and the sort is stable: on a tie the lower index, the smaller id,
        # comes first. Two sorts keyed in C are cheaper than one keyed by a Python function.
        return seq, sorted(sorted(evidence.items()), key=itemgetter(1), reverse=True)

    def _sure(self, seq: Sequence[tuple[str, float]], ranked: Sequence[tuple[int, float]]) -> float:
        """The best entry's evidence discounted for the share of the query it leaves unexplained."""
        if not ranked:
            return 0.0
        best_idx, best = ranked[0]
        coverage = self._coverage(best_idx, [t for t, _ in seq])
        return best * (1.0 - self.settings.coverage_discount * (1.0 - coverage))

    def _confident(self, heard: Sequence[str], excluded: Iterable[int] = ()) -> int | None:
        """The entry a piece of a sentence clearly names, if any (for corrections and second questions)."""
        seq, ranked = self._rank(heard)
        if excluded:
            out = set(excluded)
            ranked = [(idx, ev) for idx, ev in ranked if idx not in out]
        if not ranked:
            return None
        runner_up = ranked[1][1] if len(ranked) > 1 else 0.0
        if self._sure(seq, ranked) >= self.settings.min_evidence and \
                runner_up <= self.settings.max_runner_up * ranked[0][1]:
            return ranked[0][0]
        return None

    def _leaning(self, heard: Sequence[str], excluded: Iterable[int] = ()) -> int | None:
        """The entry a piece of a sentence points to, clear or not, if it has enough evidence to be
        offered (``clarify_min_evidence`` once discounted) and is ahead of its runner-up."""
        seq, ranked = self._rank(heard)
        out = set(excluded)
        ranked = [(idx, ev) for idx, ev in ranked if idx not in out]
        if not ranked or self._sure(seq, ranked) < self.settings.clarify_min_evidence:
            return None
        if len(ranked) > 1 and ranked[1][1] > self.settings.max_runner_up * ranked[0][1]:
            return None
        return ranked[0][0]

    def _focus_choice(self, focus: Sequence[str], excluded: set[int], best_idx: int,
                      sentence: Sequence[tuple[int, float]]) -> tuple[int, ...]:
        """The topics to offer when the focus does not clearly name one: the focus's close
        candidates, those the whole sentence supports most first ("la carte vitale de mon fils et
        mon attestation pour l'hôpital, c'est surtout l'attestation": the attestations of the
        three bodies are alike, the sentence says which); or the focus's best entry and the
        sentence's best, when they differ; else ()."""
        _, ranked = self._rank(focus)
        ranked = [(idx, ev) for idx, ev in ranked if idx not in excluded]
        if not ranked or ranked[0][1] < self.settings.clarify_min_evidence:
            return ()  # "c'est ma fille qui est pas inscrite": a person, not a topic
        top = ranked[0][1]
        close = [idx for idx, ev in ranked[: self.settings.max_choices] if ev > self.settings.max_runner_up * top]
        if len(close) > 1:
            support = dict(sentence)
            ordered = tuple(sorted(close, key=lambda idx: -support.get(idx, 0.0)))
            # The sentence's best is the focus's likeliest reading too: the usual decision stands.
            return () if ordered[0] == best_idx else ordered
        if ranked[0][0] == best_idx:
            return ()
        return (ranked[0][0], best_idx)

    def _span_body(self, span: Sequence[str]) -> str | None:
        """The body whose topics a phrase names, when its closest entries all belong to one."""
        _, ranked = self._rank(span)
        if not ranked:
            return None
        top = ranked[0][1]
        bodies = {self.kb.entries[idx].organisme for idx, ev in ranked[: self.settings.max_choices]
                  if ev >= self.settings.max_runner_up * top}
        return next(iter(bodies)) if len(bodies) == 1 and bodies != {"tous"} else None

    def _body_named(self, heard: Sequence[str]) -> str | None:
        """The body a phrase names and nothing more ("la caf", "la sécu"), if any."""
        said = set(terms(heard))
        if not said:
            return None
        for body, names in ORGANISME_NAMES.items():
            known = {t for name in names for t in terms(words(name))}
            if known and said <= known:
                return body
        return None

    def search(self, text: str, top: int = 3) -> SearchResult:
        """Rank entries for a caller's sentence and decide: answer, ask which topic, or neither.

        Topics the caller rejects ("c'est pas la carte grise, c'est le permis") are left out; a
        second question ("... et aussi ...") is reported in ``also`` when the answer covers the first.
        """
        s = self.settings
        parts = split(words(text))
        if parts.focus and {t for t in terms(parts.focus) if not is_marker(t)} <= _BODY_TERMS:
            # "c'est les allocs qui sont pas arrivées": a body named, not a topic chosen.
            parts = dataclasses.replace(parts, focus=())
        rejected: set[int] = set()
        # The bodies whose topics the caller rejected by name ("pas la déclaration de cette année").
        domains: set[str] = set()
        for span in parts.rejected:
            body = self._body_named(span)
            if body is not None and set(terms(span)) <= _TOPIC_LIKE_TERMS:
                # "pas les allocs": a benefit's name that is also the body's; leave out the topic
                # it names best, and keep the body's other topics.
                _, named = self._rank(span)
                if named:
                    rejected.add(named[0][0])
            elif body is not None:
                # "c'est pas la caf, c'est France Travail": every topic of that body is out.
                rejected.update(i for i, e in enumerate(self.kb.entries) if e.organisme == body)
            elif (idx := self._confident(span)) is not None:
                rejected.add(idx)
            if body is None and (domain := self._span_body(span)) is not None:
                domains.add(domain)
        if rejected and (named := self._confident(parts.kept)) in rejected and \
                self._body_named(parts.kept) is None and \
                not set(terms(parts.kept)) & {t for span in parts.rejected for t in terms(span)}:
            # "c'est pas pour la carte d'identité, c'est pour le passeport": the caller rejects a
            # word, and what they want is the same topic (one entry covers both) named by other
            # words. The rejected word said again is a state, not a wish: "pas l'inscription, je
            # suis déjà inscrit, c'est pour la déclaration".
            rejected.discard(named)  # type: ignore[arg-type]
        seq, ranked = self._rank(parts.kept)
        ranked = [(idx, ev) for idx, ev in ranked if idx not in rejected]
        context = next(iter(domains)) if len(domains) == 1 else None
        if context is not None and not bodies_named(parts.kept) and \
                self._sure(seq, ranked) < s.clarify_min_evidence:
            # What is left after a rejected topic says too little on its own: the rejected topic's
            # body is its context ("pas la déclaration de cette année, ce qu'ils me prennent sur
            # le salaire" is the tax withheld, not the CAF's change of situation).
            seq, ranked = self._rank((*parts.kept, *words(ORGANISME_NAMES[domains.pop()][0])))
            ranked = [(idx, ev) for idx, ev in ranked if idx not in rejected]
        results = tuple(
            (self.kb.entries[idx].id, self._score(ev)) for idx, ev in ranked[: max(top, 0)]
        )
        match = None
        clarify: tuple[str, ...] = ()
        confidence = 0.0
        also = None
        semantic_rival = None
        if ranked:
            best_idx, best = ranked[0]
            runner_up = ranked[1][1] if len(ranked) > 1 else 0.0
            sure = self._sure(seq, ranked)
            confidence = self._score(sure)
            focused = self._confident(parts.focus, rejected) if parts.focus else None
            pair = self._two_questions(parts, rejected) if parts.also and not parts.focus else None
            if pair is not None:
                # "X et aussi Y", each naming its topic: "aussi" marks the add-on, so the first
                # question is answered and the second offered after it, whichever words weigh more.
                match = self.kb.entries[pair[0]]
                also = self.kb.entries[pair[1]].id
                confidence = max(confidence, self._score(s.min_evidence))
            elif focused is not None:
                # The caller said which topic matters most ("c'est surtout X"): answer it, and
                # offer the other topic the sentence clearly names, if any, afterwards.
                match = self.kb.entries[focused]
                confidence = max(confidence, self._score(s.min_evidence))
                if best_idx != focused and sure >= s.clarify_min_evidence:
                    also = self.kb.entries[best_idx].id
            elif parts.focus and (aside := self._focus_choice(parts.focus, rejected, best_idx, ranked)):
                # What the caller said matters points elsewhere than the sentence as a whole, and
                # not clearly enough to answer: ask which of the two.
                if sure >= s.clarify_min_evidence:
                    clarify = tuple(self.kb.entries[idx].id for idx in aside)
            elif sure >= s.min_evidence and runner_up <= s.max_runner_up * best \
                    and not self._vague(seq, best_idx):
                match = self.kb.entries[best_idx]
                firsts = [idx for idx, _ in ranked[:s.max_choices]]
                named = None if parts.also else (self._named_rival(seq, firsts) or self._negated_rival(seq, firsts))
                if named is not None:
                    # The sentence names two topics outright ("mon CPF pour passer le permis"):
                    # both fit, so ask rather than guess.
                    match = None
                    choices = dict.fromkeys((best_idx, ranked[1][0], named))
                    clarify = tuple(self.kb.entries[idx].id for idx in choices)
                elif runner_up >= s.semantic_zone * best and \
                        (rival := self._semantic_rival(text, [idx for idx, _ in ranked[:s.max_choices]])) is not None:
                    # A thin margin, and the sentence as a whole reads closer to another topic:
                    # a question costs the caller less than a confident wrong answer.
                    match = None
                    semantic_rival = self.kb.entries[rival].id
                    clarify = (self.kb.entries[best_idx].id, semantic_rival)
            elif sure >= s.clarify_min_evidence:
                close = [idx for idx, ev in ranked[: s.max_choices + 1] if ev >= s.clarify_share * best]
                # The runners-up that kept the search from answering are offered with the best.
                near = [idx for idx, ev in ranked[: s.max_choices]
                        if ev > min(s.max_runner_up, s.clarify_share) * best]
                clarify = tuple(self.kb.entries[idx].id for idx in near)
                if self._only_bodies(seq) or (len(close) > s.max_choices and self._says_little(seq)):
                    # Nothing said beyond a body ("c'est pour la caf"), or too many alike and one
                    # word more: any three would be arbitrary (the IVR asks for the question). A
                    # sentence that says more ("mon rsa est pas arrivé sur mon compte") gets its
                    # three closest topics.
                    clarify = ()
                if len(clarify) == 1 and sure < s.confirm_min_evidence:
                    wide = [idx for idx, ev in ranked[: s.max_choices] if ev >= s.widen_share * best]
                    clarify = tuple(self.kb.entries[idx].id for idx in wide) if len(wide) > 1 else ()
            if match is not None and ((cues := cues_in(parts.kept)) and foreign_to(cues, self._entry_words(match))
                                      or self._other_body(parts.kept, match)):
                # "pour se marier à la mairie", "le permis de chasse": another administration's
                # business that shares a word with a topic, or another body named ("changer mon
                # adresse pour les impôts"); ask (the caller can say none of them).
                vetoed = match
                match = None
                also = None
                near = [idx for idx, ev in ranked[: s.max_choices] if ev > s.max_runner_up * best]
                # The topics the cue or the named body do fit ("la mutuelle de l'état": the CSS
                # speaks of a mutuelle; "dire à la caf ma nouvelle adresse": the CAF's best) are
                # offered with the best, so the one question can resolve.
                fits = self._fitting(parts.kept, cues, vetoed,
                                     [idx for idx, _ in ranked[: s.max_choices + 3] if idx not in near])
                near += [idx for idx in fits if idx not in near][: max(0, s.max_choices - len(near))]
                clarify = tuple(self.kb.entries[idx].id for idx in near)
                if len(clarify) == 1 and sure < s.confirm_min_evidence:
                    clarify = ()
            if match is not None and not parts.also and \
                    (aspect := self._aspect_neighbour(parts.kept, match)) is not None:
                # "quel jour tombe la prime d'activité", "un papier qui prouve ce que je touche au
                # chômage": the benefit's entry, or its body's payment dates or attestations, two
                # neighbours the words alone do not tell apart; ask.
                clarify = (match.id, self.kb.entries[aspect].id)
                match = None
                also = None
            if match is not None and not parts.also and focused is None and asks_appointment(parts.kept) and \
                    (meeting := self._appointment_entry) is not None and self.kb.entries[meeting] is not match:
                # "je voudrais un rendez-vous pour mon dossier retraite": the appointment or the
                # topic it is about; ask.
                clarify = (match.id, self.kb.entries[meeting].id)
                match = None
                also = None
            if match is None and ranked and asks_when_paid(parts.kept):
                # "non c'est pas l'actualisation, je voudrais savoir quand ça tombe": no clear
                # topic, but a question about when it is paid; the payment dates of the body in
                # question (the rejected topic's, else the best entry's) are among the choices.
                body = context or self.kb.entries[best_idx].organisme
                payday = self._payday_entries.get(body)
                if payday is not None and payday not in rejected and self.kb.entries[payday].id not in clarify:
                    clarify = (self.kb.entries[payday].id, *clarify)[: s.max_choices]
            if match is not None and parts.also and also is None:
                pieces = {self._confident(parts.first), self._confident(parts.also)} - {None, best_idx}
                if len(pieces) == 1:
                    also = self.kb.entries[pieces.pop()].id  # type: ignore[index]
                elif focused is None and (first := self._leaning(parts.first, rejected)) is not None \
                        and first != best_idx:
                    # "je voudrais un rendez-vous et aussi savoir les horaires": the first question
                    # is the one callers want, but its half is too short to be sure of; ask which.
                    clarify = (self.kb.entries[first].id, match.id)
                    match = None
        return SearchResult(query=text, match=match, results=results,
                            terms=tuple(t for t, _ in seq), confidence=confidence, clarify=clarify,
                            rejected=tuple(sorted(self.kb.entries[i].id for i in rejected)), also=also,
                            semantic_rival=semantic_rival)

    @staticmethod
    def _only_bodies(seq: Sequence[tuple[str, float]]) -> bool:
        """Whether a query's terms are only the names of bodies."""
        return not {t for t, _ in seq if not is_marker(t) and not t.isdigit()} - _BODY_TERMS

    @staticmethod
    def _says_little(seq: Sequence[tuple[str, float]]) -> bool:
        """Whether a query's terms, once the bodies' names are left aside, are one word or none."""
        content = {t for t, _ in seq if not is_marker(t) and not t.isdigit()} - _BODY_TERMS
        return len(content) <= 1

    def _vague(self, seq: Sequence[tuple[str, float]], best_idx: int) -> bool:
        """A one-word request that does not name its topic ("c'est pour le logement", "mes
        papiers"): a domain, not a question; "rsa" or "l'actualisation" name one."""
        content = {t for t, _ in seq if not is_marker(t) and not t.isdigit()}
        if len(content) != 1:
            return False
        said = {t for t, _ in seq} | {a + PAIR_JOIN + b for (a, _), (b, _) in zip(seq, seq[1:], strict=False)}
        return not said & self._entry_names[best_idx]

    def _aspect_neighbour(self, heard: Sequence[str], match: Entry) -> int | None:
        """The entry of the answer's body for what the sentence asks about it (when it is paid, a
        paper proving it), when that is another entry than the answer."""
        for asks, entries in ((asks_when_paid, self._payday_entries), (asks_for_proof, self._proof_entries)):
            if (idx := entries.get(match.organisme)) is not None and self.kb.entries[idx] is not match \
                    and asks(heard):
                return idx
        return None

    def _fitting(self, heard: Sequence[str], cues: Sequence[tuple[str, ...]], vetoed: Entry,
                 candidates: Sequence[int]) -> list[int]:
        """Among ``candidates`` (best first), the entries that every cue of the sentence fits (their
        own words hold them) and the first of each body the sentence names, other than the entry
        that was not answered."""
        out: list[int] = []
        if cues:
            out += [idx for idx in candidates if self.kb.entries[idx] is not vetoed
                    and not foreign_to(cues, self._entry_words(self.kb.entries[idx]))]
        for body in sorted(bodies_named(heard) - {vetoed.organisme}):
            first = next((idx for idx in candidates if self.kb.entries[idx].organisme == body), None)
            if first is not None and first not in out:
                out.append(first)
        return out

    @staticmethod
    def _other_body(heard: Sequence[str], entry: Entry) -> bool:
        """Whether the sentence names bodies by name, none of them the entry's ("changer mon
        adresse pour les impôts" is not the CAF's change of situation)."""
        if entry.organisme == "tous":
            return False
        named = bodies_named(heard)
        return bool(named) and entry.organisme not in named

    def _two_questions(self, parts: Parts, rejected: set[int]) -> tuple[int, int] | None:
        """(first topic, second topic) when each half of "X et aussi Y" clearly names its own."""
        first = self._confident(parts.first, rejected)
        second = self._confident(parts.also, rejected)
        if first is None or second is None or first == second:
            return None
        return first, second

    def _named_rival(self, seq: Sequence[tuple[str, float]], candidates: Sequence[int]) -> int | None:
        """A runner-up among ``candidates`` (the best first) that a word of the query names as
        strongly as a synonym while the best entry does not know that word at all, if any."""
        if len(candidates) < 2:
            return None
        said = {t for t, sim in seq if not is_marker(t) and sim >= 1.0}
        said |= {a + PAIR_JOIN + b for (a, _), (b, _) in zip(seq, seq[1:], strict=False)}
        best = candidates[0]
        strong = self.settings.named_rival_weight
        rivals = set(candidates[1:])
        found: set[int] = set()
        for feature in said:
            posting = self._postings.get(feature, ())
            if any(i == best for i, _ in posting):
                continue
            found.update(i for i, w in posting if w >= strong and i in rivals)
        return next((idx for idx in candidates[1:] if idx in found), None)

    def _negated_rival(self, seq: Sequence[tuple[str, float]], candidates: Sequence[int]) -> int | None:
        """A runner-up among ``candidates`` that names the negated state the sentence says ("je
        suis plus inscrit": the radiation's "plus inscrit", not the registration), while the best
        entry never says it, if any."""
        if len(candidates) < 2:
            return None
        floor = self.settings.negated_rival_weight
        best = candidates[0]
        for (a, _), (b, sim) in zip(seq, seq[1:], strict=False):
            if a != "plus" or is_marker(b) or sim < 1.0:
                continue
            posting = self._postings.get(a + PAIR_JOIN + b, ())
            # Only what the best entry is about ("inscrit" for the registration) said to be over.
            if any(i == best for i, _ in posting) or \
                    max((w for i, w in self._postings.get(b, ()) if i == best), default=0.0) < floor * 2:
                continue
            strong = {i for i, w in posting if w >= floor}
            found = next((idx for idx in candidates[1:] if idx in strong), None)
            if found is not None:
                return found
        return None

    def _entry_words(self, entry: Entry) -> frozenset[str]:
        """The normalised words of an entry's names, title and examples (not its long answers)."""
        return frozenset(_keywords(entry))

    def _semantic_rival(self, text: str, candidates: Sequence[int]) -> int | None:
        """Another of ``candidates`` (the lexical best first) that the sentence embeddings put
        clearly closer to ``text`` than the lexical best, if any; None without embeddings."""
        if self.semantic is None or len(candidates) < 2:
            return None
        try:
            close = self.semantic.closeness(text, candidates)
        except Exception:  # noqa: BLE001 - an encoder failure leaves the lexical decision
            return None
        rival = max(range(len(candidates)), key=close.__getitem__)
        if rival != 0 and close[rival] - close[0] > self.settings.semantic_margin:
            return candidates[rival]
        return None

    def _score(self, evidence: float) -> float:
        return round(evidence / (evidence + self.settings.half_score_evidence), 4)

    def _coverage(self, entry_idx: int, query_terms: Sequence[str]) -> float:
        """Share of the query's information (idf mass of its words) that the entry contains."""
        unknown_idf = 1.0  # a word no entry has is as informative as the rarest term
        total = covered = 0.0
        for t in set(query_terms):
            if is_marker(t) or t.isdigit():
                continue
            if t not in self._postings:
                total += unknown_idf
                continue
            idf = self._idf.get(t, 0.0)
            total += idf
            if t in self._entry_terms[entry_idx]:
                covered += idf
        return covered / total if total else 0.0
