"""The agent desk: queues, offers, warm transfers and presence, around the pure routing core."""

from __future__ import annotations

from callcenter.desk.service import BROWSER_CONFERENCE, Desk, DeskError, HandleTime, agent_label, conference_name

__all__ = ["BROWSER_CONFERENCE", "Desk", "DeskError", "HandleTime", "agent_label", "conference_name"]
