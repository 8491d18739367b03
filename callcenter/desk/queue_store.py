"""Storage of the desk: queue entries, agents' presence, routing decisions, notes.

Conversions between rows and the routing core's dataclasses live here too, so the core never sees
a database type.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.desk.model import Entry
from callcenter.routing import Agent, WaitingCall
from callcenter.store.models import AgentPresence, CallNote, QueueEntry, RoutingDecision, User

OPEN = ("waiting", "offered", "connected")


def to_waiting(entry: QueueEntry) -> WaitingCall:
    return WaitingCall(
        call_sid=entry.call_sid, queue=entry.queue, skill=entry.skill,
        tier=entry.tier,  # type: ignore[arg-type]
        enqueued_at=entry.enqueued_at.timestamp(), priority=entry.priority,
        reasons=tuple(entry.reasons.get("ids", ())),
        offered_to=entry.offered_to,
        offered_at=entry.offered_at.timestamp() if entry.offered_at else None,
        declined_by=frozenset(entry.declined_by.get("agents", ())),
        language=entry.language or "",
    )


def _at(value: datetime | None) -> float | None:
    return None if value is None else value.timestamp()


def _when(value: float | None) -> datetime | None:
    return None if value is None else datetime.fromtimestamp(round(value, 6), UTC)


def to_entry(row: QueueEntry) -> Entry:
    """A stored queue entry as the desk core sees it."""
    return Entry(
        call_sid=row.call_sid, status=row.status,  # type: ignore[arg-type]
        queue=row.queue, skill=row.skill, tier=row.tier,  # type: ignore[arg-type]
        priority=row.priority, reasons=tuple(row.reasons.get("ids", ())), enqueued_at=row.enqueued_at.timestamp(),
        offered_to=row.offered_to, offered_at=_at(row.offered_at),
        declined_by=frozenset(row.declined_by.get("agents", ())), conference=row.conference_sid,
        agent_id=row.agent_id, agent_leg=row.agent_call_sid, transfer_to=row.transfer_to,
        transfer_leg=row.transfer_call_sid, connected_at=_at(row.connected_at), ended_at=_at(row.ended_at),
        channel=row.channel or "twilio", language=row.language or "")


def store_entry(session: AsyncSession, row: QueueEntry | None, entry: Entry) -> QueueEntry:
    """Write ``entry`` into its row (added when new)."""
    if row is None:
        row = QueueEntry(call_sid=entry.call_sid)
        session.add(row)
    row.status, row.queue, row.skill, row.tier = entry.status, entry.queue, entry.skill, entry.tier
    row.priority, row.reasons = entry.priority, {"ids": list(entry.reasons)}
    row.enqueued_at = _when(entry.enqueued_at)  # type: ignore[assignment]
    row.offered_to, row.offered_at = entry.offered_to, _when(entry.offered_at)
    row.declined_by = {"agents": sorted(entry.declined_by)}
    row.conference_sid, row.agent_id, row.agent_call_sid = entry.conference, entry.agent_id, entry.agent_leg
    row.transfer_to, row.transfer_call_sid = entry.transfer_to, entry.transfer_leg
    row.connected_at, row.ended_at = _when(entry.connected_at), _when(entry.ended_at)
    row.channel = entry.channel
    row.language = entry.language or None
    return row


async def entry_with_leg(session: AsyncSession, leg: str) -> QueueEntry | None:
    """The open entry one of whose agents' legs is ``leg``."""
    return await session.scalar(select(QueueEntry).where(
        QueueEntry.status.in_(OPEN), (QueueEntry.agent_call_sid == leg) | (QueueEntry.transfer_call_sid == leg)))


def to_agent(user: User, presence: AgentPresence | None) -> Agent:
    state = presence.state if presence is not None else "offline"
    since = presence.since.timestamp() if presence is not None else 0.0
    return Agent(id=user.id, name=user.display_name, skills=dict(user.skills),
                 state=state,  # type: ignore[arg-type]
                 since=since, languages=tuple(user.languages.get("spoken", ("fr",))))


async def waiting_entries(session: AsyncSession) -> list[QueueEntry]:
    rows = await session.scalars(select(QueueEntry).where(QueueEntry.status.in_(("waiting", "offered")))
                                 .order_by(QueueEntry.enqueued_at))
    return list(rows)


async def open_entries(session: AsyncSession) -> list[QueueEntry]:
    rows = await session.scalars(select(QueueEntry).where(QueueEntry.status.in_(OPEN))
                                 .order_by(QueueEntry.enqueued_at))
    return list(rows)


async def open_entries_since(session: AsyncSession, before: datetime) -> list[QueueEntry]:
    """Open entries (waiting, offered, connected) queued before ``before``."""
    rows = await session.scalars(select(QueueEntry).where(QueueEntry.status.in_(OPEN),
                                                          QueueEntry.enqueued_at < before)
                                 .order_by(QueueEntry.enqueued_at))
    return list(rows)


async def agents(session: AsyncSession) -> list[tuple[User, AgentPresence | None]]:
    users = list(await session.scalars(select(User).where(User.active.is_(True), User.role == "agent")
                                       .order_by(User.id)))
    presences = {p.user_id: p for p in await session.scalars(select(AgentPresence))}
    return [(u, presences.get(u.id)) for u in users]


async def set_presence(session: AsyncSession, user_id: int, state: str, now: datetime,
                       call_sid: str | None = None, wrapup_seconds: float | None = None) -> AgentPresence:
    presence = await session.get(AgentPresence, user_id)
    if presence is None:
        presence = AgentPresence(user_id=user_id, state=state, since=now)
        session.add(presence)
    presence.state = state
    presence.since = now
    presence.call_sid = call_sid
    presence.wrapup_until = now + timedelta(seconds=wrapup_seconds) if wrapup_seconds is not None else None
    return presence


async def recent_handle_seconds(session: AsyncSession, queue: str, since: datetime, limit: int) -> list[float]:
    """How long agents spent on the last ``limit`` calls of ``queue`` that ended after ``since``
    (from the agent joining to the end of the call)."""
    rows = await session.execute(
        select(QueueEntry.connected_at, QueueEntry.ended_at)
        .where(QueueEntry.queue == queue, QueueEntry.status == "ended", QueueEntry.connected_at.is_not(None),
               QueueEntry.ended_at.is_not(None), QueueEntry.ended_at >= since)
        .order_by(QueueEntry.ended_at.desc()).limit(limit))
    return [(ended - connected).total_seconds() for connected, ended in rows
            if connected is not None and ended is not None]


def decision(session: AsyncSession, call_sid: str, at: datetime, kind: str, reason: str,
             agent_id: int | None = None) -> None:
    session.add(RoutingDecision(call_sid=call_sid, at=at, kind=kind, reason=reason, agent_id=agent_id))


async def decisions(session: AsyncSession, call_sid: str) -> list[RoutingDecision]:
    rows = await session.scalars(select(RoutingDecision).where(RoutingDecision.call_sid == call_sid)
                                 .order_by(RoutingDecision.id))
    return list(rows)


async def notes(session: AsyncSession, call_sids: list[str]) -> dict[str, list[dict[str, Any]]]:
    if not call_sids:
        return {}
    rows = await session.scalars(select(CallNote).where(CallNote.call_sid.in_(call_sids)).order_by(CallNote.id))
    out: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        out.setdefault(row.call_sid, []).append(
            {"text": row.text, "wrapup_code": row.wrapup_code, "at": row.at.isoformat(), "author_id": row.author_id})
    return out
