"""The topic list every knowledge base must cover (``shared/spec/kb_topics.yaml``), with lines."""

from __future__ import annotations

from dataclasses import dataclass

import yaml

from callcenter.kb.errors import Fault


@dataclass(frozen=True)
class SpecTopic:
    id: str
    line: int
    scope: str = ""


def parse_spec(text: str, source: str) -> tuple[tuple[SpecTopic, ...], tuple[Fault, ...]]:
    """Topics declared under ``topics:``; faults if the file is not of that shape."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark is not None else 1
        return (), (Fault(source, line, f"invalid YAML: {exc.problem}"),)
    topics_node = None
    if isinstance(root, yaml.MappingNode):
        for key, value in root.value:
            if key.value == "topics":
                topics_node = value
    if not isinstance(topics_node, yaml.SequenceNode):
        return (), (Fault(source, 1, "expected a 'topics:' list"),)
    topics: list[SpecTopic] = []
    faults: list[Fault] = []
    for item in topics_node.value:
        fields = {k.value: v for k, v in item.value} if isinstance(item, yaml.MappingNode) else {}
        id_node = fields.get("id")
        if not isinstance(id_node, yaml.ScalarNode):
            faults.append(Fault(source, item.start_mark.line + 1, "topic without an id"))
            continue
        scope = fields.get("scope")
        topics.append(SpecTopic(id_node.value, id_node.start_mark.line + 1,
                                scope.value if isinstance(scope, yaml.ScalarNode) else ""))
    return tuple(topics), tuple(faults)
