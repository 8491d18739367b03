"""Storage of the desk: queue entries, agents' presence, routing decisions, notes.

Conversions between rows and the routing core's dataclasses live here too, so the core never sees
a database type.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Insert, Select, bindparam, exists, select
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.desk.model import Entry
from callcenter.routing import Agent, Place, WaitingCall
from callcenter.store import prepared
from callcenter.store.models import AgentPresence, CallNote, QueueEntry, RoutingDecision, User

OPEN = ("waiting", "offered", "connected")


# Rows read with plain statements on the call path carry the same names as the ORM's objects, so
# the conversions below take either (no unit of work, no identity map: they were most of a step).
EntryRow = QueueEntry | Row[Any]


def to_waiting(entry: EntryRow) -> WaitingCall:
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


def to_entry(row: EntryRow) -> Entry:
    """A stored queue entry as the desk core sees it."""
    return Entry(
        call_sid=row.call_sid, status=row.status,  # type: ignore[arg-type]
        queue=row.queue, skill=row.skill, tier=row.tier,  # type: ignore[arg-type]
        priority=row.priority, reasons=tuple(row.reasons.get("ids", ())), enqueued_at=row.enqueued_at.timestamp(),
        offered_to=row.offered_to, offered_at=_at(row.offered_at),
        declined_by=frozenset(row.declined_by.get("agents", ())), conference=row.conference_sid,
        agent_id=row.agent_id, agent_leg=row.agent_call_sid, transfer_to=row.transfer_to,
        transfer_leg=row.transfer_call_sid, connected_at=_at(row.connected_at), ended_at=_at(row.ended_at),
        channel=row.channel or "twilio", callback_at=_at(row.callback_at), callback_due=_at(row.callback_due),
        callback_tries=row.callback_tries or 0, callback_leg=row.callback_leg, callback_stage=row.callback_stage,
        agent_address=row.agent_address, language=row.language or "")


def store_entry(session: AsyncSession, row: QueueEntry | None, entry: Entry) -> QueueEntry:
    """Write ``entry`` into its row (added when new): the same columns as :func:`save_entry`."""
    if row is None:
        row = QueueEntry(call_sid=entry.call_sid)
        session.add(row)
    for column, value in _values(entry).items():
        setattr(row, column, value)
    return row


_ENTRIES = QueueEntry.__table__
_USERS = User.__table__
_PRESENCE = AgentPresence.__table__
_ENTRY = select(_ENTRIES).where(_ENTRIES.c.call_sid == bindparam("sid"))
_INSERT_ENTRY = _ENTRIES.insert()
_UPDATE_ENTRY = _ENTRIES.update().where(_ENTRIES.c.call_sid == bindparam("sid"))
_INSERT_DECISION = RoutingDecision.__table__.insert()
_WAITING = select(_ENTRIES).where(_ENTRIES.c.status.in_(("waiting", "offered"))).order_by(_ENTRIES.c.enqueued_at)
# The same callers with only what routing orders them by (to_waiting): a hand-over's wait estimate
# reads every waiting caller, and converting the other columns (four more timestamps, the
# callback's) was most of its cost.
_WAITING_CALLS = (select(_ENTRIES.c.call_sid, _ENTRIES.c.queue, _ENTRIES.c.skill, _ENTRIES.c.tier,
                         _ENTRIES.c.enqueued_at, _ENTRIES.c.priority, _ENTRIES.c.reasons, _ENTRIES.c.offered_to,
                         _ENTRIES.c.offered_at, _ENTRIES.c.declined_by, _ENTRIES.c.language)
                  .where(_ENTRIES.c.status.in_(("waiting", "offered"))).order_by(_ENTRIES.c.enqueued_at))
# Of the same callers, only what their order depends on (routing.Place): a hand-over's wait
# estimate reads every waiting caller for one caller's position; no order asked of SQLite either.
_WAITING_PLACES = (select(_ENTRIES.c.call_sid, _ENTRIES.c.tier, _ENTRIES.c.priority, _ENTRIES.c.enqueued_at)
                   .where(_ENTRIES.c.status.in_(("waiting", "offered"))))
_ANY_OFFERED = select(exists().where(_ENTRIES.c.status == "offered"))
_ROSTER = (select(_USERS.c.id, _USERS.c.display_name, _USERS.c.skills, _USERS.c.languages,
                  _PRESENCE.c.state, _PRESENCE.c.since)
           .select_from(_USERS.outerjoin(_PRESENCE, _PRESENCE.c.user_id == _USERS.c.id))
           .where(_USERS.c.active.is_(True), _USERS.c.role == "agent").order_by(_USERS.c.id))


async def entry_row(conn: prepared.Reading, call_sid: str) -> Any | None:
    return await prepared.first(conn, _ENTRY, {"sid": call_sid})


def _values(entry: Entry) -> dict[str, Any]:
    """Every column an entry writes: one list for the ORM path and the plain-SQL path, so a new
    field cannot be saved by one and lost by the other."""
    return {"status": entry.status, "queue": entry.queue, "skill": entry.skill, "tier": entry.tier,
            "priority": entry.priority, "reasons": {"ids": list(entry.reasons)},
            "enqueued_at": _when(entry.enqueued_at), "offered_to": entry.offered_to,
            "offered_at": _when(entry.offered_at), "declined_by": {"agents": sorted(entry.declined_by)},
            "conference_sid": entry.conference, "agent_id": entry.agent_id, "agent_call_sid": entry.agent_leg,
            "transfer_to": entry.transfer_to, "transfer_call_sid": entry.transfer_leg,
            "connected_at": _when(entry.connected_at), "ended_at": _when(entry.ended_at),
            "channel": entry.channel, "callback_at": _when(entry.callback_at),
            "callback_due": _when(entry.callback_due), "callback_tries": entry.callback_tries,
            "callback_leg": entry.callback_leg, "callback_stage": entry.callback_stage,
            "agent_address": entry.agent_address, "language": entry.language or None}


def _same(stored: Any, value: Any) -> bool:
    # Of the same type and equal: written, both give the same text (1 and True, or 1 and 1.0,
    # compare equal but are not stored alike).
    return type(stored) is type(value) and stored == value


async def save_entry(conn: prepared.Connection, exists_already: bool, entry: Entry, stored: Any = None) -> None:
    """Write ``entry`` into its row (inserted when new), as :func:`store_entry` does. With
    ``stored``, the row as read in this transaction (:func:`entry_row`), only the columns whose
    value changed are updated: the row ends the same, for a fraction of the binds (a caller
    leaving changes two columns of twenty-five, each timestamp and JSON column converted)."""
    values = _values(entry)
    if not exists_already:
        await prepared.run(conn, _INSERT_ENTRY, {**values, "call_sid": entry.call_sid})
        return
    if stored is not None:
        values = {column: value for column, value in values.items() if not _same(getattr(stored, column), value)}
        if not values:
            return
    # The statement takes its SET clause from the parameters' names (prepared once for each set).
    await prepared.run(conn, _UPDATE_ENTRY, {**values, "sid": entry.call_sid})


def decision_row(call_sid: str, at: datetime, kind: str, reason: str, agent_id: int | None = None
                 ) -> tuple[Insert, dict[str, Any]]:
    """The statement and values that record a routing decision (``CallTx.defer`` takes them)."""
    return _INSERT_DECISION, {"call_sid": call_sid, "at": at, "kind": kind, "reason": reason, "agent_id": agent_id}


async def add_decision(conn: prepared.Connection, call_sid: str, at: datetime, kind: str, reason: str,
                       agent_id: int | None = None) -> None:
    await prepared.run(conn, *decision_row(call_sid, at, kind, reason, agent_id))


def pass_reads() -> list[tuple[Select[Any], None]]:
    """What a routing pass reads first (``roster``, ``anyone_offered``), for ``prepared.read_ahead``."""
    return [(_ROSTER, None), (_ANY_OFFERED, None)]


def estimate_reads() -> list[tuple[Select[Any], None]]:
    """What a wait estimate reads first (``waiting_places``, ``roster``), for ``prepared.read_ahead``."""
    return [(_WAITING_PLACES, None), (_ROSTER, None)]


async def waiting_rows(conn: prepared.Reading) -> list[Any]:
    """The waiting and offered entries, first come first."""
    return await prepared.rows(conn, _WAITING)


_WAITING_MADE: prepared.RowCache[WaitingCall] = prepared.RowCache(to_waiting)


async def waiting_calls(conn: prepared.Reading) -> list[WaitingCall]:
    """The waiting and offered callers as routing orders them, first come first."""
    return await prepared.rows_made(conn, _WAITING_CALLS, _WAITING_MADE)


def to_place(row: Any) -> Place:
    return Place(row.call_sid, row.tier, row.priority, row.enqueued_at.timestamp())


_PLACES_MADE: prepared.RowCache[Place] = prepared.RowCache(to_place)


async def waiting_places(conn: prepared.Reading) -> list[Place]:
    """Where the waiting and offered callers stand (in no particular order)."""
    return await prepared.rows_made(conn, _WAITING_PLACES, _PLACES_MADE)


async def anyone_offered(conn: prepared.Reading) -> bool:
    row = await prepared.first(conn, _ANY_OFFERED)
    return bool(row is not None and row[0])


async def roster(conn: prepared.Reading) -> tuple[Agent, ...]:
    """The active agents as routing sees them, in one statement (as :func:`agents` and
    :func:`to_agent` give them)."""
    return tuple(Agent(id=r.id, name=r.display_name, skills=dict(r.skills),
                       state=r.state if r.state is not None else "offline",  # type: ignore[arg-type]
                       since=r.since.timestamp() if r.since is not None else 0.0,
                       languages=tuple(r.languages.get("spoken", ("fr",))))
                 for r in await prepared.rows(conn, _ROSTER))


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
    # Callbacks are left out: their first call is over by design, the call placed back is their line.
    rows = await session.scalars(select(QueueEntry).where(QueueEntry.status.in_(OPEN),
                                                          QueueEntry.enqueued_at < before,
                                                          QueueEntry.callback_at.is_(None))
                                 .order_by(QueueEntry.enqueued_at))
    return list(rows)


async def agents(session: AsyncSession) -> list[tuple[User, AgentPresence | None]]:
    users = list(await session.scalars(select(User).where(User.active.is_(True), User.role == "agent")
                                       .order_by(User.id)))
    presences = {p.user_id: p for p in await session.scalars(select(AgentPresence))}
    return [(u, presences.get(u.id)) for u in users]


_PRESENCE_OF = select(_PRESENCE.c.user_id).where(_PRESENCE.c.user_id == bindparam("uid"))
_INSERT_PRESENCE = _PRESENCE.insert()
_UPDATE_PRESENCE = _PRESENCE.update().where(_PRESENCE.c.user_id == bindparam("uid"))


async def set_presence(conn: prepared.Connection, user_id: int, state: str, now: datetime,
                       call_sid: str | None = None, wrapup_seconds: float | None = None) -> None:
    """An agent's presence, written with plain statements on ``conn`` (a desk step's transaction,
    or a session's connection: ``await session.connection()``)."""
    values = {"state": state, "since": now, "call_sid": call_sid,
              "wrapup_until": now + timedelta(seconds=wrapup_seconds) if wrapup_seconds is not None else None}
    if await prepared.first(conn, _PRESENCE_OF, {"uid": user_id}) is None:
        await prepared.run(conn, _INSERT_PRESENCE, {"user_id": user_id, **values})
    else:
        await prepared.run(conn, _UPDATE_PRESENCE, {**values, "uid": user_id})


