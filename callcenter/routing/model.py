"""The routing vocabulary: callers waiting, agents, and the policy that orders them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

Tier = Literal["urgent", "fragile", "normal"]
AgentState = Literal["offline", "available", "busy", "wrapup"]
GENERAL_SKILL = "general"


@dataclass(frozen=True)
class WaitingCall:
    """A caller waiting for a person. Times are seconds since the epoch (given, never read)."""

    call_sid: str
    queue: str
    skill: str | None
    tier: Tier
    enqueued_at: float
    priority: int = 0
    reasons: tuple[str, ...] = ()
    offered_to: int | None = None
    offered_at: float | None = None
    declined_by: frozenset[int] = frozenset()
    # The language the caller chose in the IVR ("": the service's own, which every agent speaks).
    language: str = ""


@dataclass(frozen=True)
class Place:
    """Of a waiting caller, only what their place in the order depends on (``decide.order_key``):
    a caller's position among the others is read from these alone (``estimate.position_among``)."""

    call_sid: str
    tier: Tier
    priority: int
    enqueued_at: float


@dataclass(frozen=True)
class Agent:
    """An agent as routing sees them: skills (name -> level 1..3), state, and since when."""

    id: int
    name: str
    skills: Mapping[str, int]
    state: AgentState
    since: float
    languages: tuple[str, ...] = ("fr",)


@dataclass(frozen=True)
class RoutingPolicy:
    """Who goes first, and how long before a caller may go to a less specialised agent.

    Score = tier weight + 10 x flow priority + ageing x seconds waited. Ageing is what makes
    starvation impossible: any caller's score grows without bound while they wait.
    """

    tier_weight: Mapping[str, float] = field(
        default_factory=lambda: {"urgent": 10_000.0, "fragile": 1_000.0, "normal": 0.0})
    ageing_per_second: float = 2.0
    # Fragile and urgent callers prefer an expert (level >= expert_level) of their skill, but only
    # among the agents free at that moment: they are never held back for one (see below).
    expert_level: int = 3
    # How long a fragile caller is held for an expert before any agent of the skill will do. 0:
    # never held. A positive value is the old rule (60 s), kept so `callcenter simulate` can show
    # its cost: fragile callers then waited longer than ordinary ones.
    relax_to_skill_after: float = 0.0
    # How long an urgent caller is held for an expert before taking whoever is free. 0: the first
    # available agent at once, whatever their skills (the old rule was 15 s).
    urgent_relax_after: float = 0.0
    # A caller who chose another language than the service's is held for an agent who speaks it
    # for the same window as an expert (relax_to_skill_after, urgent_relax_after: 0 by default,
    # so never held: among the agents free at that moment, one who speaks it is preferred).
    # After this wait any available agent will do, whatever the caller's tier and skill.
    relax_to_anyone_after: float = 180.0
    offer_timeout: float = 20.0
    callback_offer_after: float = 600.0

    def __post_init__(self) -> None:
        if self.ageing_per_second <= 0:
            raise ValueError("ageing must be positive, or a caller could wait forever")
        if not 0 <= self.relax_to_skill_after <= self.relax_to_anyone_after or self.urgent_relax_after < 0:
            raise ValueError("relaxation delays must be increasing")


@dataclass(frozen=True)
class Assignment:
    """Offer ``call_sid`` to ``agent_id``; ``reason`` says why, in words a supervisor can audit."""

    call_sid: str
    agent_id: int
    score: float
    reason: str


@dataclass(frozen=True)
class QueueStatus:
    """What a waiting caller is told: their position, and the estimated wait when there is an
    honest one (``None``: nobody on duty, or no recent handle time to estimate from)."""

    position: int
    estimated_wait_seconds: float | None
    offer_callback: bool
    # Agents logged in who could take the call (see routing.estimate.on_duty).
    on_duty: int = 0
