"""Twilio's conferences as the desk sees them: names, labels, and status callbacks as desk events.

A caller waits in their own conference, ``conf-<CallSid>``; each agent's leg is labelled
``agent-<user id>``. Nothing outside this package knows these names.
"""

from __future__ import annotations

from collections.abc import Mapping

from callcenter.desk.model import CallerLeft, DeskEvent, LegFailed, LegJoined, LegLeft

CALLER_LABEL = "caller"
# The desk's name for calls carried by Twilio (the key of its call control).
CHANNEL = "twilio"


def conference_name(call_sid: str) -> str:
    """The conference a caller waits in when handed to a person (one per caller)."""
    return f"conf-{call_sid}"


def caller_of(conference: str) -> str | None:
    return conference.removeprefix("conf-") if conference.startswith("conf-CA") else None


def agent_label(user_id: int) -> str:
    return f"agent-{user_id}"


def agent_of(label: str | None) -> int | None:
    if label and label.startswith("agent-") and label[6:].isascii() and label[6:].isdigit():
        return int(label[6:])
    return None


def conference_event(form: Mapping[str, str]) -> tuple[str, DeskEvent] | None:
    """A conference status callback as (the caller's CallSid, desk event); ``None``: nothing for the desk."""
    caller = caller_of(form.get("FriendlyName", ""))
    if caller is None:
        return None
    event, leg = form.get("StatusCallbackEvent", ""), form.get("CallSid", "")
    agent_id = agent_of(form.get("ParticipantLabel"))
    if leg != caller and form.get("ParticipantLabel") == CALLER_LABEL:
        # The caller rung back (a callback): another call, the same person and conference.
        leg = caller
    match event:
        case "participant-join" if leg == caller:
            return caller, LegJoined(caller, None, form.get("ConferenceSid") or None)
        case "participant-join" if agent_id is not None:
            return caller, LegJoined(leg, agent_id)
        case "participant-leave" if leg == caller:
            return caller, CallerLeft()
        case "participant-leave" if agent_id is not None:
            return caller, LegLeft(agent_id, leg)
        case "conference-end":
            return caller, CallerLeft()
    return None


def agent_leg_event(query: Mapping[str, str], status: str) -> tuple[str, DeskEvent] | None:
    """An agent's leg that ended unanswered (``status``), as (caller's CallSid, desk event), when
    the leg's callback URL says whose call and which agent it was rung for."""
    caller, agent_id = query.get("call", ""), agent_of(query.get("agent"))
    if not caller.startswith("CA") or agent_id is None:
        return None
    return caller, LegFailed(agent_id, f"ligne de l'agent : {status}")
