"""The desk's call-control port for calls made from the browser phone.

No provider stands behind it: the caller's "conference" is their browser session, an agent who
accepts is on the line at once (on screen), and ending the call ends it for the browser too.
"""

from __future__ import annotations

from callcenter.desk.model import AddAgentLeg, ConferenceEnded, DeskEvent, EndConference, LegJoined
from callcenter.desk.ports import CallCommand

CHANNEL = "browser"


class BrowserLine:
    """Carries out the desk's commands for a browser phone call (hold and leg removal: nothing to do)."""

    async def carry_out(self, call_sid: str, command: CallCommand) -> list[DeskEvent]:
        match command:
            case AddAgentLeg():
                return [LegJoined(f"agent-{command.agent_id}", command.agent_id)]
            case EndConference():
                return [ConferenceEnded()]
        return []
