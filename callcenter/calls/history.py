"""A caller's recent history, counted from the store (the triage weighs repeat calls)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select

from callcenter.store import Database
from callcenter.store.models import Call, QueueEntry


async def caller_history(db: Database, caller_hash: str, call_sid: str, now: datetime) -> dict[str, int]:
    """Calls from the same number (matched on its keyed hash) in the last 7 and 30 days, and those
    left unresolved (the caller gave up waiting for a person)."""
    month = now - timedelta(days=30)
    week = now - timedelta(days=7)
    async with db.sessions() as session:
        rows = list(await session.execute(
            select(Call.call_sid, Call.created_at).where(
                Call.caller_hash == caller_hash, Call.call_sid != call_sid, Call.created_at >= month)))
        sids = [r.call_sid for r in rows]
        unresolved = 0
        if sids:
            unresolved = int(await session.scalar(
                select(func.count()).select_from(QueueEntry).where(
                    QueueEntry.call_sid.in_(sids), QueueEntry.status == "abandoned")) or 0)
    return {"calls_last_7_days": sum(1 for r in rows if r.created_at >= week),
            "calls_last_30_days": len(rows), "unresolved_previous_calls": unresolved,
            "missed_callbacks": 0}
