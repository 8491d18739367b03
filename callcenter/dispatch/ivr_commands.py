"""The IVR's side effects that need a port and not the desk: SMS, the appointment book, live calls.

A failing side effect is logged with the call id and never breaks the call: the caller already has
their answer, or (a port the caller waits on) is told it failed and offered a person.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime

from callcenter.dispatch.ports import Appointments, LiveCalls, SmsSender
from callcenter.ivr import AppointmentResult, SmsResult
from callcenter.ivr import commands as cmd

_LOGGER = logging.getLogger(__name__)
# Twilio gives up on a webhook after 15 s; the SMS is asked for while the caller waits.
SMS_TIMEOUT = 6.0


def _error_text(exc: Exception) -> str:
    """A short reason for the log, without the message body or the number."""
    code = getattr(exc, "code", None)
    status = getattr(exc, "status", None)
    return f"{type(exc).__name__} status={status} code={code}"


async def send_sms(sms: SmsSender | None, call_sid: str, command: cmd.SendSms) -> None:
    """An SMS nobody waits on: sent, or logged."""
    if sms is None:
        _LOGGER.error("call %s: SMS asked for but no sender number is configured", call_sid)
        return
    try:
        sid = await sms.send_sms(command.to, command.body)
    except Exception:  # noqa: BLE001 - any transport error must not reach the caller
        _LOGGER.exception("call %s: SMS could not be sent", call_sid)
        return
    _LOGGER.info("call %s: SMS %s sent", call_sid, sid)


async def send_sms_now(sms: SmsSender | None, call_sid: str, command: cmd.SendSms) -> SmsResult:
    """Send the SMS and say whether Twilio accepted it, in time for the caller to be told."""
    if sms is None:
        _LOGGER.error("call %s: SMS asked for but no sender number is configured", call_sid)
        return SmsResult(accepted=False, error="no sender configured")
    try:
        sid = await asyncio.wait_for(sms.send_sms(command.to, command.body, call_sid), SMS_TIMEOUT)
    except TimeoutError:
        _LOGGER.error("call %s: SMS not accepted within %.0f s", call_sid, SMS_TIMEOUT)
        return SmsResult(accepted=False, error="timeout")
    except Exception as exc:  # noqa: BLE001 - any transport error: the caller is told, and offered a person
        _LOGGER.error("call %s: SMS refused: %s", call_sid, type(exc).__name__)
        return SmsResult(accepted=False, error=_error_text(exc))
    _LOGGER.info("call %s: SMS %s accepted", call_sid, sid)
    return SmsResult(accepted=True, sid=sid)


async def update_call(calls: LiveCalls | None, call_sid: str, twiml: str) -> None:
    """Push the IVR's next TwiML to a live call (speech recognised outside Twilio)."""
    if calls is None:
        _LOGGER.error("call %s: cannot move the call on: no Twilio REST access configured", call_sid)
        return
    try:
        await calls.update_call(call_sid, twiml)
    except Exception:  # noqa: BLE001 - the call's own Gather timeout still moves it on
        _LOGGER.exception("call %s: live update failed", call_sid)


async def appointment(book: Appointments | None, call_sid: str, request: cmd.AppointmentRequest,
                      caller: str) -> AppointmentResult:
    """Ask the appointment book; any failure is an "error" result (the caller reaches a person)."""
    if book is None:
        _LOGGER.error("call %s: appointment asked for but no appointment book is configured", call_sid)
        return AppointmentResult(request.action, "error", error="no appointment book")
    try:
        return await _appointment(book, call_sid, request, caller)
    except Exception as exc:  # noqa: BLE001 - the caller is told and handed to a person
        _LOGGER.exception("call %s: appointment %s failed", call_sid, request.action)
        return AppointmentResult(request.action, "error", error=type(exc).__name__)


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
