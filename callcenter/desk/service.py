"""The desk's shell: load a queued caller's entry, step the pure core, store and log; return the rest.

Every change to a queued caller is one step of ``callcenter.desk.core``: the entry is loaded under
the call's lock (``Database.call_transaction``), stepped, stored with its routing decisions and the
agents' presence, and the event and its commands appended to the call's log (entries ``desk_evt``
and ``desk_cmd``), in one transaction (the IVR step's own when that step caused it: a hand-over, the
caller hanging up; ``in_call_steps``); ``desk.replay`` rebuilds the entry from that log. The
commands left (conference legs, screens, callbacks) are returned: the dispatcher
(``callcenter/dispatch``) carries them out and steps what they report back. This shell carries out
nothing itself.

Several server processes share one PostgreSQL database: each event is serialised per call by the
call's row lock, and a routing pass (observe the queue and the roster, step every waiting entry)
runs under one cluster-wide lock (``Database.cluster_lock``), so two passes never offer from two
different observations. Time-driven work (the dispatcher's ``tick``, ``reconcile``) is run by
the cluster's scheduler (``callcenter/cluster``), once per period across all processes.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from callcenter.desk import codec
from callcenter.desk import queue_store as qs
from callcenter.desk.core import idle_pass, step
from callcenter.desk.model import (
    STORED,
    Accepted,
    DeskCommand,
    DeskError,
    DeskEvent,
    DeskPolicy,
    Entry,
    LegFailed,
    Record,
    SetPresence,
    Tick,
    WarmTransferAsked,
)
from callcenter.desk.service_level import Handover, service_levels
from callcenter.desk.turns import DeskTurns
from callcenter.ivr import commands as cmd
from callcenter.privacy import normalise_number
from callcenter.routing import (
    QueueStatus,
    RoutingPolicy,
    WaitingCall,
    mean_handle_seconds,
    on_duty,
    ordered,
    position_among,
    queue_status,
    score,
    status_at,
)
from callcenter.store import CallTx, Database, prepared
from callcenter.store.models import CallbackRecord, QueueEntry, User
from callcenter.store.prepared import Reading

_LOGGER = logging.getLogger(__name__)
Clock = Callable[[], datetime]
# One routing pass at a time across the cluster (and presence changes, which it observes).
ROUTING_LOCK = "desk.routing"

__all__ = ["Desk", "DeskError", "HandOverLook", "HandleTime", "InCallSteps", "OpenEntry", "Stepped"]


@dataclass(frozen=True)
class HandleTime:
    """Which handled calls the announced wait is estimated from: at most ``calls`` of the
    caller's queue, ended within the last ``window_seconds``."""

    calls: int = 20
    window_seconds: float = 2 * 3600.0


@dataclass(frozen=True)
class Stepped:
    """One stored desk step: the entry after it, and the commands left to carry out."""

    entry: Entry
    commands: tuple[DeskCommand, ...] = ()


@dataclass(frozen=True)
class HandOverLook:
    """A caller handed over now, as the desk sees them: the agents on duty who could take them
    (``Desk.on_duty``), and the wait it would announce (``Desk.estimate``: seconds, ``None``
    without an honest estimate, and position)."""

    on_duty: int
    seconds: float | None
    position: int


@dataclass(frozen=True)
class OpenEntry:
    """An open entry as reconciliation asks its line about it."""

    call_sid: str
    status: str
    channel: str
    conference: str | None


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _callback_line(row: QueueEntry) -> dict[str, Any]:
    """A callback as the board shows it: pending (and from when), being placed, or failed."""
    state = {"callback": "pending", "callback_failed": "failed"}.get(row.status, "calling")
    return {"call_sid": row.call_sid, "queue": row.queue, "tier": row.tier, "state": state,
            "status": row.status, "requested_place_at": row.enqueued_at.isoformat(),
            "requested_at": _iso(row.callback_at), "due_at": _iso(row.callback_due),
            "tries": row.callback_tries or 0, "agent_id": row.agent_id, "ended_at": _iso(row.ended_at)}


def _address(user: User) -> str:
    return user.phone or f"client:{user.username}"