_HANDLED = (select(_ENTRIES.c.connected_at, _ENTRIES.c.ended_at)
            .where(_ENTRIES.c.queue == bindparam("queue"), _ENTRIES.c.status == "ended",
                   _ENTRIES.c.connected_at.is_not(None), _ENTRIES.c.ended_at.is_not(None),
                   _ENTRIES.c.ended_at >= bindparam("since"))
            .order_by(_ENTRIES.c.ended_at.desc()).limit(bindparam("limit")))


async def recent_handle_seconds(conn: prepared.Reading, queue: str, since: datetime, limit: int) -> list[float]:
    """How long agents spent on the last ``limit`` calls of ``queue`` that ended after ``since``
    (from the agent joining to the end of the call)."""
    rows = await prepared.rows(conn, _HANDLED, {"queue": queue, "since": since, "limit": limit})
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


async def due_callbacks(session: AsyncSession, now: datetime) -> list[QueueEntry]:
    """Callbacks whose time has come (slot reached, or the spacing after a try that failed)."""
    rows = await session.scalars(select(QueueEntry).where(QueueEntry.status == "callback",
                                                          QueueEntry.callback_due <= now)
                                 .order_by(QueueEntry.enqueued_at))
    return list(rows)


async def callbacks_to_show(session: AsyncSession) -> list[QueueEntry]:
    """Pending callbacks, those being placed, and those that failed (for the board)."""
    rows = await session.scalars(select(QueueEntry).where(
        (QueueEntry.status.in_(("callback", "callback_failed"))) | QueueEntry.callback_at.is_not(None)
        & QueueEntry.status.in_(("waiting", "offered", "connected")))
        .order_by(QueueEntry.enqueued_at))
    return list(rows)
