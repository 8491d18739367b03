"""Carries out the desk core's commands: conference moves through the call-control port, news on the bus.

Built with its dependencies: the bus and one :class:`~callcenter.desk.ports.CallControl` per kind
of line (``"twilio"``, ``"browser"``). What a line reports back at once (the leg it rang, a
browser agent already on the line) comes back as desk events for the shell to step.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence

from callcenter.bus import EventBus
from callcenter.desk.model import (
    AddAgentLeg,
    CallbackDialled,
    CallbackMissed,
    CallbackSms,
    DeskCommand,
    DeskError,
    DeskEvent,
    DeskNews,
    DialCallback,
    EndConference,
    Hold,
    Offer,
    OfferMade,
    OfferWithdrawn,
    Publish,
    RemoveLeg,
    Withdraw,
)
from callcenter.desk.ports import CallbackLine, CallCommand, CallControl

_LOGGER = logging.getLogger(__name__)


class LegNotStarted(DeskError):
    """An agent's leg could not be rung into the conference."""

    def __init__(self, agent_id: int) -> None:
        super().__init__(f"agent {agent_id}'s line could not be joined")
        self.agent_id = agent_id


class DeskExecutor:
    """Runs a step's commands in order; returns the events they produced at once."""

    def __init__(self, bus: EventBus, lines: Mapping[str, CallControl], callbacks: CallbackLine | None = None) -> None:
        self.bus = bus
        self.lines = dict(lines)
        # Places calls back to callers (None: no provider configured; a callback then fails to place).
        self.callbacks = callbacks

    async def run(self, call_sid: str, commands: Sequence[DeskCommand], channel: str) -> list[DeskEvent]:
        """Raises :class:`LegNotStarted` when an agent's leg cannot be rung (the rest is skipped)."""
        follow: list[DeskEvent] = []
        for command in commands:
            match command:
                case Publish(news=news):
                    await self.publish(news)
                case Offer():
                    await self.publish(OfferMade(command.agent_id, call_sid, command.reason,
                                                 True if command.transfer else None))
                case Withdraw():
                    await self.publish(OfferWithdrawn(command.agent_id, call_sid, command.why))
                case AddAgentLeg():
                    try:
                        follow += await self._line(channel).carry_out(call_sid, command)
                    except Exception:
                        _LOGGER.exception("call %s: agent %d could not be joined", call_sid, command.agent_id)
                        raise LegNotStarted(command.agent_id) from None
                case Hold() | RemoveLeg() | EndConference():
                    follow += await self._quietly(call_sid, channel, command)
                case DialCallback():
                    follow.append(await self._dial(call_sid, command))
                case CallbackSms():
                    await self._give_up(call_sid)
        return follow

    async def _dial(self, call_sid: str, command: DialCallback) -> CallbackDialled | CallbackMissed:
        if self.callbacks is None:
            _LOGGER.error("call %s: callback not placed: no Twilio REST access configured", call_sid)
            return CallbackMissed("", "unreachable")
        try:
            return CallbackDialled(await self.callbacks.dial(call_sid, command.attempt))
        except Exception:  # noqa: BLE001 - the core counts it as a try that reached nobody
            _LOGGER.exception("call %s: callback attempt %d could not be placed", call_sid, command.attempt)
            return CallbackMissed("", "unreachable")

    async def _give_up(self, call_sid: str) -> None:
        if self.callbacks is None:
            _LOGGER.error("call %s: last callback SMS not sent: no Twilio REST access configured", call_sid)
            return
        try:
            await self.callbacks.give_up(call_sid)
        except Exception:  # noqa: BLE001 - logged; the board shows the callback as failed anyway
            _LOGGER.exception("call %s: last callback SMS could not be sent", call_sid)

    async def line_over(self, call_sid: str, channel: str, conference: str | None) -> str | None:
        """Whether the caller's line is over (its final status), asked of the line; ``None``: alive
        or unknown (no line for that channel, the provider unreachable)."""
        line = self.lines.get(channel)
        if line is None:
            return None
        try:
            return await line.line_over(call_sid, conference)
        except Exception:  # noqa: BLE001 - unknown is not over: the next reconciliation asks again
            _LOGGER.warning("call %s: line status unavailable", call_sid, exc_info=True)
            return None

    async def publish(self, news: DeskNews) -> None:
        await self.bus.publish(news)

    def _line(self, channel: str) -> CallControl:
        line = self.lines.get(channel)
        if line is None:
            raise DeskError(f"no call control for {channel} lines (Twilio: CALLCENTER_TWILIO_PHONE_NUMBER "
                            "and CALLCENTER_PUBLIC_URL)")
        return line

    async def _quietly(self, call_sid: str, channel: str, command: CallCommand) -> list[DeskEvent]:
        try:
            return await self._line(channel).carry_out(call_sid, command)
        except Exception:  # noqa: BLE001 - already ended or left is fine; the line's callbacks tell the rest
            _LOGGER.warning("call %s: %s failed", call_sid, command.kind)
            return []
