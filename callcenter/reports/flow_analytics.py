"""Per-node analytics of a flow, pure: logged calls in, counts per node and outcomes out.

What is counted (docs/flows.md, "Analytics"):

- **entries**: how many times callers entered a node (the call's ``path``), and **calls**: how
  many distinct calls entered it at least once;
- **transitions**: consecutive pairs of the path, with counts;
- **listens**: how many times the node asked and listened (``gather`` commands at it);
  **no-inputs**: silences heard while it listened; **no-matches**: answers after which it asked
  again with its no-match prompt, plus the one that used up the node's retries (placed when the
  call's own count of no-matches says how many such steps there were; otherwise counted in the
  section's ``unplaced_no_match``). Rates are per listen;
- **hang-ups**: calls that ended in the IVR because the caller hung up, counted at their last node;
- **time**: median seconds a visit to a listening node lasted, from its question to the step
  that took the caller elsewhere (retries at the same node stay in the same visit); nodes that
  only speak or route take no engine time and show none;
- **outcomes**: ``automatic`` (ended in the IVR: the flow hung up, or the caller hung up after a
  knowledge-base answer), ``person`` (handed to a person and answered), ``callback`` (asked to be
  called back), ``unstaffed`` (the line was closed and no callback was taken), ``abandoned_ivr``,
  ``abandoned_queue`` (handed over, never answered), ``in_progress``.

Every figure is also given per fragility tier (urgent, fragile, normal), as the engine ranks
callers (a doubt about danger not yet cleared counts as fragile).
"""

from __future__ import annotations

import csv
import io
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from callcenter.flows.model import Flow
from callcenter.reports.equity import median

TIERS = ("urgent", "fragile", "normal")
OUTCOMES = ("automatic", "person", "callback", "unstaffed", "abandoned_ivr", "abandoned_queue", "in_progress")
OUTCOME_LABELS = {"automatic": "répondu automatiquement", "person": "passé à un conseiller et répondu",
                  "callback": "rappel demandé", "unstaffed": "fermé ou personne, sans rappel",
                  "abandoned_ivr": "abandon dans le serveur vocal", "abandoned_queue": "abandon en attente",
                  "in_progress": "en cours"}
INPUT_EVENTS = frozenset({"digits", "speech", "no_input", "call_ended", "failure", "queue_left"})
ALL = "all"


def tier_of(triage: Mapping[str, Any] | None) -> str:
    """The engine's ranking of a caller (callcenter.ivr.engine._tier), for a stored triage."""
    if not triage:
        return "normal"
    if triage.get("urgent"):
        return "urgent"
    return "fragile" if triage.get("fragile") or triage.get("check_danger") else "normal"


@dataclass(frozen=True)
class Step:
    """One logged event and what the engine did with it: where it listened next, with which prompt."""

    at: datetime
    event: str
    listens_at: str | None = None
    prompt: str | None = None
    text: str | None = None   # what the caller said (already redacted), for speech events
    listens: int = 0          # gather commands in the step


@dataclass(frozen=True)
class LoggedCall:
    """A call as the store has it, reduced to what the analytics read."""

    call_sid: str
    flow_version: int
    created_at: datetime
    tier: str
    path: tuple[str, ...]
    steps: tuple[Step, ...]
    ended: bool
    end_status: str | None
    transferred: bool
    person_answered: bool
    answers: int = 0
    total_no_match: int = 0   # the engine's own count for the call
    callback: bool = False    # the caller asked to be called back (from the queue, or the line being closed)
    unstaffed: bool = False   # nobody could take them (closed, or nobody on duty): told so in the IVR
    caller_hash: str | None = None
    state: Mapping[str, Any] = field(default_factory=dict)

    @property
    def outcome(self) -> str:
        if self.callback:
            return "callback"
        if self.transferred:
            if self.person_answered:
                return "person"
            return "abandoned_queue" if self.ended else "in_progress"
        if not self.ended:
            return "in_progress"
        if self.unstaffed:
            return "unstaffed"
        return "automatic" if self.end_status == "ivr_hangup" or self.answers else "abandoned_ivr"


@dataclass(frozen=True)
class NodeStats:
    node: str
    kind: str
    calls: int
    entries: int
    listens: int
    no_input: int
    no_match: int
    hangups: int
    median_seconds: float | None
    next: tuple[tuple[str, int], ...]

    @property
    def no_input_rate(self) -> float | None:
        return round(self.no_input / self.listens, 3) if self.listens else None

    @property
    def no_match_rate(self) -> float | None:
        return round(self.no_match / self.listens, 3) if self.listens else None

    def to_dict(self) -> dict[str, Any]:
        return {"node": self.node, "kind": self.kind, "calls": self.calls, "entries": self.entries,
                "listens": self.listens, "no_input": self.no_input, "no_input_rate": self.no_input_rate,
                "no_match": self.no_match, "no_match_rate": self.no_match_rate, "hangups": self.hangups,
                "median_seconds": self.median_seconds, "next": dict(self.next)}


