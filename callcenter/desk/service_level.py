"""Today's service level, for the whole centre and for each queue: pure, no I/O.

A caller "needed a person" once their wait is over (answered, abandoned, called back, ended);
callers still waiting are not counted yet, so the figure never moves backwards during a wait.
The service level is the share of them answered within the threshold (the usual "80/20"-style
figure of contact centres: here, answered within 60 s by default).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

OPEN = ("waiting", "offered")


@dataclass(frozen=True)
class Handover:
    queue: str
    status: str
    enqueued_at: datetime
    connected_at: datetime | None


def _level(rows: list[Handover], threshold_seconds: float) -> dict[str, Any]:
    needed = [r for r in rows if r.status not in OPEN]
    answered = [r for r in needed if r.connected_at is not None]
    in_time = [r for r in answered
               if r.connected_at is not None and (r.connected_at - r.enqueued_at).total_seconds() <= threshold_seconds]
    abandoned = [r for r in needed if r.status == "abandoned"]
    return {"threshold_seconds": threshold_seconds, "needed_a_person": len(needed),
            "answered": len(answered), "answered_in_time": len(in_time), "abandoned": len(abandoned),
            "answer_rate": round(len(answered) / len(needed), 3) if needed else None,
            "service_level": round(len(in_time) / len(needed), 3) if needed else None}


def service_levels(rows: Iterable[Handover], threshold_seconds: float = 60.0) -> dict[str, Any]:
    """The centre's figures, with the same figures per queue under ``by_queue``."""
    every = list(rows)
    by_queue: dict[str, list[Handover]] = defaultdict(list)
    for r in every:
        by_queue[r.queue].append(r)
    return {**_level(every, threshold_seconds),
            "by_queue": {q: _level(rs, threshold_seconds) for q, rs in sorted(by_queue.items())}}
