"""The desk's call-control port for calls made from the browser phone.

No provider stands behind it: the caller's "conference" is their browser session, an agent who
accepts is on the line at once (on screen), and ending the call ends it for the browser too.
The session's handle names the server process holding its socket (``<node>/<call sid>``), so any
process can tell whether the line still lives: that process says so itself, or it is gone.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from callcenter.desk.model import AddAgentLeg, ConferenceEnded, DeskEvent, EndConference, LegJoined
from callcenter.desk.ports import CallCommand

CHANNEL = "browser"


class BrowserSockets:
    """The browser phone calls whose socket this server process (``node``) holds."""

    def __init__(self, node: str) -> None:
        self.node = node
        self._open: set[str] = set()

    def handle(self, call_sid: str) -> str:
        """The caller's conference handle: this process and the call."""
        return f"{self.node}/{call_sid}"

    def opened(self, call_sid: str) -> None:
        self._open.add(call_sid)

    def closed(self, call_sid: str) -> None:
        self._open.discard(call_sid)

    def holds(self, call_sid: str) -> bool:
        return call_sid in self._open


async def _previous_run(_node: str) -> bool:
    # With no cluster to ask, another process's handle is a previous run of this one: gone.
    return False


class BrowserLine:
    """Carries out the desk's commands for a browser phone call (hold and leg removal: nothing to do)."""

    def __init__(self, sockets: BrowserSockets | None = None,
                 node_alive: Callable[[str], Awaitable[bool]] = _previous_run) -> None:
        self.sockets = sockets or BrowserSockets("local")
        self.node_alive = node_alive

    async def carry_out(self, call_sid: str, command: CallCommand) -> list[DeskEvent]:
        match command:
            case AddAgentLeg():
                return [LegJoined(f"agent-{command.agent_id}", command.agent_id)]
            case EndConference():
                return [ConferenceEnded()]
        return []

    async def line_over(self, call_sid: str, conference: str | None) -> str | None:
        """Over when the socket is closed: here, or with the process that held it gone."""
        node, _, sid = (conference or "").rpartition("/")
        if not node or sid != call_sid:
            return None  # not on the line yet, or a handle that names no process
        if node == self.sockets.node:
            return None if self.sockets.holds(call_sid) else "socket-closed"
        return None if await self.node_alive(node) else "server-gone"
