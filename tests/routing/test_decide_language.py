"""Routing and the caller's language, as tables: agents who speak it are preferred, and nobody waits
for one longer than the expert window allows (0 by default: never held)."""

from __future__ import annotations

import pytest

from callcenter.routing import Agent, RoutingPolicy, WaitingCall, decide

T = 1_000_000.0
DEFAULT = RoutingPolicy()
# The old expert rule: fragile callers held 60 s for an expert, urgent ones 15 s.
HOLDING = RoutingPolicy(relax_to_skill_after=60.0, urgent_relax_after=15.0)


def call(sid: str, language: str = "", tier: str = "normal", waited: float = 0) -> WaitingCall:
    return WaitingCall(call_sid=sid, queue="caf", skill="caf", tier=tier,  # type: ignore[arg-type]
                       enqueued_at=T - waited, language=language)


def agent(aid: int, languages: tuple[str, ...] = ("fr",), level: int = 1, state: str = "available",
          idle: float = 0) -> Agent:
    return Agent(id=aid, name=f"a{aid}", skills={"caf": level}, state=state,  # type: ignore[arg-type]
                 since=T - idle, languages=languages)


@pytest.mark.parametrize(("policy", "waiting", "agents", "expected"), [
    # an English caller gets the agent who speaks English, even one free for less long...
    (DEFAULT, [call("e", "en")], [agent(1, idle=500), agent(2, ("fr", "en"), idle=5)], [("e", 2)]),
    # ...and before a better-skilled agent who does not
    (DEFAULT, [call("e", "en")], [agent(1, level=3), agent(2, ("fr", "en"), level=1)], [("e", 2)]),
    # ...but is never held for one by default: nobody free speaks English, the first agent free takes them
    (DEFAULT, [call("e", "en")], [agent(1), agent(2, ("fr", "en"), state="busy")], [("e", 1)]),
    # a caller in the service's language is routed as before (longest free first)
    (DEFAULT, [call("f")], [agent(1, ("fr", "en"), idle=5), agent(2, idle=500)], [("f", 2)]),
    # with an expert window, they wait for an English speaker within it...
    (HOLDING, [call("e", "en", waited=30)], [agent(1), agent(2, ("fr", "en"), state="busy")], []),
    # ...and take anyone of the skill once it is over, exactly as a fragile caller and an expert
    (HOLDING, [call("e", "en", waited=60)], [agent(1), agent(2, ("fr", "en"), state="busy")], [("e", 1)]),
    # urgent callers: their own (shorter) window
    (HOLDING, [call("u", "en", "urgent", waited=10)], [agent(1)], []),
    (HOLDING, [call("u", "en", "urgent", waited=15)], [agent(1)], [("u", 1)]),
    # after relax_to_anyone_after, anybody: the language never holds a caller past the equity rule
    (RoutingPolicy(relax_to_skill_after=600.0, relax_to_anyone_after=600.0),
     [call("e", "en", waited=600)], [agent(1)], [("e", 1)]),
    # two callers, one English speaker: kept for the English caller, though the other came first
    (DEFAULT, [call("f", waited=50), call("e", "en", waited=10)],
     [agent(1, ("fr", "en"), idle=500), agent(2, idle=5)], [("f", 2), ("e", 1)]),
    # ...but the English speaker still takes the French caller who came first when nobody else can
    (DEFAULT, [call("f", waited=50), call("e", "en", waited=10)], [agent(1, ("fr", "en"))], [("f", 1)]),
])
def test_language_preference(policy: RoutingPolicy, waiting: list[WaitingCall], agents: list[Agent],
                             expected: list[tuple[str, int]]) -> None:
    assert [(a.call_sid, a.agent_id) for a in decide(waiting, agents, T, policy)] == expected


def test_the_reason_says_whether_the_agent_speaks_the_callers_language() -> None:
    [speaks] = decide([call("e", "en")], [agent(1, ("fr", "en"))], T, DEFAULT)
    assert "parle la langue de l'appelant (en)" in speaks.reason
    [other] = decide([call("e", "en")], [agent(1)], T, DEFAULT)
    assert "aucun agent libre ne parle en : pas d'attente au-delà de 0 s" in other.reason
