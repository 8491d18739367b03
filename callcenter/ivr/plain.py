"""Records as ``dataclasses.asdict`` gives them (nested records as dicts, tuples kept as tuples,
containers copied, fields in order), without its cost: ``asdict`` deep-copies every value through
a generic recursion, and the IVR's state, events and commands went through it at every step
(docs/performance.md). tests/ivr/test_plain.py checks every event and command against it."""

from __future__ import annotations

import copy
from dataclasses import fields, is_dataclass
from typing import Any

_NAMES: dict[type, tuple[str, ...]] = {}


def _names(cls: type) -> tuple[str, ...]:
    names = _NAMES.get(cls)
    if names is None:
        names = _NAMES[cls] = tuple(f.name for f in fields(cls))
    return names


def as_dict(record: Any) -> dict[str, Any]:
    """``dataclasses.asdict(record)``."""
    return {name: plain(getattr(record, name)) for name in _names(type(record))}


def plain(value: Any) -> Any:
    """A copy of ``value`` as ``dataclasses.asdict`` makes it for a field."""
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, tuple) and not hasattr(value, "_fields"):
        return tuple(plain(v) for v in value)
    if type(value) is list:
        return [plain(v) for v in value]
    if type(value) is dict:
        return {plain(k): plain(v) for k, v in value.items()}
    if is_dataclass(value) and not isinstance(value, type):
        return as_dict(value)
    return copy.deepcopy(value)  # what asdict does with anything else (sets, other containers)
