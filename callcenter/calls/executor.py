"""The one executor of side effects the engine asks for (beyond the TwiML answer itself).

Today: text messages through Twilio's Messaging REST API. A failing side effect is logged with
the call id and never breaks the call: the caller already has their answer.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Protocol

from callcenter.ivr import CallState, Command
from callcenter.ivr import commands as cmd

_LOGGER = logging.getLogger(__name__)


class SmsSender(Protocol):
    async def send_sms(self, to: str, body: str) -> str: ...


class Queueing(Protocol):
    async def enqueue(self, call_sid: str, transfer: cmd.Transfer, tier: str = "normal",
                      reasons: tuple[str, ...] = ()) -> None: ...

    async def request_callback(self, call_sid: str, callback: cmd.RequestCallback | None = None) -> None: ...

    async def caller_left(self, call_sid: str) -> None: ...


class LiveCalls(Protocol):
    async def update_call(self, call_sid: str, twiml: str) -> None: ...


class Listening(Protocol):
    def expect(self, call_sid: str, gather: cmd.Gather) -> None: ...

    def forget(self, call_sid: str) -> None: ...


class Executor:
    """Performs side-effect commands in order."""

    def __init__(self, sms: SmsSender | None, desk: Queueing | None = None,
                 calls: LiveCalls | None = None, listening: Listening | None = None) -> None:
        self.sms = sms
        self.desk = desk
        self.calls = calls
        # Self-hosted speech: told what each question expects (None: Twilio recognises speech).
        self.listening = listening

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
