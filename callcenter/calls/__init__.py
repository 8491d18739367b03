"""Call handling: the service every call event goes through, and the side-effect executor."""

from __future__ import annotations

from callcenter.calls.executor import Executor, SmsSender
from callcenter.calls.service import CallService, FlowUnavailable, Outcome, UnknownCall, utc_now

__all__ = ["CallService", "Executor", "FlowUnavailable", "Outcome", "SmsSender", "UnknownCall",
           "utc_now"]
