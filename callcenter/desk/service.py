"""The agent desk: queues, offers to agents, warm and cold transfers, presence.

Decisions come from the pure routing core; this module stores them, tells screens through the bus,
and moves conference legs through the REST API. Every step is written as a routing decision with
its reason. Routing runs one pass at a time per process (a lock); several processes need the
PostgreSQL row locks of ``Database.call_transaction`` around the same steps (not yet).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.bus import EventBus
from callcenter.desk import queue_store as qs
from callcenter.desk.model import DeskError
from callcenter.ivr import commands as cmd
from callcenter.routing import (
    QueueStatus,
    RoutingPolicy,
    WaitingCall,
    decide,
    expired_offers,
    mean_handle_seconds,
    on_duty,
    ordered,
    queue_status,
    score,
)
from callcenter.store import Database
from callcenter.store.models import QueueEntry, User
from callcenter.telephony.rest import ConferenceControl

_LOGGER = logging.getLogger(__name__)
Clock = Callable[[], datetime]


# The "conference" of a browser phone call: no Twilio leg, the agent is connected on screen only.
BROWSER_CONFERENCE = "browser"


def conference_name(call_sid: str) -> str:
    return f"conf-{call_sid}"


def caller_of(conference: str) -> str | None:
    return conference.removeprefix("conf-") if conference.startswith("conf-CA") else None


def agent_label(user_id: int) -> str:
    return f"agent-{user_id}"


def agent_of(label: str | None) -> int | None:
    if label and label.startswith("agent-") and label[6:].isdigit():
        return int(label[6:])
    return None


@dataclass(frozen=True)
class HandleTime:
    """Which handled calls the announced wait is estimated from: at most ``calls`` of the
    caller's queue, ended within the last ``window_seconds``."""

    calls: int = 20
    window_seconds: float = 2 * 3600.0


