"""What the triage takes and what it returns: plain frozen data, JSON-ready on the way out."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

# Names of the numeric call facts a signal of the rules file may test (see ``signals`` there).
NUMERIC_INPUTS: tuple[str, ...] = (
    "no_input_count",
    "no_match_count",
    "asked_for_person",
    "seconds_in_ivr",
    "calls_last_7_days",
    "calls_last_30_days",
    "unresolved_previous_calls",
    "missed_callbacks",
)


@dataclass(frozen=True)
class TriageInput:
    """Everything known about one call when the triage runs.

    ``utterances`` are all the caller's utterances so far, oldest first. ``profile`` holds facts the
    service already records about the caller (ids declared in the rules file, e.g.
    ``minimum_income``); it never holds identity, nationality, origin or religion.
    """

    utterances: tuple[str, ...]
    no_input_count: int = 0
    no_match_count: int = 0
    asked_for_person: bool = False
    seconds_in_ivr: float = 0.0
    calls_last_7_days: int = 0
    calls_last_30_days: int = 0
    unresolved_previous_calls: int = 0
    missed_callbacks: int = 0
    profile: frozenset[str] = frozenset()
    # The caller's answer to "are you in danger right now?" once asked: "yes", "no", or "none"
    # (silence or an answer that was neither). ``None``: not asked.
    danger_answer: str | None = None

    def numeric(self, name: str) -> float:
        """The value of one of :data:`NUMERIC_INPUTS` (``True`` counts as 1)."""
        if name not in NUMERIC_INPUTS:
            raise KeyError(name)
        return float(getattr(self, name))


@dataclass(frozen=True)
class Reason:
    """One fragility reason (an id of ``fragility_reasons``) and what triggered it."""

    id: str
    evidence: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "evidence": list(self.evidence)}


@dataclass(frozen=True)
class SetAside:
    """Words that looked like a reason but were not counted, and why.

    ``why`` is ``negated``, ``hypothetical``, ``third_person`` or the id of the figure of speech /
    neutral expression of the rules file that covered them. Shown to the agent so a missed
    fragility can be understood and the rules corrected.
    """

    reason: str
    evidence: str
    why: str

    def to_dict(self) -> dict[str, Any]:
        return {"reason": self.reason, "evidence": self.evidence, "why": self.why}


@dataclass(frozen=True)
class Composed:
    """A composition of the rules file that matched: its id and, for each of its parts, the cue
    that filled it and the caller's words (round 13), so a reviewer sees why words that are
    harmless one by one counted together."""

    id: str
    parts: tuple[tuple[str, str], ...]  # (cue id, the caller's words)

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "parts": [{"cue": c, "evidence": e} for c, e in self.parts]}


@dataclass(frozen=True)
class TriageDecision:
    """The triage's answer for one call at one moment.

    ``reasons`` explain a fragile decision; when the call is not fragile they are empty and any
    evidence that was too weak to decide on its own is in ``hints``. ``urgent_triggers`` name the
    rules (entry or combination ids) that made the call urgent and ``emergency_numbers`` the
    numbers that fit them, in the order the rules file lists them.
    """

    fragile: bool
    urgent: bool
    score: float
    reasons: tuple[Reason, ...]
    rules_version: str
    rules_digest: str = ""
    emergency_numbers: tuple[str, ...] = ()
    urgent_triggers: tuple[str, ...] = ()
    hints: tuple[Reason, ...] = ()
    set_aside: tuple[SetAside, ...] = field(default=())
    # Doubt: the IVR asks the caller straight away whether they are in danger now.
    check_danger: bool = False
    # What the semantic detector read (``None`` when it did not run): see combine.py.
    semantic: Mapping[str, Any] | None = None
    # Compositions that matched (cue by cue), whatever they decided: see ``Composed``.
    composed: tuple[Composed, ...] = ()

    @property
    def reason_ids(self) -> tuple[str, ...]:
        return tuple(r.id for r in self.reasons)

    def to_dict(self) -> dict[str, Any]:
        return {
            "fragile": self.fragile,
            "urgent": self.urgent,
            "score": self.score,
            "reasons": [r.to_dict() for r in self.reasons],
            "emergency_numbers": list(self.emergency_numbers),
            "urgent_triggers": list(self.urgent_triggers),
            "hints": [r.to_dict() for r in self.hints],
            "set_aside": [s.to_dict() for s in self.set_aside],
            "check_danger": self.check_danger,
            "semantic": None if self.semantic is None else dict(self.semantic),
            "composed": [c.to_dict() for c in self.composed],
            "rules_version": self.rules_version,
            "rules_digest": self.rules_digest,
        }
