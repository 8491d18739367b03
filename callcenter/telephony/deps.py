"""What the Twilio handlers need, in one typed bundle the server hands over once it has built it.

The handlers read ``request.app[TELEPHONY]`` and nothing else of the application, so this package
depends on the cores and the call service, never on ``callcenter.web``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from aiohttp import web

from callcenter.calls import CallService
from callcenter.calls.speech_bridge import SpeechBridge
from callcenter.config import Settings
from callcenter.desk.model import DeskEvent, Entry
from callcenter.routing import QueueStatus
from callcenter.telephony.twiml import Voice


class DeskPort(Protocol):
    """The desk as the Twilio adapter uses it: events in, a waiting caller's status out."""

    async def handle(self, call_sid: str, event: DeskEvent) -> None: ...

    async def agent_leg_failed(self, leg_sid: str, status: str) -> None: ...

    async def status_of(self, call_sid: str) -> QueueStatus | None: ...

    async def entry(self, call_sid: str) -> Entry | None: ...

    async def callback_answered(self, call_sid: str, leg: str) -> Entry: ...

    async def callback_missed(self, call_sid: str, leg: str, why: str) -> None: ...


@dataclass(frozen=True)
class Telephony:
    settings: Settings
    service: CallService
    desk: DeskPort
    voice: Voice
    # Self-hosted speech (Media Streams), when it runs.
    speech: SpeechBridge | None = None


TELEPHONY = web.AppKey("telephony", Telephony)