@dataclass(frozen=True)
class Section:
    """The figures for one group of calls (all of them, or one tier)."""

    calls: int
    nodes: tuple[NodeStats, ...]
    outcomes: tuple[tuple[str, int], ...]
    unplaced_no_match: int = 0

    def node(self, node_id: str) -> NodeStats:
        return next(n for n in self.nodes if n.node == node_id)

    def to_dict(self) -> dict[str, Any]:
        return {"calls": self.calls, "outcomes": dict(self.outcomes), "unplaced_no_match": self.unplaced_no_match,
                "nodes": [n.to_dict() for n in self.nodes]}


@dataclass(frozen=True)
class FlowReport:
    flow_id: str
    version: int | None
    since: str | None
    until: str | None
    sections: tuple[tuple[str, Section], ...]   # "all", then each tier

    def section(self, name: str = ALL) -> Section:
        return dict(self.sections)[name]

    def to_dict(self) -> dict[str, Any]:
        return {"flow": self.flow_id, "version": self.version, "since": self.since, "until": self.until,
                **{name: section.to_dict() for name, section in self.sections}}


def no_match_retries(flow: Flow) -> dict[str, int]:
    """How many no-matches each listening node asks again after, before it sends the caller on."""
    return {node.id: node.input.no_match.retries for node in flow.nodes.values()
            if getattr(node, "input", None) is not None}


def no_match_prompts(flow: Flow) -> dict[str, tuple[str, ...]]:
    """The prompts each listening node may start its no-match retry with, one per language the
    flow speaks (callcenter.ivr.engine._retry)."""
    out: dict[str, tuple[str, ...]] = {}
    for node in flow.nodes.values():
        settings = getattr(node, "input", None)
        if settings is not None and settings.no_match.prompt:
            said = (flow.text_in(settings.no_match.prompt, lang) for lang in flow.languages)
            out[node.id] = tuple(dict.fromkeys(t + " " for t in said if t))
    return out


def no_match_at(step: Step, retry_prompts: Mapping[str, tuple[str, ...]]) -> str | None:
    """The node that did not understand an answer (keys or speech) and asked again with its no-match
    prompt, or ``None``. Usually the node that listened; for a menu that passes questions to an
    answer node, the answer node."""
    node = step.listens_at
    prefix = retry_prompts.get(node or "")
    if step.event in ("digits", "speech") and prefix is not None and (step.prompt or "").startswith(prefix):
        return node
    return None


@dataclass
class _Tally:
    calls: Counter[str] = field(default_factory=Counter)
    entries: Counter[str] = field(default_factory=Counter)
    listens: Counter[str] = field(default_factory=Counter)
    no_input: Counter[str] = field(default_factory=Counter)
    no_match: Counter[str] = field(default_factory=Counter)
    hangups: Counter[str] = field(default_factory=Counter)
    seconds: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    next: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    outcomes: Counter[str] = field(default_factory=Counter)
    unplaced: int = 0
    n: int = 0


def _count(tally: _Tally, call: LoggedCall, retry_prompts: Mapping[str, tuple[str, ...]],
           retries: Mapping[str, int]) -> None:
    tally.n += 1
    tally.outcomes[call.outcome] += 1
    tally.entries.update(call.path)
    tally.calls.update(set(call.path))
    for here, there in zip(call.path, call.path[1:], strict=False):
        tally.next[here][there] += 1
    if call.outcome == "abandoned_ivr" and call.path:
        tally.hangups[call.path[-1]] += 1
    listening: str | None = None
    visit: tuple[str, datetime] | None = None
    in_visit = 0          # no-matches heard at the node of the current visit (the engine's no_match)
    placed = 0
    used_up: list[str] = []   # answers that left a node whose retries were used up: maybe one more no-match
    for step in call.steps:
        missed = no_match_at(step, retry_prompts)
        if step.event in INPUT_EVENTS and listening is not None:
            if step.event == "no_input":
                tally.no_input[listening] += 1
            elif (missed is None and step.event in ("digits", "speech") and step.listens_at != listening
                  and listening in retries and in_visit >= retries[listening]):
                used_up.append(listening)
            if visit is not None and step.listens_at != visit[0]:
                tally.seconds[visit[0]].append((step.at - visit[1]).total_seconds())
                visit = None
            listening = None
        if missed is not None:
            tally.no_match[missed] += 1
            placed += 1
        if step.listens_at is not None:
            tally.listens[step.listens_at] += step.listens
            if visit is None or visit[0] != step.listens_at:
                in_visit = 0
            in_visit += missed is not None
            listening = step.listens_at
            if visit is None:
                visit = (step.listens_at, step.at)
    missing = max(0, call.total_no_match - placed)
    if missing and len(used_up) == missing:
        tally.no_match.update(used_up)
    else:
        tally.unplaced += missing


