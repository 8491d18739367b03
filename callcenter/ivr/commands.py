"""What the engine asks the outside world to do: its output vocabulary.

The Twilio adapter renders ``Say``/``Gather``/``Transfer``/``Hangup`` as TwiML; side effects
(``SendSms``) go through the one dispatcher.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from callcenter.ivr.plain import as_dict


@dataclass(frozen=True)
class Say:
    """Speak ``text`` to the caller, in ``language`` ("": the flow's first language)."""

    text: str
    language: str = ""
    kind: Literal["say"] = "say"


@dataclass(frozen=True)
class Gather:
    """Listen to the caller while ``prompt`` plays; ``turn`` ties the answer to this question."""

    node: str
    turn: int
    prompt: str
    modes: tuple[str, ...]
    timeout: int
    max_digits: int | None = None
    finish_on_key: str = "#"
    hints: tuple[str, ...] = ()
    # True: on silence the call goes on with the next command (Twilio's default), not an answer.
    fall_through: bool = False
    # What a menu expects to hear (option words, spoken keys, the way out to a person), for a
    # recogniser that can restrict itself to them; empty for free speech.
    phrases: tuple[str, ...] = ()
    # The language of the prompt and of the answer expected ("": the flow's first language), and
    # what is said before the prompt in a language of its own (a knowledge-base answer that
    # exists in French only, "For English, press 9"): keys pressed meanwhile count.
    language: str = ""
    lead: tuple[Say, ...] = ()
    kind: Literal["gather"] = "gather"


@dataclass(frozen=True)
class Transfer:
    """Hand the caller to a person. ``reason`` says why the IVR gave up or chose a person."""

    queue: str
    skill: str | None
    priority: int
    reason: str
    tier: str = "normal"
    reasons: tuple[str, ...] = ()
    # The caller's language when it is not the flow's first one (routing prefers agents who speak it).
    language: str = ""
    kind: Literal["transfer"] = "transfer"


@dataclass(frozen=True)
class SendSms:
    """Send a text message to the caller (only ever with their consent)."""

    to: str
    body: str
    kind: Literal["send_sms"] = "send_sms"


@dataclass(frozen=True)
class RequestCallback:
    """The caller chose to be called back; their place in the queue is kept.

    A caller who was never queued (the queue was closed) carries where to call them back from:
    ``queue`` and the rest, and ``after`` (ISO time of the next opening) before which nobody can.
    """

    to: str
    queue: str | None = None
    skill: str | None = None
    priority: int = 0
    tier: str = "normal"
    reasons: tuple[str, ...] = ()
    after: str | None = None
    # The slot the caller chose (ISO time); None: as soon as possible.
    due: str | None = None
    kind: Literal["request_callback"] = "request_callback"


@dataclass(frozen=True)
class AppointmentRequest:
    """Ask the appointment book (a port the dispatcher holds) and step its answer, an
    ``AppointmentResult`` event, before the caller hears anything more. ``action``:
    "find_slots" (``service``, ``channel``, ``after``, ``limit``), "book" (``slot_id``), "find"
    (``reference``), "cancel" (``appointment_id``), "move" (``appointment_id``, ``slot_id``).
    The caller is named by the call itself (its number stays out of the log's commands)."""

    action: Literal["find_slots", "book", "find", "cancel", "move"]
    service: str = ""
    channel: str | None = None
    after: str | None = None
    limit: int = 3
    slot_id: int | None = None
    appointment_id: int | None = None
    reference: str | None = None
    kind: Literal["appointment_request"] = "appointment_request"


@dataclass(frozen=True)
class RecordSurvey:
    """Keep the caller's survey answer: a ``score`` (1-5) for "was your question answered", with
    the (redacted, length-capped) ``comment`` once said; what it is about: ``via`` "answer" (the
    knowledge base's ``kb_id``) or "agent" (``agent_id``), the node, queue and fragility tier.
    Stored with the call's step, in the same transaction (one row per call, updated)."""

    score: int
    via: str
    node: str
    tier: str = "normal"
    comment: str | None = None
    kb_id: str | None = None
    agent_id: int | None = None
    queue: str | None = None
    kind: Literal["record_survey"] = "record_survey"


@dataclass(frozen=True)
class CallbackNumber:
    """The number the caller confirmed or keyed for their callback: it goes to the callback record
    only (the call's log keeps it masked)."""

    to: str
    kind: Literal["callback_number"] = "callback_number"


@dataclass(frozen=True)
class Hangup:
    kind: Literal["hangup"] = "hangup"


Command = (Say | Gather | Transfer | SendSms | RequestCallback | CallbackNumber | Hangup | AppointmentRequest
           | RecordSurvey)


def command_to_dict(command: Command) -> dict[str, Any]:
    """The command as the call's log keeps it: a callback's number masked (the callback record
    alone keeps it whole)."""
    data = as_dict(command)
    if isinstance(command, RequestCallback | CallbackNumber):
        from callcenter.privacy import mask_phone
        data["to"] = mask_phone(command.to) if command.to else ""
    return data
