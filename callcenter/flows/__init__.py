"""IVR flow files: format, JSON Schema, loader, graph checks, and the registry of live flows."""

from __future__ import annotations

from callcenter.flows.loader import FlowError, FlowProblem, load_flow, parse_flow
from callcenter.flows.model import (
    Answer,
    Appointment,
    Ask,
    Branch,
    Condition,
    Flow,
    FlowSettings,
    Goto,
    Hangup,
    InputSettings,
    Menu,
    MenuOption,
    Node,
    Retry,
    Say,
    Transfer,
)

__all__ = [
    "Answer", "Appointment", "Ask", "Branch", "Condition", "Flow", "FlowError", "FlowProblem", "FlowSettings", "Goto",
    "Hangup", "InputSettings", "Menu", "MenuOption", "Node", "Retry", "Say", "Transfer",
    "load_flow", "parse_flow",
]
