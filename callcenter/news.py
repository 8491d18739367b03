"""What travels on the bus: one frozen dataclass per topic, and its codec for the wire.

Each news type names its topic in ``kind``; its payload is its fields, unset ones left out (the
format screens read). The in-process bus hands subscribers the news itself beside that payload;
the Redis bus sends the payload as JSON and decodes it back into the same news type by topic, so
a subscriber in another process gets an equal object (tests/test_bus*.py).

The desk's news lives with the desk's model (``desk/model.py``); the call's own news is here.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from dataclasses import dataclass
from typing import Any, ClassVar

from callcenter.desk.model import (
    AgentConnected,
    AgentStateChanged,
    CallEnded,
    CallUpdated,
    OfferMade,
    OfferWithdrawn,
    QueueChanged,
)


@dataclass(frozen=True)
class CallPartial:
    """Words of the caller heard so far (redacted), while they speak."""

    kind: ClassVar[str] = "call.partial"
    call_sid: str
    text: str


@dataclass(frozen=True)
class CallSpeaking:
    """The caller started speaking over a prompt (barge-in)."""

    kind: ClassVar[str] = "call.speaking"
    call_sid: str


News = (QueueChanged | OfferMade | OfferWithdrawn | AgentConnected | AgentStateChanged | CallUpdated | CallEnded
        | CallPartial | CallSpeaking)
TOPICS: dict[str, type[Any]] = {cls.kind: cls for cls in typing.get_args(News)}


class UnknownNews(ValueError):
    """A payload for a topic no news type has, or fields its type does not take."""


def to_payload(news: News) -> dict[str, Any]:
    """The news' fields as JSON data, unset ones left out (tuples become lists)."""
    cls: type[Any] = type(news)
    names = _NAMES.get(cls)
    if names is None:
        # dataclasses.fields builds its tuple anew at each call (one per news published)
        names = _NAMES[cls] = tuple(f.name for f in dataclasses.fields(cls))
    return {name: _plain(value) for name in names if (value := getattr(news, name)) is not None}


_NAMES: dict[type[Any], tuple[str, ...]] = {}


def from_payload(topic: str, data: dict[str, Any]) -> News:
    """The news a payload of ``topic`` stands for; raises :class:`UnknownNews`."""
    cls = TOPICS.get(topic)
    if cls is None:
        raise UnknownNews(f"no news type for topic {topic!r}")
    names = _tuple_fields(cls)
    try:
        return cls(**{k: tuple(v) if k in names and isinstance(v, list) else v  # type: ignore[no-any-return]
                      for k, v in data.items()})
    except TypeError as exc:
        raise UnknownNews(f"{topic}: {exc}") from None


def _plain(value: Any) -> Any:
    if isinstance(value, tuple | list | frozenset):
        return [_plain(v) for v in (sorted(value) if isinstance(value, frozenset) else value)]
    return value


def _tuple_fields(cls: type[Any]) -> frozenset[str]:
    """The fields of ``cls`` that hold tuples (JSON brings them back as lists)."""
    hints = typing.get_type_hints(cls)
    out = set()
    for name, hint in hints.items():
        options = typing.get_args(hint) if isinstance(hint, types.UnionType) else (hint,)
        if any(typing.get_origin(o) is tuple or o is tuple for o in options):
            out.add(name)
    return frozenset(out)


__all__ = ["TOPICS", "CallPartial", "CallSpeaking", "News", "UnknownNews", "from_payload", "to_payload"]
