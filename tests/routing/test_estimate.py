"""What a waiting caller is told: who is on duty, and a wait only from measured handle times."""

from __future__ import annotations

import random

import pytest

from callcenter.routing import (
    Agent,
    Place,
    RoutingPolicy,
    WaitingCall,
    announced_minutes,
    mean_handle_seconds,
    on_duty,
    position_among,
    queue_status,
    status_at,
)

P = RoutingPolicy()
T = 1_000_000.0


def call(sid: str, waited: float = 0, skill: str | None = "caf", tier: str = "normal") -> WaitingCall:
    return WaitingCall(call_sid=sid, queue=skill or "accueil", skill=skill, tier=tier,  # type: ignore[arg-type]
                       enqueued_at=T - waited)


def agent(aid: int, skills: dict[str, int], state: str = "available") -> Agent:
    return Agent(id=aid, name=f"a{aid}", skills=skills, state=state, since=T)  # type: ignore[arg-type]


def test_on_duty_counts_agents_logged_in_who_routing_could_give_the_call_to() -> None:
    agents = [agent(1, {"caf": 1}, "busy"), agent(2, {"caf": 3}, "wrapup"), agent(3, {"caf": 1}, "offline"),
              agent(4, {"impots": 2}, "available")]
    # Any agent logged in takes a caller who has waited relax_to_anyone_after: all three count.
    assert [a.id for a in on_duty(call("c"), agents, P)] == [1, 2, 4]
    assert on_duty(call("c"), [agent(3, {"caf": 1}, "offline")], P) == []
    # An agent who declined this caller is asked again once anyone will do: still on duty for them.
    declined = WaitingCall("d", "caf", "caf", "normal", T, declined_by=frozenset({1}))
    assert [a.id for a in on_duty(declined, agents, P)] == [1, 2, 4]


@pytest.mark.parametrize(("durations", "wrapup", "expected"), [
    ([], 30.0, None),                              # nothing handled recently: no figure at all
    ([240.0, 360.0], 0.0, 300.0),
    ([240.0, 360.0], 30.0, 330.0),                 # the wrap-up allowance is part of an agent's turn
    ([-5.0], 30.0, None),                          # clock skew is not a measurement
])
def test_mean_handle_seconds(durations: list[float], wrapup: float, expected: float | None) -> None:
    assert mean_handle_seconds(durations, wrapup) == expected


@pytest.mark.parametrize(("seconds", "minutes"), [
    (None, None), (0, None), (59, None), (60, 1), (61, 2), (300, 5), (600, 10), (601, 15), (1500, 25),
    (1501, 30),
])
def test_announced_minutes_round_up(seconds: float | None, minutes: int | None) -> None:
    assert announced_minutes(seconds) == minutes


def test_wait_from_agents_on_duty_and_measured_handle_time() -> None:
    waiting = [call(f"c{i}", waited=100 - i) for i in range(5)]            # c0 first ... c4 last
    two_busy = [agent(1, {"caf": 1}, "busy"), agent(2, {"caf": 1}, "busy")]
    third = queue_status("c2", waiting, two_busy, T, P, handle_seconds=300)
    # Two ahead and no free agent: 3 agent turns of 300 s shared by 2 agents.
    assert third is not None and (third.position, third.on_duty) == (3, 2)
    assert third.estimated_wait_seconds == 450 and third.offer_callback is False
    last = queue_status("c4", waiting, two_busy[:1], T, P, handle_seconds=300)
    assert last is not None and last.estimated_wait_seconds == 1500 and last.offer_callback is True
    # A free agent left for the caller: no wait.
    free = queue_status("c1", waiting, [agent(1, {"caf": 1}), agent(2, {"caf": 1})], T, P, handle_seconds=300)
    assert free is not None and free.estimated_wait_seconds == 0
    assert queue_status("absent", waiting, two_busy, T, P, handle_seconds=300) is None


def test_no_estimate_without_measured_handle_times_or_without_anybody_on_duty() -> None:
    waiting = [call("c0", waited=10), call("c1")]
    staffed = queue_status("c1", waiting, [agent(1, {"caf": 1}, "busy")], T, P, handle_seconds=None)
    assert staffed is not None and (staffed.position, staffed.estimated_wait_seconds, staffed.on_duty) == (2, None, 1)
    nobody = queue_status("c1", waiting, [agent(1, {"caf": 1}, "offline")], T, P, handle_seconds=300)
    assert nobody is not None and (nobody.position, nobody.estimated_wait_seconds, nobody.on_duty) == (2, None, 0)
    assert nobody.offer_callback is False


def test_a_position_among_the_others_places_is_the_one_queue_status_gives() -> None:
    # Random queues (tiers, priorities, equal arrival times, callers stamped after now, names
    # that order either way) and a newcomer: its position from the others' places alone, and
    # what it is told at that position, are queue_status's.
    rng = random.Random(13)
    tiers = ("urgent", "fragile", "normal")
    for _ in range(300):
        others = [WaitingCall(f"CA{rng.randrange(10**6):06d}-{i}", "caf", "caf", rng.choice(tiers),  # type: ignore[arg-type]
                              T - rng.choice((0.0, 1.0, 30.0, 600.0, -5.0, rng.uniform(0, 3600))),
                              priority=rng.choice((0, 0, 1, 2)))
                  for i in range(rng.randrange(0, 40))]
        me = WaitingCall(rng.choice(("CA000000", "CAzzzzzz", "CA5")), "caf", "caf", rng.choice(tiers),  # type: ignore[arg-type]
                         rng.choice((T, T + 1e-3, T - 10.0)), priority=rng.choice((0, 1)))
        agents = rng.choice(([], [agent(1, {"caf": 1})], [agent(1, {"caf": 1}, "busy"), agent(2, {"caf": 2})]))
        handle = rng.choice((None, 240.0))
        now = T + rng.choice((0.0, 0.5, 120.0))
        expected = queue_status(me.call_sid, [*others, me], agents, now, P, handle)
        places = [Place(o.call_sid, o.tier, o.priority, o.enqueued_at) for o in others]
        assert status_at(me, position_among(me, places, now, P), agents, P, handle) == expected
        assert position_among(me, others, now, P) == expected.position  # type: ignore[union-attr]
