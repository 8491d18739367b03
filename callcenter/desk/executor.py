"""Carries out the desk core's commands: conference legs through the call-control port, news on the bus.

Built with its dependencies. What the provider reports back at once (the leg it rang, a browser
agent already on the line) comes back as desk events for the shell to step.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Protocol

from callcenter.bus import EventBus
from callcenter.desk.codec import news_payload
from callcenter.desk.model import (
    AddAgentLeg,
    ConferenceEnded,
    DeskCommand,
    DeskError,
    DeskEvent,
    DeskNews,
    EndConference,
    Hold,
    LegJoined,
    LegStarted,
    Offer,
    OfferMade,
    OfferWithdrawn,
    Publish,
    RemoveLeg,
    Withdraw,
)

_LOGGER = logging.getLogger(__name__)

# The "conference" of a browser phone call: no provider leg, the agent is connected on screen only.
BROWSER_CONFERENCE = "browser"


def agent_label(user_id: int) -> str:
    return f"agent-{user_id}"


class ConferenceControl(Protocol):
    """The call-control port: moves on a caller's conference (Twilio's REST API behind it)."""

    async def add_agent(self, conference_sid: str, to: str, label: str) -> str: ...

    async def hold(self, conference_sid: str, participant: str, on_hold: bool) -> None: ...

    async def remove(self, conference_sid: str, participant: str) -> None: ...

    async def end(self, conference_sid: str) -> None: ...


class LegNotStarted(DeskError):
    """An agent's leg could not be rung into the conference."""

    def __init__(self, agent_id: int) -> None:
        super().__init__(f"agent {agent_id}'s line could not be joined")
        self.agent_id = agent_id


class DeskExecutor:
    """Runs a step's commands in order; returns the events they produced at once."""

    def __init__(self, bus: EventBus, control: ConferenceControl | None) -> None:
        self.bus = bus
        self.control = control

    async def run(self, call_sid: str, commands: Sequence[DeskCommand]) -> list[DeskEvent]:
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
                    follow.append(await self._add_agent(call_sid, command))
                case Hold() if command.conference != BROWSER_CONFERENCE:
                    await self._quietly(call_sid, "hold", lambda c, m=command: c.hold(m.conference, m.leg, m.on_hold))
                case RemoveLeg() if command.conference != BROWSER_CONFERENCE:
                    await self._quietly(call_sid, "remove leg", lambda c, m=command: c.remove(m.conference, m.leg))
                case EndConference() if command.conference == BROWSER_CONFERENCE:
                    follow.append(ConferenceEnded())
                case EndConference():
                    # Already ended is fine; the provider's callbacks end the entry either way.
                    await self._quietly(call_sid, "end conference", lambda c, m=command: c.end(m.conference))
        return follow

    async def publish(self, news: DeskNews) -> None:
        await self.bus.publish(news.kind, news_payload(news))

    def _control(self) -> ConferenceControl:
        if self.control is None:
            raise DeskError("no Twilio REST access configured (CALLCENTER_TWILIO_PHONE_NUMBER and "
                            "CALLCENTER_PUBLIC_URL)")
        return self.control

    async def _add_agent(self, call_sid: str, command: AddAgentLeg) -> DeskEvent:
        if command.conference == BROWSER_CONFERENCE:
            return LegJoined(BROWSER_CONFERENCE, command.agent_id)
        try:
            leg = await self._control().add_agent(command.conference, command.address, agent_label(command.agent_id))
        except Exception:
            _LOGGER.exception("call %s: agent %d could not be joined", call_sid, command.agent_id)
            raise LegNotStarted(command.agent_id) from None
        return LegStarted(command.agent_id, leg)

    async def _quietly(self, call_sid: str, what: str,
                       action: Callable[[ConferenceControl], Awaitable[None]]) -> None:
        try:
            await action(self._control())
        except Exception:  # noqa: BLE001 - the call goes on; the provider's callbacks tell what happened
            _LOGGER.warning("call %s: %s failed", call_sid, what)
