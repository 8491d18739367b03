"""A day of traffic and staffing to simulate, read from plain data (a YAML scenario file).

Pure: the caller of :func:`parse_scenario` reads the file. Errors name the path inside the
document and, when known, its line (``file:line: reason``, as flows and triage rules do).
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from callcenter.errors import CallCenterError
from callcenter.yamlfile import LinedDocument, YamlSyntaxError, load_with_lines

TIERS: tuple[str, ...] = ("urgent", "fragile", "normal")
Law = Literal["fixed", "exponential", "lognormal"]


class ScenarioError(CallCenterError):
    code = "scenario"


@dataclass(frozen=True)
class Duration:
    """A random duration in seconds: fixed, exponential, or lognormal with a mean and a
    coefficient of variation (standard deviation / mean), the usual shape of handle times."""

    law: Law
    mean: float
    cv: float = 1.0

    def __post_init__(self) -> None:
        if self.mean < 0 or (self.law != "fixed" and self.mean <= 0) or self.cv <= 0:
            raise ValueError("a duration needs a positive mean and coefficient of variation")

    def draw(self, rng: random.Random) -> float:
        match self.law:
            case "fixed":
                return self.mean
            case "exponential":
                return rng.expovariate(1.0 / self.mean)
            case _:
                sigma2 = math.log(1.0 + self.cv * self.cv)
                return rng.lognormvariate(math.log(self.mean) - sigma2 / 2.0, math.sqrt(sigma2))


@dataclass(frozen=True)
class AgentSpec:
    """One agent on duty from ``start_hour`` to ``end_hour`` (hours of the day, 8.5 = 8:30)."""

    name: str
    skills: Mapping[str, int]
    start_hour: float
    end_hour: float
    languages: tuple[str, ...] = ("fr",)


@dataclass(frozen=True)
class ArrivalPeriod:
    """Callers needing a person arrive at ``per_hour`` (a Poisson stream) in [from_hour, to_hour)."""

    from_hour: float
    to_hour: float
    per_hour: float


@dataclass(frozen=True)
class Scenario:
    """Traffic, callers and staffing of one day. Shares and mixes are per tier (urgent, fragile,
    normal); ``patience`` None for a tier means those callers never hang up."""

    name: str
    arrivals: tuple[ArrivalPeriod, ...]
    agents: tuple[AgentSpec, ...]
    shares: Mapping[str, float]
    skills: Mapping[str, Mapping[str, float]]
    handle: Mapping[str, Duration]
    patience: Mapping[str, Duration | None]
    answer_delay: Duration = Duration("fixed", 0.0)
    wrapup_seconds: float = 0.0
    priority: Mapping[str, int] = field(default_factory=lambda: {"urgent": 100, "fragile": 50, "normal": 0})
    # Share of fragile callers whose triage names "langue" (difficulty with French).
    langue_share: float = 0.0

    def tier_shares(self) -> dict[str, float]:
        urgent, fragile = self.shares.get("urgent", 0.0), self.shares.get("fragile", 0.0)
        return {"urgent": urgent, "fragile": fragile, "normal": 1.0 - urgent - fragile}

    def calls_per_day(self) -> float:
        return sum((p.to_hour - p.from_hour) * p.per_hour for p in self.arrivals)

    def with_shares(self, fragile: float | None = None, urgent: float | None = None) -> Scenario:
        shares = dict(self.shares)
        if fragile is not None:
            shares["fragile"] = fragile
        if urgent is not None:
            shares["urgent"] = urgent
        _check_shares(shares)
        return replace(self, shares=shares)

    def scaled(self, arrivals_factor: float) -> Scenario:
        """What if ``arrivals_factor`` times as many callers needed a person."""
        if arrivals_factor < 0:
            raise ScenarioError("the arrivals factor cannot be negative")
        return replace(self, arrivals=tuple(replace(p, per_hour=p.per_hour * arrivals_factor)
                                            for p in self.arrivals))


def _check_shares(shares: Mapping[str, float]) -> None:
    if any(not 0 <= v <= 1 for v in shares.values()) or sum(shares.values()) > 1 + 1e-9:
        raise ScenarioError("shares of urgent and fragile callers must be between 0 and 1, and add up to 1 at most")


class _Reader:
    """Reads a scenario document, naming the line of whatever is wrong."""

    def __init__(self, doc: LinedDocument, source: str) -> None:
        self.doc, self.source = doc, source

    def fail(self, path: tuple[str | int, ...], reason: str) -> ScenarioError:
        where = ".".join(str(p) for p in path) or "scenario"
        return ScenarioError(f"{self.source}:{self.doc.line_of(path)}: {where}: {reason}")

    def number(self, value: Any, path: tuple[str | int, ...], minimum: float = 0.0) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float) or value < minimum:
            raise self.fail(path, f"expected a number >= {minimum:g}, got {value!r}")
        return float(value)

    def mapping(self, value: Any, path: tuple[str | int, ...]) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(path, "expected a mapping")
        return value

    def duration(self, value: Any, path: tuple[str | int, ...]) -> Duration | None:
        if value == "never":
            return None
        if isinstance(value, int | float) and not isinstance(value, bool):
            return Duration("fixed", self.number(value, path))
        data = self.mapping(value, path)
        unknown = set(data) - {"law", "mean", "cv"}
        if unknown:
            raise self.fail(path, f"unknown keys {sorted(unknown)} (law, mean, cv)")
        law = data.get("law", "exponential")
        if law not in ("fixed", "exponential", "lognormal"):
            raise self.fail((*path, "law"), "law must be fixed, exponential or lognormal")
        mean = self.number(data.get("mean"), (*path, "mean"))
        cv = self.number(data.get("cv", 1.0), (*path, "cv"))
        try:
            return Duration(law, mean, cv)
        except ValueError as exc:
            raise self.fail(path, str(exc)) from None

    def per_tier(self, value: Any, path: tuple[str, ...]) -> dict[str, Any]:
        """A value for every tier, or one mapping per tier (missing tiers take ``normal``'s)."""
        data = self.mapping(value, path)
        if not set(data) & set(TIERS):
            return dict.fromkeys(TIERS, (value, path))
        unknown = set(data) - set(TIERS)
        if unknown:
            raise self.fail(path, f"unknown tiers {sorted(unknown)} (urgent, fragile, normal)")
        if "normal" not in data:
            raise self.fail(path, "give at least the normal tier")
        return {t: (data[t], (*path, t)) if t in data else (data["normal"], (*path, "normal")) for t in TIERS}


def parse_scenario(text: str, source: str = "scenario") -> Scenario:
    """A scenario from its YAML text (see scenarios/readme.yaml for every key, commented)."""
    try:
        doc = load_with_lines(text)
    except YamlSyntaxError as exc:
        raise ScenarioError(f"{source}:{exc.line}: {exc.reason}") from None
    r = _Reader(doc, source)
    data = r.mapping(doc.data, ())
    known = {"name", "arrivals", "agents", "shares", "skills", "handle_seconds", "patience_seconds",
             "answer_delay_seconds", "wrapup_seconds", "priority", "langue_share"}
    unknown = set(data) - known
    if unknown:
        raise r.fail((), f"unknown keys {sorted(unknown)}")
    for key in ("arrivals", "agents", "skills", "handle_seconds"):
        if key not in data:
            raise r.fail((), f"missing {key}")

    arrivals = []
    if not isinstance(data["arrivals"], list) or not data["arrivals"]:
        raise r.fail(("arrivals",), "expected a list of periods")
    for i, item in enumerate(data["arrivals"]):
        p = r.mapping(item, ("arrivals", i))
        start = r.number(p.get("from"), ("arrivals", i, "from"))
        end = r.number(p.get("to"), ("arrivals", i, "to"))
        if not start < end <= 24:
            raise r.fail(("arrivals", i), "a period runs from one hour to a later one, within the day")
        arrivals.append(ArrivalPeriod(start, end, r.number(p.get("per_hour"), ("arrivals", i, "per_hour"))))

    agents = []
    names: set[str] = set()
    if not isinstance(data["agents"], list) or not data["agents"]:
        raise r.fail(("agents",), "expected a list of agents")
    for i, item in enumerate(data["agents"]):
        a = r.mapping(item, ("agents", i))
        unknown = set(a) - {"name", "skills", "hours", "count", "languages"}
        if unknown:
            raise r.fail(("agents", i), f"unknown keys {sorted(unknown)} (name, skills, hours, count, languages)")
        levels = r.mapping(a.get("skills"), ("agents", i, "skills"))
        for skill, level in levels.items():
            if level not in (1, 2, 3):
                raise r.fail(("agents", i, "skills", skill), "a skill level is 1, 2 or 3")
        hours = a.get("hours")
        if not isinstance(hours, list) or len(hours) != 2:
            raise r.fail(("agents", i, "hours"), "expected [start hour, end hour], e.g. [8.5, 12.5]")
        start, end = (r.number(h, ("agents", i, "hours")) for h in hours)
        if not start < end <= 24:
            raise r.fail(("agents", i, "hours"), "a shift starts before it ends, within the day")
        count = a.get("count", 1)
        if not isinstance(count, int) or isinstance(count, bool) or count < 1:
            raise r.fail(("agents", i, "count"), "expected a whole number >= 1")
        languages = a.get("languages", ["fr"])
        if not isinstance(languages, list) or not all(isinstance(x, str) for x in languages):
            raise r.fail(("agents", i, "languages"), "expected a list of language codes")
        name = str(a.get("name", f"agent{i + 1}"))
        for n in range(count):
            label = name if count == 1 else f"{name}-{n + 1}"
            while label in names:  # figures are kept per agent name: two agents, two names
                label += "'"
            names.add(label)
            agents.append(AgentSpec(label, dict(levels), start, end, tuple(languages)))

    shares = {k: r.number(v, ("shares", k)) for k, v in r.mapping(data.get("shares", {}), ("shares",)).items()}
    if set(shares) - {"urgent", "fragile"}:
        raise r.fail(("shares",), "shares are given for urgent and fragile callers (the rest are normal)")
    try:
        _check_shares(shares)
    except ScenarioError as exc:
        raise r.fail(("shares",), exc.message) from None

    skills: dict[str, dict[str, float]] = {}
    for tier, (value, path) in r.per_tier(data["skills"], ("skills",)).items():
        mix = {str(k): r.number(v, (*path, str(k))) for k, v in r.mapping(value, path).items()}
        if not mix or sum(mix.values()) <= 0:
            raise r.fail(path, "give at least one skill with a positive weight")
        skills[tier] = mix

    def durations(key: str, default: Any) -> dict[str, Duration | None]:
        return {t: r.duration(v, p) for t, (v, p) in r.per_tier(data.get(key, default), (key,)).items()}

    handle = durations("handle_seconds", None)
    if any(d is None for d in handle.values()):
        raise r.fail(("handle_seconds",), "every call has a handle time")
    patience = durations("patience_seconds", {"normal": "never"})
    delay = r.duration(data.get("answer_delay_seconds", 0), ("answer_delay_seconds",)) or Duration("fixed", 0.0)
    priority = {t: int(r.number(v, p)) for t, (v, p) in
                r.per_tier(data.get("priority", {"urgent": 100, "fragile": 50, "normal": 0}), ("priority",)).items()}
    langue = r.number(data.get("langue_share", 0.0), ("langue_share",))
    if langue > 1:
        raise r.fail(("langue_share",), "a share is between 0 and 1")
    return Scenario(
        name=str(data.get("name", source)), arrivals=tuple(arrivals), agents=tuple(agents), shares=shares,
        skills=skills, handle={t: d for t, d in handle.items() if d is not None}, patience=patience,
        answer_delay=delay, wrapup_seconds=r.number(data.get("wrapup_seconds", 0), ("wrapup_seconds",)),
        priority=priority, langue_share=langue)
