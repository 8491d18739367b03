"""The desk's pure core: ``step(entry, event, now, policy) -> (entry, commands)``.

One queued caller at a time. No I/O, no clock, no database: the shell (``desk/service.py``) loads
the entry, steps it, stores the result and the step in the call's log, and hands the commands on.
Which agent gets which caller is the routing core's decision (``routing.decide``); a :class:`Tick`
carries the queue and the roster observed by the shell, so every step replays from its log alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime

from callcenter.desk import callback_steps
from callcenter.desk.model import (
    OPEN,
    QUEUED,
    Accepted,
    AddAgentLeg,
    AgentConnected,
    AgentStateChanged,
    CallbackAnswered,
    CallbackDialled,
    CallbackDue,
    CallbackMissed,
    CallbackRequested,
    CallEnded,
    CallerLeft,
    CallUpdated,
    ColdTransferAsked,
    ConferenceEnded,
    Declined,
    DeskCommand,
    DeskError,
    DeskEvent,
    DeskPolicy,
    EndConference,
    Enqueued,
    Entry,
    HangupAsked,
    Hold,
    HoldAsked,
    LegFailed,
    LegJoined,
    LegLeft,
    LegStarted,
    LineGone,
    Offer,
    OfferExpired,
    Publish,
    QueueChanged,
    Record,
    RemoveLeg,
    SetPresence,
    Tick,
    TransferCompleted,
    WarmTransferAsked,
    Withdraw,
)
from callcenter.routing import Agent, WaitingCall, anyone_free, decide, expired_offers

Step = tuple[Entry, list[DeskCommand]]


def idle_pass(agents: Sequence[Agent], anyone_offered: bool) -> bool:
    """Whether a routing pass would step no entry at all: no offer that may have expired, and
    nobody free to be offered a caller (then every waiting entry's :class:`Tick` is a no-op)."""
    return not anyone_offered and not anyone_free(agents)


def step(entry: Entry, event: DeskEvent, now: float, policy: DeskPolicy) -> Step:
    """Apply one event to one queued caller. Raises :class:`DeskError` for an agent's request the
    entry does not allow (accepting an offer that moved on, controlling a call they are not on)."""
    match event:
        case Enqueued():
            return _enqueued(entry, event, now, policy)
        case Tick():
            return _tick(entry, event, now, policy)
        case OfferExpired():
            return _offer_expired(entry, event, now, policy)
        case Declined():
            return _declined(entry, event, now, policy)
        case Accepted():
            return _accepted(entry, event, now, policy)
        case LegJoined():
            return _leg_joined(entry, event, now, policy)
        case LegStarted():
            return _leg_started(entry, event, now, policy)
        case LegLeft():
            return _leg_left(entry, event, now, policy)
        case LegFailed():
            return _leg_failed(entry, event, now, policy)
        case CallerLeft():
            return _caller_left(entry, event, now, policy)
        case ConferenceEnded():
            return _conference_ended(entry, event, now, policy)
        case LineGone():
            return _line_gone(entry, event, now, policy)
        case HoldAsked():
            return _hold_asked(entry, event, now, policy)
        case HangupAsked():
            return _hangup_asked(entry, event, now, policy)
        case WarmTransferAsked():
            return _warm_transfer(entry, event, now, policy)
        case TransferCompleted():
            return _transfer_completed(entry, event, now, policy)
        case ColdTransferAsked():
            return _cold_transfer(entry, event, now, policy)
        case CallbackRequested():
            return _callback_requested(entry, event, now, policy)
        case CallbackDue():
            return callback_steps.due(entry, event, now, policy)
        case CallbackDialled():
            return callback_steps.dialled(entry, event, now, policy)
        case CallbackAnswered():
            return callback_steps.answered(entry, event, now, policy)
        case CallbackMissed():
            return callback_steps.missed(entry, event, now, policy)


def replay(call_sid: str, events: Sequence[tuple[DeskEvent, float]], policy: DeskPolicy) -> Entry:
    """The entry rebuilt from its logged events and their times."""
    entry = Entry(call_sid)
    for event, at in events:
        entry, _ = step(entry, event, at, policy)
    return entry


# -- callers arriving and leaving --------------------------------------------------------------------


def _enqueued(entry: Entry, event: Enqueued, now: float, policy: DeskPolicy) -> Step:
    if entry.status in OPEN:
        return entry, []
    new = Entry(entry.call_sid, "waiting", event.queue, event.skill, event.tier, event.priority, event.reasons,
                enqueued_at=now, conference=entry.conference, channel=entry.channel, language=event.language)
    spoken = f", langue {event.language}" if event.language else ""
    return new, [
        Record("queued", f"file {event.queue}, compétence {event.skill or 'générale'}, niveau {event.tier}, "
                         f"motif IVR {event.ivr_reason}, raisons {', '.join(event.reasons) or 'aucune'}{spoken}"),
        Publish(QueueChanged(entry.call_sid, queue=event.queue, tier=event.tier)),
    ]


def _caller_left(entry: Entry, _event: CallerLeft, now: float, policy: DeskPolicy) -> Step:
    """Out of the queue, offers withdrawn, agents released: no ghost left behind."""
    if entry.status not in OPEN:
        return entry, []
    commands: list[DeskCommand] = []
    if entry.status == "connected":
        new = replace(entry, status="ended")
        for agent_id in (entry.agent_id, entry.transfer_to):
            if agent_id is not None:
                commands.append(SetPresence(agent_id, "wrapup", entry.call_sid, policy.wrapup_seconds))
        commands.append(Record("ended", "l'appelant a raccroché", entry.agent_id))
    else:
        new = replace(entry, status="abandoned")
        commands.append(Record("abandoned", f"l'appelant a raccroché après {int(now - entry.enqueued_at)} s "
                                            "d'attente"))
    new = replace(new, ended_at=now, offered_to=None, offered_at=None)
    if entry.offered_to is not None:
        commands.append(Withdraw(entry.offered_to, "caller_left"))
    if entry.status == "connected" and entry.conference is not None:
        commands.append(EndConference(entry.conference))
    commands.append(Publish(QueueChanged(entry.call_sid, status="left")))
    if entry.status == "connected":
        # The agents' screens are told at once (their wrap-up, the call's end), whoever hung up:
        # an agent's own « end » comes back as the caller's leg leaving.
        commands += [Publish(AgentStateChanged(a, "wrapup")) for a in (entry.agent_id, entry.transfer_to)
                     if a is not None]
        commands += [Publish(CallUpdated(entry.call_sid, status="ended")), Publish(CallEnded(entry.call_sid))]
    return new, commands


def _conference_ended(entry: Entry, _event: ConferenceEnded, now: float, policy: DeskPolicy) -> Step:
    """Like the caller leaving, and the caller's side is told the call is over."""
    if entry.status not in OPEN:
        return entry, []
    new, commands = _caller_left(entry, CallerLeft(), now, policy)
    commands = [replace(c, reason="fin de la conversation") if isinstance(c, Record) and c.decision == "ended"
                else c for c in commands if not isinstance(c, EndConference)]
    if entry.status != "connected":  # a connected caller's end is already told by _caller_left
        commands += [Publish(CallUpdated(entry.call_sid, status="ended")), Publish(CallEnded(entry.call_sid))]
    return new, commands


def _line_gone(entry: Entry, event: LineGone, now: float, policy: DeskPolicy) -> Step:
    """Like the conference ending, with the reconciliation named as the reason: the caller is
    out of the queue and their agents are released, so positions and estimates stop counting them."""
    if entry.status not in OPEN or entry.is_callback:
        # A callback's own call is not the one reconciliation asks about (its first call is over).
        return entry, []
    new, commands = _conference_ended(entry, ConferenceEnded(), now, policy)
    why = f"ligne terminée ({event.status}) sans que la fin nous parvienne, constaté au rapprochement"
    return new, [replace(c, reason=why) if isinstance(c, Record) else c for c in commands]


def _callback_requested(entry: Entry, event: CallbackRequested, now: float, policy: DeskPolicy) -> Step:
    """Off the live queue, their place (arrival time) kept. Never queued (the queue was closed):
    put on the callback list directly."""
    sid = entry.call_sid
    due = callback_steps.due_time(event, now)
    if entry.status == "idle" and event.queue:
        new = Entry(sid, "callback", event.queue, event.skill, event.tier, event.priority, event.reasons,
                    enqueued_at=now, conference=entry.conference, channel=entry.channel, callback_at=now,
                    callback_due=due)
        after = f", pas avant {event.after}" if event.after else ""
        return new, [Record("callback_requested",
                            f"rappel demandé par l'appelant, file {event.queue} fermée ou sans agent{after}"),
                     Publish(QueueChanged(sid, status="callback"))]
    if entry.status not in QUEUED:
        return entry, []
    arrived = datetime.fromtimestamp(entry.enqueued_at, UTC).isoformat(timespec="seconds")
    commands: list[DeskCommand] = [Record("callback_requested",
                                          f"rappel demandé par l'appelant, place gardée (arrivée {arrived})")]
    if entry.offered_to is not None:
        commands.append(Withdraw(entry.offered_to, "callback"))
    commands.append(Publish(QueueChanged(sid, status="callback")))
    return replace(entry, status="callback", offered_to=None, offered_at=None, callback_at=now,
                   callback_due=due), commands


# -- routing: offers made, refused, timed out ---------------------------------------------------------


def _refused(entry: Entry, agent_id: int) -> Entry:
    return replace(entry, status="waiting", offered_to=None, offered_at=None,
                   declined_by=entry.declined_by | {agent_id})


def _expire(call: WaitingCall) -> WaitingCall:
    assert call.offered_to is not None
    return replace(call, offered_to=None, offered_at=None, declined_by=call.declined_by | {call.offered_to})


def _tick(entry: Entry, event: Tick, now: float, policy: DeskPolicy) -> Step:
    """Expire this caller's stale offer, then offer them to an agent if the routing core says so.

    Every entry of one routing pass is stepped with the same observation, so each computes the same
    assignments (``decide`` gives an agent to one caller at most) and takes its own.
    """
    if entry.status not in QUEUED:
        return entry, []
    commands: list[DeskCommand] = []
    if entry.status == "offered" and expired_offers([entry.waiting_call()], now, policy.routing):
        assert entry.offered_to is not None
        entry, commands = _offer_expired(entry, OfferExpired(entry.offered_to), now, policy)
    if entry.status != "waiting" or not anyone_free(event.agents):
        # Offered already, or nobody free to offer them to: no assignment to compute.
        return entry, commands
    stale = {c.call_sid for c in expired_offers(event.waiting, now, policy.routing)}
    others = [_expire(c) if c.call_sid in stale else c for c in event.waiting if c.call_sid != entry.call_sid]
    mine = next((a for a in decide([*others, entry.waiting_call()], event.agents, now, policy.routing)
                 if a.call_sid == entry.call_sid), None)
    if mine is None or entry.status != "waiting":
        return entry, commands
    reason = callback_steps.offer_reason(entry, mine.reason, policy) if entry.is_callback else mine.reason
    commands += [Record("offered", reason, mine.agent_id), Offer(mine.agent_id, reason)]
    return replace(entry, status="offered", offered_to=mine.agent_id, offered_at=now), commands


def _offer_expired(entry: Entry, event: OfferExpired, now: float, policy: DeskPolicy) -> Step:
    if entry.status != "offered" or entry.offered_to != event.agent_id:
        return entry, []
    return _refused(entry, event.agent_id), [
        Record("timeout", f"pas de réponse en {int(policy.routing.offer_timeout)} s", event.agent_id),
        Withdraw(event.agent_id, "timeout")]


def _declined(entry: Entry, event: Declined, now: float, policy: DeskPolicy) -> Step:
    if entry.status != "offered" or entry.offered_to != event.agent_id:
        raise DeskError("this call is not offered to you")
    return _refused(entry, event.agent_id), [Record("declined", event.why, event.agent_id),
                                             Withdraw(event.agent_id, "declined")]


def _accepted(entry: Entry, event: Accepted, now: float, policy: DeskPolicy) -> Step:
    """The agent's leg is rung into the caller's conference; they are busy from now on."""
    if entry.status != "offered" or entry.offered_to != event.agent_id:
        raise DeskError("this call is no longer offered to you")
    if entry.is_callback and entry.callback_stage is None:
        return callback_steps.accepted(entry, event, now, policy)
    if entry.conference is None:
        raise DeskError("the caller's line is not ready yet, try again in a second")
    sid = entry.call_sid
    new = replace(entry, status="connected", agent_id=event.agent_id, offered_to=None, agent_leg=None,
                  connected_at=None)
    return new, [SetPresence(event.agent_id, "busy", sid),
                 Record("accepted", "l'agent a accepté après lecture du contexte", event.agent_id),
                 AddAgentLeg(entry.conference, event.agent_id, event.address),
                 Publish(AgentConnected(event.agent_id, sid)),
                 Publish(QueueChanged(sid, status="connected"))]


# -- conference legs ---------------------------------------------------------------------------------


def _leg_joined(entry: Entry, event: LegJoined, now: float, policy: DeskPolicy) -> Step:
    if entry.status == "idle":
        return entry, []
    if event.agent_id is None and entry.is_callback and entry.status == "connected":
        return callback_steps.caller_joined(entry, event, now, policy)
    if event.agent_id is None:
        return replace(entry, conference=event.conference or entry.conference,
                       channel=event.channel or entry.channel), []
    commands: list[DeskCommand] = []
    if entry.agent_id == event.agent_id and entry.connected_at is None:
        entry = replace(entry, connected_at=now, agent_leg=event.leg)
        commands.append(Record("connected", f"agent relié après {int(now - entry.enqueued_at)} s d'attente",
                               event.agent_id))
    elif entry.transfer_to == event.agent_id:
        entry = replace(entry, transfer_leg=event.leg)
    commands.append(Publish(CallUpdated(entry.call_sid, status="connected")))
    return entry, commands


def _leg_started(entry: Entry, event: LegStarted, now: float, policy: DeskPolicy) -> Step:
    if entry.status != "connected":
        return entry, []
    if entry.agent_id == event.agent_id and entry.agent_leg is None:
        return replace(entry, agent_leg=event.leg), []
    if entry.transfer_to == event.agent_id and entry.transfer_leg is None:
        return replace(entry, transfer_leg=event.leg), []
    return entry, []


def _leg_left(entry: Entry, event: LegLeft, now: float, policy: DeskPolicy) -> Step:
    """Alone with nobody, the caller must not stay: the conference ends. During a warm transfer
    the caller stays with the other agent and is taken off hold."""
    if entry.status != "connected":
        return entry, []
    sid, agent = entry.call_sid, event.agent_id
    commands: list[DeskCommand] = [SetPresence(agent, "wrapup", sid, policy.wrapup_seconds)]
    ended = False
    if entry.agent_id == agent and entry.transfer_to is not None:
        entry = replace(entry, agent_id=entry.transfer_to, agent_leg=entry.transfer_leg, transfer_to=None,
                        transfer_leg=None)
        commands.append(Record("transferred", "transfert accompagné terminé", entry.agent_id))
        commands += _resume(entry)
    elif entry.transfer_to == agent:
        entry = replace(entry, transfer_to=None, transfer_leg=None)
        commands.append(Record("transfer_failed", "l'agent sollicité a raccroché", agent))
        commands += _resume(entry)
    else:
        ended = True
        entry = replace(entry, status="ended", ended_at=now)
        commands.append(Record("ended", "l'agent a raccroché", agent))
        if entry.conference is not None:
            commands.append(EndConference(entry.conference))
    commands += [Publish(AgentStateChanged(agent, "wrapup")),
                 Publish(CallUpdated(sid, status="ended" if ended else "connected"))]
    if ended:
        commands.append(Publish(CallEnded(sid)))
    return entry, commands


def _resume(entry: Entry) -> list[DeskCommand]:
    return [] if entry.conference is None else [Hold(entry.conference, entry.call_sid, False)]


def _leg_failed(entry: Entry, event: LegFailed, now: float, policy: DeskPolicy) -> Step:
    """The agent's line never joined: back to waiting, that agent free again and not offered again.
    The second agent of a warm transfer never joining: the caller comes back to the first."""
    if entry.status == "connected" and entry.transfer_to == event.agent_id and entry.transfer_leg is None:
        return replace(entry, transfer_to=None), [SetPresence(event.agent_id, "available"),
                                                  Record("transfer_failed", event.why, event.agent_id),
                                                  *_resume(entry)]
    if entry.status not in OPEN or entry.agent_id != event.agent_id or entry.connected_at is not None:
        return entry, []
    new = replace(_refused(entry, event.agent_id), agent_id=None, agent_leg=None, connected_at=None)
    return new, [SetPresence(event.agent_id, "available"), Record("requeued", event.why, event.agent_id)]


# -- agents' controls during the call ----------------------------------------------------------------


def _on_call(entry: Entry, agent_id: int) -> str:
    """The conference of a call ``agent_id`` is on, or a refusal."""
    if entry.status != "connected" or agent_id not in (entry.agent_id, entry.transfer_to):
        raise DeskError("you are not on this call")
    if entry.conference is None:
        raise DeskError("the call has no conference")
    return entry.conference


def _hold_asked(entry: Entry, event: HoldAsked, now: float, policy: DeskPolicy) -> Step:
    conference = _on_call(entry, event.agent_id)
    return entry, [Hold(conference, entry.call_sid, event.on_hold, entry.language),
                   Record("hold" if event.on_hold else "unhold",
                          "mise en attente par l'agent" if event.on_hold else "reprise par l'agent", event.agent_id),
                   Publish(CallUpdated(entry.call_sid, on_hold=event.on_hold))]


def _hangup_asked(entry: Entry, event: HangupAsked, now: float, policy: DeskPolicy) -> Step:
    # The conference's end comes back as legs leaving; they end the entry.
    return entry, [EndConference(_on_call(entry, event.agent_id))]


def _warm_transfer(entry: Entry, event: WarmTransferAsked, now: float, policy: DeskPolicy) -> Step:
    """Private briefing: the caller is held while the second agent joins and hears the first."""
    conference = _on_call(entry, event.agent_id)
    if event.to_name is None:
        raise DeskError("no such agent")
    sid = entry.call_sid
    return replace(entry, transfer_to=event.to_agent, transfer_leg=None), [
        SetPresence(event.to_agent, "busy", sid),
        Record("transfer_warm", f"briefing privé avec {event.to_name}, appelant en attente", event.agent_id),
        Hold(conference, sid, True, entry.language),
        AddAgentLeg(conference, event.to_agent, event.address),
        Offer(event.to_agent, "transfert accompagné", transfer=True)]


def _transfer_completed(entry: Entry, event: TransferCompleted, now: float, policy: DeskPolicy) -> Step:
    """End of the briefing: the caller comes back, the first agent's leg leaves (its leaving,
    reported by the provider, hands the call over)."""
    conference = _on_call(entry, event.agent_id)
    if entry.transfer_to is None or entry.agent_id != event.agent_id or entry.agent_leg is None:
        raise DeskError("no transfer in progress")
    return entry, [Hold(conference, entry.call_sid, False), RemoveLeg(conference, entry.agent_leg)]


def _cold_transfer(entry: Entry, event: ColdTransferAsked, now: float, policy: DeskPolicy) -> Step:
    """The caller goes back to waiting, for another queue; the agent leaves at once."""
    conference = _on_call(entry, event.agent_id)
    if entry.agent_id != event.agent_id or entry.agent_leg is None:
        raise DeskError("only the agent talking with the caller can transfer them")
    new = replace(entry, status="waiting", queue=event.queue, skill=event.skill, agent_id=None, agent_leg=None,
                  connected_at=None, offered_to=None, offered_at=None, declined_by=frozenset({event.agent_id}))
    return new, [SetPresence(event.agent_id, "wrapup", entry.call_sid, policy.wrapup_seconds),
                 Record("transfer_cold", f"vers la file {event.queue}", event.agent_id),
                 RemoveLeg(conference, entry.agent_leg)]
