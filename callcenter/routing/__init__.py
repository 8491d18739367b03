"""Pure routing core: who waits, in which order, and which agent gets which caller (no I/O)."""

from __future__ import annotations

from callcenter.routing.decide import decide, eligible, expired_offers, ordered, queue_status, relaxation, score
from callcenter.routing.model import (
    GENERAL_SKILL,
    Agent,
    AgentState,
    Assignment,
    QueueStatus,
    RoutingPolicy,
    Tier,
    WaitingCall,
)

__all__ = ["GENERAL_SKILL", "Agent", "AgentState", "Assignment", "QueueStatus", "RoutingPolicy", "Tier",
           "WaitingCall", "decide", "eligible", "expired_offers", "ordered", "queue_status", "relaxation",
           "score"]
