"""Random staffings and traffic for the simulator's invariants: 1 to 10 agents, one or two
skills, loads from light to overloaded, 5 to 40 % fragile callers, patient or not."""

from __future__ import annotations

import random

from callcenter.routing.scenario import TIERS, AgentSpec, ArrivalPeriod, Duration, Scenario

SKILL_SETS = {
    "une compétence": ({"general": 1.0}, [{"general": 1}, {"general": 2}, {"general": 3}]),
    "deux compétences": ({"caf": 0.6, "impots": 0.4},
                         [{"caf": 3}, {"caf": 1}, {"impots": 2}, {"caf": 2, "impots": 1}, {"caf": 3, "impots": 3}]),
}
READING = Duration("lognormal", 6, 0.5)
WRAPUP = 30.0
HANDLE = {"normal": 300.0, "fragile": 420.0, "urgent": 480.0}


def random_day(rng: random.Random, loads: tuple[float, float], fragile_per_skill: int = 150) -> Scenario:
    """A steady stream long enough for about ``fragile_per_skill`` fragile callers per skill.

    The load is the share of the agents' time the callers need (talk, wrap-up, reading), spread
    evenly; every skill asked for has at least one agent on duty.
    """
    mix_name = rng.choice(sorted(SKILL_SETS))
    mix, profiles = SKILL_SETS[mix_name]
    n = rng.randint(1, 10)
    agents = [dict(rng.choice(profiles)) for _ in range(n)]
    for skill in mix:
        if not any(skill in a for a in agents):
            agents[rng.randrange(n)][skill] = rng.randint(1, 3)
    fragile, urgent = rng.uniform(0.05, 0.4), rng.uniform(0.0, 0.05)
    load = rng.uniform(*loads)
    work = ((1 - fragile - urgent) * HANDLE["normal"] + fragile * HANDLE["fragile"] + urgent * HANDLE["urgent"]
            + WRAPUP + READING.mean)
    per_hour = load * n * 3600 / work
    hours = fragile_per_skill / (per_hour * fragile * min(mix.values()))
    patience = rng.choice([None, Duration("exponential", 600)])
    name = (f"{n} agent(s), {mix_name}, charge {load:.2f}, {100 * fragile:.0f} % fragiles, "
            f"{'patients' if patience is None else 'abandons'}")
    return Scenario(
        name, (ArrivalPeriod(8, 8 + hours, per_hour),),
        tuple(AgentSpec(f"a{i}", a, 8, 8 + hours + 0.5) for i, a in enumerate(agents)),
        {"fragile": fragile, "urgent": urgent}, dict.fromkeys(TIERS, mix),
        {t: Duration("lognormal", h, 0.8) for t, h in HANDLE.items()}, dict.fromkeys(TIERS, patience),
        READING, WRAPUP)
