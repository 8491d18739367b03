"""A caller's recent history, counted from the store (the triage weighs repeat calls)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import bindparam, func, select

from callcenter.store import Database, prepared
from callcenter.store.models import Call, QueueEntry

_CALLS = Call.__table__
_ENTRIES = QueueEntry.__table__
# Built once (prepared on SQLite: store/prepared.py); asked at the start of every call.
_RECENT = select(_CALLS.c.call_sid, _CALLS.c.created_at).where(
    _CALLS.c.caller_hash == bindparam("hash"), _CALLS.c.call_sid != bindparam("sid"),
    _CALLS.c.created_at >= bindparam("since"))
# The same calls as _RECENT: those of them whose caller gave up waiting for a person.
_ABANDONED = select(func.count()).select_from(_ENTRIES.join(_CALLS, _CALLS.c.call_sid == _ENTRIES.c.call_sid)).where(
    _CALLS.c.caller_hash == bindparam("hash"), _CALLS.c.call_sid != bindparam("sid"),
    _CALLS.c.created_at >= bindparam("since"), _ENTRIES.c.status == "abandoned")


async def caller_history(db: Database, caller_hash: str, call_sid: str, now: datetime) -> dict[str, int]:
    """Calls from the same number (matched on its keyed hash) in the last 7 and 30 days, and those
    left unresolved (the caller gave up waiting for a person)."""
    month = now - timedelta(days=30)
    week = now - timedelta(days=7)
    recent = {"hash": caller_hash, "sid": call_sid, "since": month}
    async with db.reading() as conn:
        rows = await prepared.rows(conn, _RECENT, recent)
        unresolved = 0
        if rows:
            found = await prepared.first(conn, _ABANDONED, recent)
            unresolved = int(found[0] or 0) if found is not None else 0
    return {"calls_last_7_days": sum(1 for r in rows if r.created_at >= week),
            "calls_last_30_days": len(rows), "unresolved_previous_calls": unresolved,
            "missed_callbacks": 0}
