"""Lints: what a valid flow does that callers find hard (warnings, never refusals).

- a node from which a person is more than two steps away (each move to a next node is a step;
  every listening node reaches the ``human`` transfer in one, by key or words);
- a menu more than three menus deep from the start;
- a menu with more than five options (callers forget the first ones);
- a text longer than about 25 seconds of speech, at 2.5 words a second (French text-to-speech at
  its usual rate, Polly's Léa measured a little above; a caller stops listening well before), in
  each language the flow speaks;
- a text given in a language the flow does not declare (nobody will hear it).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator

from callcenter.errors import FileFault
from callcenter.flows.model import (
    Answer,
    Appointment,
    Ask,
    Callback,
    Flow,
    Hangup,
    Menu,
    Node,
    OnlineLink,
    Say,
    Survey,
    Transfer,
)

MAX_STEPS_TO_PERSON = 2
MAX_MENU_DEPTH = 3
MAX_OPTIONS = 5
MAX_SPEECH_SECONDS = 25
WORDS_PER_SECOND = 2.5


def lint_flow(flow: Flow) -> list[FileFault]:
    """Every warning for ``flow``, by line; each reads ``file:line: warning: reason``."""
    warnings: list[tuple[str, str]] = []
    warnings += _far_from_a_person(flow)
    warnings += _deep_menus(flow)
    warnings += [(n.id, f"menu {n.id!r} has {_choices(n)} options (more than {MAX_OPTIONS}: callers forget "
                        "the first ones)")
                 for n in flow.nodes.values() if isinstance(n, Menu) and _choices(n) > MAX_OPTIONS]
    warnings += _long_texts(flow)
    faults = [FileFault(flow.path, flow.lines.get(node_id, 1), f"warning: {reason}") for node_id, reason in warnings]
    faults += [FileFault(flow.path, line, f"warning: {reason}") for line, reason in flow.language_notes]
    return sorted(faults, key=lambda f: f.line)


def _choices(menu: Menu) -> int:
    """A menu's options, without the offers of another language (said apart, in that language)."""
    return sum(1 for o in menu.options if o.language is None)


def _steps_to_person(flow: Flow) -> dict[str, int]:
    """Fewest moves from each node to a transfer node (absent: none reachable)."""
    predecessors: dict[str, list[str]] = {node_id: [] for node_id in flow.nodes}
    for node in flow.nodes.values():
        for target in flow.successors(node):
            if target in predecessors:
                predecessors[target].append(node.id)
    distance = {n.id: 0 for n in flow.nodes.values() if isinstance(n, Transfer)}
    queue = deque(distance)
    while queue:
        current = queue.popleft()
        for before in predecessors[current]:
            if before not in distance:
                distance[before] = distance[current] + 1
                queue.append(before)
    return distance


def _far_from_a_person(flow: Flow) -> Iterator[tuple[str, str]]:
    distance = _steps_to_person(flow)
    for node in flow.nodes.values():
        if isinstance(node, Hangup | Transfer | Callback):
            continue  # the end of the call, or a person already (or one calling back)
        steps = distance.get(node.id)
        if steps is None:
            yield node.id, f"node {node.id!r}: no person can be reached from here"
        elif steps > MAX_STEPS_TO_PERSON:
            yield node.id, (f"node {node.id!r}: a person is {steps} steps away (more than "
                            f"{MAX_STEPS_TO_PERSON})")


def _deep_menus(flow: Flow) -> Iterator[tuple[str, str]]:
    """Menus more than three menus deep, counting the menus on the shortest way from the start."""
    first = 1 if isinstance(flow.nodes[flow.start], Menu) else 0
    depth = {flow.start: first}
    way = {flow.start: (flow.start,)}
    queue: deque[str] = deque([flow.start])
    while queue:   # 0-1 breadth-first: entering a menu costs one level, any other node nothing
        current = queue.popleft()
        for target in flow.choices(flow.nodes[current]):
            if target not in flow.nodes:
                continue
            cost = 1 if isinstance(flow.nodes[target], Menu) else 0
            if target not in depth or depth[current] + cost < depth[target]:
                depth[target] = depth[current] + cost
                way[target] = (*way[current], target)
                if cost:
                    queue.append(target)
                else:
                    queue.appendleft(target)
    for node_id, level in sorted(depth.items()):
        if isinstance(flow.nodes[node_id], Menu) and level > MAX_MENU_DEPTH:
            menus = [n for n in way[node_id] if isinstance(flow.nodes[n], Menu)]
            yield node_id, (f"menu {node_id!r} is {level} menus deep (more than {MAX_MENU_DEPTH}: "
                            f"{' > '.join(menus)})")


def _texts(node: Node) -> Iterator[tuple[str, str]]:
    match node:
        case Say():
            yield "text", node.text
        case Transfer() | Hangup() | Callback():
            if node.text:
                yield "text", node.text
        case Menu() | Ask() | Answer() | Appointment():
            yield "prompt", node.input.prompt
            yield "no_input prompt", node.input.no_input.prompt
            yield "no_match prompt", node.input.no_match.prompt
            if isinstance(node, Answer):
                yield "followup", node.followup
        case Survey():
            yield from (("consent", node.consent), ("question", node.question), ("thanks", node.thanks))
            if node.comment:
                yield "comment", node.comment
        case OnlineLink():
            yield from (("offer", node.offer), ("confirm", node.confirm), ("sent", node.sent))


def speech_seconds(text: str) -> float:
    """Estimated time to say ``text`` aloud (2.5 words a second)."""
    return len(text.split()) / WORDS_PER_SECOND


def _long_texts(flow: Flow) -> Iterator[tuple[str, str]]:
    for node in flow.nodes.values():
        for field, first in _texts(node):
            for lang in flow.languages:
                text = flow.text_in(first, lang) or first
                seconds = speech_seconds(text)
                if seconds > MAX_SPEECH_SECONDS:
                    where = f" ({lang})" if len(flow.languages) > 1 else ""
                    yield node.id, (f"node {node.id!r}: {field}{where} lasts about {seconds:.0f} s when spoken "
                                    f"({len(text.split())} words; more than {MAX_SPEECH_SECONDS} s)")
