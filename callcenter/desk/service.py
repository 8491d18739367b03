"""The desk's shell: load a queued caller's entry, step the pure core, store and log, carry out.

Every change to a queued caller is one step of ``callcenter.desk.core``: the entry is loaded under
the call's lock (``Database.call_transaction``), stepped, stored with its routing decisions and the
agents' presence, and the event and its commands appended to the call's log (entries ``desk_evt``
and ``desk_cmd``), in one transaction; ``desk.replay`` rebuilds the entry from that log. Then the
executor carries out the rest (conference legs, screens).

Several server processes share one PostgreSQL database: each event is serialised per call by the
call's row lock, and a routing pass (observe the queue and the roster, step every waiting entry)
runs under one cluster-wide lock (``Database.cluster_lock``), so two passes never offer from two
different observations. Time-driven work (:meth:`Desk.tick`, :meth:`Desk.reconcile`) is run by
the cluster's scheduler (``callcenter/cluster``), once per period across all processes.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from callcenter.desk import codec
from callcenter.desk import queue_store as qs
from callcenter.desk.core import idle_pass, step
from callcenter.desk.executor import DeskExecutor, LegNotStarted
from callcenter.desk.model import (
    STORED,
    Accepted,
    AgentStateChanged,
    CallbackAnswered,
    CallbackDue,
    CallbackMissed,
    CallbackRequested,
    CallerLeft,
    ColdTransferAsked,
    Declined,
    DeskCommand,
    DeskError,
    DeskEvent,
    DeskPolicy,
    Enqueued,
    Entry,
    HangupAsked,
    HoldAsked,
    LegFailed,
    LegJoined,
    LegLeft,
    LineGone,
    Record,
    SetPresence,
    Tick,
    TransferCompleted,
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
    queue_status,
    score,
)
from callcenter.store import Database
from callcenter.store.models import CallbackRecord, QueueEntry, User
from callcenter.store.prepared import Reading

_LOGGER = logging.getLogger(__name__)
Clock = Callable[[], datetime]
# One routing pass at a time across the cluster (and presence changes, which it observes).
ROUTING_LOCK = "desk.routing"

__all__ = ["Desk", "DeskError", "HandleTime"]


@dataclass(frozen=True)
class HandleTime:
    """Which handled calls the announced wait is estimated from: at most ``calls`` of the
    caller's queue, ended within the last ``window_seconds``."""

    calls: int = 20
    window_seconds: float = 2 * 3600.0


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


