"""What a reviewer needs per entry: its oldest check, what to re-check and why. Pure."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from callcenter.kb.claims_lint import WARNING, ClaimRules
from callcenter.kb.feed import StaleClaim
from callcenter.kb.lint import lint, lint_warnings
from callcenter.kb.parse import ParsedEntry


@dataclass(frozen=True)
class EntryReview:
    id: str
    title: str
    file: str
    checked_on: dt.date
    oldest_claim: dt.date | None
    claims: int
    faults: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    stale: tuple[StaleClaim, ...] = field(default=())

    @property
    def oldest_check(self) -> dt.date:
        return self.oldest_claim or self.checked_on

    @property
    def needs_attention(self) -> bool:
        return bool(self.faults or self.warnings or self.stale)


def review(parsed: Sequence[ParsedEntry], today: dt.date, rules: ClaimRules,
           stale: Sequence[StaleClaim] = ()) -> list[EntryReview]:
    """One row per valid entry, oldest check first (what to review next comes first)."""
    faults = lint(parsed, today=today, claims=rules)
    warnings = lint_warnings(parsed, today, rules)
    rows = []
    for p in parsed:
        entry = p.entry
        if entry is None:
            continue
        mine = [f.reason for f in faults if f.path == p.source]
        said = [w.reason.removeprefix(WARNING) for w in warnings if w.path == p.source]
        rows.append(EntryReview(
            id=entry.id, title=entry.title, file=p.source, checked_on=entry.checked_on,
            oldest_claim=min((c.checked_on for c in entry.claims), default=None), claims=len(entry.claims),
            faults=tuple(mine), warnings=tuple(said),
            stale=tuple(s for s in stale if s.entry_id == entry.id)))
    return sorted(rows, key=lambda r: (r.oldest_check, r.id))
