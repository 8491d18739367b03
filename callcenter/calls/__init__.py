"""Call handling: the IVR's shell (every call event's step, stored); the dispatcher carries it out."""

from __future__ import annotations

from callcenter.calls.service import CallService, FlowUnavailable, Outcome, Step, UnknownCall, utc_now

__all__ = ["CallService", "FlowUnavailable", "Outcome", "Step", "UnknownCall", "utc_now"]
