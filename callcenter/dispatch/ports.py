"""What the dispatcher carries commands out through: one typed bundle of ports, given at construction.

Protocols only (no I/O here). Every port is optional where a site may run without it (no Twilio
number: no SMS, no live call updates, no callbacks; Twilio's own speech: no listening); a command
for a missing port is logged and, where the caller is waiting on it, answered as a failure.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from callcenter.bus import EventBus
from callcenter.desk.ports import CallbackLine, CallControl
from callcenter.ivr import commands as cmd


class SmsSender(Protocol):
    async def send_sms(self, to: str, body: str, call_sid: str | None = None) -> str: ...


class LiveCalls(Protocol):
    """Moves a live call on with new TwiML (speech recognised outside Twilio)."""

    async def update_call(self, call_sid: str, twiml: str) -> None: ...


class Listening(Protocol):
    """Self-hosted speech: told what each question expects, and when a call is over."""

    def expect(self, call_sid: str, gather: cmd.Gather) -> None: ...

    def forget(self, call_sid: str) -> None: ...


class Booked(Protocol):
    appointment_id: int
    reference: str
    slot: dict[str, Any]


class Appointments(Protocol):
    """The appointment book (callcenter.appointments.book.AppointmentBook)."""

    async def free_slots(self, service: str, channel: str | None, after: datetime, limit: int
                         ) -> list[dict[str, Any]]: ...

    async def book(self, slot_id: int, caller: str, call_sid: str | None) -> Any: ...

    async def find(self, caller: str, reference: str) -> tuple[int, dict[str, Any]] | None: ...

    async def cancel(self, appointment_id: int, caller: str, call_sid: str | None
                     ) -> tuple[str, dict[str, Any]] | None: ...

    async def move(self, appointment_id: int, slot_id: int, caller: str, call_sid: str | None) -> Any: ...


@dataclass(frozen=True)
class Ports:
    """Everything commands are carried out through.

    ``lines``: one call control per kind of line (``"twilio"``, ``"browser"``), chosen by the
    entry's channel; ``callbacks`` places calls back to callers."""

    bus: EventBus
    lines: Mapping[str, CallControl] = field(default_factory=dict)
    sms: SmsSender | None = None
    live_calls: LiveCalls | None = None
    listening: Listening | None = None
    appointments: Appointments | None = None
    callbacks: CallbackLine | None = None
