"""Turn the text of one entry file into an :class:`Entry`, with a line number for every fault.

Pure: the caller reads the file. The YAML is composed (not just loaded) so each value keeps the
line it came from, which lets the schema check and the linter point at ``file:line``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import yaml
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from callcenter.kb.entry import Claim, Entry, LegalReference, OnlineProcedure
from callcenter.kb.errors import Fault

PathItem = str | int

_BOOL = "tag:yaml.org,2002:bool"
_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"
_NULL = "tag:yaml.org,2002:null"


@dataclass(frozen=True)
class ParsedEntry:
    """One file's outcome: the entry when it is valid, its faults, and where each value sits."""

    source: str
    entry: Entry | None
    faults: tuple[Fault, ...]
    root: yaml.Node | None = field(default=None, repr=False, compare=False)
    # Path inside the knowledge-base folder, e.g. "caf/rsa.yaml" (the id must agree with it).
    relative: str = ""

    def line(self, *path: PathItem) -> int:
        """Line (1-based) of the value at ``path``, or of the closest enclosing value."""
        return locate(self.root, path)


def locate(root: yaml.Node | None, path: Sequence[PathItem]) -> int:
    if root is None:
        return 1
    node = root
    for item in path:
        child = _child(node, item)
        if child is None:
            break
        node = child
    return _line(node)


def _line(node: yaml.Node) -> int:
    return int(node.start_mark.line) + 1


def _child(node: yaml.Node, item: PathItem) -> yaml.Node | None:
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode) and key.value == item:
                return value
    elif isinstance(node, yaml.SequenceNode) and isinstance(item, int) and 0 <= item < len(node.value):
        return node.value[item]
    return None


def _key_line(root: yaml.Node | None, path: Sequence[PathItem], key: str) -> int:
    node = root
    for item in path:
        node = _child(node, item) if node is not None else None
    if isinstance(node, yaml.MappingNode):
        for k, _ in node.value:
            if isinstance(k, yaml.ScalarNode) and k.value == key:
                return _line(k)
    return locate(root, path)


def _scalar(node: yaml.ScalarNode) -> Any:
    # Dates stay strings: the schema checks their format and JSON Schema knows no date type.
    if node.tag in (_BOOL, _INT, _FLOAT, _NULL):
        return yaml.constructor.SafeConstructor().construct_object(node)
    return node.value


def to_data(node: yaml.Node, source: str, faults: list[Fault]) -> Any:
    """Plain Python data of a composed node; duplicate keys are reported, the last one wins."""
    if isinstance(node, yaml.MappingNode):
        data: dict[str, Any] = {}
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else str(key_node.value)
            if key in data:
                faults.append(Fault(source, key_node.start_mark.line + 1, f"duplicate key '{key}'"))
            data[key] = to_data(value_node, source, faults)
        return data
    if isinstance(node, yaml.SequenceNode):
        return [to_data(item, source, faults) for item in node.value]
    assert isinstance(node, yaml.ScalarNode)
    return _scalar(node)


def _dotted(path: Sequence[PathItem]) -> str:
    out = ""
    for item in path:
        out += f"[{item}]" if isinstance(item, int) else (f".{item}" if out else str(item))
    return out or "entry"


def _schema_fault(error: ValidationError, root: yaml.Node, source: str) -> Fault:
    path = list(error.absolute_path)
    where = _dotted(path)
    line = locate(root, path)
    if error.validator == "required":
        missing = error.message.split("'")[1] if "'" in error.message else error.message
        if missing == "legal_references":
            return Fault(source, line, "missing legal references (legal_references: [{code, article}])")
        return Fault(source, line, f"{where}: missing required field '{missing}'")
    if error.validator == "additionalProperties":
        allowed = set(error.schema.get("properties", {}))
        instance = error.instance if isinstance(error.instance, Mapping) else {}
        extra = sorted(k for k in instance if k not in allowed)
        key = extra[0] if extra else "?"
        return Fault(source, _key_line(root, path, key), f"{where}: unknown field '{key}'")
    if error.validator == "minItems" and path == ["legal_references"]:
        return Fault(source, line, "missing legal references: give at least one {code, article}")
    if error.validator == "minItems":
        return Fault(source, line, f"{where}: needs at least {error.validator_value} items")
    if error.validator == "type":
        return Fault(source, line, f"{where}: expected {error.validator_value}, got {error.instance!r}")
    if error.validator == "enum":
        choices = ", ".join(str(c) for c in error.validator_value)
        return Fault(source, line, f"{where}: {error.instance!r} is not one of {choices}")
    return Fault(source, line, f"{where}: {error.message}")


def _entry(data: Mapping[str, Any]) -> Entry:
    return Entry(
        id=data["id"],
        organisme=data["organisme"],
        title=data["title"].strip(),
        spoken_answer=" ".join(data["spoken_answer"].split()),
        written_answer=data["written_answer"].strip(),
        link=data["link"],
        legal_references=tuple(
            LegalReference(code=r["code"], article=r["article"], about=r.get("about", ""))
            for r in data["legal_references"]
        ),
        checked_on=dt.date.fromisoformat(data["checked_on"]),
        escalate_if_fragile=data["escalate_if_fragile"],
        skill=data["skill"],
        examples=tuple(" ".join(e.split()) for e in data["examples"]),
        synonyms=tuple(" ".join(s.split()) for s in data["synonyms"]),
        kind=data.get("kind", "subject"),
        claims=tuple(
            Claim(id=c["id"], says=" ".join(c["says"].split()), source=c["source"],
                  checked_on=dt.date.fromisoformat(c["checked_on"]),
                  check=" ".join(c["check"].split()), legal=c.get("legal", ""))
            for c in data.get("claims", ())
        ),
        online=OnlineProcedure(label=" ".join(data["online"]["label"].split()), url=data["online"]["url"])
        if data.get("online") else None,
        spoken_answers=tuple(sorted((lang, " ".join(text.split()))
                                    for lang, text in (data.get("spoken_answers") or {}).items())),
    )


def parse_entry(text: str, source: str, validator: Draft202012Validator) -> ParsedEntry:
    """Parse and validate one entry file's text; never raises for bad content."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 1
        return ParsedEntry(source, None, (Fault(source, line, f"invalid YAML: {exc.problem}"),))
    except yaml.YAMLError as exc:
        return ParsedEntry(source, None, (Fault(source, 1, f"invalid YAML: {exc}"),))
    if root is None:
        return ParsedEntry(source, None, (Fault(source, 1, "empty file"),))
    if not isinstance(root, yaml.MappingNode):
        return ParsedEntry(source, None, (Fault(source, root.start_mark.line + 1,
                                                "an entry must be a mapping of fields"),), root)
    faults: list[Fault] = []
    data = to_data(root, source, faults)
    errors = sorted(validator.iter_errors(data), key=lambda e: (list(map(str, e.absolute_path)),
                                                                 e.validator))
    faults.extend(_schema_fault(e, root, source) for e in errors)
    entry = _entry(data) if not errors else None
    return ParsedEntry(source, entry, tuple(faults), root)
