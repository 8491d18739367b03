"""The equity report, pure: call facts in, per-group figures and a plain statement out.

Groups: each fragility tier (urgent, fragile, not fragile), each fragility reason, and callers
flagged as having no internet (the ``exclusion_numerique`` reason). Figures: calls, how many
needed a person, share answered by a person (the Services Publics+ definition), median and 90th
percentile wait for a person, abandonment, callbacks kept and satisfaction when there are any.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

NO_INTERNET = "exclusion_numerique"
TIERS = ("urgent", "fragile", "normal")
TIER_LABELS = {"urgent": "urgent", "fragile": "fragile", "normal": "non fragile"}


@dataclass(frozen=True)
class CallFacts:
    """What one call contributes to the report."""

    call_sid: str
    tier: str
    reasons: tuple[str, ...] = ()
    needed_person: bool = False
    answered: bool = False
    abandoned: bool = False
    wait_seconds: float | None = None
    callback_kept: bool | None = None
    satisfaction: float | None = None
    # Said they have no internet, whether or not that alone made them fragile.
    no_internet: bool = False


@dataclass(frozen=True)
class GroupStats:
    group: str
    calls: int
    needed_person: int
    answered_share: float | None
    median_wait: float | None
    p90_wait: float | None
    abandonment: float | None
    callbacks_kept: float | None
    satisfaction: float | None

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass(frozen=True)
class EquityReport:
    since: str | None
    groups: tuple[GroupStats, ...]
    statement: str
    fragile_waited_longer: bool | None
    notes: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        return {"since": self.since, "statement": self.statement,
                "fragile_waited_longer": self.fragile_waited_longer,
                "groups": [g.to_dict() for g in self.groups], "notes": list(self.notes)}


def percentile(values: Sequence[float], q: float) -> float | None:
    """Nearest-rank percentile (``q`` in 0..100), the one a supervisor can recount by hand."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return float(ordered[rank - 1])


def median(values: Sequence[float]) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    mid = len(ordered) // 2
    return float(ordered[mid]) if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 3) if whole else None


def stats(group: str, calls: Sequence[CallFacts]) -> GroupStats:
    needed = [c for c in calls if c.needed_person]
    waits = [c.wait_seconds for c in needed if c.answered and c.wait_seconds is not None]
    callbacks = [c.callback_kept for c in calls if c.callback_kept is not None]
    scores = [c.satisfaction for c in calls if c.satisfaction is not None]
    return GroupStats(
        group=group, calls=len(calls), needed_person=len(needed),
        answered_share=_share(sum(c.answered for c in needed), len(needed)),
        median_wait=median(waits), p90_wait=percentile(waits, 90),
        abandonment=_share(sum(c.abandoned for c in needed), len(needed)),
        callbacks_kept=_share(sum(callbacks), len(callbacks)),
        satisfaction=round(sum(scores) / len(scores), 2) if scores else None,
    )


def _statement(fragile: GroupStats, others: GroupStats) -> tuple[str, bool | None]:
    if fragile.median_wait is None or others.median_wait is None:
        return ("Pas assez d'appels mis en relation avec un conseiller pour comparer les attentes des "
                "appelants fragiles et des autres."), None
    f, o = fragile.median_wait, others.median_wait
    if f > o:
        return (f"Les appelants fragiles ont attendu plus longtemps que les autres : attente médiane "
                f"{f:.0f} s contre {o:.0f} s."), True
    return (f"Les appelants fragiles n'ont pas attendu plus longtemps que les autres : attente médiane "
            f"{f:.0f} s contre {o:.0f} s."), False


def equity_report(calls: Iterable[CallFacts], since: str | None = None,
                  reason_ids: Sequence[str] = ()) -> EquityReport:
    """Figures per tier, per reason and for callers without internet, and the plain comparison."""
    rows = list(calls)
    groups = [stats(f"niveau : {TIER_LABELS[t]}", [c for c in rows if c.tier == t]) for t in TIERS]
    reasons = list(dict.fromkeys([*reason_ids, *sorted({r for c in rows for r in c.reasons})]))
    groups += [stats(f"raison : {r}", [c for c in rows if r in c.reasons]) for r in reasons]
    groups.append(stats("sans internet", [c for c in rows if c.no_internet or NO_INTERNET in c.reasons]))
    fragile = stats("fragiles", [c for c in rows if c.tier in ("urgent", "fragile")])
    others = stats("autres", [c for c in rows if c.tier == "normal"])
    statement, longer = _statement(fragile, others)
    notes = []
    if not any(c.callback_kept is not None for c in rows):
        notes.append("Aucun rappel programmé sur la période : la colonne des rappels tenus est vide.")
    if not any(c.satisfaction is not None for c in rows):
        notes.append("Aucune enquête de satisfaction sur la période.")
    return EquityReport(since, (*groups, fragile, others), statement, longer, tuple(notes))
