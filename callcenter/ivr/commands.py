"""What the engine asks the outside world to do: its output vocabulary.

The Twilio adapter renders ``Say``/``Gather``/``Transfer``/``Hangup`` as TwiML; side effects
(``SendSms``) go through the one executor.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal


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
    kind: Literal["request_callback"] = "request_callback"


@dataclass(frozen=True)
class Hangup:
    kind: Literal["hangup"] = "hangup"


Command = Say | Gather | Transfer | SendSms | RequestCallback | Hangup


def command_to_dict(command: Command) -> dict[str, Any]:
    return asdict(command)
