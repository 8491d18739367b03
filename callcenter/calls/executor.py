"""The one executor of side effects the engine asks for (beyond the TwiML answer itself).

Today: text messages through Twilio's Messaging REST API. A failing side effect is logged with
the call id and never breaks the call: the caller already has their answer.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, Protocol

from callcenter.ivr import AppointmentResult, CallState, Command, SmsResult
from callcenter.ivr import commands as cmd

_LOGGER = logging.getLogger(__name__)
# Twilio gives up on a webhook after 15 s; the SMS is asked for while the caller waits.
SMS_TIMEOUT = 6.0


def _error_text(exc: Exception) -> str:
    """A short reason for the log, without the message body or the number."""
    code = getattr(exc, "code", None)
    status = getattr(exc, "status", None)
    return f"{type(exc).__name__} status={status} code={code}"


class SmsSender(Protocol):
    async def send_sms(self, to: str, body: str, call_sid: str | None = None) -> str: ...


class Queueing(Protocol):
    async def enqueue(self, call_sid: str, transfer: cmd.Transfer, tier: str = "normal",
                      reasons: tuple[str, ...] = ()) -> None: ...

    async def request_callback(self, call_sid: str, callback: cmd.RequestCallback | None = None) -> None: ...

    async def caller_left(self, call_sid: str) -> None: ...

    async def remember_callback_number(self, call_sid: str, number: str, slot: str | None = None) -> None: ...


class LiveCalls(Protocol):
    async def update_call(self, call_sid: str, twiml: str) -> None: ...


class Listening(Protocol):
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


class Executor:
    """Performs side-effect commands in order."""

    def __init__(self, sms: SmsSender | None, desk: Queueing | None = None,
                 calls: LiveCalls | None = None, listening: Listening | None = None,
                 appointments: Appointments | None = None) -> None:
        self.sms = sms
        self.desk = desk
        self.calls = calls
        # Self-hosted speech: told what each question expects (None: Twilio recognises speech).
        self.listening = listening
        self.appointments = appointments

    async def appointment(self, call_sid: str, request: cmd.AppointmentRequest, state: CallState
                          ) -> AppointmentResult:
        """Ask the appointment book; any failure is an "error" result (the caller reaches a person)."""
        book = self.appointments
        if book is None:
            _LOGGER.error("call %s: appointment asked for but no appointment book is configured", call_sid)
            return AppointmentResult(request.action, "error", error="no appointment book")
        try:
            return await self._appointment(book, call_sid, request, state.caller)
        except Exception as exc:  # noqa: BLE001 - the caller is told and handed to a person
            _LOGGER.exception("call %s: appointment %s failed", call_sid, request.action)
            return AppointmentResult(request.action, "error", error=type(exc).__name__)

    @staticmethod
    async def _appointment(book: Appointments, call_sid: str, request: cmd.AppointmentRequest,
                           caller: str) -> AppointmentResult:
        action = request.action
        match action:
            case "find_slots":
                after = datetime.fromisoformat(request.after) if request.after else datetime.now(UTC)
                slots = await book.free_slots(request.service, request.channel, after, request.limit)
                return AppointmentResult(action, "ok", slots=tuple(slots))
            case "book" | "move":
                assert request.slot_id is not None
                if action == "book":
                    made = await book.book(request.slot_id, caller, call_sid)
                else:
                    assert request.appointment_id is not None
                    made = await book.move(request.appointment_id, request.slot_id, caller, call_sid)
                if made is None:
                    return AppointmentResult(action, "not_found")
                if made == "taken":
                    return AppointmentResult(action, "taken")
                return AppointmentResult(action, "ok", appointment={
                    "id": made.appointment_id, "reference": made.reference, "slot": made.slot})
            case "find":
                found = await book.find(caller, request.reference or "")
                if found is None:
                    return AppointmentResult(action, "not_found")
                return AppointmentResult(action, "ok", appointment={
                    "id": found[0], "reference": request.reference, "slot": found[1]})
            case "cancel":
                assert request.appointment_id is not None
                cancelled = await book.cancel(request.appointment_id, caller, call_sid)
                if cancelled is None:
                    return AppointmentResult(action, "not_found")
                return AppointmentResult(action, "ok", appointment={
                    "id": request.appointment_id, "reference": cancelled[0], "slot": cancelled[1]})
        return AppointmentResult(action, "error", error="unknown action")

    async def update_call(self, call_sid: str, twiml: str) -> None:
        """Push the IVR's next TwiML to a live call (speech recognised outside Twilio)."""
        if self.calls is None:
            _LOGGER.error("call %s: cannot move the call on: no Twilio REST access configured", call_sid)
            return
        try:
            await self.calls.update_call(call_sid, twiml)
        except Exception:  # noqa: BLE001 - the call's own Gather timeout still moves it on
            _LOGGER.exception("call %s: live update failed", call_sid)

    async def run(self, call_sid: str, commands: Sequence[Command], state: CallState) -> None:
        for command in commands:
            match command:
                case cmd.SendSms():
                    await self._send_sms(call_sid, command)
                case cmd.Gather() if self.listening is not None:
                    self.listening.expect(call_sid, command)
                case cmd.Transfer() if self.desk is not None:
                    await self._enqueue(call_sid, command)
                case cmd.CallbackNumber() if self.desk is not None:
                    try:
                        await self.desk.remember_callback_number(call_sid, command.to)
                    except Exception:  # noqa: BLE001 - logged; without a number the callback fails to place
                        _LOGGER.exception("call %s: callback number not kept", call_sid)
                case cmd.RequestCallback() if self.desk is not None:
                    try:
                        await self.desk.request_callback(call_sid, command)
                    except Exception:  # noqa: BLE001 - logged; the board shows the entry as it is
                        _LOGGER.exception("call %s: callback request not recorded", call_sid)

    async def call_ended(self, call_sid: str) -> None:
        """The call is over: if the caller was waiting for or talking with a person, the desk lets go."""
        if self.listening is not None:
            self.listening.forget(call_sid)
        if self.desk is None:
            return
        try:
            await self.desk.caller_left(call_sid)
        except Exception:  # noqa: BLE001 - the conference's own callbacks end the entry too
            _LOGGER.exception("call %s: the desk was not told the caller left", call_sid)

    async def _enqueue(self, call_sid: str, command: cmd.Transfer) -> None:
        try:
            await self.desk.enqueue(call_sid, command, command.tier, command.reasons)  # type: ignore[union-attr]
        except Exception:  # noqa: BLE001 - the caller is already waiting; the board shows the gap
            _LOGGER.exception("call %s: could not be queued for an agent", call_sid)

    async def send_sms_now(self, call_sid: str, command: cmd.SendSms) -> SmsResult:
        """Send the SMS and say whether Twilio accepted it, in time for the caller to be told."""
        if self.sms is None:
            _LOGGER.error("call %s: SMS asked for but no sender number is configured", call_sid)
            return SmsResult(accepted=False, error="no sender configured")
        try:
            sid = await asyncio.wait_for(self.sms.send_sms(command.to, command.body, call_sid), SMS_TIMEOUT)
        except TimeoutError:
            _LOGGER.error("call %s: SMS not accepted within %.0f s", call_sid, SMS_TIMEOUT)
            return SmsResult(accepted=False, error="timeout")
        except Exception as exc:  # noqa: BLE001 - any transport error: the caller is told, and offered a person
            _LOGGER.error("call %s: SMS refused: %s", call_sid, type(exc).__name__)
            return SmsResult(accepted=False, error=_error_text(exc))
        _LOGGER.info("call %s: SMS %s accepted", call_sid, sid)
        return SmsResult(accepted=True, sid=sid)

    async def _send_sms(self, call_sid: str, command: cmd.SendSms) -> None:
        if self.sms is None:
            _LOGGER.error("call %s: SMS asked for but no sender number is configured", call_sid)
            return
        try:
            sid = await self.sms.send_sms(command.to, command.body)
        except Exception:  # noqa: BLE001 - any transport error must not reach the caller
            _LOGGER.exception("call %s: SMS could not be sent", call_sid)
            return
        _LOGGER.info("call %s: SMS %s sent", call_sid, sid)
