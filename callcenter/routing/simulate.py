"""A day of calls through the real routing core, on a virtual clock (pure: no database, no asyncio).

Each routing pass does what ``Desk.route_pass`` does: offers nobody answered in time go to the next
agent (``expired_offers``), then ``decide`` makes the new offers. An offered agent answers after
the scenario's answer delay, unless the offer expired first; the caller's wait runs from joining
the queue to the agent joining the call, as in the desk's "connected" decision. A caller whose
patience runs out hangs up, offered or not. After the call the agent wraps up, then is available
again, or leaves if their shift is over (a call in progress is always finished).

Everything random comes from the ``random.Random`` passed in: one seed, one day. Callers (arrival,
tier, skill, handle time, patience) are all drawn before the day runs, so two policies run on
the same seed see exactly the same callers.
"""

from __future__ import annotations

import heapq
import math
import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from callcenter.reports.equity import median, percentile
from callcenter.routing.decide import decide, expired_offers, skill_level
from callcenter.routing.model import Agent, RoutingPolicy, WaitingCall
from callcenter.routing.scenario import TIERS, AgentSpec, ArrivalPeriod, Duration, Scenario

Outcome = Literal["answered", "abandoned", "unserved"]
HOUR = 3600.0
# Time-driven checks (an offer's expiry, a relaxation) run this much after their deadline, so
# that rounding never leaves "now - since" a hair short of the policy's threshold.
_LATER = 1e-6


@dataclass(frozen=True)
class CallerRecord:
    """What happened to one caller. ``wait`` is until an agent joined (answered), until they hung
    up (abandoned) or until the end of the day (unserved)."""

    tier: str
    skill: str
    arrival: float
    outcome: Outcome
    wait: float
    agent_level: int | None = None
    # Seconds from arrival until an agent able to take them (any agent of their skill) was free:
    # 0 if one was free on arrival. No routing rule can serve them sooner without interrupting a
    # call; None when no such agent freed up before they left.
    first_free: float | None = None
    # Seconds the agent who took the call spent reading the context before accepting.
    answer_delay: float | None = None
    # Seconds from arrival to the offer they accepted: the routing's part of the wait.
    offer_wait: float | None = None

    @property
    def unavoidable(self) -> float:
        """The part of the wait no routing could have spared them: until an agent of their skill
        was free, plus that agent's reading time; infinite if they left before any came free."""
        if self.first_free is None:
            return math.inf
        return self.first_free + (self.answer_delay or 0.0)

    @property
    def wait_or_never(self) -> float:
        """The wait for a person, infinite for a caller who never got one (abandoned, unserved)."""
        return self.wait if self.outcome == "answered" else math.inf


@dataclass(frozen=True)
class DayResult:
    callers: tuple[CallerRecord, ...]
    # Seconds on duty and seconds handling calls (talk and wrap-up), per agent name.
    on_duty: Mapping[str, float]
    handling: Mapping[str, float]


@dataclass
class _Caller:
    index: int
    tier: str
    skill: str
    arrival: float
    handle: float
    patience: float | None
    view: WaitingCall
    outcome: Outcome | None = None
    wait: float = 0.0
    agent_level: int | None = None
    first_free: float | None = None
    answer_delay: float | None = None
    offered_at: float | None = None
    delays: list[float] = field(default_factory=list)


@dataclass
class _Agent:
    id: int
    spec: AgentSpec
    state: str = "offline"
    since: float = 0.0
    offer: int | None = None
    leaving: bool = False
    on_duty_from: float = 0.0
    on_duty: float = 0.0
    handling: float = 0.0
    view: Agent | None = None

    def refresh(self) -> None:
        self.view = Agent(self.id, self.spec.name, self.spec.skills, self.state, self.since,  # type: ignore[arg-type]
                          self.spec.languages)


