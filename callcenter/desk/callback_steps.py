"""The desk core's steps for callbacks: due, offered like a call, dialled, answered, missed. Pure.

A callback is an entry like any queued caller (tier, priority and arrival time kept, so its place
is kept); it waits in status ``callback`` until its time (``callback_due``), then goes back among
the waiting callers and is offered to an agent like a call, context first. The agent accepting
places the call to the caller (``DialCallback``); the caller hears who calls and why and presses a
key, joins their conference, and only then is the agent's leg rung into it, so an answering
machine never gets an agent. A call that reaches nobody frees the agent and is tried again later,
``callback_retries`` times; then a text message says we could not reach them.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from zoneinfo import ZoneInfo

from callcenter.desk.model import (
    Accepted,
    AddAgentLeg,
    AgentConnected,
    AgentStateChanged,
    CallbackAnswered,
    CallbackDialled,
    CallbackDue,
    CallbackMissed,
    CallbackRequested,
    CallbackSms,
    CallUpdated,
    DeskCommand,
    DeskPolicy,
    DialCallback,
    Entry,
    LegJoined,
    Publish,
    QueueChanged,
    Record,
    SetPresence,
)

Step = tuple[Entry, list[DeskCommand]]

# The provider's final statuses (and ours) in the words of the routing trail.
MISSED_WHY = {"busy": "occupé", "no-answer": "pas de réponse", "failed": "appel impossible",
              "canceled": "appel annulé", "no_key": "décroché sans taper de touche (répondeur ?)",
              "completed": "décroché sans taper de touche (répondeur ?)",
              "unreachable": "l'appel n'a pas pu être passé"}


def clock_time(at: float, timezone: str) -> str:
    """14:10 in the centre's zone as agents read it: « 14 h 10 »."""
    local = datetime.fromtimestamp(at, ZoneInfo(timezone))
    return f"{local.hour} h {local.minute:02d}"


def _moment(text: str | None) -> float | None:
    if not text:
        return None
    try:
        return datetime.fromisoformat(text).timestamp()
    except ValueError:
        return None


def due_time(event: CallbackRequested, now: float) -> float:
    """When the callback may be offered: the slot chosen, else the next opening, never before now."""
    return max(now, _moment(event.due) or _moment(event.after) or now)


def attempts(policy: DeskPolicy) -> int:
    return 1 + max(0, policy.callback_retries)


def offer_reason(entry: Entry, reason: str, policy: DeskPolicy) -> str:
    """The routing reason, after what the agent must know first: it is a callback, asked when."""
    assert entry.callback_at is not None
    tries = f", essai {entry.callback_tries + 1} sur {attempts(policy)}" if entry.callback_tries else ""
    return f"Rappel demandé à {clock_time(entry.callback_at, policy.timezone)}{tries} ; {reason}"


def due(entry: Entry, _event: CallbackDue, now: float, policy: DeskPolicy) -> Step:
    if entry.status != "callback" or entry.callback_due is None or entry.callback_due > now:
        return entry, []
    new = replace(entry, status="waiting", offered_to=None, offered_at=None, declined_by=frozenset())
    asked = clock_time(entry.callback_at or entry.enqueued_at, policy.timezone)
    return new, [Record("callback_due", f"rappel à passer (demandé à {asked}) : proposé aux agents, place gardée"),
                 Publish(QueueChanged(entry.call_sid, status="waiting", queue=entry.queue, tier=entry.tier))]


def accepted(entry: Entry, event: Accepted, now: float, policy: DeskPolicy) -> Step:
    """The agent takes the callback: busy from now, and the caller is rung."""
    sid, attempt = entry.call_sid, entry.callback_tries + 1
    new = replace(entry, status="connected", agent_id=event.agent_id, offered_to=None, agent_leg=None,
                  connected_at=None, callback_tries=attempt, callback_leg=None, callback_stage="dialling",
                  agent_address=event.address, channel="twilio")
    return new, [SetPresence(event.agent_id, "busy", sid),
                 Record("accepted", f"l'agent a accepté le rappel : appel de l'appelant, essai {attempt} sur "
                                    f"{attempts(policy)}", event.agent_id),
                 DialCallback(event.agent_id, attempt),
                 Publish(AgentConnected(event.agent_id, sid)),
                 Publish(QueueChanged(sid, status="connected"))]


def _dialling(entry: Entry, leg: str) -> bool:
    return (entry.status == "connected" and entry.callback_stage == "dialling"
            and (entry.callback_leg is None or not leg or entry.callback_leg == leg))


def dialled(entry: Entry, event: CallbackDialled, now: float, policy: DeskPolicy) -> Step:
    if not _dialling(entry, event.leg) or entry.callback_leg is not None:
        return entry, []
    return replace(entry, callback_leg=event.leg), []


def answered(entry: Entry, event: CallbackAnswered, now: float, policy: DeskPolicy) -> Step:
    if not _dialling(entry, event.leg):
        return entry, []
    return replace(entry, callback_stage="keyed", callback_leg=event.leg), [
        Record("callback_answered", "l'appelant rappelé a décroché et tapé la touche", entry.agent_id),
        Publish(CallUpdated(entry.call_sid, status="callback_answered"))]


def caller_joined(entry: Entry, event: LegJoined, now: float, policy: DeskPolicy) -> Step:
    """The caller rung back is in their conference: now the agent's leg is rung into it."""
    conference = event.conference or entry.conference
    entry = replace(entry, conference=conference, channel=event.channel or entry.channel)
    if entry.callback_stage != "keyed" or entry.agent_id is None or conference is None:
        return entry, []
    return replace(entry, callback_stage="joined"), [
        AddAgentLeg(conference, entry.agent_id, entry.agent_address or ""),
        Record("callback_joined", "l'appelant rappelé est en ligne : l'agent est appelé", entry.agent_id)]


def missed(entry: Entry, event: CallbackMissed, now: float, policy: DeskPolicy) -> Step:
    """Nobody took the call back: the agent is free again; another try later, or the last SMS."""
    if not _dialling(entry, event.leg):
        return entry, []
    sid, agent, tries = entry.call_sid, entry.agent_id, entry.callback_tries
    why = MISSED_WHY.get(event.why, event.why)
    base = replace(entry, agent_id=None, agent_address=None, callback_leg=None, callback_stage=None,
                   offered_to=None, offered_at=None, declined_by=frozenset())
    commands: list[DeskCommand] = []
    if agent is not None:
        commands += [SetPresence(agent, "available"), Publish(AgentStateChanged(agent, "available"))]
    commands.append(Publish(CallUpdated(sid, status="callback_missed")))
    if tries < attempts(policy):
        retry = now + policy.callback_retry_seconds
        new = replace(base, status="callback", callback_due=retry)
        commands += [Record("callback_retry", f"rappel non abouti ({why}), essai {tries} sur {attempts(policy)} ; "
                                              f"nouvel essai à partir de {clock_time(retry, policy.timezone)}", agent),
                     Publish(QueueChanged(sid, status="callback"))]
        return new, commands
    new = replace(base, status="callback_failed", ended_at=now)
    commands += [Record("callback_failed", f"rappel non abouti ({why}) après {tries} essais : "
                                           "SMS à l'appelant pour qu'il nous rappelle", agent),
                 CallbackSms(),
                 Publish(QueueChanged(sid, status="callback_failed"))]
    return new, commands
