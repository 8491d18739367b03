"""The desk core's commands carried out: conference moves through the call-control port (one per
kind of line), callbacks through the callback line, news on the bus.

What a line reports back at once (the leg it rang, a browser agent already on the line) is
returned as desk events, for the dispatcher to step in turn.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from callcenter.desk.model import (
    AddAgentLeg,
    CallbackDialled,
    CallbackMissed,
    CallbackSms,
    DeskCommand,
    DeskError,
    DeskEvent,
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
from callcenter.dispatch.ports import Ports

_LOGGER = logging.getLogger(__name__)


class LegNotStarted(DeskError):
    """An agent's leg could not be rung into the conference."""

    def __init__(self, agent_id: int) -> None:
        super().__init__(f"agent {agent_id}'s line could not be joined")
        self.agent_id = agent_id


async def carry_out(ports: Ports, call_sid: str, commands: Sequence[DeskCommand], channel: str) -> list[DeskEvent]:
    """Runs one step's commands in order; the events they produced at once.

    Raises :class:`LegNotStarted` when an agent's leg cannot be rung (the rest is skipped)."""
    follow: list[DeskEvent] = []
    for command in commands:
        match command:
            case Publish(news=news):
                await ports.bus.publish(news)
            case Offer():
                await ports.bus.publish(OfferMade(command.agent_id, call_sid, command.reason,
                                                  True if command.transfer else None))
            case Withdraw():
                await ports.bus.publish(OfferWithdrawn(command.agent_id, call_sid, command.why))
            case AddAgentLeg():
                try:
                    follow += await _line(ports, channel).carry_out(call_sid, command)
                except Exception:
                    _LOGGER.exception("call %s: agent %d could not be joined", call_sid, command.agent_id)
                    raise LegNotStarted(command.agent_id) from None
            case Hold() | RemoveLeg() | EndConference():
                follow += await _quietly(ports, call_sid, channel, command)
            case DialCallback():
                follow.append(await _dial(ports.callbacks, call_sid, command))
            case CallbackSms():
                await _give_up(ports.callbacks, call_sid)
    return follow


async def line_over(ports: Ports, call_sid: str, channel: str, conference: str | None) -> str | None:
    """Whether the caller's line is over (its final status), asked of the line; ``None``: alive
    or unknown (no line for that channel, the provider unreachable)."""
    line = ports.lines.get(channel)
    if line is None:
        return None
    try:
        return await line.line_over(call_sid, conference)
    except Exception:  # noqa: BLE001 - unknown is not over: the next reconciliation asks again
        _LOGGER.warning("call %s: line status unavailable", call_sid, exc_info=True)
        return None


async def _dial(callbacks: CallbackLine | None, call_sid: str, command: DialCallback
                ) -> CallbackDialled | CallbackMissed:
    if callbacks is None:
        _LOGGER.error("call %s: callback not placed: no Twilio REST access configured", call_sid)
        return CallbackMissed("", "unreachable")
    try:
        return CallbackDialled(await callbacks.dial(call_sid, command.attempt))
    except Exception:  # noqa: BLE001 - the core counts it as a try that reached nobody
        _LOGGER.exception("call %s: callback attempt %d could not be placed", call_sid, command.attempt)
        return CallbackMissed("", "unreachable")


async def _give_up(callbacks: CallbackLine | None, call_sid: str) -> None:
    if callbacks is None:
        _LOGGER.error("call %s: last callback SMS not sent: no Twilio REST access configured", call_sid)
        return
    try:
        await callbacks.give_up(call_sid)
    except Exception:  # noqa: BLE001 - logged; the board shows the callback as failed anyway
        _LOGGER.exception("call %s: last callback SMS could not be sent", call_sid)


def _line(ports: Ports, channel: str) -> CallControl:
    line = ports.lines.get(channel)
    if line is None:
        raise DeskError(f"no call control for {channel} lines (Twilio: CALLCENTER_TWILIO_PHONE_NUMBER "
                        "and CALLCENTER_PUBLIC_URL)")
    return line


async def _quietly(ports: Ports, call_sid: str, channel: str, command: CallCommand) -> list[DeskEvent]:
    try:
        return await _line(ports, channel).carry_out(call_sid, command)
    except Exception:  # noqa: BLE001 - already ended or left is fine; the line's callbacks tell the rest
        _LOGGER.warning("call %s: %s failed", call_sid, command.kind)
        return []