@dataclass(frozen=True)
class DrawnCaller:
    """Everything chance decides about one caller, drawn before the day runs."""

    arrival: float
    tier: str
    skill: str
    handle: float
    patience: float | None
    langue: bool
    # Reading times of the agents offered this caller, in offer order (the same whatever the policy).
    answer_delays: tuple[float, ...]


# Offers drawn in advance per caller; a caller offered more often draws from a separate stream.
_DRAWN_OFFERS = 3


def draw_callers(scenario: Scenario, rng: random.Random) -> list[DrawnCaller]:
    """Every caller of the day, in order of arrival."""
    shares = scenario.tier_shares()
    tiers, weights = list(shares), list(shares.values())
    out = []
    for period in scenario.arrivals:
        t, end = period.from_hour * HOUR, period.to_hour * HOUR
        rate = period.per_hour / HOUR
        while rate > 0:
            t += rng.expovariate(rate)
            if t >= end:
                break
            tier = rng.choices(tiers, weights)[0]
            mix = scenario.skills[tier]
            skill = rng.choices(list(mix), list(mix.values()))[0]
            handle = scenario.handle[tier].draw(rng)
            patience_law = scenario.patience.get(tier)
            patience = patience_law.draw(rng) if patience_law is not None else None
            langue = tier == "fragile" and rng.random() < scenario.langue_share
            delays = tuple(scenario.answer_delay.draw(rng) for _ in range(_DRAWN_OFFERS))
            out.append(DrawnCaller(t, tier, skill, handle, patience, langue, delays))
    return out


