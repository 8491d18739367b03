"""Pure routing core: who waits, in which order, and which agent gets which caller (no I/O)."""

from __future__ import annotations

from callcenter.routing.decide import anyone_free, decide, eligible, expired_offers, ordered, relaxation, score
from callcenter.routing.estimate import (
    announced_minutes,
    mean_handle_seconds,
    on_duty,
    position_among,
    queue_status,
    status_at,
)
from callcenter.routing.model import (
    GENERAL_SKILL,
    Agent,
    AgentState,
    Assignment,
    Place,
    QueueStatus,
    RoutingPolicy,
    Tier,
    WaitingCall,
)

__all__ = ["GENERAL_SKILL", "Agent", "AgentState", "Assignment", "Place", "QueueStatus", "RoutingPolicy", "Tier",
           "WaitingCall", "announced_minutes", "anyone_free", "decide", "eligible", "expired_offers",
           "mean_handle_seconds", "on_duty", "ordered", "position_among", "queue_status", "relaxation", "score",
           "status_at"]
