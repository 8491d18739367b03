"""Records as ``dataclasses.asdict`` gives them (nested records as dicts, tuples kept as tuples,
containers copied, fields in order), without its cost: ``asdict`` deep-copies every value through
a generic recursion, and the IVR's state, events and commands went through it at every step
(docs/performance.md). tests/ivr/test_plain.py checks every event and command against it."""

from __future__ import annotations

import copy
from dataclasses import fields, is_dataclass
from typing import Any

_NAMES: dict[type, tuple[str, ...]] = {}
# Values ``asdict`` hands back as they are (exact types: a subclass takes the general path below).
SCALARS = frozenset({str, int, float, bool, type(None)})


def _names(cls: type) -> tuple[str, ...]:
    names = _NAMES.get(cls)
    if names is None:
        names = _NAMES[cls] = tuple(f.name for f in fields(cls))
    return names


def as_dict(record: Any) -> dict[str, Any]:
    """``dataclasses.asdict(record)``."""
    # Most fields of the log's records are strings, numbers or None: taken as they are without a
    # call of ``plain`` each (a webhook's events and commands have about a hundred fields).
    data = {}
    for name in _names(type(record)):
        value = getattr(record, name)
        data[name] = value if type(value) in SCALARS else plain(value)
    return data


def plain(value: Any) -> Any:
    """A copy of ``value`` as ``dataclasses.asdict`` makes it for a field."""
    kind = type(value)
    if kind in SCALARS:
        return value
    if kind is tuple:  # not a named tuple (a subclass), which asdict rebuilds from its fields
        return tuple([v if type(v) in SCALARS else plain(v) for v in value])
    if kind is list:
        return [v if type(v) in SCALARS else plain(v) for v in value]
    if kind is dict:
        return {k if type(k) in SCALARS else plain(k): v if type(v) in SCALARS else plain(v)
                for k, v in value.items()}
    if isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, tuple) and not hasattr(value, "_fields"):
        return tuple(plain(v) for v in value)
    if is_dataclass(value) and not isinstance(value, type):
        return as_dict(value)
    return copy.deepcopy(value)  # what asdict does with anything else (sets, other containers)
