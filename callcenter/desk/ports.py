"""The call-control port: what the desk needs from whatever carries the call (Twilio, the browser).

A protocol only (no I/O here). An implementation carries out one call command and returns the desk
events it already knows to be true (the leg it rang; an agent on a browser call is on at once);
the rest arrives later through its own callbacks as desk events.
"""

from __future__ import annotations

from typing import Protocol

from callcenter.desk.model import AddAgentLeg, DeskEvent, EndConference, Hold, RemoveLeg

CallCommand = AddAgentLeg | Hold | RemoveLeg | EndConference


class CallControl(Protocol):
    """Carries out the desk's commands on a call's conference, for one kind of line."""

    async def carry_out(self, call_sid: str, command: CallCommand) -> list[DeskEvent]:
        """Raises when the provider refuses; the dispatcher decides what that means for the caller."""
        ...

    async def line_over(self, call_sid: str, conference: str | None) -> str | None:
        """The caller's line's final status when it is over (``completed``, ``failed``...); ``None``
        while it lives or cannot be known now (reconciliation then leaves the entry alone)."""
        ...


class CallbackLine(Protocol):
    """Places the calls back to callers who asked for one, and sends the last SMS when every try
    failed. The number is the implementation's to find (the callbacks record): never in the log."""

    async def dial(self, call_sid: str, attempt: int) -> str:
        """Ring the caller of ``call_sid`` back; the handle of the call placed. Raises when it
        cannot be placed (no number, the provider refused)."""
        ...

    async def give_up(self, call_sid: str) -> None:
        """Tell the caller by SMS that we could not reach them and how to call us."""
        ...