def _section(tally: _Tally, flow: Flow) -> Section:
    known = list(flow.nodes)
    order = known + sorted(n for n in tally.entries if n not in flow.nodes)
    nodes = tuple(NodeStats(
        node=n, kind=flow.nodes[n].kind if n in flow.nodes else "?", calls=tally.calls[n],
        entries=tally.entries[n], listens=tally.listens[n], no_input=tally.no_input[n],
        no_match=tally.no_match[n], hangups=tally.hangups[n], median_seconds=median(tally.seconds.get(n, [])),
        next=tuple(sorted(tally.next[n].items(), key=lambda kv: (-kv[1], kv[0]))) if n in tally.next else ())
        for n in order)
    return Section(tally.n, nodes, tuple((o, tally.outcomes[o]) for o in OUTCOMES), tally.unplaced)


def flow_report(calls: Iterable[LoggedCall], flow: Flow, flows: Mapping[int, Flow],
                *, version: int | None = None, since: str | None = None, until: str | None = None) -> FlowReport:
    """Figures per node for ``calls`` (already chosen by date and version), drawn on ``flow``'s nodes;
    ``flows`` gives each call's own version, for its no-match prompts."""
    prompts = {v: no_match_prompts(f) for v, f in flows.items()}
    retries = {v: no_match_retries(f) for v, f in flows.items()}
    tallies = {name: _Tally() for name in (ALL, *TIERS)}
    for call in calls:
        for name in (ALL, call.tier):
            _count(tallies[name], call, prompts.get(call.flow_version, {}), retries.get(call.flow_version, {}))
    return FlowReport(flow.id, version, since, until,
                      tuple((name, _section(t, flow)) for name, t in tallies.items()))


# -- rendering ---------------------------------------------------------------------------------

CSV_COLUMNS = ("tier", "node", "kind", "calls", "entries", "listens", "no_input", "no_input_rate",
               "no_match", "no_match_rate", "hangups", "median_seconds", "next")


def _cell(value: object) -> str:
    return "" if value is None else str(value)


def as_csv(report: FlowReport) -> str:
    """One row per tier and node; ``next`` as ``node:count`` pairs separated by spaces."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for name, section in report.sections:
        for n in section.nodes:
            row = n.to_dict()
            row["next"] = " ".join(f"{k}:{v}" for k, v in n.next)
            writer.writerow([name, *(_cell(row[c]) for c in CSV_COLUMNS[1:])])
    return out.getvalue()


def pct(value: float | None) -> str:
    return "—" if value is None else f"{100 * value:.0f} %"


def as_text(report: FlowReport) -> str:
    title = f"Parcours {report.flow_id}" + (f", version {report.version}" if report.version else ", toutes versions")
    span = " ".join(x for x in (f"depuis {report.since}" if report.since else "",
                                f"jusqu'au {report.until}" if report.until else "") if x)
    lines = [title + (f" ({span})" if span else "")]
    for name, section in report.sections:
        lines += ["", f"== {name} : {section.calls} appels ==",
                  "issues : " + ", ".join(f"{OUTCOME_LABELS[o]} {c}" for o, c in section.outcomes)]
        if section.unplaced_no_match:
            lines.append(f"incompris non placés sur une étape : {section.unplaced_no_match}")
        head = (f"{'étape':24} {'appels':>6} {'entrées':>7} {'écoutes':>7} {'silence':>7} {'incompris':>9} "
                f"{'raccroch.':>9} {'méd.':>6}  suite")
        lines += [head, "-" * len(head)]
        for n in section.nodes:
            if not n.entries:
                continue
            lines.append(f"{n.node:24} {n.calls:>6} {n.entries:>7} {n.listens:>7} {pct(n.no_input_rate):>7} "
                         f"{pct(n.no_match_rate):>9} {n.hangups:>9} "
                         f"{'—' if n.median_seconds is None else f'{n.median_seconds:.0f} s':>6}  "
                         + ", ".join(f"{k} {v}" for k, v in n.next))
    return "\n".join(lines) + "\n"


def badge_counts(section: Section) -> dict[str, str]:
    """The count drawn on each node of the diagram: entries, and hang-ups when there are any."""
    return {n.node: f"{n.entries}" + (f" · {n.hangups} raccr." if n.hangups else "")
            for n in section.nodes if n.entries}


def versions_of(calls: Sequence[LoggedCall]) -> list[int]:
    return sorted({c.flow_version for c in calls})
