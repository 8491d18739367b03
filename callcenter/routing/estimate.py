"""What a waiting caller may honestly be told: position, who is on duty, and a wait estimate.

Pure. The estimate is made only from agents actually logged in and from the handle times the
desk measured on the queue recently; never from a default figure. Method: docs/routing.md.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable, Sequence

from callcenter.routing.decide import eligible, order_key, ordered
from callcenter.routing.model import Agent, Place, QueueStatus, RoutingPolicy, WaitingCall

# Seconds after which every relaxation of the policy has surely happened ("one year").
_EVENTUALLY = 365 * 86400.0


def on_duty(call: WaitingCall, agents: Sequence[Agent], policy: RoutingPolicy) -> list[Agent]:
    """Agents logged in (available, busy or in wrap-up) who routing could give ``call`` to, once
    its search for an agent has widened as far as the policy lets it."""
    # An agent who declined this caller is asked again once anyone will do (routing): on duty too.
    later = call.enqueued_at + _EVENTUALLY
    return [a for a in agents if a.state != "offline"
            and eligible(call, dataclasses.replace(a, state="available"), later, policy)]


def mean_handle_seconds(durations: Sequence[float], wrapup_seconds: float = 0.0) -> float | None:
    """The mean handle time of recently handled calls plus the wrap-up allowance; ``None`` (say no
    minutes) when no call was handled recently."""
    usable = [d for d in durations if d >= 0]
    if not usable:
        return None
    return sum(usable) / len(usable) + wrapup_seconds


def estimated_wait(ahead: int, free: int, staffed: int, handle_seconds: float) -> float:
    """Seconds until an agent takes the caller: 0 when a free agent is left for them; otherwise
    each of ``staffed`` agents frees up every ``handle_seconds`` on average, and the callers ahead
    who got no free agent go first: (ahead - free + 1) x handle / staffed."""
    if ahead < free:
        return 0.0
    return (ahead - free + 1) * handle_seconds / staffed


def announced_minutes(seconds: float | None) -> int | None:
    """The minutes said to a caller, rounded up (a wait is never promised shorter than estimated):
    to the minute up to 10, to 5 minutes above; ``None`` under a minute or without an estimate."""
    if seconds is None or seconds < 60:
        return None
    minutes = math.ceil(seconds / 60)
    return minutes if minutes <= 10 else 5 * math.ceil(minutes / 5)


def queue_status(call_sid: str, calls: Sequence[WaitingCall], agents: Sequence[Agent], now: float,
                 policy: RoutingPolicy, handle_seconds: float | None = None) -> QueueStatus | None:
    """Position (1 = next), agents on duty for the call, and the estimated wait, or ``None`` for
    the wait when nobody is on duty or no handle time was measured recently."""
    order = ordered(calls, now, policy)
    position = next((i for i, c in enumerate(order, start=1) if c.call_sid == call_sid), None)
    if position is None:
        return None
    return status_at(order[position - 1], position, agents, policy, handle_seconds)


def position_among(call: WaitingCall, others: Iterable[WaitingCall | Place], now: float, policy: RoutingPolicy) -> int:
    """``call``'s position (1 = next) among ``others`` (``call`` not among them), as
    :func:`queue_status` counts it: one more than the callers ordered before it. Only what the
    order depends on is read of the others, so a caller handed over reads no more of the queue."""
    # The routing core's own order (``order_key``), never a copy of its formula: the place a
    # caller is told must be the place routing gives them.
    mine = order_key(call, now, policy)
    return 1 + sum(1 for other in others if order_key(other, now, policy) < mine)


def status_at(call: WaitingCall, position: int, agents: Sequence[Agent], policy: RoutingPolicy,
              handle_seconds: float | None = None) -> QueueStatus:
    """What :func:`queue_status` tells ``call`` at ``position``."""
    staff = on_duty(call, agents, policy)
    if not staff or handle_seconds is None:
        return QueueStatus(position, None, False, len(staff))
    free = sum(1 for a in staff if a.state == "available")
    wait = estimated_wait(position - 1, free, len(staff), handle_seconds)
    return QueueStatus(position, wait, wait >= policy.callback_offer_after, len(staff))