class _Day:
    """The event loop of one simulated day."""

    def __init__(self, scenario: Scenario, policy: RoutingPolicy, rng: random.Random,
                 routed_as: Mapping[str, str] | None = None) -> None:
        self.scenario, self.policy = scenario, policy
        self.events: list[tuple[float, int, str, int, int]] = []
        self.seq = 0
        self.callers: list[_Caller] = []
        for i, d in enumerate(draw_callers(scenario, rng)):
            seen = (routed_as or {}).get(d.tier, d.tier)
            view = WaitingCall(f"c{i}", d.skill, d.skill, seen, d.arrival,  # type: ignore[arg-type]
                               scenario.priority.get(seen, 0), ("langue",) if d.langue and seen == "fragile" else ())
            self.callers.append(_Caller(i, d.tier, d.skill, d.arrival, d.handle, d.patience, view,
                                        delays=list(d.answer_delays)))
            self.push(d.arrival, "arrive", i)
        # Reading times beyond the drawn ones come from their own stream.
        self.delays = random.Random(rng.getrandbits(64))
        self.agents = [_Agent(i + 1, spec) for i, spec in enumerate(scenario.agents)]
        for agent in self.agents:
            agent.refresh()
            self.push(agent.spec.start_hour * HOUR, "shift_start", agent.id)
            self.push(agent.spec.end_hour * HOUR, "shift_end", agent.id)
        self.queue: dict[int, _Caller] = {}
        # Callers still waiting for their first eligible agent to be free (for ``first_free``).
        self.unfree: dict[int, _Caller] = {}

    def push(self, at: float, kind: str, target: int, extra: int = 0) -> None:
        self.seq += 1
        heapq.heappush(self.events, (at, self.seq, kind, target, extra))

    @property
    def offers(self) -> bool:
        return any(a.offer is not None for a in self.agents)

    def agent(self, agent_id: int) -> _Agent:
        return self.agents[agent_id - 1]

    def run(self) -> DayResult:
        now = 0.0
        while self.events:
            now, _, kind, target, extra = heapq.heappop(self.events)
            if kind == "tick" and target not in self.queue:
                continue  # a deadline of a caller who is gone: nothing to re-check
            getattr(self, f"on_{kind}")(now, target, extra)
            self.route(now)
        for c in self.queue.values():
            c.outcome, c.wait = "unserved", now - c.arrival
        for a in self.agents:
            if a.state != "offline":
                a.on_duty += now - a.on_duty_from
        return DayResult(
            tuple(CallerRecord(c.tier, c.skill, c.arrival, c.outcome or "unserved", c.wait, c.agent_level,
                               c.first_free, c.answer_delay,
                               None if c.offered_at is None or c.outcome != "answered" else c.offered_at - c.arrival)
                  for c in self.callers),
            {a.spec.name: a.on_duty for a in self.agents}, {a.spec.name: a.handling for a in self.agents})

    # -- events -----------------------------------------------------------------------------------

    def on_arrive(self, now: float, index: int, _: int) -> None:
        c = self.callers[index]
        self.queue[index] = c
        self.unfree[index] = c
        self.note_free(now)
        if c.patience is not None:
            self.push(now + c.patience, "abandon", index)
        # Relaxations happen with time alone: the desk's tick notices them within a second.
        for delay in self.relax_delays(c.tier):
            self.push(now + delay + _LATER, "tick", index)

    def relax_delays(self, tier: str) -> Iterable[float]:
        p = self.policy
        if tier == "urgent" and p.urgent_relax_after > 0:
            yield p.urgent_relax_after
        if tier != "normal" and p.relax_to_skill_after > 0:
            yield p.relax_to_skill_after
        yield p.relax_to_anyone_after

    def on_tick(self, now: float, index: int, _: int) -> None:
        """Nothing happens but time: the routing pass after every event does the rest."""

    def on_abandon(self, now: float, index: int, _: int) -> None:
        c = self.queue.pop(index, None)
        if c is None:
            return
        self.unfree.pop(index, None)
        c.outcome, c.wait = "abandoned", now - c.arrival
        if c.view.offered_to is not None:
            agent = self.agent(c.view.offered_to)
            agent.offer = None
            self.maybe_leave(now, agent)

    def on_answer(self, now: float, index: int, agent_id: int) -> None:
        c = self.queue.get(index)
        if c is None or c.view.offered_to != agent_id:
            return  # the caller hung up, or the offer expired and moved on
        del self.queue[index]
        self.unfree.pop(index, None)
        agent = self.agent(agent_id)
        agent.offer = None
        c.outcome, c.wait = "answered", now - c.arrival
        c.agent_level = skill_level(agent.view, c.skill)  # type: ignore[arg-type]
        agent.state, agent.since = "busy", now
        agent.refresh()
        agent.handling += c.handle + self.scenario.wrapup_seconds
        self.push(now + c.handle, "hangup", agent_id)

    def on_hangup(self, now: float, agent_id: int, _: int) -> None:
        agent = self.agent(agent_id)
        if self.scenario.wrapup_seconds > 0:
            agent.state, agent.since = "wrapup", now
            agent.refresh()
            self.push(now + self.scenario.wrapup_seconds, "free", agent_id)
        else:
            self.on_free(now, agent_id, 0)

    def on_free(self, now: float, agent_id: int, _: int) -> None:
        agent = self.agent(agent_id)
        agent.state, agent.since = "available", now
        agent.refresh()
        self.maybe_leave(now, agent)
        self.note_free(now)

    def on_shift_start(self, now: float, agent_id: int, _: int) -> None:
        agent = self.agent(agent_id)
        agent.state, agent.since, agent.leaving, agent.on_duty_from = "available", now, False, now
        agent.refresh()
        self.note_free(now)

    def on_shift_end(self, now: float, agent_id: int, _: int) -> None:
        agent = self.agent(agent_id)
        agent.leaving = True
        self.maybe_leave(now, agent)

    def maybe_leave(self, now: float, agent: _Agent) -> None:
        """An agent whose shift is over leaves once free, with no offer left to answer."""
        if agent.leaving and agent.state == "available" and agent.offer is None:
            agent.state, agent.leaving = "offline", False
            agent.on_duty += now - agent.on_duty_from
            agent.refresh()

    def note_free(self, now: float) -> None:
        """Callers who now have an agent of their skill free: their unavoidable wait ends here."""
        if not self.unfree:
            return
        free = [a for a in self.agents if a.state == "available" and a.offer is None]
        for index, c in list(self.unfree.items()):
            if any(c.skill in a.spec.skills or c.skill == "general" for a in free):
                c.first_free = now - c.arrival
                del self.unfree[index]

    # -- routing, as Desk.route_pass does it -----------------------------------------------------------

    def route(self, now: float) -> None:
        if not self.queue:
            return
        offered = [c.view for c in self.queue.values() if c.view.offered_to is not None] if self.offers else []
        for stale in expired_offers(offered, now, self.policy):
            c = self.callers[int(stale.call_sid[1:])]
            agent = self.agent(stale.offered_to)  # type: ignore[arg-type]
            c.view = replace(c.view, offered_to=None, offered_at=None,
                             declined_by=c.view.declined_by | {agent.id})
            agent.offer = None
            self.maybe_leave(now, agent)
        if not any(a.state == "available" and a.offer is None for a in self.agents):
            return  # nobody to offer to: decide would return nothing
        waiting = [c.view for c in self.queue.values()]
        # Only available agents can be offered a call; decide would skip the others anyway.
        roster = [a.view for a in self.agents if a.state == "available"]
        for assignment in decide(waiting, roster, now, self.policy):  # type: ignore[arg-type]
            index = int(assignment.call_sid[1:])
            c = self.callers[index]
            c.view = replace(c.view, offered_to=assignment.agent_id, offered_at=now)
            self.agent(assignment.agent_id).offer = index
            delay = c.delays.pop(0) if c.delays else self.scenario.answer_delay.draw(self.delays)
            if delay < self.policy.offer_timeout:
                c.answer_delay, c.offered_at = delay, now
                self.push(now + delay, "answer", index, assignment.agent_id)
            self.push(now + self.policy.offer_timeout + _LATER, "tick", index)


