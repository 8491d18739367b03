"""The call-control port: Twilio's conference callbacks as desk events, the browser line, and the
dispatcher carrying desk commands out through it."""

from __future__ import annotations

from typing import Any

import pytest

from callcenter.bus import MemoryBus
from callcenter.desk.model import (
    AddAgentLeg,
    CallerLeft,
    ConferenceEnded,
    DeskEvent,
    EndConference,
    Hold,
    LegFailed,
    LegJoined,
    LegLeft,
    Offer,
    Publish,
    QueueChanged,
    RemoveLeg,
    Withdraw,
)
from callcenter.dispatch import Ports
from callcenter.dispatch.desk_commands import LegNotStarted, carry_out
from callcenter.telephony.conference import agent_leg_event, conference_event
from callcenter.web.browser_line import BrowserLine

CALLER = "CA" + "1" * 32
AGENT_LEG = "CA" + "2" * 32


def form(event: str, leg: str, label: str | None = None, name: str = f"conf-{CALLER}") -> dict[str, str]:
    """A conference status callback as Twilio posts it (the fields we read, and a few we do not)."""
    return {"AccountSid": "AC" + "0" * 32, "ConferenceSid": "CF" + "9" * 32, "FriendlyName": name,
            "StatusCallbackEvent": event, "CallSid": leg, "Muted": "false", "Hold": "false",
            "SequenceNumber": "3", **({"ParticipantLabel": label} if label else {})}


CALLBACKS: list[tuple[str, dict[str, str], tuple[str, DeskEvent] | None]] = [
    ("the caller joins", form("participant-join", CALLER, "caller"),
     (CALLER, LegJoined(CALLER, None, "CF" + "9" * 32))),
    ("an agent joins", form("participant-join", AGENT_LEG, "agent-7"), (CALLER, LegJoined(AGENT_LEG, 7))),
    ("the caller leaves", form("participant-leave", CALLER, "caller"), (CALLER, CallerLeft())),
    ("an agent leaves", form("participant-leave", AGENT_LEG, "agent-7"), (CALLER, LegLeft(7, AGENT_LEG))),
    ("the conference ends", form("conference-end", ""), (CALLER, CallerLeft())),
    ("the conference starts", form("conference-start", ""), None),
    ("someone unlabelled joins", form("participant-join", AGENT_LEG), None),
    ("a conference that is not a caller's", form("participant-join", CALLER, name="staff-meeting"), None),
]


@pytest.mark.parametrize(("name", "posted", "expected"), CALLBACKS, ids=[c[0] for c in CALLBACKS])
def test_conference_callbacks_become_desk_events(name: str, posted: dict[str, str],
                                                 expected: tuple[str, DeskEvent] | None) -> None:
    assert conference_event(posted) == expected


def test_an_unanswered_agent_leg_names_its_call_and_agent() -> None:
    assert agent_leg_event({"call": CALLER, "agent": "agent-7"}, "no-answer") == (
        CALLER, LegFailed(7, "ligne de l'agent : no-answer"))
    assert agent_leg_event({}, "busy") is None
    assert agent_leg_event({"call": "nonsense", "agent": "agent-7"}, "busy") is None


async def test_the_browser_line_has_the_agent_on_at_once_and_ends_for_the_browser() -> None:
    line = BrowserLine()
    assert await line.carry_out(CALLER, AddAgentLeg(CALLER, 7, "client:alice")) == [LegJoined("agent-7", 7)]
    assert await line.carry_out(CALLER, EndConference(CALLER)) == [ConferenceEnded()]
    assert await line.carry_out(CALLER, Hold(CALLER, CALLER, True)) == []
    assert await line.carry_out(CALLER, RemoveLeg(CALLER, "agent-7")) == []


async def test_desk_commands_publish_typed_news_and_return_what_the_line_reports() -> None:
    bus = MemoryBus()
    sub = bus.subscribe("desk.")
    ports = Ports(bus, {"browser": BrowserLine()})
    follow = await carry_out(ports, CALLER, [Withdraw(8, "timeout"), Offer(7, "agent de la compétence"),
                                             AddAgentLeg(CALLER, 7, "x"),
                                             Publish(QueueChanged(CALLER, status="connected"))], "browser")
    assert follow == [LegJoined("agent-7", 7)]
    got: list[tuple[str, dict[str, Any]]] = []
    while not sub.queue.empty():
        message = sub.queue.get_nowait()
        assert message is not None
        got.append((message.topic, message.data))
    assert got == [("desk.offer_withdrawn", {"agent_id": 8, "call_sid": CALLER, "why": "timeout"}),
                   ("desk.offer", {"agent_id": 7, "call_sid": CALLER, "reason": "agent de la compétence"}),
                   ("desk.queue", {"call_sid": CALLER, "status": "connected"})]


async def test_a_line_that_cannot_ring_the_agent_stops_the_step() -> None:
    ports = Ports(MemoryBus(), {"browser": BrowserLine()})
    with pytest.raises(LegNotStarted) as failed:
        await carry_out(ports, CALLER, [AddAgentLeg("CF1", 7, "client:alice"), Publish(QueueChanged(CALLER))], "twilio")
    assert failed.value.agent_id == 7
    # Moves other than ringing an agent are logged, not raised: the line's callbacks tell the rest.
    assert await carry_out(ports, CALLER, [Hold("CF1", CALLER, True), EndConference("CF1")], "twilio") == []
