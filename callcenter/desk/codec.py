"""The desk's events, commands and entries as JSON for the call's log, and back (for replay)."""

from __future__ import annotations

import dataclasses
import functools
from typing import Any

from callcenter.desk.model import (
    Accepted,
    CallbackAnswered,
    CallbackDialled,
    CallbackDue,
    CallbackMissed,
    CallbackRequested,
    CallerLeft,
    ColdTransferAsked,
    ConferenceEnded,
    Declined,
    DeskCommand,
    DeskEvent,
    Enqueued,
    Entry,
    HangupAsked,
    HoldAsked,
    LegFailed,
    LegJoined,
    LegLeft,
    LegStarted,
    LineGone,
    OfferExpired,
    Publish,
    Tick,
    TransferCompleted,
    WarmTransferAsked,
)
from callcenter.routing import Agent, WaitingCall

EVENTS: dict[str, type] = {cls.kind: cls for cls in (
    Enqueued, Tick, OfferExpired, Declined, Accepted, LegJoined, LegStarted, LegLeft, LegFailed, CallerLeft,
    ConferenceEnded, LineGone, HoldAsked, HangupAsked, WarmTransferAsked, TransferCompleted, ColdTransferAsked,
    CallbackRequested, CallbackDue, CallbackDialled, CallbackAnswered, CallbackMissed)}


# Taken as they are (exact types; anything else goes through the checks of ``_plain``).
_SCALARS = frozenset({str, int, float, bool, type(None)})


def _plain(value: Any) -> Any:
    if type(value) in _SCALARS:  # most fields: no isinstance chain for them
        return value
    if isinstance(value, frozenset):
        return sorted(value)
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {name: _plain(getattr(value, name)) for name in _names(type(value))}
    return value


@functools.cache
def _names(cls: type) -> tuple[str, ...]:
    # dataclasses.fields builds its tuple anew at each call (a step's entry, events and commands)
    return tuple(f.name for f in dataclasses.fields(cls))


def news_payload(news: Any) -> dict[str, Any]:
    """A bus message's payload: the news' fields, unset ones left out (the screens' format)."""
    return {k: v for k, v in _plain(news).items() if v is not None}


def event_to_dict(event: DeskEvent) -> dict[str, Any]:
    return {"kind": event.kind, **_plain(event)}


def command_to_dict(command: DeskCommand) -> dict[str, Any]:
    if isinstance(command, Publish):
        return {"kind": command.kind, "topic": command.news.kind, **news_payload(command.news)}
    return {"kind": command.kind, **_plain(command)}


def _waiting(data: dict[str, Any]) -> WaitingCall:
    return WaitingCall(**{**data, "reasons": tuple(data["reasons"]), "declined_by": frozenset(data["declined_by"])})


def _agent(data: dict[str, Any]) -> Agent:
    return Agent(**{**data, "languages": tuple(data["languages"])})


def event_from_dict(data: dict[str, Any]) -> DeskEvent:
    fields = {k: v for k, v in data.items() if k != "kind"}
    cls = EVENTS[data["kind"]]
    if cls is Tick:
        return Tick(tuple(_waiting(w) for w in fields["waiting"]), tuple(_agent(a) for a in fields["agents"]))
    if "reasons" in fields:
        fields["reasons"] = tuple(fields["reasons"])
    return cls(**fields)  # type: ignore[no-any-return]


def entry_to_dict(entry: Entry) -> dict[str, Any]:
    return _plain(entry)  # type: ignore[no-any-return]


def entry_from_dict(data: dict[str, Any]) -> Entry:
    return Entry(**{**data, "reasons": tuple(data["reasons"]), "declined_by": frozenset(data["declined_by"])})