def simulate_day(scenario: Scenario, policy: RoutingPolicy, rng: random.Random,
                 routed_as: Mapping[str, str] | None = None) -> DayResult:
    """One day of ``scenario`` under ``policy``; every random draw comes from ``rng``.

    ``routed_as`` maps a tier to the tier routing is told (``{"fragile": "normal"}``: the same
    callers, had the triage not flagged them); records keep the true tier. With the same seed the
    callers are the same, which makes "what if they had not been flagged" a fair comparison.
    """
    return _Day(scenario, policy, rng, routed_as).run()


# -- figures ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TierFigures:
    """Figures of one tier. Waits are those of answered callers (as in the equity report);
    abandoned callers are counted in ``abandonment``, not in the waits."""

    tier: str
    callers: int
    answered_share: float | None
    abandonment: float | None
    unserved: int
    median_wait: float | None
    p90_wait: float | None
    mean_wait: float | None
    # Answered within 60 s, of all callers: the board's service level (Services Publics+).
    within_60s: float | None
    expert_share: float | None

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def tier_figures(tier: str, records: Sequence[CallerRecord], expert_level: int = 3) -> TierFigures:
    answered = [r for r in records if r.outcome == "answered"]
    waits = [r.wait for r in answered]
    n = len(records)

    def share(k: int, of: int) -> float | None:
        return k / of if of else None

    return TierFigures(
        tier=tier, callers=n, answered_share=share(len(answered), n),
        abandonment=share(sum(r.outcome == "abandoned" for r in records), n),
        unserved=sum(r.outcome == "unserved" for r in records),
        median_wait=median(waits), p90_wait=percentile(waits, 90),
        mean_wait=sum(waits) / len(waits) if waits else None,
        within_60s=share(sum(w <= 60 for w in waits), n),
        expert_share=share(sum((r.agent_level or 0) >= expert_level for r in answered), len(answered)))