class Desk:
    """Queues and agents; one instance per server process."""

    def __init__(self, db: Database, bus: EventBus, conference: ConferenceControl | None,
                 policy: RoutingPolicy, clock: Clock, wrapup_seconds: float = 60.0,
                 handle_time: HandleTime = HandleTime()) -> None:
        self.db = db
        self.bus = bus
        self.conference = conference
        self.policy = policy
        self.clock = clock
        self.wrapup_seconds = wrapup_seconds
        self.handle_time = handle_time
        self._lock = asyncio.Lock()

    # -- callers --------------------------------------------------------------------------------

    async def enqueue(self, call_sid: str, transfer: cmd.Transfer, tier: str = "normal",
                      reasons: tuple[str, ...] = ()) -> None:
        """A caller was handed to a person by the IVR: they wait in the transfer's queue."""
        now = self.clock()
        async with self._lock, self.db.sessions() as session, session.begin():
            entry = await session.get(QueueEntry, call_sid)
            if entry is not None and entry.status in qs.OPEN:
                return
            if entry is None:
                entry = QueueEntry(call_sid=call_sid)
                session.add(entry)
            entry.queue, entry.skill, entry.tier = transfer.queue, transfer.skill, tier
            entry.priority, entry.reasons = transfer.priority, {"ids": list(reasons)}
            entry.status, entry.enqueued_at, entry.declined_by = "waiting", now, {"agents": []}
            entry.offered_to = entry.offered_at = entry.agent_id = entry.connected_at = entry.ended_at = None
            qs.decision(session, call_sid, now, "queued",
                        f"file {transfer.queue}, compétence {transfer.skill or 'générale'}, niveau {tier}, "
                        f"motif IVR {transfer.reason}, raisons {', '.join(reasons) or 'aucune'}")
        await self.bus.publish("desk.queue", {"call_sid": call_sid, "queue": transfer.queue, "tier": tier})
        await self.route()

    async def conference_joined(self, call_sid: str, conference_sid: str) -> None:
        async with self.db.sessions() as session, session.begin():
            entry = await session.get(QueueEntry, call_sid)
            if entry is not None:
                entry.conference_sid = conference_sid

    async def caller_left(self, call_sid: str) -> None:
        """The caller hung up: out of the queue, offers withdrawn, agents released, no ghost left."""
        now = self.clock()
        to_end = None
        async with self._lock, self.db.sessions() as session, session.begin():
            entry = await session.get(QueueEntry, call_sid)
            if entry is None or entry.status not in qs.OPEN:
                return
            offered = entry.offered_to
            if entry.status == "connected":
                entry.status = "ended"
                to_end = entry.conference_sid
                for agent_id in (entry.agent_id, entry.transfer_to):
                    if agent_id is not None:
                        await qs.set_presence(session, agent_id, "wrapup", now, call_sid, self.wrapup_seconds)
                qs.decision(session, call_sid, now, "ended", "l'appelant a raccroché", entry.agent_id)
            else:
                entry.status = "abandoned"
                qs.decision(session, call_sid, now, "abandoned",
                            f"l'appelant a raccroché après {int((now - entry.enqueued_at).total_seconds())} s "
                            "d'attente")
            entry.ended_at = now
            entry.offered_to = None
        if offered is not None:
            await self.bus.publish("desk.offer_withdrawn", {"agent_id": offered, "call_sid": call_sid,
                                                            "why": "caller_left"})
        if to_end is not None:
            await self._end_conference(to_end)
        await self.bus.publish("desk.queue", {"call_sid": call_sid, "status": "left"})

    # -- routing ----------------------------------------------------------------------------------

    async def route(self) -> None:
        """Expire stale offers, then offer every caller who can be served now."""
        now = self.clock()
        withdrawn: list[tuple[int, str]] = []
        offers: list[tuple[int, str, str]] = []
        async with self._lock, self.db.sessions() as session, session.begin():
            entries = {e.call_sid: e for e in await qs.waiting_entries(session)}
            for stale in expired_offers([qs.to_waiting(e) for e in entries.values()], now.timestamp(), self.policy):
                entry = entries[stale.call_sid]
                agent_id = entry.offered_to
                assert agent_id is not None
                self._refuse(entry, agent_id)
                withdrawn.append((agent_id, entry.call_sid))
                qs.decision(session, entry.call_sid, now, "timeout",
                            f"pas de réponse en {int(self.policy.offer_timeout)} s", agent_id)
            roster = [qs.to_agent(u, p) for u, p in await qs.agents(session)]
            waiting = [qs.to_waiting(e) for e in entries.values()]
            for assignment in decide(waiting, roster, now.timestamp(), self.policy):
                entry = entries[assignment.call_sid]
                entry.status, entry.offered_to, entry.offered_at = "offered", assignment.agent_id, now
                qs.decision(session, entry.call_sid, now, "offered", assignment.reason, assignment.agent_id)
                offers.append((assignment.agent_id, entry.call_sid, assignment.reason))
        for agent_id, call_sid in withdrawn:
            await self.bus.publish("desk.offer_withdrawn", {"agent_id": agent_id, "call_sid": call_sid,
                                                            "why": "timeout"})
        for agent_id, call_sid, reason in offers:
            await self.bus.publish("desk.offer", {"agent_id": agent_id, "call_sid": call_sid, "reason": reason})

    @staticmethod
    def _refuse(entry: QueueEntry, agent_id: int) -> None:
        entry.declined_by = {"agents": sorted({*entry.declined_by.get("agents", ()), agent_id})}
        entry.status, entry.offered_to, entry.offered_at = "waiting", None, None

    async def decline(self, agent_id: int, call_sid: str, why: str = "refusé par l'agent") -> None:
        now = self.clock()
        async with self._lock, self.db.sessions() as session, session.begin():
            entry = await session.get(QueueEntry, call_sid)
            if entry is None or entry.offered_to != agent_id:
                raise DeskError("this call is not offered to you")
            self._refuse(entry, agent_id)
            qs.decision(session, call_sid, now, "declined", why, agent_id)
        await self.bus.publish("desk.offer_withdrawn", {"agent_id": agent_id, "call_sid": call_sid,
                                                        "why": "declined"})
        await self.route()

    async def accept(self, agent_id: int, call_sid: str) -> None:
        """The agent has read the context and takes the call: their leg joins the conference."""
        now = self.clock()
        async with self._lock, self.db.sessions() as session, session.begin():
            entry = await session.get(QueueEntry, call_sid)
            user = await session.get(User, agent_id)
            if entry is None or entry.offered_to != agent_id or entry.status != "offered" or user is None:
                raise DeskError("this call is no longer offered to you")
            if entry.conference_sid is None:
                raise DeskError("the caller's line is not ready yet, try again in a second")
            entry.status, entry.agent_id, entry.offered_to = "connected", agent_id, None
            await qs.set_presence(session, agent_id, "busy", now, call_sid)
            qs.decision(session, call_sid, now, "accepted", "l'agent a accepté après lecture du contexte", agent_id)
            conference_sid, phone = entry.conference_sid, user.phone or f"client:{user.username}"
        if conference_sid == BROWSER_CONFERENCE:
            await self._agent_joined(call_sid, agent_id, BROWSER_CONFERENCE)
            await self.bus.publish("desk.connected", {"agent_id": agent_id, "call_sid": call_sid})
            await self.bus.publish("desk.queue", {"call_sid": call_sid, "status": "connected"})
            return
        try:
            leg = await self._control().add_agent(conference_sid, phone, agent_label(agent_id))
        except Exception:
            _LOGGER.exception("call %s: agent %d could not be joined", call_sid, agent_id)
            await self._back_to_queue(call_sid, agent_id, "la ligne de l'agent n'a pas pu être jointe")
            raise DeskError("your line could not be joined; the caller goes to the next agent") from None
        async with self.db.sessions() as session, session.begin():
            entry = await session.get(QueueEntry, call_sid)
            if entry is not None:
                entry.agent_call_sid = leg
        await self.bus.publish("desk.connected", {"agent_id": agent_id, "call_sid": call_sid})
        await self.bus.publish("desk.queue", {"call_sid": call_sid, "status": "connected"})

    async def _back_to_queue(self, call_sid: str, agent_id: int, why: str) -> None:
        now = self.clock()
        async with self._lock, self.db.sessions() as session, session.begin():
            entry = await session.get(QueueEntry, call_sid)
            if entry is None or entry.status not in qs.OPEN:
                return
            self._refuse(entry, agent_id)
            entry.agent_id = entry.agent_call_sid = entry.connected_at = None
            await qs.set_presence(session, agent_id, "available", now)
            qs.decision(session, call_sid, now, "requeued", why, agent_id)
        await self.route()

    def _control(self) -> ConferenceControl:
        if self.conference is None:
            raise DeskError("no Twilio REST access configured (CALLCENTER_TWILIO_PHONE_NUMBER and "
                            "CALLCENTER_PUBLIC_URL)")
        return self.conference

    async def _end_conference(self, conference_sid: str) -> None:
        if conference_sid == BROWSER_CONFERENCE:
            return
        try:
            await self._control().end(conference_sid)
        except Exception:  # noqa: BLE001 - already ended is fine; anything else is logged
            _LOGGER.warning("conference %s could not be ended", conference_sid)

    # -- conference events ----------------------------------------------------------------------

    async def on_conference_event(self, form: dict[str, str]) -> None:
        """Twilio's conference status callback: joins and leaves of the caller and agents."""
        caller = caller_of(form.get("FriendlyName", ""))
        if caller is None:
            return
        event, leg = form.get("StatusCallbackEvent", ""), form.get("CallSid", "")
        agent_id = agent_of(form.get("ParticipantLabel"))
        match event:
            case "participant-join" if leg == caller:
                await self.conference_joined(caller, form.get("ConferenceSid", ""))
            case "participant-join" if agent_id is not None:
                await self._agent_joined(caller, agent_id, leg)
            case "participant-leave" if leg == caller:
                await self.caller_left(caller)
            case "participant-leave" if agent_id is not None:
                await self.agent_left(caller, agent_id)
            case "conference-end":
                await self.caller_left(caller)

    async def _agent_joined(self, call_sid: str, agent_id: int, leg: str) -> None:
        now = self.clock()
        async with self.db.sessions() as session, session.begin():
            entry = await session.get(QueueEntry, call_sid)
            if entry is None:
                return
            if entry.agent_id == agent_id and entry.connected_at is None:
                entry.connected_at, entry.agent_call_sid = now, leg
                qs.decision(session, call_sid, now, "connected",
                            f"agent relié après {int((now - entry.enqueued_at).total_seconds())} s d'attente",
                            agent_id)
            elif entry.transfer_to == agent_id:
                entry.transfer_call_sid = leg
        await self.bus.publish("call.updated", {"call_sid": call_sid, "status": "connected"})

    async def agent_left(self, call_sid: str, agent_id: int) -> None:
        """An agent's leg left. Alone with nobody, the caller must not stay: end the conference.
        During a warm transfer the caller stays with the other agent and is taken off hold."""
        now = self.clock()
        end = resume = None
        async with self._lock, self.db.sessions() as session, session.begin():
            entry = await session.get(QueueEntry, call_sid)
            if entry is None or entry.status != "connected":
                return
            await qs.set_presence(session, agent_id, "wrapup", now, call_sid, self.wrapup_seconds)
            if entry.agent_id == agent_id and entry.transfer_to is not None:
                # The first agent left during a warm transfer: the second one keeps the caller.
                entry.agent_id, entry.agent_call_sid = entry.transfer_to, entry.transfer_call_sid
                entry.transfer_to = entry.transfer_call_sid = None
                resume = entry.conference_sid
                qs.decision(session, call_sid, now, "transferred", "transfert accompagné terminé", entry.agent_id)
            elif entry.transfer_to == agent_id:
                entry.transfer_to = entry.transfer_call_sid = None
                resume = entry.conference_sid
                qs.decision(session, call_sid, now, "transfer_failed", "l'agent sollicité a raccroché", agent_id)
            else:
                entry.status, entry.ended_at = "ended", now
                end = entry.conference_sid
                qs.decision(session, call_sid, now, "ended", "l'agent a raccroché", agent_id)
        if end is not None:
            await self._end_conference(end)
        if resume is not None and resume != BROWSER_CONFERENCE:
            try:
                await self._control().hold(resume, call_sid, False)
            except Exception:  # noqa: BLE001 - already off hold, or the caller left meanwhile
                _LOGGER.info("call %s: caller not taken off hold", call_sid)
        await self.bus.publish("desk.agent", {"agent_id": agent_id, "state": "wrapup"})
        await self.bus.publish("call.updated", {"call_sid": call_sid, "status": "ended" if end else "connected"})

    async def agent_leg_failed(self, leg_sid: str, status: str) -> None:
        """The agent's phone did not answer (busy, no answer, failed): the caller goes on waiting."""
        async with self.db.sessions() as session:
            entry = await session.scalar(select(QueueEntry).where(QueueEntry.agent_call_sid == leg_sid))
        if entry is not None and entry.agent_id is not None and entry.connected_at is None:
            await self._back_to_queue(entry.call_sid, entry.agent_id, f"ligne de l'agent : {status}")

    # -- agent controls --------------------------------------------------------------------------

    async def _connected_entry(self, agent_id: int, call_sid: str) -> QueueEntry:
        async with self.db.sessions() as session:
            entry = await session.get(QueueEntry, call_sid)
        if entry is None or entry.status != "connected" or agent_id not in (entry.agent_id, entry.transfer_to):
            raise DeskError("you are not on this call")
        if entry.conference_sid is None:
            raise DeskError("the call has no conference")
        return entry

    async def hold(self, agent_id: int, call_sid: str, on_hold: bool) -> None:
        entry = await self._connected_entry(agent_id, call_sid)
        assert entry.conference_sid is not None
        await self._control().hold(entry.conference_sid, call_sid, on_hold)
        async with self.db.sessions() as session, session.begin():
            qs.decision(session, call_sid, self.clock(), "hold" if on_hold else "unhold",
                        "mise en attente par l'agent" if on_hold else "reprise par l'agent", agent_id)
        await self.bus.publish("call.updated", {"call_sid": call_sid, "on_hold": on_hold})

    async def end_call(self, agent_id: int, call_sid: str) -> None:
        entry = await self._connected_entry(agent_id, call_sid)
        assert entry.conference_sid is not None
        if entry.conference_sid == BROWSER_CONFERENCE:
            await self.agent_left(call_sid, agent_id)
            await self.bus.publish("call.ended", {"call_sid": call_sid})
            return
        await self._end_conference(entry.conference_sid)

    async def warm_transfer(self, agent_id: int, call_sid: str, to_agent: int) -> None:
        """Private briefing: the caller is held while the second agent joins and hears the first."""
        entry = await self._connected_entry(agent_id, call_sid)
        assert entry.conference_sid is not None
        now = self.clock()
        async with self._lock, self.db.sessions() as session, session.begin():
            target = await session.get(User, to_agent)
            row = await session.get(QueueEntry, call_sid)
            if target is None or not target.active or row is None:
                raise DeskError("no such agent")
            row.transfer_to = to_agent
            await qs.set_presence(session, to_agent, "busy", now, call_sid)
            qs.decision(session, call_sid, now, "transfer_warm",
                        f"briefing privé avec {target.display_name}, appelant en attente", agent_id)
            phone = target.phone or f"client:{target.username}"
        control = self._control()
        await control.hold(entry.conference_sid, call_sid, True)
        await control.add_agent(entry.conference_sid, phone, agent_label(to_agent))
        await self.bus.publish("desk.offer", {"agent_id": to_agent, "call_sid": call_sid,
                                              "reason": "transfert accompagné", "transfer": True})

    async def complete_transfer(self, agent_id: int, call_sid: str) -> None:
        """End of the briefing: the caller comes back, the first agent leaves."""
        entry = await self._connected_entry(agent_id, call_sid)
        assert entry.conference_sid is not None
        if entry.transfer_to is None or entry.agent_id != agent_id or entry.agent_call_sid is None:
            raise DeskError("no transfer in progress")
        control = self._control()
        await control.hold(entry.conference_sid, call_sid, False)
        await control.remove(entry.conference_sid, entry.agent_call_sid)

    async def cold_transfer(self, agent_id: int, call_sid: str, queue: str, skill: str | None) -> None:
        """The caller goes back to waiting, for another queue; the agent leaves at once."""
        entry = await self._connected_entry(agent_id, call_sid)
        assert entry.conference_sid is not None and entry.agent_call_sid is not None
        now = self.clock()
        async with self._lock, self.db.sessions() as session, session.begin():
            row = await session.get(QueueEntry, call_sid)
            assert row is not None
            row.status, row.queue, row.skill = "waiting", queue, skill
            row.agent_id = row.agent_call_sid = row.connected_at = None
            row.declined_by = {"agents": [agent_id]}
            await qs.set_presence(session, agent_id, "wrapup", now, call_sid, self.wrapup_seconds)
            qs.decision(session, call_sid, now, "transfer_cold", f"vers la file {queue}", agent_id)
        await self._control().remove(entry.conference_sid, entry.agent_call_sid)
        await self.route()

    # -- presence and time --------------------------------------------------------------------------

    async def set_state(self, agent_id: int, state: str) -> None:
        if state not in ("offline", "available"):
            raise DeskError("an agent can only make themselves available or offline")
        async with self._lock, self.db.sessions() as session, session.begin():
            await qs.set_presence(session, agent_id, state, self.clock())
        await self.bus.publish("desk.agent", {"agent_id": agent_id, "state": state})
        await self.route()

    async def tick(self) -> None:
        """Time passing: wrap-ups end, unanswered offers move on."""
        now = self.clock()
        released = []
        async with self._lock, self.db.sessions() as session, session.begin():
            for user, presence in await qs.agents(session):
                if presence and presence.state == "wrapup" and presence.wrapup_until and presence.wrapup_until <= now:
                    await qs.set_presence(session, user.id, "available", now)
                    released.append(user.id)
        for agent_id in released:
            await self.bus.publish("desk.agent", {"agent_id": agent_id, "state": "available"})
        await self.route()

    @staticmethod
    def _newcomer(call_sid: str, transfer: cmd.Transfer, now: datetime) -> WaitingCall:
        # A newcomer arrives after everyone already waiting, even within the same clock tick.
        return WaitingCall(call_sid, transfer.queue, transfer.skill, transfer.tier,  # type: ignore[arg-type]
                           now.timestamp() + 1e-3, transfer.priority, transfer.reasons)

    async def _handle_seconds(self, session: AsyncSession, queue: str, now: datetime) -> float | None:
        """Recent mean handle time of ``queue``, wrap-up allowance included; ``None``: none measured."""
        since = now - timedelta(seconds=self.handle_time.window_seconds)
        durations = await qs.recent_handle_seconds(session, queue, since, self.handle_time.calls)
        return mean_handle_seconds(durations, self.wrapup_seconds)

    async def on_duty(self, call_sid: str, transfer: cmd.Transfer) -> int:
        """How many agents logged in could take a caller handed over now (0: nobody on duty)."""
        async with self.db.sessions() as session:
            roster = [qs.to_agent(u, p) for u, p in await qs.agents(session)]
        return len(on_duty(self._newcomer(call_sid, transfer, self.clock()), roster, self.policy))

    async def estimate(self, call_sid: str, transfer: cmd.Transfer) -> tuple[float | None, int]:
        """(seconds, position) a caller handed over now would wait, counting them in the queue;
        seconds is ``None`` when there is no honest estimate (docs/routing.md)."""
        now = self.clock()
        async with self.db.sessions() as session:
            waiting = [qs.to_waiting(e) for e in await qs.waiting_entries(session) if e.call_sid != call_sid]
            roster = [qs.to_agent(u, p) for u, p in await qs.agents(session)]
            handle = await self._handle_seconds(session, transfer.queue, now)
        me = self._newcomer(call_sid, transfer, now)
        status = queue_status(call_sid, [*waiting, me], roster, now.timestamp(), self.policy, handle)
        assert status is not None
        return status.estimated_wait_seconds, status.position

    async def request_callback(self, call_sid: str, callback: cmd.RequestCallback | None = None) -> None:
        """The caller chose a callback: off the live queue, their place (arrival time) kept. A
        caller who was never queued (the queue was closed) is put on the callback list directly."""
        now = self.clock()
        offered = None
        async with self._lock, self.db.sessions() as session, session.begin():
            entry = await session.get(QueueEntry, call_sid)
            if entry is None and callback is not None and callback.queue:
                session.add(QueueEntry(
                    call_sid=call_sid, queue=callback.queue, skill=callback.skill, tier=callback.tier,
                    priority=callback.priority, reasons={"ids": list(callback.reasons)}, status="callback",
                    enqueued_at=now, declined_by={"agents": []}))
                after = f", pas avant {callback.after}" if callback.after else ""
                qs.decision(session, call_sid, now, "callback_requested",
                            f"rappel demandé par l'appelant, file {callback.queue} fermée ou sans agent{after}")
            elif entry is None or entry.status not in ("waiting", "offered"):
                return
            else:
                offered, entry.offered_to, entry.offered_at = entry.offered_to, None, None
                entry.status = "callback"
                qs.decision(session, call_sid, now, "callback_requested",
                            "rappel demandé par l'appelant, place gardée (arrivée "
                            f"{entry.enqueued_at.isoformat(timespec='seconds')})")
        if offered is not None:
            await self.bus.publish("desk.offer_withdrawn", {"agent_id": offered, "call_sid": call_sid,
                                                            "why": "callback"})
        await self.bus.publish("desk.queue", {"call_sid": call_sid, "status": "callback"})

    async def status_of(self, call_sid: str) -> QueueStatus | None:
        now = self.clock()
        async with self.db.sessions() as session:
            waiting = [qs.to_waiting(e) for e in await qs.waiting_entries(session)]
            roster = [qs.to_agent(u, p) for u, p in await qs.agents(session)]
            mine = next((w for w in waiting if w.call_sid == call_sid), None)
            handle = None if mine is None else await self._handle_seconds(session, mine.queue, now)
        return queue_status(call_sid, waiting, roster, now.timestamp(), self.policy, handle)

    async def service_level(self, threshold_seconds: float = 60.0) -> dict[str, Any]:
        """Today's service level: callers who needed a person, and how many got one in time."""
        now = self.clock()
        start = now.replace(hour=0, minute=0, second=0, microsecond=0)
        async with self.db.sessions() as session:
            rows = list(await session.scalars(select(QueueEntry).where(QueueEntry.enqueued_at >= start)))
        needed = [r for r in rows if r.status not in ("waiting", "offered")]
        answered = [r for r in needed if r.connected_at is not None]
        in_time = [r for r in answered
                   if r.connected_at is not None
                   and (r.connected_at - r.enqueued_at).total_seconds() <= threshold_seconds]
        abandoned = [r for r in needed if r.status == "abandoned"]
        return {"threshold_seconds": threshold_seconds, "needed_a_person": len(needed),
                "answered": len(answered), "answered_in_time": len(in_time), "abandoned": len(abandoned),
                "answer_rate": round(len(answered) / len(needed), 3) if needed else None,
                "service_level": round(len(in_time) / len(needed), 3) if needed else None}

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
                  "score": round(score(c, now.timestamp(), self.policy)), "offered_to": c.offered_to}
                 for c in ordered(waiting, now.timestamp(), self.policy)]
        async with self.db.sessions() as session:
            callbacks = list(await session.scalars(select(QueueEntry).where(QueueEntry.status == "callback")
                                                   .order_by(QueueEntry.enqueued_at)))
        return {"waiting": calls,
                "callbacks": [{"call_sid": e.call_sid, "queue": e.queue, "tier": e.tier,
                               "requested_place_at": e.enqueued_at.isoformat()} for e in callbacks],
                "connected": [{"call_sid": e.call_sid, "agent_id": e.agent_id, "queue": e.queue}
                              for e in entries if e.status == "connected"],
                "agents": [{"id": a.id, "name": a.name, "state": a.state, "skills": dict(a.skills),
                            "since": int(now.timestamp() - a.since) if a.since else None} for a in agents]}
