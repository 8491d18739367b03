"""The satisfaction report, pure: survey answers in, figures per path, per answer entry, per
agent and per fragility tier out, and the CSV export of the answers.

A survey answer is a score from 1 (the question got no answer at all) to 5 (fully answered),
given on the keypad at the end of a call, with an optional short comment already redacted. The
figures a supervisor can recount by hand: how many answers, the mean score, the share of 4 and 5
("satisfied"), the count of each score, and how many left a comment.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

TIERS = ("urgent", "fragile", "normal")
TIER_LABELS = {"urgent": "urgent", "fragile": "fragile", "normal": "non fragile"}
VIA_LABELS = {"answer": "Réponse automatique", "agent": "Conseiller"}
# The latest comments shown on the page (the CSV has them all).
SHOWN_COMMENTS = 20


@dataclass(frozen=True)
class SurveyFacts:
    """One call's survey answer, as the store keeps it."""

    call_sid: str
    at: datetime
    score: int
    via: str
    node: str
    tier: str = "normal"
    comment: str | None = None
    kb_id: str | None = None
    agent_id: int | None = None
    queue: str | None = None


@dataclass(frozen=True)
class Group:
    """The figures of one group of answers (``key`` for tools, ``label`` in French)."""

    key: str
    label: str
    answers: int
    mean: float | None
    satisfied_share: float | None
    scores: tuple[int, int, int, int, int]
    comments: int

    def to_dict(self) -> dict[str, Any]:
        return {"key": self.key, "label": self.label, "answers": self.answers, "mean": self.mean,
                "satisfied_share": self.satisfied_share, "scores": list(self.scores), "comments": self.comments}


@dataclass(frozen=True)
class SatisfactionReport:
    since: str | None
    until: str | None
    total: Group
    by_path: tuple[Group, ...]
    by_entry: tuple[Group, ...]
    by_agent: tuple[Group, ...]
    by_tier: tuple[Group, ...]
    comments: tuple[SurveyFacts, ...] = field(default=())
    notes: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        return {"since": self.since, "until": self.until, "total": self.total.to_dict(),
                "by_path": [g.to_dict() for g in self.by_path], "by_entry": [g.to_dict() for g in self.by_entry],
                "by_agent": [g.to_dict() for g in self.by_agent], "by_tier": [g.to_dict() for g in self.by_tier],
                "notes": list(self.notes)}


def group(key: str, label: str, rows: Sequence[SurveyFacts]) -> Group:
    scores = [r.score for r in rows]
    counts = tuple(scores.count(s) for s in range(1, 6))
    return Group(
        key=key, label=label, answers=len(rows),
        mean=round(sum(scores) / len(scores), 2) if scores else None,
        satisfied_share=round(sum(1 for s in scores if s >= 4) / len(scores), 3) if scores else None,
        scores=counts,  # type: ignore[arg-type]
        comments=sum(1 for r in rows if r.comment),
    )


def _grouped(rows: Sequence[SurveyFacts], key: Callable[[SurveyFacts], str | None],
             label: Callable[[str], str]) -> tuple[Group, ...]:
    keys: dict[str, list[SurveyFacts]] = {}
    for row in rows:
        k = key(row)
        if k is not None:
            keys.setdefault(k, []).append(row)
    groups = [group(k, label(k), members) for k, members in keys.items()]
    # Most answered first, then by name: what most callers rated leads.
    return tuple(sorted(groups, key=lambda g: (-g.answers, g.label)))


def path_key(row: SurveyFacts) -> str:
    return f"{row.via}:{row.node}"


def satisfaction_report(rows: Iterable[SurveyFacts], *, since: str | None = None, until: str | None = None,
                        agents: Mapping[int, str] | None = None, nodes: Mapping[str, str] | None = None,
                        entries: Mapping[str, str] | None = None, queues: Mapping[str, str] | None = None,
                        ) -> SatisfactionReport:
    """Figures for all answers, per path (automatic answer at a node, or a person in a queue), per
    knowledge-base entry, per agent and per fragility tier; names in French where given."""
    answers = sorted(rows, key=lambda r: (r.at, r.call_sid))
    agents, nodes, entries, queues = agents or {}, nodes or {}, entries or {}, queues or {}

    def path_label(key: str) -> str:
        via, _, node = key.partition(":")
        where = queues.get(node, node) if via == "agent" else nodes.get(node, node)
        return f"{VIA_LABELS.get(via, via)} — {where}"

    by_tier = tuple(group(t, TIER_LABELS[t], [r for r in answers if r.tier == t]) for t in TIERS)
    notes = []
    if not answers:
        notes.append("Aucune réponse à l'enquête de satisfaction sur la période.")
    return SatisfactionReport(
        since=since, until=until,
        total=group("all", "Toutes les réponses", answers),
        by_path=_grouped(answers, path_key, path_label),
        by_entry=_grouped(answers, lambda r: r.kb_id, lambda k: entries.get(k, k)),
        by_agent=_grouped(answers, lambda r: None if r.agent_id is None else str(r.agent_id),
                          lambda k: agents.get(int(k), f"agent {k}")),
        by_tier=by_tier,
        comments=tuple(r for r in reversed(answers) if r.comment)[:SHOWN_COMMENTS],
        notes=tuple(notes),
    )


def mean_score_by_call(rows: Iterable[SurveyFacts]) -> dict[str, float]:
    """Each call's score, for the equity report's satisfaction column."""
    return {r.call_sid: float(r.score) for r in rows}


CSV_FIELDS = ("date", "call_sid", "score", "via", "path", "kb_id", "agent_id", "agent", "queue", "tier", "comment")


def as_csv(rows: Sequence[SurveyFacts], agents: Mapping[int, str] | None = None) -> str:
    """Every answer of the period, one line each (comments are stored redacted)."""
    agents = agents or {}
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_FIELDS)
    for r in sorted(rows, key=lambda r: (r.at, r.call_sid)):
        writer.writerow([r.at.isoformat(), r.call_sid, r.score, r.via, path_key(r), r.kb_id or "",
                         "" if r.agent_id is None else r.agent_id,
                         "" if r.agent_id is None else agents.get(r.agent_id, ""), r.queue or "", r.tier,
                         r.comment or ""])
    return out.getvalue()