@dataclass(frozen=True)
class Summary:
    """Several days of one scenario under one policy, callers pooled across days."""

    scenario: str
    replications: int
    seed: int | None
    tiers: tuple[TierFigures, ...]
    occupancy: float | None
    occupancy_by_agent: Mapping[str, float]
    policy: Mapping[str, float] = field(default_factory=dict)

    def tier(self, name: str) -> TierFigures:
        return next(t for t in self.tiers if t.tier == name)

    def to_dict(self) -> dict[str, Any]:
        return {"scenario": self.scenario, "replications": self.replications, "seed": self.seed,
                "policy": dict(self.policy), "tiers": [t.to_dict() for t in self.tiers],
                "occupancy": self.occupancy, "occupancy_by_agent": dict(self.occupancy_by_agent)}


def summarise(scenario: Scenario, days: Sequence[DayResult], policy: RoutingPolicy,
              seed: int | None = None) -> Summary:
    records = [r for d in days for r in d.callers]
    duty: dict[str, float] = {}
    busy: dict[str, float] = {}
    for d in days:
        for name, seconds in d.on_duty.items():
            duty[name] = duty.get(name, 0.0) + seconds
            busy[name] = busy.get(name, 0.0) + d.handling[name]
    total = sum(duty.values())
    return Summary(
        scenario=scenario.name, replications=len(days), seed=seed,
        tiers=tuple(tier_figures(t, [r for r in records if r.tier == t], policy.expert_level) for t in TIERS),
        occupancy=sum(busy.values()) / total if total else None,
        occupancy_by_agent={n: busy[n] / s for n, s in duty.items() if s},
        policy={"relax_to_skill_after": policy.relax_to_skill_after,
                "urgent_relax_after": policy.urgent_relax_after,
                "relax_to_anyone_after": policy.relax_to_anyone_after,
                "offer_timeout": policy.offer_timeout})


def simulate(scenario: Scenario, policy: RoutingPolicy, rng: random.Random, replications: int = 1,
             seed: int | None = None) -> tuple[Summary, list[DayResult]]:
    """``replications`` days in a row from the same ``rng``, and their pooled figures."""
    days = [simulate_day(scenario, policy, rng) for _ in range(replications)]
    return summarise(scenario, days, policy, seed), days


# -- Erlang C: the cross-check --------------------------------------------------------------------


def erlang_c(agents: int, load: float) -> float:
    """Probability that a caller waits, for ``agents`` servers offered ``load`` erlangs (M/M/N)."""
    if load >= agents:
        return 1.0
    term, total = 1.0, 1.0
    for k in range(1, agents):
        term *= load / k
        total += term
    last = term * load / agents * agents / (agents - load)
    return last / (total + last)


def erlang_c_mean_wait(agents: int, load: float, mean_handle: float) -> float:
    """Mean wait of all callers (those who do not wait count 0) in M/M/N."""
    if load >= agents:
        return math.inf
    return erlang_c(agents, load) * mean_handle / (agents - load)


def single_skill_scenario(agents: int, load: float, mean_handle: float, hours: float) -> Scenario:
    """The textbook case: one skill, one tier, Poisson arrivals, exponential handle times, nobody
    hangs up, no answer delay, no wrap-up, agents on duty all along."""
    return Scenario(
        name=f"Erlang C, {agents} agents, {load:g} erlangs",
        arrivals=(ArrivalPeriod(0.0, hours, load / mean_handle * HOUR),),
        agents=tuple(AgentSpec(f"a{i + 1}", {"general": 1}, 0.0, hours + 2) for i in range(agents)),
        shares={"urgent": 0.0, "fragile": 0.0}, skills=dict.fromkeys(TIERS, {"general": 1.0}),
        handle=dict.fromkeys(TIERS, Duration("exponential", mean_handle)), patience=dict.fromkeys(TIERS))


@dataclass(frozen=True)
class ErlangCheck:
    agents: int
    load: float
    calls: int
    simulated_mean_wait: float
    erlang_mean_wait: float
    simulated_p_wait: float
    erlang_p_wait: float
    # Tolerances: relative on the mean wait, absolute on the probability of waiting.
    mean_tolerance: float
    p_tolerance: float

    @property
    def ok(self) -> bool:
        return (abs(self.simulated_mean_wait - self.erlang_mean_wait) <= self.mean_tolerance * self.erlang_mean_wait
                and abs(self.simulated_p_wait - self.erlang_p_wait) <= self.p_tolerance)

    def to_dict(self) -> dict[str, Any]:
        return {**self.__dict__, "ok": self.ok}


