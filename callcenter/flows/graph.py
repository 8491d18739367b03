"""Graph rules of a flow: every target exists, every node is reachable, nobody gets stuck.

Works on the IR plus the raw data (only to point each fault at the line of the field at fault).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from callcenter.flows.model import (
    Answer,
    Appointment,
    Ask,
    Callback,
    Flow,
    Goto,
    Hangup,
    Menu,
    OnlineLink,
    Say,
    Survey,
    Transfer,
)

Fault = tuple[tuple[str | int, ...], str]


def _targets(flow: Flow, raw: dict[str, Any]) -> Iterator[tuple[tuple[str | int, ...], str, str]]:
    """(path of the field, node id holding it, target) for every reference in the file."""
    yield ("start",), "", flow.start
    for key in ("human", "urgent", "fragile", "survey"):
        if getattr(flow.settings, key):
            yield (key,), "", getattr(flow.settings, key)
    for node_id, node in flow.nodes.items():
        base: tuple[str | int, ...] = ("nodes", node_id)
        match node:
            case Say() | Ask() | Answer() | Appointment() | Survey() | OnlineLink():
                yield (*base, "next"), node_id, node.next
            case Goto():
                yield (*base, "next"), node_id, node.next
                for i, branch in enumerate(node.branches):
                    yield (*base, "branches", i, "next"), node_id, branch.next
            case Menu():
                for i, option in enumerate(node.options):
                    yield (*base, "options", i, "next"), node_id, option.next
                if node.knowledge:
                    yield (*base, "knowledge"), node_id, node.knowledge
        if isinstance(node, Menu | Ask | Answer | Appointment):
            for key in ("no_input", "no_match"):
                if "next" in raw["nodes"][node_id].get(key, {}):
                    yield (*base, key, "next"), node_id, getattr(node.input, key).next


def _cycle_through(flow: Flow, start: str, stuck: set[str]) -> tuple[list[str], list[str]]:
    """(nodes walked, the cycle they end in) following stuck nodes from ``start``."""
    path, seen = [start], {start}
    current = start
    while True:
        nxt = next(t for t in flow.successors(flow.nodes[current]) if t in stuck)
        if nxt in seen:
            return path, [*path[path.index(nxt):], nxt]
        path.append(nxt)
        seen.add(nxt)
        current = nxt


def check_graph(flow: Flow, raw: dict[str, Any]) -> list[Fault]:
    """Every graph fault of ``flow`` as (path in the file, reason)."""
    faults: list[Fault] = []
    unknown = False
    for path, holder, target in _targets(flow, raw):
        if target not in flow.nodes:
            unknown = True
            who = f"node {holder!r}: " if holder else ""
            faults.append((path, f"{who}unknown target {target!r}"))

    human = flow.settings.human
    if not human:
        faults.append(((), "no way out to a person: set 'human' to the id of a transfer node"))
    for key in ("human", "urgent", "fragile"):
        target = getattr(flow.settings, key)
        if target in flow.nodes and not isinstance(flow.nodes[target], Transfer):
            faults.append(((key,), f"{key!r} must name a transfer node, {target!r} is a "
                                   f"{flow.nodes[target].kind}"))
    survey = flow.settings.survey
    if survey in flow.nodes and not isinstance(flow.nodes[survey], Survey):
        faults.append((("survey",), f"'survey' must name a survey node, {survey!r} is a "
                                    f"{flow.nodes[survey].kind}"))
    for node_id, node in flow.nodes.items():
        if isinstance(node, Menu) and node.knowledge is not None and node.knowledge in flow.nodes \
                and not isinstance(flow.nodes[node.knowledge], Answer):
            faults.append((("nodes", node_id, "knowledge"), f"node {node_id!r}: 'knowledge' must name an "
                           f"answer node, {node.knowledge!r} is a {flow.nodes[node.knowledge].kind}"))
    if unknown or not human:
        return faults  # reachability is meaningless with dangling edges

    reachable: set[str] = set()
    # The survey after an agent is reached from a transfer (once the agent hangs up).
    todo = [flow.start, *([survey] if survey else [])]
    while todo:
        node_id = todo.pop()
        if node_id in reachable:
            continue
        reachable.add(node_id)
        todo.extend(flow.successors(flow.nodes[node_id]))
    for node_id in flow.nodes:
        if node_id not in reachable:
            faults.append((("nodes", node_id), f"node {node_id!r} is unreachable from {flow.start!r}"))

    for node_id, node in flow.nodes.items():
        if isinstance(node, Menu | Ask | Answer | Appointment):
            retries_back = node_id in (node.input.no_input.next, node.input.no_match.next)
            choices = [o.next for o in node.options] if isinstance(node, Menu) else [node.next]
            if retries_back:
                faults.append((("nodes", node_id), f"input node {node_id!r} has no way out: when its "
                                                   "retries run out it comes back to itself"))
            elif all(c == node_id for c in choices):
                faults.append((("nodes", node_id), f"input node {node_id!r} has no way out: every "
                                                   "choice leads back to itself"))

    # A node is safe if some path from it ends the IVR part of the call (transfer or hang-up).
    safe = {n for n, node in flow.nodes.items() if isinstance(node, Transfer | Hangup | Callback)}
    changed = True
    while changed:
        changed = False
        for node_id, node in flow.nodes.items():
            if node_id not in safe and any(t in safe for t in flow.successors(node)):
                safe.add(node_id)
                changed = True
    stuck = set(flow.nodes) - safe
    reported: set[str] = set()
    for node_id in flow.nodes:
        if node_id in stuck and node_id not in reported:
            walked, cycle = _cycle_through(flow, node_id, stuck)
            reported.update(walked)
            faults.append((("nodes", cycle[0]), "loop with no exit: " + " -> ".join(cycle)
                           + " never reaches a transfer or a hang-up"))
    return faults
