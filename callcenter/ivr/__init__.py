"""The pure IVR core: call state, events in, commands out, and replay."""

from __future__ import annotations

from callcenter.ivr import commands
from callcenter.ivr.commands import Command, command_to_dict
from callcenter.ivr.engine import IvrEngine
from callcenter.ivr.events import (
    AgentHandled,
    AppointmentResult,
    CallEnded,
    CallStarted,
    DigitsReceived,
    Event,
    Failure,
    NoInput,
    OnDuty,
    QueueLeft,
    SmsResult,
    SmsStatus,
    SpeechReceived,
    StatusChanged,
    WaitEstimated,
    Waiting,
    event_from_dict,
    event_to_dict,
)
from callcenter.ivr.replay import replay
from callcenter.ivr.state import CallState, TransferRecord, Utterance

__all__ = [
    "AgentHandled", "AppointmentResult", "CallEnded", "CallStarted", "CallState", "Command", "DigitsReceived",
    "Event", "Failure",
    "IvrEngine", "NoInput", "OnDuty", "QueueLeft", "SmsResult", "SmsStatus", "SpeechReceived", "StatusChanged",
    "TransferRecord", "Utterance",
    "WaitEstimated", "Waiting",
    "command_to_dict", "commands", "event_from_dict", "event_to_dict", "replay",
]