def check_erlang(agents: int, load: float, rng: random.Random, calls: int = 20_000, mean_handle: float = 300.0,
                 warmup: float = 0.1, mean_tolerance: float = 0.1, p_tolerance: float = 0.03) -> ErlangCheck:
    """Simulated mean wait and share of callers who waited, against Erlang C.

    About ``calls`` callers go through the real routing core over one long day; the first
    ``warmup`` share is left out (the day starts with an empty queue, Erlang C is the steady state).
    """
    # A "day" as long as it takes: the core only sees seconds, the 24 hours are the file format's.
    hours = calls * mean_handle / load / HOUR
    day = simulate_day(single_skill_scenario(agents, load, mean_handle, hours), RoutingPolicy(), rng)
    kept = [r for r in day.callers[int(warmup * len(day.callers)):] if r.outcome == "answered"]
    waits = [r.wait for r in kept]
    return ErlangCheck(
        agents=agents, load=load, calls=len(waits),
        simulated_mean_wait=sum(waits) / len(waits), erlang_mean_wait=erlang_c_mean_wait(agents, load, mean_handle),
        simulated_p_wait=sum(w > 0 for w in waits) / len(waits), erlang_p_wait=erlang_c(agents, load),
        mean_tolerance=mean_tolerance, p_tolerance=p_tolerance)


# -- equity: fragile against ordinary callers -----------------------------------------------------

# The light-load regime: at most this share of fragile callers find every agent of their skill
# busy. There a routing that never holds them back serves 9 in 10 at once, so the literal promise
# (fragile p90 <= ordinary median) is within reach and is expected to hold. The margin below 10 %
# leaves room for the few offers that an agent lets expire.
LIGHT_LOAD_BUSY_SHARE = 0.05


def routing_wait(record: CallerRecord) -> float:
    """Arrival to the offer the caller's agent accepted: the routing's part of the wait. The
    agent's reading time is left out (same law for every tier); never answered: infinite."""
    if record.outcome != "answered" or record.offer_wait is None:
        return math.inf
    return record.offer_wait


@dataclass(frozen=True)
class EquityCheck:
    """Fragile against ordinary callers ("normal" tier), on routing waits (see ``routing_wait``)."""

    fragile_callers: int
    ordinary_callers: int
    fragile_median: float
    fragile_p90: float
    ordinary_median: float
    ordinary_p90: float
    # Share of fragile callers who found every agent of their skill busy (or left before one freed).
    fragile_found_all_busy: float
    # 90th percentile of the time until an agent of their skill came free: what no routing could
    # spare them in this day without interrupting a call.
    fragile_unavoidable_p90: float

    @property
    def literal(self) -> bool:
        """The promise as first stated: fragile p90 <= ordinary median."""
        return self.fragile_p90 <= self.ordinary_median

    @property
    def light_load(self) -> bool:
        return self.fragile_found_all_busy <= LIGHT_LOAD_BUSY_SHARE

    @property
    def attainable(self) -> bool:
        """False when even the unavoidable part of the fragile callers' wait exceeds the ordinary
        median: then no routing could keep the literal promise on this day."""
        return self.fragile_unavoidable_p90 <= self.ordinary_median

    @property
    def equal_conditions(self) -> bool:
        """Fragile callers wait no longer than ordinary ones, at the median and at the 90th
        percentile. Both tiers arrive at random over the same day, so (when they ask for the same
        skills) they find the same states of the queue on arrival: any gap is the routing's doing."""
        return self.fragile_median <= self.ordinary_median and self.fragile_p90 <= self.ordinary_p90

    def to_dict(self) -> dict[str, Any]:
        def num(x: float) -> float | None:
            return None if math.isinf(x) else x

        return {"fragile_callers": self.fragile_callers, "ordinary_callers": self.ordinary_callers,
                "fragile_median": num(self.fragile_median), "fragile_p90": num(self.fragile_p90),
                "ordinary_median": num(self.ordinary_median), "ordinary_p90": num(self.ordinary_p90),
                "fragile_found_all_busy": self.fragile_found_all_busy,
                "fragile_unavoidable_p90": num(self.fragile_unavoidable_p90),
                "literal": self.literal, "light_load": self.light_load, "attainable": self.attainable,
                "equal_conditions": self.equal_conditions}


