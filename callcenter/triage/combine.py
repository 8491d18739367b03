"""How the rules and the semantic detector decide together. Pure.

Either layer can raise the alarm; neither can silence the other. The bands, on the semantic
detector's urgent probability ``p`` of the most alarming utterance (or window of it):

- ``p >= thresholds.urgent``: urgent, as if a rule had fired; the trigger names the family of
  the nearest written situation, and the emergency numbers are those that fit that family;
- ``thresholds.ask <= p < thresholds.urgent``: doubt. ``check_danger``: the IVR asks the caller
  at once whether they are in danger now (yes: urgent; no: the call goes on; silence: a person);
- below: the rules decide alone.

A rule-urgent utterance the caller took back ("je rigole") when nothing else in the call points
to danger is lowered to ``check_danger``, never to nothing: asking costs a few seconds, missing a
caller in danger costs far more. The semantic layer also decides ``fragile`` when its fragile
probability is high and the rules found nothing, naming the reasons it reads.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from callcenter.triage.semantic import Reading, SemanticModel

# Which emergency numbers fit a written situation, by words of its family id (first match wins,
# several can match). Every number must be declared in the rules file (a test checks).
FAMILY_NUMBERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("suicide", ("3114", "15")),
    ("burden", ("3114", "15")),
    ("farewell", ("3114", "15")),
    ("violence", ("3919", "17")),
    ("control", ("3919", "17", "114")),
    ("speak", ("3919", "17", "114")),
    ("threat", ("17",)),
    ("child", ("119", "17")),
    ("medical", ("15",)),
    ("fallen", ("15",)),
    ("treatment", ("15",)),
    ("vital", ("15",)),
    ("street", ("115",)),
    ("tonight", ("115",)),
    ("eviction", ("115",)),
)


# A semantic reading this high is asked about even in an utterance the caller reassured (round 16:
# over batches 1-48 and both development sets, no ordinary caller reads 0.85 or more and is
# silenced by a reassurance; two callers in danger who minimised it did).
REASSURED_CEILING = 0.85
# Distress over paperwork is not asked about only while the semantic reading stays in the lower
# half of the doubt band: above it the words around the cause worry the model more than a chore
# would ("... j'ai mis les cachets de côté pour ce soir" reads 0.82).
PAPERWORK_CEILING = 0.65


@dataclass(frozen=True)
class RulesView:
    """What the rules found, before the semantic layer is heard."""

    urgent: bool
    fragile: bool
    triggers: tuple[str, ...]
    numbers: frozenset[str]
    weights: Mapping[str, float]
    evidence: Mapping[str, list[str]]
    lowered: bool  # a rule-urgent utterance was taken back: ask rather than decide
    lowered_numbers: frozenset[str] = frozenset()  # what those rules would have offered
    # Utterances where the caller said the worrying part is harmless or over ("rien de grave",
    # "elle va bien"): their semantic doubt alone does not make the IVR ask.
    reassured: frozenset[str] = frozenset()
    # Utterances about an event the caller dates in the past and says is over ("il y a trois ans
    # j'ai fait une dépression, maintenant ça va"): their semantic fragile reading does not count.
    past: frozenset[str] = frozenset()
    # Utterances where the caller ties distress to a paperwork cause and says nothing of an end
    # or a means ("j'ai plus la force de me battre avec ces dossiers"): a semantic doubt below
    # ``PAPERWORK_CEILING`` does not make the IVR ask (round 16).
    paperwork: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Merged:
    urgent: bool
    fragile: bool
    check_danger: bool
    triggers: tuple[str, ...]
    numbers: frozenset[str]
    weights: Mapping[str, float]
    evidence: Mapping[str, list[str]]
    semantic: Mapping[str, Any] | None
    # Numbers that fit the doubt, should the caller confirm it (see ``answered``).
    doubt_numbers: frozenset[str] = frozenset()
    # Fragile only because of the doubt: a "no" to the danger question takes it back.
    doubt_fragile: bool = False


def semantic_alarm(model: SemanticModel | None, readings: Sequence[Reading], exclude: set[int]) -> bool:
    """Does any utterance outside ``exclude`` worry the semantic layer (ask band or above)?"""
    if model is None:
        return False
    ask = model.threshold("ask")
    return any(r.urgent >= ask for i, r in enumerate(readings) if i not in exclude)


def family_numbers(family: str) -> tuple[str, ...]:
    out: list[str] = []
    for word, numbers in FAMILY_NUMBERS:
        if word in family:
            out.extend(n for n in numbers if n not in out)
    return tuple(out)


ANSWER_TRIGGERS = {"yes": "caller_confirmed_danger", "none": "danger_question_unanswered"}
ANSWER_EVIDENCE = {"yes": "a répondu oui : en danger maintenant",
                   "none": "pas de réponse claire à la question du danger"}


def answered(merged: Merged, answer: str | None) -> Merged:
    """The caller's answer to the danger question, which outweighs the doubt it resolved.

    Yes, or no clear answer, make the call urgent (a caller who cannot answer may not be free
    to speak); no clears the doubt, never an urgent decision of either layer.
    """
    if answer == "no":
        return replace(merged, check_danger=False, fragile=merged.fragile and not merged.doubt_fragile,
                       doubt_fragile=False)
    if answer not in ANSWER_TRIGGERS:
        return merged
    weights = {**merged.weights, "danger": merged.weights.get("danger", 0.0)}
    evidence = {**merged.evidence, "danger": [*merged.evidence.get("danger", []), ANSWER_EVIDENCE[answer]]}
    numbers = set(merged.numbers) | merged.doubt_numbers
    triggers = merged.triggers if merged.urgent else (*merged.triggers, ANSWER_TRIGGERS[answer])
    return replace(merged, urgent=True, fragile=True, check_danger=False, triggers=triggers,
                   numbers=frozenset(numbers), weights=weights, evidence=evidence)


def merge(rules: RulesView, model: SemanticModel | None, readings: Sequence[Reading]) -> Merged:
    weights = dict(rules.weights)
    evidence = {r: list(q) for r, q in rules.evidence.items()}
    if model is None or not readings:
        return Merged(rules.urgent, rules.fragile, rules.lowered and not rules.urgent, rules.triggers,
                      rules.numbers, weights, evidence, None, rules.lowered_numbers)
    top = max(readings, key=lambda r: r.urgent)
    current = [r for r in readings if r.text not in rules.past]
    caring = max(current or readings, key=lambda r: r.fragile)
    triggers = list(rules.triggers)
    numbers = set(rules.numbers)
    semantic_urgent = top.urgent >= model.threshold("urgent")
    urgent = rules.urgent or semantic_urgent
    # A doubt the caller answered before being asked: only readings of utterances without a
    # reassurance count for the question (an urgent reading counts whatever was said).
    # From ``REASSURED_CEILING`` on, a reading counts whatever the caller said to reassure ("petite
    # overdose hier rien de grave", round 16): minimising is itself how danger is often said.
    doubting = [r for r in readings
                if (r.text not in rules.reassured or r.urgent >= REASSURED_CEILING)
                and (r.text not in rules.paperwork or r.urgent >= PAPERWORK_CEILING)]
    doubt = max((r.urgent for r in doubting), default=0.0) >= model.threshold("ask")
    reassured = not doubt and top.urgent >= model.threshold("ask")
    check_danger = not urgent and (doubt or rules.lowered)
    # Short questions ("c'est quoi la différence entre l'als et l'apl") carry too little for the
    # embedding to read a situation in (the corpus is made of whole sentences): from
    # ``fragile_words`` words on only does the semantic layer decide fragile alone.
    long_enough = [r for r in current if len(r.text.split()) >= model.threshold("fragile_words")]
    caring = max(long_enough, key=lambda r: r.fragile) if long_enough else caring
    semantic_fragile = bool(long_enough) and caring.fragile >= model.threshold("fragile")
    # A caller the IVR asks about danger is treated as fragile until they answer (a transfer
    # before the answer goes with fragile priority, see docs/triage.md) when the semantic layer
    # also reads some fragility (``doubt_fragile``, below the level where it decides alone). A
    # "no" leaves the rules' and the semantic layer's own fragile decision (``answered``).
    doubt_fragile = (check_danger and doubt and not (rules.fragile or semantic_fragile)
                     and max(r.fragile for r in current or readings) >= model.threshold("doubt_fragile"))
    fragile = rules.fragile or urgent or semantic_fragile or doubt_fragile
    decided = "none"
    if semantic_urgent:
        decided = "urgent"
        family = next((n.family for n in top.neighbours if n.label == "urgent"), "")
        if not rules.urgent:
            triggers.append(f"semantic:{family or 'urgent'}")
        numbers.update(family_numbers(family))
        _add_reasons(weights, evidence, top, model.threshold("reason"), at_least_one=not rules.fragile)
    elif check_danger and doubt:
        decided = "ask"
        if doubt_fragile:
            _add_reasons(weights, evidence, caring, model.threshold("reason"), at_least_one=True)
    elif reassured:
        decided = "reassured"
    if semantic_fragile and not rules.fragile and not semantic_urgent:
        decided = "fragile" if decided in ("none", "reassured") else decided
        _add_reasons(weights, evidence, caring, model.threshold("reason"), at_least_one=True)
    shown = top if top.urgent >= model.threshold("ask") or not semantic_fragile else caring
    view = {
        "version": model.version,
        "urgent": round(top.urgent, 3),
        "fragile": round(caring.fragile, 3),
        "decided": decided,
        "window": shown.window,
        "neighbours": [n.to_dict() for n in shown.neighbours],
    }
    doubt_numbers = set(rules.lowered_numbers)
    doubt_numbers.update(n for nb in top.neighbours if nb.label == "urgent" for n in family_numbers(nb.family))
    return Merged(urgent, fragile, check_danger, tuple(triggers), frozenset(numbers), weights, evidence, view,
                  frozenset(doubt_numbers), doubt_fragile)


def _add_reasons(weights: dict[str, float], evidence: dict[str, list[str]], reading: Reading, threshold: float,
                 *, at_least_one: bool) -> None:
    """Name the reasons the semantic layer reads in ``reading``; evidence is the caller's words."""
    chosen = [r for r, p in reading.reasons.items() if p >= threshold]
    if not chosen and at_least_one and reading.reasons:
        chosen = [max(reading.reasons, key=lambda r: reading.reasons[r])]
    for reason in chosen:
        weights.setdefault(reason, 0.0)
        quotes = evidence.setdefault(reason, [])
        if reading.window not in quotes:
            quotes.append(reading.window)
