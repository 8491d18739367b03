"""Twilio webhook forms -> engine events. Anything malformed raises :class:`MalformedRequest` (400)."""

from __future__ import annotations

import re
from collections.abc import Mapping

from callcenter.errors import CallCenterError
from callcenter.ivr import (
    CallEnded,
    CallStarted,
    DigitsReceived,
    Event,
    NoInput,
    QueueLeft,
    SpeechReceived,
    StatusChanged,
)
from callcenter.privacy import redact

CALL_SID = re.compile(r"^CA[0-9a-fA-F]{32}$")
DIGITS = re.compile(r"^[0-9*#]{1,40}$")
FINAL_STATUSES = frozenset({"completed", "busy", "failed", "no-answer", "canceled"})
ALL_STATUSES = FINAL_STATUSES | {"queued", "initiated", "ringing", "in-progress"}
QUEUE_RESULTS = frozenset({"bridged", "bridging-in-process", "queue-full", "hangup", "leave",
                           "redirected", "error", "system-error"})


class MalformedRequest(CallCenterError):
    code = "malformed"


def number(raw: str) -> int | None:
    """A whole number written in ASCII digits, else ``None``. ``str.isdigit`` alone is not enough:
    it accepts "²" or "٣", on which ``int`` raises (a signed webhook must never get a 500)."""
    if not raw or len(raw) > 12 or not raw.isascii() or not raw.isdigit():
        return None
    return int(raw)


MAX_PARTY = 255  # the width of calls.caller and calls.called


def call_started(form: Mapping[str, str]) -> CallStarted:
    """Who calls whom: phone numbers, or SIP addresses (longer; cut to the stored width)."""
    return CallStarted(caller=form.get("From", "")[:MAX_PARTY], called=form.get("To", "")[:MAX_PARTY])


def call_sid(form: Mapping[str, str]) -> str:
    sid = form.get("CallSid", "")
    if not CALL_SID.match(sid):
        raise MalformedRequest("CallSid is missing or malformed")
    return sid


def turn(query: Mapping[str, str]) -> int:
    value = number(query.get("turn", ""))
    if value is None:
        raise MalformedRequest("turn is missing or not a number")
    return value


def gather_event(form: Mapping[str, str]) -> Event:
    """What a ``<Gather>`` action carries: keys, speech (with its confidence), or nothing."""
    digits = form.get("Digits", "")
    speech = form.get("SpeechResult", "").strip()
    if digits:
        if not DIGITS.match(digits):
            raise MalformedRequest("Digits holds characters other than 0-9 * #")
        return DigitsReceived(digits)
    if speech:
        confidence: float | None = None
        raw = form.get("Confidence", "")
        if raw != "":
            try:
                confidence = float(raw)
            except ValueError:
                raise MalformedRequest("Confidence is not a number") from None
            if not 0.0 <= confidence <= 1.0:
                raise MalformedRequest("Confidence is outside 0-1")
        return SpeechReceived(redact(speech[:2000]), confidence)
    return NoInput()


def status_event(form: Mapping[str, str]) -> CallEnded | StatusChanged:
    """A final call status ends the call; the others are only recorded."""
    status = form.get("CallStatus", "")
    if status not in ALL_STATUSES:
        raise MalformedRequest("CallStatus is missing or unknown")
    return CallEnded(status) if status in FINAL_STATUSES else StatusChanged(status)


def queue_event(form: Mapping[str, str]) -> QueueLeft:
    result = form.get("QueueResult", "")
    if result not in QUEUE_RESULTS:
        raise MalformedRequest("QueueResult is missing or unknown")
    return QueueLeft(result, number(form.get("QueueTime", "0")) or 0)


DIAL_RESULTS = {"completed": "bridged", "answered": "bridged", "canceled": "hangup", "busy": "error",
                "no-answer": "error", "failed": "error"}


def dial_event(form: Mapping[str, str]) -> QueueLeft:
    """The end of the caller's ``<Dial>`` into their conference."""
    status = form.get("DialCallStatus", "")
    if status not in DIAL_RESULTS:
        raise MalformedRequest("DialCallStatus is missing or unknown")
    return QueueLeft(DIAL_RESULTS[status], number(form.get("DialCallDuration", "0")) or 0)


def queue_position(form: Mapping[str, str]) -> int | None:
    return number(form.get("QueuePosition", ""))