class Desk:
    """Queues and agents; one instance per server process."""

    def __init__(self, db: Database, executor: DeskExecutor, policy: RoutingPolicy, clock: Clock,
                 wrapup_seconds: float = 60.0, handle_time: HandleTime = HandleTime(),
                 callback_retries: int = 2, callback_retry_seconds: float = 1800.0) -> None:
        self.db = db
        self.policy = policy
        self.desk_policy = DeskPolicy(policy, wrapup_seconds, callback_retries, callback_retry_seconds)
        self.executor = executor
        self.clock = clock
        self.wrapup_seconds = wrapup_seconds
        self.handle_time = handle_time
        # Steps side by side, routing passes and presence changes alone (desk/turns.py).
        self._turns = DeskTurns()
        # The routing pass asked for and not started yet (see route).
        self._queued_pass: asyncio.Future[None] | None = None

    # -- one step ---------------------------------------------------------------------------------

    async def _store_step(self, call_sid: str, event: DeskEvent, now: datetime) -> tuple[Entry, list[DeskCommand]]:
        """Load, step, store and log one event in the call's transaction; the commands left to carry out."""
        async with self.db.call_transaction(call_sid) as tx:
            conn = tx.connection
            row = await qs.entry_row(conn, call_sid)
            before = Entry(call_sid) if row is None else qs.to_entry(row)
            after, commands = step(before, event, now.timestamp(), self.desk_policy)
            if after == before and not commands:
                return after, []
            if after.status != "idle":
                await qs.save_entry(conn, row is not None, after)
            for command in commands:
                match command:
                    case Record():
                        await qs.add_decision(conn, call_sid, now, command.decision, command.reason,
                                              command.agent_id)
                    case SetPresence():
                        await qs.set_presence(tx.session, command.agent_id, command.state, now, command.call_sid,
                                              command.wrapup_seconds)
            if tx.call is not None:
                tx.append(now, "desk_evt", event.kind, codec.event_to_dict(event), "desk")
                for command in commands:
                    tx.append(now, "desk_cmd", command.kind, codec.command_to_dict(command), "desk")
            else:
                _LOGGER.warning("call %s: desk step %s on a call with no log", call_sid, event.kind)
        return after, [c for c in commands if not isinstance(c, STORED)]

    async def _apply(self, call_sid: str, event: DeskEvent) -> Entry:
        """Step one event, then carry out its commands and step what they report back."""
        async with self._turns.step():
            entry, commands = await self._store_step(call_sid, event, self.clock())
        await self._carry_out(entry, commands)
        return entry

    async def _carry_out(self, entry: Entry, commands: list[DeskCommand]) -> None:
        call_sid = entry.call_sid
        try:
            follow = await self.executor.run(call_sid, commands, entry.channel)
        except LegNotStarted as failed:
            await self._apply(call_sid, LegFailed(failed.agent_id, "la ligne de l'agent n'a pas pu être jointe"))
            await self.route()
            raise DeskError("your line could not be joined; the caller goes to the next agent") from None
        for event in follow:
            await self._apply(call_sid, event)

    # -- callers --------------------------------------------------------------------------------

    async def enqueue(self, call_sid: str, transfer: cmd.Transfer, tier: str = "normal",
                      reasons: tuple[str, ...] = ()) -> None:
        """A caller was handed to a person by the IVR: they wait in the transfer's queue."""
        await self._apply(call_sid, Enqueued(transfer.queue, transfer.skill, tier,  # type: ignore[arg-type]
                                             transfer.priority, reasons, transfer.reason, transfer.language))
        await self.route()

    async def conference_joined(self, call_sid: str, conference_sid: str) -> None:
        await self._apply(call_sid, LegJoined(call_sid, None, conference_sid))

    async def caller_left(self, call_sid: str) -> None:
        """The caller hung up: out of the queue, offers withdrawn, agents released, no ghost left."""
        await self._apply(call_sid, CallerLeft())

    async def request_callback(self, call_sid: str, callback: cmd.RequestCallback | None = None) -> None:
        """The caller chose a callback: off the live queue, their place (arrival time) kept. A
        caller who was never queued (the queue was closed) is put on the callback list directly."""
        event = CallbackRequested() if callback is None else CallbackRequested(
            callback.queue or None, callback.skill, callback.tier,  # type: ignore[arg-type]
            callback.priority, tuple(callback.reasons), callback.after, callback.due)
        if callback is not None and callback.to:
            await self.remember_callback_number(call_sid, callback.to, callback.due)
        await self._apply(call_sid, event)

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

    async def callbacks_due(self) -> list[str]:
        """Callbacks whose time has come go back among the waiting callers, then a routing pass
        offers them like calls (run once across the cluster by the scheduler)."""
        now = self.clock()
        async with self.db.sessions() as session:
            due = [row.call_sid for row in await qs.due_callbacks(session, now)]
        for call_sid in due:
            await self._apply(call_sid, CallbackDue())
        if due:
            await self.route()
        return due

    async def callback_answered(self, call_sid: str, leg: str) -> Entry:
        """The caller rung back pressed the key: the entry says whether they may join."""
        return await self._apply(call_sid, CallbackAnswered(leg))

    async def callback_missed(self, call_sid: str, leg: str, why: str) -> None:
        """The call back reached nobody (busy, no answer, failed, no key): the agent is free again."""
        before = await self.entry(call_sid)
        after = await self._apply(call_sid, CallbackMissed(leg, why))
        if before is not None and after != before:
            await self.route()

    async def entry(self, call_sid: str) -> Entry | None:
        async with self.db.sessions() as session:
            row = await session.get(QueueEntry, call_sid)
        return None if row is None else qs.to_entry(row)

    # -- routing ----------------------------------------------------------------------------------

    async def route(self) -> None:
        """Expire stale offers, then offer every caller who can be served now: every waiting entry
        is stepped with the same observation of the queue and the roster.

        A pass asked for while another is still waiting for its turn joins that one: it observes
        after both were asked (what each committed is seen), so one pass serves both. Under load
        (many hand-overs at once, several processes taking the cluster lock in turn) this keeps the
        passes from queueing up one per event."""
        queued = self._queued_pass
        if queued is not None:
            await asyncio.shield(queued)
            return
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._queued_pass = done
        try:
            await self._route_pass(done)
        finally:
            if self._queued_pass is done:  # it never started (the lock was not obtained)
                self._queued_pass = None
            done.set_result(None)

    async def _route_pass(self, me: asyncio.Future[None]) -> None:
        pending: list[tuple[Entry, list[DeskCommand]]] = []
        async with self._turns.alone(), self.db.cluster_lock(ROUTING_LOCK):
            # Started: a change committed from now on needs a pass of its own.
            if self._queued_pass is me:
                self._queued_pass = None
            now = self.clock()
            async with self.db.reading() as conn:
                roster = await qs.roster(conn)
                if idle_pass(roster, await qs.anyone_offered(conn)):
                    # Nobody free and no offer to expire: no entry would change (the core says so).
                    return
                entries = [qs.to_entry(e) for e in await qs.waiting_rows(conn)]
            tick = Tick(tuple(e.waiting_call() for e in entries), roster)
            for entry in entries:
                after, commands = step(entry, tick, now.timestamp(), self.desk_policy)
                if after != entry or commands:
                    pending.append(await self._store_step(entry.call_sid, tick, now))
        for stepped, commands in pending:
            await self._carry_out(stepped, commands)

    async def decline(self, agent_id: int, call_sid: str, why: str = "refusé par l'agent") -> None:
        await self._apply(call_sid, Declined(agent_id, why))
        await self.route()

    async def accept(self, agent_id: int, call_sid: str) -> None:
        """The agent has read the context and takes the call: their leg joins the conference."""
        async with self.db.sessions() as session:
            user = await session.get(User, agent_id)
        if user is None:
            raise DeskError("this call is no longer offered to you")
        await self._apply(call_sid, Accepted(agent_id, _address(user)))

    async def agent_leg_failed(self, leg_sid: str, status: str) -> None:
        """The agent's phone did not answer (busy, no answer, failed): the caller goes on waiting."""
        async with self.db.sessions() as session:
            row = await qs.entry_with_leg(session, leg_sid)
        if row is None:
            return
        agent_id = row.agent_id if row.agent_call_sid == leg_sid else row.transfer_to
        if agent_id is not None:
            await self._apply(row.call_sid, LegFailed(agent_id, f"ligne de l'agent : {status}"))
            await self.route()

    # -- provider events ------------------------------------------------------------------------

    async def handle(self, call_sid: str, event: DeskEvent) -> None:
        """An event a provider adapter reported (a leg joined or left, an agent's leg failed)."""
        await self._apply(call_sid, event)
        if isinstance(event, LegFailed):
            await self.route()

    async def agent_left(self, call_sid: str, agent_id: int) -> None:
        """An agent's leg left. Alone with nobody, the caller must not stay: end the conference.
        During a warm transfer the caller stays with the other agent and is taken off hold."""
        await self._apply(call_sid, LegLeft(agent_id))

    # -- agent controls --------------------------------------------------------------------------

    async def hold(self, agent_id: int, call_sid: str, on_hold: bool) -> None:
        await self._apply(call_sid, HoldAsked(agent_id, on_hold))

    async def end_call(self, agent_id: int, call_sid: str) -> None:
        await self._apply(call_sid, HangupAsked(agent_id))

    async def warm_transfer(self, agent_id: int, call_sid: str, to_agent: int) -> None:
        """Private briefing: the caller is held while the second agent joins and hears the first."""
        async with self.db.sessions() as session:
            target = await session.get(User, to_agent)
        found = target is not None and target.active
        await self._apply(call_sid, WarmTransferAsked(
            agent_id, to_agent, target.display_name if found and target else None,
            _address(target) if found and target else ""))

    async def complete_transfer(self, agent_id: int, call_sid: str) -> None:
        """End of the briefing: the caller comes back, the first agent leaves."""
        await self._apply(call_sid, TransferCompleted(agent_id))

    async def cold_transfer(self, agent_id: int, call_sid: str, queue: str, skill: str | None) -> None:
        """The caller goes back to waiting, for another queue; the agent leaves at once."""
        await self._apply(call_sid, ColdTransferAsked(agent_id, queue, skill))
        await self.route()

    # -- presence and time --------------------------------------------------------------------------

    async def set_state(self, agent_id: int, state: str) -> None:
        if state not in ("offline", "available"):
            raise DeskError("an agent can only make themselves available or offline")
        async with self._turns.alone(), self.db.cluster_lock(ROUTING_LOCK), self.db.sessions() as session, \
                session.begin():
            await qs.set_presence(session, agent_id, state, self.clock())
        await self.executor.publish(AgentStateChanged(agent_id, state))
        await self.route()

    async def tick(self) -> None:
        """Time passing: wrap-ups end, unanswered offers move on."""
        now = self.clock()
        released = []
        async with self._turns.alone(), self.db.cluster_lock(ROUTING_LOCK), self.db.sessions() as session, \
                session.begin():
            for user, presence in await qs.agents(session):
                if presence and presence.state == "wrapup" and presence.wrapup_until and presence.wrapup_until <= now:
                    await qs.set_presence(session, user.id, "available", now)
                    released.append(user.id)
        for agent_id in released:
            await self.executor.publish(AgentStateChanged(agent_id, "available"))
        await self.route()

    async def reconcile(self, older_than_seconds: float) -> list[str]:
        """Ask each call's line whether open entries older than ``older_than_seconds`` are still
        there (Twilio's call status, a browser phone's socket); end those whose line is over, as a
        logged desk step (``LineGone``), so they stop counting in positions and estimates."""
        now = self.clock()
        async with self.db.sessions() as session:
            stale = await qs.open_entries_since(session, now - timedelta(seconds=older_than_seconds))
        gone: list[str] = []
        for row in stale:
            status = await self.executor.line_over(row.call_sid, row.channel or "twilio", row.conference_sid)
            if status is None:
                continue
            _LOGGER.info("call %s: %s entry closed by reconciliation (line %s)", row.call_sid, row.status, status)
            await self._apply(row.call_sid, LineGone(status))
            gone.append(row.call_sid)
        if gone:
            await self.route()
        return gone

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
        now = self.clock()
        async with self.db.reading() as conn:
            waiting = [qs.to_waiting(e) for e in await qs.waiting_rows(conn) if e.call_sid != call_sid]
            roster = await qs.roster(conn)
            handle = await self._handle_seconds(conn, transfer.queue, now)
        me = self._newcomer(call_sid, transfer, now)
        status = queue_status(call_sid, [*waiting, me], roster, now.timestamp(), self.policy, handle)
        assert status is not None
        return status.estimated_wait_seconds, status.position

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
            waiting = [qs.to_waiting(e) for e in await qs.waiting_rows(conn)]
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
