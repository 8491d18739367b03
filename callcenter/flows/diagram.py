"""A flow as a diagram: a server-rendered SVG, columns by how many moves from the start.

Only the caller's own choices are drawn (options, answers, jumps); the way out to a person from
every listening node is said once in the legend, else it would hide everything else. Nodes only
reached that way (``human``, ``urgent``, ``fragile``) stand in a last column. Pure: a flow in,
SVG text out, every text escaped.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping
from html import escape

from callcenter.flows.model import Flow, Menu, Node

BOX_W, BOX_H = 165, 38
COL_GAP, ROW_GAP = 44, 14
MARGIN = 20
KIND_LABELS = {"say": "annonce", "menu": "menu", "ask": "question", "answer": "réponse", "transfer": "conseiller",
               "goto": "aiguillage", "hangup": "fin", "appointment": "rendez-vous", "survey": "enquête",
               "online_link": "lien en ligne", "callback": "rappel"}
KIND_COLOURS = {"say": "#e8eef8", "menu": "#cfe0f7", "ask": "#fdf1d6", "answer": "#e6f4ea", "transfer": "#c8ebd0",
                "goto": "#eeeeee", "hangup": "#dddddd", "appointment": "#f3e5f5", "survey": "#fce4ec",
                "online_link": "#e0f2f1", "callback": "#fff3e0"}


def _levels(flow: Flow) -> dict[str, int]:
    level = {flow.start: 0}
    queue = deque([flow.start])
    while queue:
        current = queue.popleft()
        for target in flow.choices(flow.nodes[current]):
            if target in flow.nodes and target not in level:
                level[target] = level[current] + 1
                queue.append(target)
    last = max(level.values(), default=0) + 1
    for node_id in flow.nodes:   # reached only by the ways out to a person
        level.setdefault(node_id, last)
    return level


def _labels(node: Node) -> dict[str, str]:
    """The label of each arrow of a menu: its keys (or first words), "question" for the knowledge."""
    out: dict[str, list[str]] = {}
    if isinstance(node, Menu):
        for option in node.options:
            out.setdefault(option.next, []).append(option.key or (option.words[0] if option.words else ""))
        if node.knowledge:
            out.setdefault(node.knowledge, []).append("question")
    return {target: ", ".join(x for x in keys if x) for target, keys in out.items()}


def flow_svg(flow: Flow, badges: Mapping[str, str] | None = None) -> str:
    """The diagram; ``badges`` puts a short text (a count, for the analytics) on a node's corner."""
    levels = _levels(flow)
    columns: dict[int, list[str]] = {}
    for node_id in flow.nodes:   # file order within a column
        columns.setdefault(levels[node_id], []).append(node_id)
    place: dict[str, tuple[int, int]] = {}
    for column, ids in columns.items():
        for row, node_id in enumerate(ids):
            place[node_id] = (MARGIN + column * (BOX_W + COL_GAP), MARGIN + row * (BOX_H + ROW_GAP))
    width = MARGIN * 2 + (max(columns) + 1) * (BOX_W + COL_GAP) - COL_GAP
    height = MARGIN * 2 + max(len(ids) for ids in columns.values()) * (BOX_H + ROW_GAP) - ROW_GAP + 30
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" '
             f'role="img" aria-labelledby="diagram-title" font-family="sans-serif" font-size="12">',
             f'<title id="diagram-title">Parcours {escape(flow.id)} : {len(flow.nodes)} étapes</title>',
             '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" '
             'orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" fill="#555"/></marker></defs>']
    for node in flow.nodes.values():
        labels = _labels(node)
        x, y = place[node.id]
        for target in dict.fromkeys(flow.choices(node)):
            if target not in place:
                continue
            tx, ty = place[target]
            start, end = (x + BOX_W, y + BOX_H / 2), (tx, ty + BOX_H / 2)
            back = tx <= x
            if back:   # to an earlier column: a curve below the boxes
                end = (tx + BOX_W / 2, ty + BOX_H)
                path = (f"M {start[0]} {start[1]} C {start[0] + 40} {y + BOX_H + 40}, {end[0]} {end[1] + 40}, "
                        f"{end[0]} {end[1]}")
            else:
                mid = (start[0] + end[0]) / 2
                path = f"M {start[0]} {start[1]} C {mid} {start[1]}, {mid} {end[1]}, {end[0]} {end[1]}"
            parts.append(f'<path d="{path}" fill="none" stroke="#555" marker-end="url(#arrow)" '
                         f'data-from="{escape(node.id)}" data-to="{escape(target)}"/>')
            if labels.get(target):
                # Next to the arrow's head, where arrows from one menu no longer meet.
                lx, ly, anchor = (start[0] + 3, start[1] + 12, "start") if back else (end[0] - 4, end[1] - 4, "end")
                parts.append(f'<text x="{lx}" y="{ly}" text-anchor="{anchor}" font-size="10" fill="#333">'
                             f'{escape(labels[target])}</text>')
    for node in flow.nodes.values():
        x, y = place[node.id]
        colour = KIND_COLOURS[node.kind]
        parts.append(f'<g data-node="{escape(node.id)}"><rect x="{x}" y="{y}" width="{BOX_W}" height="{BOX_H}" rx="6" '
                     f'fill="{colour}" stroke="#333"/>'
                     f'<text x="{x + 6}" y="{y + 16}" font-weight="bold" font-size="11">{escape(node.id)}</text>'
                     f'<text x="{x + 6}" y="{y + 31}" fill="#444">{KIND_LABELS[node.kind]}</text></g>')
        badge = (badges or {}).get(node.id)
        if badge:
            width = 8 + 6.5 * len(badge)
            parts.append(f'<g data-badge="{escape(node.id)}"><rect x="{x + BOX_W - width}" y="{y - 9}" '
                         f'width="{width}" height="17" rx="8" fill="#0b4f9c"/>'
                         f'<text x="{x + BOX_W - width / 2}" y="{y + 4}" text-anchor="middle" fill="#fff" '
                         f'font-size="11" font-weight="bold">{escape(badge)}</text></g>')
    legend = (f"Depuis chaque écoute, la touche {flow.settings.human_key} ou « {flow.settings.human_words[0]} » "
              f"mène à {flow.settings.human}." if flow.settings.human_words else "")
    parts.append(f'<text x="{MARGIN}" y="{height - 10}" fill="#333">{escape(legend)}</text></svg>')
    return "".join(parts)
