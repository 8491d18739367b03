"""Calls run through the real engine and written to the store as the service logs them, for the
flow analytics and knowledge-gap tests."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from callcenter.flows.loader import parse_flow
from callcenter.ivr.commands import command_to_dict
from callcenter.ivr.engine import IvrEngine
from callcenter.ivr.events import CallEnded, CallStarted, DigitsReceived, Event, NoInput, event_to_dict
from callcenter.store import Database, upgrade
from callcenter.store.models import Call, CallLogEntry, QueueEntry
from callcenter.versions.store import VersionStore

T0 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)

FLOW = """flow: t
start: hello
human: person
defaults: {timeout: 5, retries: 1, no_input_prompt: "Pardon ?", no_match_prompt: "Pas compris."}
nodes:
  hello: {kind: say, text: "Bonjour.", next: menu}
  menu:
    kind: menu
    prompt: "Tapez 1 pour une information, 2 pour un conseiller."
    options:
      - {key: 1, words: [information], next: info}
      - {key: 2, words: [conseiller], next: person}
  info: {kind: hangup, text: "Au revoir."}
  person: {kind: transfer, queue: accueil}
"""


@dataclass
class Plan:
    """One call: (seconds after its start, event), its tier, and what happened in the queue."""

    events: Sequence[tuple[float, Event]]
    tier: str = "normal"
    queue: str | None = None          # "connected" or "abandoned"
    start: datetime = T0
    caller_hash: str | None = None
    state_extra: dict[str, Any] = field(default_factory=dict)


def _triage(tier: str) -> dict[str, Any] | None:
    if tier == "normal":
        return None
    return {"fragile": True, "urgent": tier == "urgent", "score": 1.0, "reasons": [], "hints": [],
            "rules_version": "test"}


async def seed(url: str, plans: Sequence[Plan], flow_text: str = FLOW, engine: IvrEngine | None = None) -> list[str]:
    """Store the flow as version 1 (unless there is one), run each plan through the engine, and store
    the call, its log and its queue entry."""
    upgrade(url)
    db = Database(url)
    try:
        flow = parse_flow(flow_text, "t.yaml")
        await VersionStore(db).import_first("flow", flow.id, flow_text, comment="test")
        engine = engine or IvrEngine(flow)
        sids = []
        async with db.sessions() as session, session.begin():
            for i, plan in enumerate(plans):
                sid = f"CA{i:032d}"
                sids.append(sid)
                state = engine.new_call(sid)
                seq = 0
                rows = []
                for offset, event in [(0.0, CallStarted(caller="+33600000000")), *plan.events]:
                    at = plan.start + timedelta(seconds=offset)
                    state, commands = engine.step(state, event, at)
                    rows.append(CallLogEntry(call_sid=sid, seq=seq, at=at, entry="event", kind=event.kind,
                                             payload=event_to_dict(event), source="test"))
                    seq += 1
                    for command in commands:
                        rows.append(CallLogEntry(call_sid=sid, seq=seq, at=at, entry="command", kind=command.kind,
                                                 payload=command_to_dict(command), source="engine"))
                        seq += 1
                data = {**state.to_dict(), "triage": _triage(plan.tier), **plan.state_extra}
                end = plan.start + timedelta(seconds=plan.events[-1][0] if plan.events else 0)
                session.add(Call(call_sid=sid, flow_id=flow.id, flow_version=1, caller="+33 ••• 00",
                                 caller_hash=plan.caller_hash, called=None, status=state.status, state=data,
                                 next_seq=seq, created_at=plan.start, updated_at=end,
                                 ended_at=end if state.status == "ended" else None))
                await session.flush()
                session.add_all(rows)
                if plan.queue is not None:
                    enq = plan.start + timedelta(seconds=plan.events[-2][0])
                    session.add(QueueEntry(call_sid=sid, queue="accueil", skill=None, tier=plan.tier, priority=0,
                                           reasons={}, status="ended" if plan.queue == "connected" else "abandoned",
                                           enqueued_at=enq, declined_by={},
                                           connected_at=enq + timedelta(seconds=30) if plan.queue == "connected"
                                           else None, ended_at=end))
        return sids
    finally:
        await db.close()


# The seeded day: what the tests expect is worked out by hand in test_flow_analytics.py.
PLANS = [
    Plan([(10, DigitsReceived("1"))]),                                                  # information, ended
    Plan([(4, NoInput()), (10, DigitsReceived("2")), (70, CallEnded())], queue="connected"),
    Plan([(6, DigitsReceived("7")), (8, CallEnded())], tier="fragile"),                 # hung up at the menu
    Plan([(20, DigitsReceived("2")), (90, CallEnded())], tier="urgent", queue="abandoned"),
    Plan([(3, DigitsReceived("1"))], start=T0 - timedelta(days=3)),                     # before the period
    # Two wrong keys: the second uses up the menu's one retry and sends the caller to a person.
    Plan([(5, DigitsReceived("7")), (9, DigitsReceived("8")), (60, CallEnded())], start=T0 + timedelta(hours=1),
         queue="connected"),
]
