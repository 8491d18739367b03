"""Load YAML into plain Python data while remembering the line of every value.

Error messages in this project say ``file:line: reason`` (flows, triage rules); JSON Schema and
the other checks work on plain data, so this keeps a side table from a path inside the document
to its 1-based line. Duplicate keys are refused: YAML would silently keep the last one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

Path_ = tuple[str | int, ...]
# libyaml when present: rules and flows are reloaded while calls run.
_FAST_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class YamlSyntaxError(Exception):
    """The text is not valid YAML; ``line`` is 1-based."""

    def __init__(self, line: int, reason: str) -> None:
        super().__init__(f"{line}: {reason}")
        self.line = line
        self.reason = reason


@dataclass(frozen=True)
class LinedDocument:
    """A parsed YAML document and the line of each path inside it."""

    data: Any
    lines: dict[Path_, int] = field(default_factory=dict)

    def line_of(self, path: Path_) -> int:
        """Line of ``path``, or of its nearest ancestor that has one."""
        probe = tuple(path)
        while probe:
            if probe in self.lines:
                return self.lines[probe]
            probe = probe[:-1]
        return self.lines.get((), 1)


def _build(loader: yaml.SafeLoader, node: yaml.Node, path: Path_, lines: dict[Path_, int]) -> Any:
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            if key in out:
                raise YamlSyntaxError(key_node.start_mark.line + 1, f"duplicate key {key!r}")
            key_path = (*path, str(key))
            out[key] = _build(loader, value_node, key_path, lines)
            # Point a key's errors at the key itself, not at the start of a multi-line value.
            lines[key_path] = key_node.start_mark.line + 1
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_build(loader, item, (*path, i), lines) for i, item in enumerate(node.value)]
    try:
        return loader.construct_object(node, deep=True)
    except (ValueError, yaml.YAMLError) as exc:
        # e.g. 2026-02-30: YAML reads it as a date and the calendar refuses it.
        raise YamlSyntaxError(node.start_mark.line + 1, f"invalid value {node.value!r}: {exc}") from None


def load_with_lines(text: str) -> LinedDocument:
    """Parse one YAML document; raise :class:`YamlSyntaxError` with a line on bad syntax."""
    try:
        root = yaml.compose(text, Loader=_FAST_LOADER)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        reason = exc.problem or ""
        if exc.context and exc.context_mark is not None:
            reason = f"{exc.context} (line {exc.context_mark.line + 1}): {reason}"
        raise YamlSyntaxError(line, f"invalid YAML: {reason}") from None
    except yaml.YAMLError as exc:
        raise YamlSyntaxError(1, f"invalid YAML: {exc}") from None
    if root is None:
        return LinedDocument(None, {(): 1})
    lines: dict[Path_, int] = {}
    data = _build(yaml.SafeLoader(""), root, (), lines)
    return LinedDocument(data, lines)
