"""What can happen to a call: the engine's input vocabulary.

Events are frozen, JSON-simple dataclasses; each has a ``kind`` used as its tag in the event log.
Adapters (Twilio webhooks, media streams, the browser phone) only ever build these.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any, Literal

from callcenter.ivr.plain import as_dict


@dataclass(frozen=True)
class CallStarted:
    """A new call reached the IVR. ``caller`` is the caller's number as the network gave it; the
    counts are the caller's history as the store knew it then (the engine reads no database)."""

    caller: str = ""
    called: str = ""
    calls_last_7_days: int = 0
    calls_last_30_days: int = 0
    unresolved_previous_calls: int = 0
    missed_callbacks: int = 0
    kind: Literal["call_started"] = "call_started"


@dataclass(frozen=True)
class DigitsReceived:
    """The caller typed keys (``#`` excluded when it ended the entry)."""

    digits: str
    # True once the digits are what an ask node keeps of them (callcenter.ivr.answers), not the
    # keys typed: the log holds this form, and the engine takes it as already checked.
    redacted: bool = False
    kind: Literal["digits"] = "digits"


@dataclass(frozen=True)
class SpeechReceived:
    """A final transcript of what the caller said, already redacted, with its confidence (0-1)."""

    text: str
    confidence: float | None = None
    # As for DigitsReceived: the text is what an ask node keeps of the answer.
    redacted: bool = False
    kind: Literal["speech"] = "speech"


@dataclass(frozen=True)
class NoInput:
    """The caller said and typed nothing before the timeout."""

    kind: Literal["no_input"] = "no_input"


@dataclass(frozen=True)
class CallEnded:
    """The call is over (caller hung up, network failure...). ``status`` is Twilio's CallStatus."""

    status: str = "completed"
    kind: Literal["call_ended"] = "call_ended"


@dataclass(frozen=True)
class Failure:
    """Something inside failed while serving the call; the caller must reach a person."""

    reason: str
    kind: Literal["failure"] = "failure"


@dataclass(frozen=True)
class QueueLeft:
    """The caller left the waiting queue: ``result`` is Twilio's QueueResult (bridged, hangup...)."""

    result: str
    seconds: int = 0
    kind: Literal["queue_left"] = "queue_left"


@dataclass(frozen=True)
class StatusChanged:
    """A call status that does not end the call (ringing, in-progress...), kept for the record."""

    status: str
    kind: Literal["status"] = "status"


@dataclass(frozen=True)
class Waiting:
    """The caller is still waiting in a queue; ``position`` as Twilio reports it."""

    position: int | None = None
    kind: Literal["waiting"] = "waiting"


@dataclass(frozen=True)
class WaitEstimated:
    """How long a caller just handed to a person is expected to wait, as the desk estimated it;
    ``None`` when there is no honest estimate (nobody on duty, no recent handle time)."""

    seconds: float | None
    position: int = 1
    kind: Literal["wait_estimated"] = "wait_estimated"


@dataclass(frozen=True)
class OnDuty:
    """How many agents could take a caller about to be handed to ``queue``, as the desk counted
    them. Logged just before the event that hands the caller over, so a replay sees it too."""

    queue: str
    agents: int
    kind: Literal["on_duty"] = "on_duty"


@dataclass(frozen=True)
class SmsResult:
    """What Twilio said when asked to send the SMS the caller asked for: accepted (with the
    message's sid) or refused (with the reason). Only then does the caller hear "C'est envoyé"."""

    accepted: bool
    sid: str | None = None
    error: str | None = None
    kind: Literal["sms_result"] = "sms_result"


@dataclass(frozen=True)
class SmsStatus:
    """Twilio's delivery report for an SMS sent during the call (sent, delivered, undelivered,
    failed), kept in the call's log; it changes nothing in the IVR."""

    sid: str
    status: str
    error_code: str | None = None
    kind: Literal["sms_status"] = "sms_status"


@dataclass(frozen=True)
class AppointmentResult:
    """The appointment book's answer to an ``AppointmentRequest``: ``outcome`` "ok", "taken" (the
    slot went to someone else first), "not_found" (no such coming appointment for this caller) or
    "error"; the free ``slots`` found, or the ``appointment`` booked, found, moved or cancelled
    ({"id", "reference", "slot"}). Logged, so the call replays without the database."""

    action: str
    outcome: str
    slots: tuple[dict[str, Any], ...] = ()
    appointment: dict[str, Any] | None = None
    error: str | None = None
    kind: Literal["appointment_result"] = "appointment_result"



@dataclass(frozen=True)
class AgentHandled:
    """The desk's word, when the caller's conference ended, on who talked with them: the agent's
    id, or ``None`` when no agent was ever connected. Logged just before the ``QueueLeft`` it
    shapes (the survey after an agent), so a replay sees it too."""

    agent_id: int | None = None
    kind: Literal["agent_handled"] = "agent_handled"


Event = (CallStarted | DigitsReceived | SpeechReceived | NoInput | CallEnded | Failure | QueueLeft
         | StatusChanged | Waiting | WaitEstimated | OnDuty | SmsResult | SmsStatus | AppointmentResult
         | AgentHandled)

EVENT_TYPES: dict[str, type[Any]] = {
    cls.kind: cls
    for cls in (CallStarted, DigitsReceived, SpeechReceived, NoInput, CallEnded, Failure, QueueLeft,
                StatusChanged, Waiting, WaitEstimated, OnDuty, SmsResult, SmsStatus, AppointmentResult,
                AgentHandled)
}


def event_to_dict(event: Event) -> dict[str, Any]:
    return as_dict(event)


def event_from_dict(data: dict[str, Any]) -> Event:
    """Rebuild an event from the log; unknown kinds or fields raise ``ValueError``."""
    cls = EVENT_TYPES.get(str(data.get("kind")))
    if cls is None:
        raise ValueError(f"unknown event kind {data.get('kind')!r}")
    names = {f.name for f in fields(cls)}
    unknown = set(data) - names
    if unknown:
        raise ValueError(f"unknown fields for {cls.__name__}: {sorted(unknown)}")
    event: Event = cls(**data)
    return event
