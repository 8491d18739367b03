"""What the Twilio handlers need, in one typed bundle the server hands over once it has built it.

The handlers read ``request.app[TELEPHONY]`` and nothing else of the application, so this package
depends on the cores, the shells and the dispatcher, never on ``callcenter.web``. Every event goes
through the dispatcher; the shells are read (a call's row, a waiting caller's status).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from aiohttp import web

from callcenter.calls import CallService
from callcenter.calls.speech_bridge import SpeechBridge
from callcenter.config import Settings
from callcenter.desk.model import Entry
from callcenter.dispatch import Dispatcher
from callcenter.routing import QueueStatus
from callcenter.telephony.twiml import Voice


class DeskReads(Protocol):
    """What the Twilio adapter reads of the desk: a waiting caller's status, an entry."""

    async def status_of(self, call_sid: str) -> QueueStatus | None: ...

    async def entry(self, call_sid: str) -> Entry | None: ...


@dataclass(frozen=True)
class Telephony:
    settings: Settings
    service: CallService
    desk: DeskReads
    dispatcher: Dispatcher
    voice: Voice
    # Self-hosted speech (Media Streams), when it runs.
    speech: SpeechBridge | None = None


TELEPHONY = web.AppKey("telephony", Telephony)
