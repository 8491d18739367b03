"""The triage itself: rules and call facts in, a decision with its evidence out. No I/O, no clock."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TypeVar

from callcenter.triage import combine
from callcenter.triage.model import Composed, Reason, SetAside, TriageDecision, TriageInput
from callcenter.triage.rules import Composition, Entry, TriageRules
from callcenter.triage.semantic import SemanticModel
from callcenter.triage.text import BOUNDARY, Stream, normalise


@dataclass(frozen=True)
class _Hit:
    entry: Entry
    quote: str
    utterance: int
    first: int = 0  # first token of the phrase in its utterance


RETRACTION_CUE = "cue.retraction"
REASSURANCE_CUE = "cue.rassurance"
# An event the caller dates in the past ("il y a trois ans", "l'an dernier") and says is over
# ("c'est derrière moi", "maintenant j'ai un appart"): both must be in the utterance.
PAST_CUE = "cue.passe_date"
RESOLVED_CUE = "cue.passe_resolu"
# Cues read as said, whatever precedes them: "si je vois encore un captcha non je plaisante" is
# a retraction, not a hypothetical one.
_LITERAL_CUES = frozenset({RETRACTION_CUE, PAST_CUE, RESOLVED_CUE})
# Round 16: a past event that is over is over only if nothing says it is recent or coming back
# ("hier", "cette nuit", "ça revient", "encore ces idées"); a danger dated a year or more back
# ("quand j'avais quinze ans", "il y a un an") and said to be over is set aside without the
# danger question (a danger over only lately is still asked about, as before).
REVIVED_CUE = "cue.danger_revient"
FAR_PAST_CUE = "cue.passe_lointain"
# Round 16: distress tied in the same words to a paperwork cause ("j'ai plus la force de me
# battre avec ces dossiers"): its semantic doubt alone does not make the IVR ask, unless the
# utterance also holds a danger phrase or a cue of an end or a means.
ADMIN_CAUSE_CUE = "cue.cause_administrative"
END_OR_MEANS_CUES = frozenset({
    "cue.fin_propre", "cue.vaut_plus_mort", "cue.dispositions", "cue.cloture_tout",
    "cue.remerciement_adieu", "cue.cachets_amasses", "cue.lieu_hauteur", "cue.plus_besoin",
    "cue.don_affaires", "cue.rejoindre_proche", "cue.acte_fait", "cue.seul_ou_lame",
    "cue.poignets_soignes", "cue.lettres_ecrites", "cue.propre_deces", "cue.testament_date",
    "cue.pour_les_proches", "cue.menace_de_finir", "cue.saut_rapporte", "cue.danger_revient",
    "cue.moyen_cite", "cue.moment_recent", "cue.ce_soir",
})
# The mask that says the opposite of a retraction ("je rigole pas", "je plaisante à moitié"):
# the only one that hides a retraction (round 15).
NOT_A_RETRACTION = "neutral.serieux"
LONG_PAST_MASK = "neutral.passe_lointain"
# What a caller says after taking a joke back and a "but" ("bon je rigole, mais j'ai acheté la
# corde hier") is not taken back: from this many words on, the semantic layer reads it on its own
# (round 11). Without the "but" the rest is usually the joke itself ("je plaisantais quand j'ai dit
# que ...") or the question ("je rigole, qu'est-ce que je dois amener").
TAIL_WORDS = 4
_REOPENING = frozenset({"mais", "sauf", "quoique", "pourtant", "cependant"})


def assess(rules: TriageRules, call: TriageInput, semantic: SemanticModel | None = None) -> TriageDecision:
    """Decide whether the caller is fragile and/or urgent, and say why.

    With a ``semantic`` model, the semantic detector reads every utterance too and either layer
    can raise the alarm (see :mod:`callcenter.triage.combine`); without it, the rules alone decide.
    """
    hits: list[_Hit] = []
    cue_ids: set[str] = set()
    aside: list[SetAside] = []
    retracted: set[int] = set()
    reassured: set[str] = set()
    paperwork: set[str] = set()  # distress tied to a paperwork cause, nothing of an end (round 16)
    # Utterance -> the token where what the caller took back or said is over ends: phrases before
    # it are about the joke or the past event, phrases after it about the caller now.
    taken_back: dict[int, int] = {}
    tails: list[str] = []  # what follows a retraction, read apart (see TAIL_WORDS)
    past_resolved: dict[int, int] = {}
    far_past: set[int] = set()  # past_resolved utterances dated a year or more back (round 16)
    composed: list[Composed] = []
    figures = rules.figures
    for index, utterance in enumerate(call.utterances):
        scan = _Scan(rules, utterance)
        for entry in rules.entries:
            for first, last in scan.spans(entry.patterns):
                quote = scan.quote(first, last)
                why = scan.why_not(first, last, entry.subject, entry.literal)
                if why is None:
                    hits.append(_Hit(entry, quote, index, first))
                else:
                    aside.append(SetAside(entry.reason, quote, why))
        ends: dict[str, int] = {}
        said: dict[str, tuple[int, int]] = {}  # cue id -> its first span that counts here
        for cue in rules.cues:
            literal = cue.literal or cue.id in _LITERAL_CUES
            # A date is a date even where a neutral mask already read the event as long past
            # ("séparés il y a vingt ans"): the past cue still counts (round 7). A retraction
            # inside the span of a mask that reads the figure it takes back ("on dort dehors
            # haha non on part en camping") still counts too; only the mask that says the
            # opposite of a retraction ("je rigole pas", "à moitié") hides it (round 15).
            counted = [(f, t) for f, t in scan.spans(cue.patterns)
                       if cue.id == PAST_CUE
                       or (cue.id == RETRACTION_CUE and not scan.masked_by(f, t, NOT_A_RETRACTION))
                       # the mask that reads an event as long past agrees with its resolution
                       # ("j'en suis sorti depuis des années", round 16)
                       or (cue.id == RESOLVED_CUE and scan.masked_by(f, t, LONG_PAST_MASK))
                       or scan.why_not(f, t, "any", literal) is None]
            spans = [t for _, t in counted]
            if spans:
                said[cue.id] = counted[0]
                ends[cue.id] = max(spans)
                if cue.id == RETRACTION_CUE:
                    retracted.add(index)
                    taken_back[index] = ends[cue.id]
                    size, end = len(scan.stream.tokens), ends[cue.id]
                    if size - end >= TAIL_WORDS and scan.stream.tokens[end].norm in _REOPENING:
                        tails.append(scan.quote(end, size))
                elif cue.id == REASSURANCE_CUE:
                    reassured.add(utterance)
                elif cue.id not in _LITERAL_CUES:
                    cue_ids.add(cue.id)
        for composition in rules.compositions:
            found = _composed(composition, said)
            if found is not None:
                parts = tuple((cue_id, scan.quote(*said[cue_id])) for cue_id in found)
                composed.append(Composed(composition.id, parts))
                first = min(said[cue_id][0] for cue_id in found)
                hits.extend(_Hit(composition.entry, quote, index, first) for _, quote in parts)
        if PAST_CUE in ends and RESOLVED_CUE in ends and REVIVED_CUE not in said:
            past_resolved[index] = ends[RESOLVED_CUE]
            reassured.add(utterance)
            if FAR_PAST_CUE in said:
                far_past.add(index)
        if ADMIN_CAUSE_CUE in said and not (END_OR_MEANS_CUES & said.keys()) and not any(
                h.utterance == index and h.entry.reason == "danger" for h in hits):
            paperwork.add(utterance)
        # A figure of speech the rules recognise ("tuer le temps", "mort de rire", "bosser
        # jusqu'à ma mort") is what alarms the semantic layer in such an utterance: its doubt
        # alone does not make the IVR ask (round 7; rules and the urgent band still decide).
        if any(mask_id in figures for _, _, mask_id in scan.masks):
            reassured.add(utterance)

    # What the caller took back or said is over: the non-danger phrases said before that point do
    # not count (danger phrases are handled below, as a retraction: lowered to a question).
    def _before(marks: dict[int, int], hit: _Hit) -> bool:
        return hit.utterance in marks and hit.first < marks[hit.utterance] and not hit.entry.urgent

    for marks, why in ((taken_back, "retracted"), (past_resolved, "past_resolved")):
        gone = [h for h in hits if _before(marks, h) and h.entry.reason != "danger"]
        aside.extend(SetAside(h.entry.reason, h.quote, why) for h in gone)
        hits = [h for h in hits if h not in gone]

    readings = semantic.read(call.utterances) if semantic is not None else ()
    after_jokes = semantic.read(tails) if semantic is not None and tails else ()
    # A retraction ("je rigole", "c'est une façon de parler") lowers the alarm of its own
    # utterance only when nothing else in the call points to danger; so does a danger the caller
    # dates in the past and says is over ("il y a vingt ans il me battait, c'est loin tout ça").
    def _softened(hit: _Hit) -> bool:
        return hit.entry.urgent and (hit.utterance in retracted or (
            hit.utterance in past_resolved and hit.first < past_resolved[hit.utterance]))

    quiet = retracted | {h.utterance for h in hits if _softened(h)}
    firm = [h for h in hits if not _softened(h)]
    other_danger = (any(h.entry.urgent for h in firm)
                    or combine.semantic_alarm(semantic, readings, exclude=quiet)
                    or combine.semantic_alarm(semantic, after_jokes, exclude=set()))
    soft_urgent: list[_Hit] = []
    if quiet and not other_danger:
        soft_urgent = [h for h in hits if _softened(h)]
        aside.extend(SetAside(h.entry.reason, h.quote, "retracted" if h.utterance in retracted
                              else "past_resolved") for h in soft_urgent)
        hits = [h for h in hits if h not in soft_urgent]
        readings = tuple(r for i, r in enumerate(readings) if i not in retracted)
    readings = (*readings, *after_jokes)

    weights: dict[str, float] = {}
    evidence: dict[str, list[str]] = {}
    # Each entry counts once however often it is said; distinct entries add up, so two weak
    # signs of one reason ("je suis coincée", "une avance") can decide together.
    for entry in _unique(hit.entry for hit in hits):
        for reason in (entry.reason, *entry.also):
            weights[reason] = weights.get(reason, 0.0) + entry.weight
    for hit in hits:
        for reason in (hit.entry.reason, *hit.entry.also):
            evidence.setdefault(reason, []).append(hit.quote)
    for signal in rules.signals:
        if signal.profile is not None:
            fired = signal.profile in call.profile
            said = signal.label
        else:
            value = sum(call.numeric(name) for name in signal.inputs)
            fired = value >= signal.at_least
            said = f"{signal.label}: {value:g}"
        if fired:
            weights[signal.reason] = weights.get(signal.reason, 0.0) + signal.weight
            evidence.setdefault(signal.reason, []).append(said)

    # Phrases too ambiguous to decide danger alone make the IVR ask (a caller who took them back
    # or dated them in the past is not asked for them).
    asking = [h for h in hits if h.entry.ask]
    present = {hit.entry.id for hit in hits} | cue_ids
    triggers = [e.id for e in _unique(hit.entry for hit in hits) if e.urgent]
    numbers = {n for hit in hits if hit.entry.urgent for n in hit.entry.emergency}
    for combo in rules.combinations:
        if all(part in present for part in combo.all):
            triggers.append(combo.id)
            numbers.update(combo.emergency)

    score = round(float(sum(weights.values())), 2)
    # A danger dated a year or more back and said to be over, with nothing recent or coming back
    # in its utterance, is set aside without the question (round 16); a retraction still asks.
    asked_for = [h for h in soft_urgent if h.utterance in retracted or h.utterance not in far_past]
    rules_view = combine.RulesView(
        urgent=bool(triggers), fragile=bool(triggers) or score >= rules.fragile_threshold,
        triggers=tuple(triggers), numbers=frozenset(numbers), weights=weights,
        evidence={r: list(q) for r, q in evidence.items()}, lowered=bool(asked_for or asking),
        lowered_numbers=frozenset(n for h in (*asked_for, *asking) for n in h.entry.emergency),
        reassured=frozenset(reassured), paperwork=frozenset(paperwork),
        past=frozenset(call.utterances[i] for i in past_resolved))
    merged = combine.answered(combine.merge(rules_view, semantic, readings), call.danger_answer)
    numbers = set(merged.numbers)
    if merged.urgent and not numbers:
        numbers.update(rules.default_emergency)
    fragile = merged.fragile
    found = tuple(Reason(r, _essential(merged.evidence[r])) for r in rules.reasons if r in merged.weights)
    kept = {r.id for r in found}
    return TriageDecision(
        fragile=fragile,
        urgent=merged.urgent,
        score=score,
        reasons=found if fragile else (),
        rules_version=rules.version,
        rules_digest=rules.digest,
        emergency_numbers=tuple(n for n, _ in rules.emergency_numbers if n in numbers),
        urgent_triggers=merged.triggers,
        hints=() if fragile else found,
        set_aside=tuple(_unique(s for s in aside if s.reason not in kept or s.why == "retracted")),
        check_danger=merged.check_danger,
        semantic=merged.semantic,
        composed=tuple(composed),
    )


def _composed(composition: Composition, said: dict[str, tuple[int, int]]) -> tuple[str, ...] | None:
    """A cue said in the utterance for each part of ``composition``, a different cue for each
    part (two parts are two things said, not one phrase read twice), or ``None`` when that
    cannot be done or an ordinary reason was said."""
    if any(cue_id in said for cue_id in composition.unless):
        return None

    def fill(index: int, used: tuple[str, ...]) -> tuple[str, ...] | None:
        if index == len(composition.parts):
            return used
        for cue_id in composition.parts[index]:
            if cue_id in said and cue_id not in used:
                found = fill(index + 1, (*used, cue_id))
                if found is not None:
                    return found
        return None

    return fill(0, ())


_T = TypeVar("_T")


def _unique(items: Iterable[_T]) -> list[_T]:
    return list(dict.fromkeys(items))


def _essential(quotes: list[str]) -> tuple[str, ...]:
    """Distinct quotes, dropping any already contained in a longer quote of the same reason."""
    distinct = _unique(quotes)
    return tuple(q for q in distinct if not any(q != other and q in other for other in distinct))


class _Scan:
    """One utterance, normalised once, with the spans every phrase check needs."""

    def __init__(self, rules: TriageRules, utterance: str) -> None:
        self.rules = rules
        self.utterance = utterance
        self.stream = Stream.of(normalise(utterance, rules.text))
        scopes = rules.scopes
        self.masks = [(f, t, m.id) for m in rules.masks for f, t in self.spans(m.patterns)]
        not_negation = {i for f, t in self.spans(scopes.not_negation) for i in range(f, t)}
        self.cues = {i for i, tok in enumerate(self.stream.tokens)
                     if tok.norm in scopes.negation_cues and i not in not_negation}
        self.hypotheses = self.spans(scopes.hypothetical)
        self.subjects = sorted([(f, t, "self") for f, t in self.spans(scopes.first_person)]
                               + [(f, t, "other") for f, t in self.spans(scopes.third_person)])

    def spans(self, patterns: tuple[re.Pattern[str], ...]) -> list[tuple[int, int]]:
        """Token spans matched by any of ``patterns``; overlapping spans are merged so the
        evidence quotes the longest stretch of the caller's words."""
        found = sorted(self.stream.token_span(m.start(), m.end())
                       for p in patterns for m in p.finditer(self.stream.text))
        merged: list[tuple[int, int]] = []
        for first, last in found:
            if merged and first < merged[-1][1]:
                merged[-1] = (merged[-1][0], max(merged[-1][1], last))
            else:
                merged.append((first, last))
        return merged

    def masked_by(self, first: int, last: int, mask_id: str) -> bool:
        """Whether the mask ``mask_id`` overlaps tokens ``[first, last)``."""
        return any(m == mask_id and f < last and first < t for f, t, m in self.masks)

    def quote(self, first: int, last: int) -> str:
        return self.stream.quote(self.utterance, first, last)

    def why_not(self, first: int, last: int, subject: str, literal: bool) -> str | None:
        """Why the phrase at tokens ``[first, last)`` does not count, or ``None`` if it does."""
        for f, t, mask_id in self.masks:
            if f < last and first < t:
                return mask_id
        if not literal:
            if self._negated(first):
                return "negated"
            if self._hypothetical(first):
                return "hypothetical"
        if subject == "self" and self._subject(first, last) == "other":
            return "third_person"
        return None

    def _boundary_between(self, start: int, stop: int) -> bool:
        return any(self.stream.tokens[i].norm == BOUNDARY for i in range(max(start, 0), stop))

    def _negated(self, first: int) -> bool:
        scopes = self.rules.scopes
        head = self.stream.tokens[first].norm
        if first in self.cues or head in scopes.negation_stops:
            # The phrase opens its own clause or is itself a negation ("plus de salaire plus
            # rien"): a negation before it belongs to something else.
            return False
        for i in range(first - 1, max(first - 1 - scopes.negation_window, -1), -1):
            word = self.stream.tokens[i].norm
            if i in self.cues:
                return True
            if word == BOUNDARY or word in scopes.negation_stops:
                return False
        return False

    def _hypothetical(self, first: int) -> bool:
        window = self.rules.scopes.hypothetical_window
        return any(f < first and first - t <= window and not self._boundary_between(t, first)
                   for f, t in self.hypotheses)

    def _subject(self, first: int, last: int) -> str:
        """``self`` or ``other``: who the clause holding tokens ``[first, last)`` is about."""
        if any(kind == "self" and first <= f < last for f, _, kind in self.subjects):
            return "self"
        before = [(f, kind) for f, _, kind in self.subjects if f < first]
        if not before:
            return "self"
        start, kind = before[-1]
        if first - start > self.rules.scopes.subject_window or self._boundary_between(start, first):
            # Too far back to bind this clause: callers mostly speak of themselves.
            return "self"
        return kind