def equity_check(records: Iterable[CallerRecord]) -> EquityCheck | None:
    """None when a tier has no caller to compare."""
    rows = list(records)
    fragile = [r for r in rows if r.tier == "fragile"]
    ordinary = [r for r in rows if r.tier == "normal"]
    if not fragile or not ordinary:
        return None
    f = [routing_wait(r) for r in fragile]
    o = [routing_wait(r) for r in ordinary]
    unavoidable = [math.inf if r.first_free is None else r.first_free for r in fragile]
    return EquityCheck(
        fragile_callers=len(fragile), ordinary_callers=len(ordinary),
        fragile_median=_median(f), fragile_p90=_p90(f), ordinary_median=_median(o), ordinary_p90=_p90(o),
        fragile_found_all_busy=sum(u > 0 for u in unavoidable) / len(unavoidable),
        fragile_unavoidable_p90=_p90(unavoidable))


def _p90(values: Sequence[float]) -> float:
    result = percentile(values, 90)
    assert result is not None
    return result


def _median(values: Sequence[float]) -> float:
    # Infinite waits only ever add up (inf + x), never subtract: the median stays defined.
    result = median(values)
    assert result is not None
    return result


@dataclass(frozen=True)
class FlagEffect:
    """The same fragile callers on the same days, routed as triaged (flagged) and as if the
    triage had not flagged them: the comparison at strictly equal arrival conditions (same
    arrival times, needs, handle times, patience and agents' reading times)."""

    callers: int
    flagged_median: float
    flagged_p90: float
    unflagged_median: float
    unflagged_p90: float

    @property
    def never_longer(self) -> bool:
        """Being flagged fragile does not make them wait longer, at the median or the 90th percentile."""
        return self.flagged_median <= self.unflagged_median and self.flagged_p90 <= self.unflagged_p90

    def to_dict(self) -> dict[str, Any]:
        def num(x: float) -> float | None:
            return None if math.isinf(x) else x

        return {"callers": self.callers, "flagged_median": num(self.flagged_median),
                "flagged_p90": num(self.flagged_p90), "unflagged_median": num(self.unflagged_median),
                "unflagged_p90": num(self.unflagged_p90), "never_longer": self.never_longer}


def flag_effect(scenario: Scenario, policy: RoutingPolicy, rng: random.Random, replications: int = 1,
                flagged: Sequence[DayResult] | None = None) -> FlagEffect | None:
    """The days as triaged, then again from the same state of ``rng`` with fragile callers routed
    as normal ones. ``flagged``: the days as triaged when already simulated from the current state
    of ``rng``. Either way ``rng`` ends as after one run of the days (the callers drawn are the
    same in both runs, so are the draws)."""
    state = rng.getstate()
    if flagged is None:
        flagged = [simulate_day(scenario, policy, rng) for _ in range(replications)]
        rng.setstate(state)
    unflagged = [simulate_day(scenario, policy, rng, {"fragile": "normal"}) for _ in range(len(flagged))]
    a = [routing_wait(r) for d in flagged for r in d.callers if r.tier == "fragile"]
    b = [routing_wait(r) for d in unflagged for r in d.callers if r.tier == "fragile"]
    if not a:
        return None
    return FlagEffect(len(a), _median(a), _p90(a), _median(b), _p90(b))