class InCallSteps:
    """The desk steps of one IVR step, stored in the IVR step's own transaction (one call event,
    one transaction; ``Desk.in_call_steps``). Used around that transaction (``async with``): the
    desk's turn its steps claimed is given back on leaving, once the transaction is over. (A class
    of its own, not a generator-based context manager: one is entered at every call event.)"""

    def __init__(self, desk: Desk) -> None:
        self._desk = desk
        self.claimed = False

    async def __aenter__(self) -> InCallSteps:
        return self

    async def __aexit__(self, *_exc: object) -> None:
        if self.claimed:
            await self._desk._turns.end_step()

    async def store(self, tx: CallTx, call_sid: str, events: Sequence[DeskEvent]) -> list[Stepped] | None:
        """Step and store ``events`` in ``tx``, in order; ``None`` when a routing pass holds or
        waits for the desk: nothing is stored, and the events go through ``Desk.step`` after the
        commit. Never waits for the desk's turn (the caller holds the call's transaction, which
        a pass may be waiting for: desk/turns.py)."""
        if not self.claimed:
            if not self._desk._turns.try_step():
                return None
            self.claimed = True
        now = self._desk.clock()
        return [await self._desk._store_in(tx, call_sid, event, now) for event in events]


class Desk:
    """Queues and agents; one instance per server process. Stores steps; carries out nothing."""

    def __init__(self, db: Database, policy: RoutingPolicy, clock: Clock,
                 wrapup_seconds: float = 60.0, handle_time: HandleTime = HandleTime(),
                 callback_retries: int = 2, callback_retry_seconds: float = 1800.0) -> None:
        self.db = db
        self.policy = policy
        self.desk_policy = DeskPolicy(policy, wrapup_seconds, callback_retries, callback_retry_seconds)
        self.clock = clock
        self.wrapup_seconds = wrapup_seconds
        self.handle_time = handle_time
        # Steps side by side, routing passes and presence changes alone (desk/turns.py).
        self._turns = DeskTurns()

    # -- one step ---------------------------------------------------------------------------------

    async def _store_step(self, call_sid: str, event: DeskEvent, now: datetime) -> Stepped:
        """Load, step, store and log one event in a transaction of its own."""
        async with self.db.call_transaction(call_sid, log_only=True) as tx:
            return await self._store_in(tx, call_sid, event, now)

    async def _store_in(self, tx: CallTx, call_sid: str, event: DeskEvent, now: datetime) -> Stepped:
        """Load, step, store and log one event in the call's open transaction (its own, or the IVR
        step's that caused it); the commands left to carry out. The pure step is taken before
        anything is written."""
        conn = tx.connection
        row = await qs.entry_row(conn, call_sid)
        before = Entry(call_sid) if row is None else qs.to_entry(row)
        after, commands = step(before, event, now.timestamp(), self.desk_policy)
        if after == before and not commands:
            return Stepped(after)
        if after.status != "idle":
            await qs.save_entry(conn, row is not None, after, row)
        for command in commands:
            match command:
                case Record():
                    # Never read back in the step: written with the event's own writes.
                    tx.defer(*qs.decision_row(call_sid, now, command.decision, command.reason, command.agent_id))
                case SetPresence():
                    await qs.set_presence(conn, command.agent_id, command.state, now, command.call_sid,
                                          command.wrapup_seconds)
        if tx.call is not None:
            tx.append(now, "desk_evt", event.kind, codec.event_to_dict(event), "desk")
            for command in commands:
                tx.append(now, "desk_cmd", command.kind, codec.command_to_dict(command), "desk")
        else:
            _LOGGER.warning("call %s: desk step %s on a call with no log", call_sid, event.kind)
        return Stepped(after, tuple(c for c in commands if not isinstance(c, STORED)))

    def in_call_steps(self) -> InCallSteps:
        """Around an IVR step's transaction (``async with``): the desk steps it causes (a hand-over,
        a hang-up) may be stored in that transaction (``InCallSteps.store``); the desk's turn they
        claimed is given back on leaving, once the transaction is over. Takes nothing on entry."""
        return InCallSteps(self)

    async def step(self, call_sid: str, event: DeskEvent) -> Stepped:
        """Step one event (side by side with other calls' steps, never inside a routing pass)."""
        async with self._turns.step():
            return await self._store_step(call_sid, event, self.clock())

    async def route_pass(self, started: Callable[[], None] = lambda: None) -> list[Stepped]:
        """Expire stale offers and offer every caller who can be served now: every waiting entry
        is stepped with the same observation of the queue and the roster; the steps that changed
        something, for their commands to be carried out.

        ``started`` is called once the pass holds its locks (or has seen it is idle without them):
        a change committed from then on needs a pass of its own (the dispatcher joins passes
        asked for before that)."""
        pending: list[Stepped] = []
        async with self._turns.alone():
            # An idle pass (nobody free, no offer out) steps no entry: seen so, it needs no cluster
            # lock, which every process's passes took in turn, one connection and two round trips
            # each (docs/performance.md, part 7). Seen before ``started`` (passes asked meanwhile
            # join this one), then again after it: a change committed before ``started`` is seen
            # by the second look, one committed after it asks for a pass of its own. (SQLite: one
            # process, no cluster lock to spare: the pass below looks once.)
            if not self.db.is_sqlite and await self._idle():
                started()
                if await self._idle():
                    return []
            async with self.db.cluster_lock(ROUTING_LOCK):
                started()
                now = self.clock()
                async with self.db.reading() as conn:
                    await prepared.read_ahead(conn, qs.pass_reads())      # one round trip for both
                    roster = await qs.roster(conn)
                    if idle_pass(roster, await qs.anyone_offered(conn)):
                        # Nobody free and no offer to expire: no entry would change (the core says so).
                        return []
                    entries = [qs.to_entry(e) for e in await qs.waiting_rows(conn)]
                tick = Tick(tuple(e.waiting_call() for e in entries), roster)
                for entry in entries:
                    after, commands = step(entry, tick, now.timestamp(), self.desk_policy)
                    if after != entry or commands:
                        pending.append(await self._store_step(entry.call_sid, tick, now))
        return pending

    async def _idle(self) -> bool:
        """Whether a routing pass now would step no entry (``desk.core.idle_pass``)."""
        async with self.db.reading() as conn:
            await prepared.read_ahead(conn, qs.pass_reads())              # one round trip for both
            return idle_pass(await qs.roster(conn), await qs.anyone_offered(conn))

    # -- what an event needs to be built ---------------------------------------------------------

    async def accepted(self, agent_id: int) -> Accepted:
        """The agent takes the call: on the line they are reached at."""
        async with self.db.sessions() as session:
            user = await session.get(User, agent_id)
        if user is None:
            raise DeskError("this call is no longer offered to you")
        return Accepted(agent_id, _address(user))

    async def warm_transfer_asked(self, agent_id: int, to_agent: int) -> WarmTransferAsked:
        """A warm transfer to ``to_agent``, with their name and line when they are an active user."""
        async with self.db.sessions() as session:
            target = await session.get(User, to_agent)
        found = target is not None and target.active
        return WarmTransferAsked(agent_id, to_agent, target.display_name if found and target else None,
                                 _address(target) if found and target else "")

    async def leg_failed(self, leg_sid: str, status: str) -> tuple[str, LegFailed] | None:
        """The call and agent of an agent's leg that did not answer (``None``: not a leg we rang)."""
        async with self.db.sessions() as session:
            row = await qs.entry_with_leg(session, leg_sid)
        if row is None:
            return None
        agent_id = row.agent_id if row.agent_call_sid == leg_sid else row.transfer_to
        if agent_id is None:
            return None
        return row.call_sid, LegFailed(agent_id, f"ligne de l'agent : {status}")

    # -- callbacks ------------------------------------------------------------------------------

    async def remember_callback_number(self, call_sid: str, number: str, slot: str | None = None) -> None:
        """Keep the number to call back on (the only place it is kept whole). A masked or hidden
        number is not a number: a number already kept stays."""
        if "•" in number or not any(ch.isdigit() for ch in number):
            return
        now = self.clock()
        async with self.db.single_writer(), self.db.sessions() as session, session.begin():
            row = await session.get(CallbackRecord, call_sid)
            if row is None:
                row = CallbackRecord(call_sid=call_sid, legs={"legs": []}, requested_at=now)
                session.add(row)
            row.number = normalise_number(number)[:32]
            row.slot = slot or row.slot
            row.updated_at = now

    async def callback_number(self, call_sid: str) -> str | None:
        async with self.db.sessions() as session:
            row = await session.get(CallbackRecord, call_sid)
        return None if row is None else row.number

    async def due_callbacks(self) -> list[str]:
        """The callbacks whose time has come."""
        now = self.clock()
        async with self.db.sessions() as session:
            return [row.call_sid for row in await qs.due_callbacks(session, now)]

    async def entry(self, call_sid: str) -> Entry | None:
        async with self.db.sessions() as session:
            row = await session.get(QueueEntry, call_sid)
        return None if row is None else qs.to_entry(row)

    # -- presence and time --------------------------------------------------------------------------

    async def set_presence(self, agent_id: int, state: str) -> None:
        """An agent makes themselves available or offline (alone: a routing pass observes all or none of it)."""
        if state not in ("offline", "available"):
            raise DeskError("an agent can only make themselves available or offline")
        async with self._turns.alone(), self.db.cluster_lock(ROUTING_LOCK), self.db.sessions() as session, \
                session.begin():
            await qs.set_presence(await session.connection(), agent_id, state, self.clock())

    async def release_wrapups(self) -> list[int]:
        """Agents whose wrap-up is over become available; who they are."""
        now = self.clock()
        released = []
        async with self._turns.alone(), self.db.cluster_lock(ROUTING_LOCK), self.db.sessions() as session, \
                session.begin():
            conn = await session.connection()
            for user, presence in await qs.agents(session):
                if presence and presence.state == "wrapup" and presence.wrapup_until and presence.wrapup_until <= now:
                    await qs.set_presence(conn, user.id, "available", now)
                    released.append(user.id)
        return released

    async def open_since(self, older_than_seconds: float) -> list[OpenEntry]:
        """Open entries older than ``older_than_seconds`` (reconciliation asks their lines)."""
        now = self.clock()
        async with self.db.sessions() as session:
            stale = await qs.open_entries_since(session, now - timedelta(seconds=older_than_seconds))
        return [OpenEntry(row.call_sid, row.status, row.channel or "twilio", row.conference_sid) for row in stale]

    @staticmethod
    def _newcomer(call_sid: str, transfer: cmd.Transfer, now: datetime) -> WaitingCall:
        # A newcomer arrives after everyone already waiting, even within the same clock tick.
        return WaitingCall(call_sid, transfer.queue, transfer.skill, transfer.tier,  # type: ignore[arg-type]
                           now.timestamp() + 1e-3, transfer.priority, transfer.reasons,
                           language=transfer.language)

    async def _handle_seconds(self, conn: Reading, queue: str, now: datetime) -> float | None:
        """Recent mean handle time of ``queue``, wrap-up allowance included; ``None``: none measured."""
        since = now - timedelta(seconds=self.handle_time.window_seconds)
        durations = await qs.recent_handle_seconds(conn, queue, since, self.handle_time.calls)
        return mean_handle_seconds(durations, self.wrapup_seconds)

    async def on_duty(self, call_sid: str, transfer: cmd.Transfer) -> int:
        """How many agents logged in could take a caller handed over now (0: nobody on duty)."""
        async with self.db.reading() as conn:
            roster = await qs.roster(conn)
        return len(on_duty(self._newcomer(call_sid, transfer, self.clock()), roster, self.policy))

    async def estimate(self, call_sid: str, transfer: cmd.Transfer) -> tuple[float | None, int]:
        """(seconds, position) a caller handed over now would wait, counting them in the queue;
        seconds is ``None`` when there is no honest estimate (docs/routing.md)."""
        looked = await self.hand_over_look(call_sid, transfer)
        return looked.seconds, looked.position

    async def hand_over_look(self, call_sid: str, transfer: cmd.Transfer,
                             reading: Reading | None = None) -> HandOverLook:
        """What ``on_duty`` and ``estimate`` say of a caller handed over now, from one read of the
        roster (the call's service asks both at a hand-over: two reads of it before).

        ``reading``: the connection of the hand-over's own transaction, read on instead of the
        store's reader (the same committed queue and roster: the transaction has written neither
        yet). On SQLite that is the writer's connection, whose cache holds the pages it wrote,
        where the reader starts from an empty cache after every commit and reads each page again
        (1.8 -> 1.4 us a waiting caller, docs/performance.md part 10); on PostgreSQL no second
        connection is taken."""
        if reading is not None:
            return await self._look(reading, call_sid, transfer)
        async with self.db.reading() as conn:
            return await self._look(conn, call_sid, transfer)

    async def _look(self, conn: Reading, call_sid: str, transfer: cmd.Transfer) -> HandOverLook:
        now = self.clock()
        # What queue_status would tell the caller among everyone waiting, from only what the
        # order depends on (routing.position_among): the other columns are not read.
        await prepared.read_ahead(conn, qs.estimate_reads())  # one round trip for both
        others = [p for p in await qs.waiting_places(conn) if p.call_sid != call_sid]
        roster = await qs.roster(conn)
        me = self._newcomer(call_sid, transfer, now)
        # With nobody on duty for the caller there is no estimate to make (status_at says so
        # from the same roster): the handle times are not read for nothing.
        staff = on_duty(me, roster, self.policy)
        handle = await self._handle_seconds(conn, transfer.queue, now) if staff else None
        status = status_at(me, position_among(me, others, now.timestamp(), self.policy), roster, self.policy,
                           handle)
        return HandOverLook(len(staff), status.estimated_wait_seconds, status.position)

    async def served_by(self, call_sid: str) -> int | None:
        """The agent who was connected with the caller (the last one, after a transfer), or ``None``
        when no agent ever was: asked by the IVR when the caller's conference is over."""
        async with self.db.sessions() as session:
            row = await session.get(QueueEntry, call_sid)
        if row is None or row.connected_at is None:
            return None
        return row.agent_id

    async def status_of(self, call_sid: str) -> QueueStatus | None:
        now = self.clock()
        async with self.db.reading() as conn:
            waiting = await qs.waiting_calls(conn)
            roster = await qs.roster(conn)
            mine = next((w for w in waiting if w.call_sid == call_sid), None)
            handle = None if mine is None else await self._handle_seconds(conn, mine.queue, now)
        return queue_status(call_sid, waiting, roster, now.timestamp(), self.policy, handle)

    async def service_level(self, threshold_seconds: float = 60.0) -> dict[str, Any]:
        """Today's service level, for the centre and per queue (``desk.service_level``)."""
        now = self.clock()
        start = now.replace(hour=0, minute=0, second=0, microsecond=0)
        async with self.db.sessions() as session:
            rows = list(await session.scalars(select(QueueEntry).where(QueueEntry.enqueued_at >= start)))
        return service_levels((Handover(r.queue, r.status, r.enqueued_at, r.connected_at) for r in rows),
                              threshold_seconds)

    async def snapshot(self) -> dict[str, Any]:
        """Everything the queue board shows."""
        now = self.clock()
        async with self.db.sessions() as session:
            entries = await qs.open_entries(session)
            roster = await qs.agents(session)
        waiting = [qs.to_waiting(e) for e in entries if e.status in ("waiting", "offered")]
        agents = [qs.to_agent(u, p) for u, p in roster]
        calls = [{"call_sid": c.call_sid, "queue": c.queue, "skill": c.skill, "tier": c.tier,
                  "reasons": list(c.reasons), "waited": int(now.timestamp() - c.enqueued_at),
                  "score": round(score(c, now.timestamp(), self.policy)), "offered_to": c.offered_to,
                  "language": c.language}
                 for c in ordered(waiting, now.timestamp(), self.policy)]
        async with self.db.sessions() as session:
            callbacks = await qs.callbacks_to_show(session)
        return {"waiting": calls,
                "callbacks": [_callback_line(e) for e in callbacks],
                "connected": [{"call_sid": e.call_sid, "agent_id": e.agent_id, "queue": e.queue, "tier": e.tier,
                               "language": e.language or "",
                               "since": (int((now - e.connected_at).total_seconds())
                                         if e.connected_at is not None else None)}
                              for e in entries if e.status == "connected"],
                "agents": [{"id": a.id, "name": a.name, "state": a.state, "skills": dict(a.skills),
                            "languages": list(a.languages),
                            "since": int(now.timestamp() - a.since) if a.since else None} for a in agents]}
