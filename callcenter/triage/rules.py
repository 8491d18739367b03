"""The compiled, immutable form of a rules file; built by :mod:`callcenter.triage.loader`."""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from callcenter.triage.text import TextSettings


@dataclass(frozen=True)
class Entry:
    """A group of phrases that, when said, give ``reason`` (and ``also``) a weight.

    ``subject="self"`` sets the phrase aside when its clause is about a third person;
    ``literal`` entries are counted even when negated or hypothetical (used for danger: a caller
    who says "je ne veux pas me suicider" still hears the prevention number). ``ask`` entries are
    too ambiguous to decide danger alone ("régler mes affaires avant de partir" is also said before
    a move): they make the IVR ask the danger question, with their ``emergency`` numbers should
    the caller say yes.
    """

    id: str
    reason: str
    also: tuple[str, ...]
    weight: float
    urgent: bool
    emergency: tuple[str, ...]
    subject: Literal["self", "any"]
    literal: bool
    patterns: tuple[re.Pattern[str], ...]
    ask: bool = False


@dataclass(frozen=True)
class Cue:
    """Context words that mean nothing alone but take part in urgent combinations.

    ``literal`` cues count even after a negation or a hypothesis: "rien mangé depuis hier" is a
    duration however "rien" precedes it (round 13).
    """

    id: str
    patterns: tuple[re.Pattern[str], ...]
    literal: bool = False


@dataclass(frozen=True)
class Mask:
    """A figure of speech or neutral expression; a phrase overlapping it is not counted."""

    id: str
    kind: Literal["figure_of_speech", "not_a_signal"]
    patterns: tuple[re.Pattern[str], ...]


@dataclass(frozen=True)
class Signal:
    """A behaviour, history or profile fact that adds ``weight`` to ``reason``.

    Either ``inputs`` (summed call facts compared with ``at_least``) or ``profile`` (a fact id).
    """

    id: str
    reason: str
    weight: float
    label: str
    inputs: tuple[str, ...] = ()
    at_least: float = 0.0
    profile: str | None = None


@dataclass(frozen=True)
class Combination:
    """Entries and cues that, all present in the call, make it urgent."""

    id: str
    all: tuple[str, ...]
    emergency: tuple[str, ...]


@dataclass(frozen=True)
class Composition:
    """Parts said together in ONE utterance, with none of ``unless`` there, decide like ``entry``.

    Each part is a tuple of cue ids, any of which fills it ("my own end" + "a near time or an
    arrangement"): a situation too varied to list as phrases is read as the meeting of a few
    word families (round 13). ``unless`` names the ordinary reasons that explain the same words
    (holidays, retirement, a move, a relative's funeral). ``entry`` carries what a match
    decides (reason, weight, ``ask`` or ``urgent``, emergency numbers) and has no phrases.
    """

    id: str
    parts: tuple[tuple[str, ...], ...]
    unless: tuple[str, ...]
    entry: Entry


@dataclass(frozen=True)
class Scopes:
    """How negation, hypotheses and third persons are recognised around a matched phrase."""

    negation_cues: frozenset[str]
    not_negation: tuple[re.Pattern[str], ...]
    negation_stops: frozenset[str]
    negation_window: int
    hypothetical: tuple[re.Pattern[str], ...]
    hypothetical_window: int
    first_person: tuple[re.Pattern[str], ...]
    third_person: tuple[re.Pattern[str], ...]
    subject_window: int


@dataclass(frozen=True)
class TriageRules:
    """One loaded rules file; ``version`` is the reviewed version written in it and ``digest``
    a hash of its bytes, both recorded on every decision."""

    version: str
    digest: str
    source: str
    reasons: tuple[str, ...]
    fragile_threshold: float
    text: TextSettings
    scopes: Scopes
    entries: tuple[Entry, ...]
    cues: tuple[Cue, ...]
    masks: tuple[Mask, ...]
    signals: tuple[Signal, ...]
    combinations: tuple[Combination, ...]
    emergency_numbers: tuple[tuple[str, str], ...]
    default_emergency: tuple[str, ...]
    profile_facts: Mapping[str, str]
    compositions: tuple[Composition, ...] = ()

    def emergency_label(self, number: str) -> str:
        return dict(self.emergency_numbers).get(number, "")

    @functools.cached_property
    def figures(self) -> frozenset[str]:
        """Ids of the masks that are figures of speech ("mort de rire", "tuer le temps"): made
        once per rules file, not at every assessment (a scan of every mask, at every hand-over)."""
        return frozenset(m.id for m in self.masks if m.kind == "figure_of_speech")
