"""Call facts for the reports, read from the store (the adapter of the pure report)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from callcenter.reports.equity import NO_INTERNET, CallFacts
from callcenter.store import Database
from callcenter.store.models import Call, QueueEntry, SurveyResponse


def _tier(triage: dict | None) -> str:  # type: ignore[type-arg]
    if not triage:
        return "normal"
    return "urgent" if triage.get("urgent") else "fragile" if triage.get("fragile") else "normal"


async def call_facts(db: Database, since: datetime | None) -> list[CallFacts]:
    """One :class:`CallFacts` per call started since ``since`` (all calls when ``None``)."""
    async with db.sessions() as session:
        query = select(Call)
        if since is not None:
            query = query.where(Call.created_at >= since)
        calls = list(await session.scalars(query.order_by(Call.created_at)))
        sids = [c.call_sid for c in calls]
        entries = {e.call_sid: e for e in await session.scalars(
            select(QueueEntry).where(QueueEntry.call_sid.in_(sids)))} if calls else {}
        # The caller's own answer to the post-call survey (1-5), when they gave one.
        scores = {s.call_sid: s.score for s in await session.scalars(
            select(SurveyResponse).where(SurveyResponse.call_sid.in_(sids)))} if calls else {}
    facts = []
    for call in calls:
        triage = call.state.get("triage")
        entry = entries.get(call.call_sid)
        wait = None
        if entry is not None:
            end = entry.connected_at or entry.ended_at
            wait = (end - entry.enqueued_at).total_seconds() if end else None
        facts.append(CallFacts(
            call_sid=call.call_sid,
            tier=_tier(triage),
            reasons=tuple(r["id"] for r in (triage or {}).get("reasons", ())),
            needed_person=entry is not None,
            answered=entry is not None and entry.connected_at is not None,
            abandoned=entry is not None and entry.status == "abandoned",
            wait_seconds=wait,
            satisfaction=None if call.call_sid not in scores else float(scores[call.call_sid]),
            no_internet=any(r["id"] == NO_INTERNET for key in ("reasons", "hints")
                            for r in (triage or {}).get(key, ())),
        ))
    return facts
