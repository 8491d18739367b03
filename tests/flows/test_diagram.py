"""The flow diagram: every node and every choice drawn, columns by moves from the start, escaped."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from callcenter.config import PROJECT_ROOT
from callcenter.flows import load_flow, parse_flow
from callcenter.flows.diagram import flow_svg

SVG = "{http://www.w3.org/2000/svg}"


def test_the_bundled_flow_diagram() -> None:
    flow = load_flow(PROJECT_ROOT / "ivr_flows" / "main.yaml")
    root = ET.fromstring(flow_svg(flow))
    groups = {g.get("data-node"): g for g in root.iter(f"{SVG}g")}
    assert set(groups) == set(flow.nodes)
    edges = {(p.get("data-from"), p.get("data-to")) for p in root.iter(f"{SVG}path") if p.get("data-from")}
    assert edges == {(n.id, t) for n in flow.nodes.values() for t in flow.choices(n)}

    def column(node_id: str) -> float:
        return float(groups[node_id].find(f"{SVG}rect").get("x"))  # type: ignore[union-attr]

    assert column("accueil") < column("objet") < column("menu_caf") < column("numero_allocataire") < column("caf")
    # Reached only by the ways out to a person: the last column.
    assert column("urgence") == column("conseiller") > column("caf")
    assert "la touche 0 ou « conseiller » mène à conseiller" in "".join(root.itertext())


def test_texts_are_escaped() -> None:
    flow = parse_flow("""flow: x
start: m
human: p
nodes:
  m:
    kind: menu
    prompt: Dites.
    options: [{words: ["<script>alert(1)</script>"], next: p}]
  p: {kind: transfer, queue: accueil}
""", "x.yaml")
    svg = flow_svg(flow)
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    ET.fromstring(svg)
