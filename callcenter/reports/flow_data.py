"""Logged calls for the flow analytics and the knowledge gaps, read from the store (the adapter)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Row, or_, select

from callcenter.flows.catalog import KIND, stored_name
from callcenter.flows.loader import parse_flow
from callcenter.flows.model import Flow
from callcenter.reports.flow_analytics import LoggedCall, Step, tier_of
from callcenter.store import Database
from callcenter.store.models import Call, CallLogEntry, QueueEntry
from callcenter.versions.store import VersionStore


def steps_of(log: Sequence[Row[Any]]) -> tuple[Step, ...]:
    """Each logged event with the commands that followed it (the log keeps them in order)."""
    steps: list[Step] = []
    for row in log:
        if row.entry == "event":
            text = row.payload.get("text") if row.kind == "speech" else None
            steps.append(Step(at=row.at, event=row.kind, text=text))
        elif row.kind == "gather" and steps:
            last = steps[-1]
            steps[-1] = Step(at=last.at, event=last.event, listens_at=str(row.payload.get("node")),
                             prompt=str(row.payload.get("prompt", "")), text=last.text, listens=last.listens + 1)
    return tuple(steps)


async def logged_calls(db: Database, *, flow_id: str | None = None, since: datetime | None = None,
                       until: datetime | None = None, version: int | None = None) -> list[LoggedCall]:
    """Calls started in ``[since, until)`` (either open), of ``flow_id`` (every flow when ``None``)
    and of ``version`` (every version when ``None``), oldest first, with their logs."""
    async with db.sessions() as session:
        query = select(Call)
        if flow_id is not None:
            query = query.where(Call.flow_id == flow_id)
        if since is not None:
            query = query.where(Call.created_at >= since)
        if until is not None:
            query = query.where(Call.created_at < until)
        if version is not None:
            query = query.where(Call.flow_version == version)
        calls = list(await session.scalars(query.order_by(Call.created_at, Call.call_sid)))
        sids = [c.call_sid for c in calls]
        logs: dict[str, list[Row[Any]]] = {sid: [] for sid in sids}
        entries: dict[str, QueueEntry] = {}
        # In slices: a long period must not build one query with thousands of parameters.
        for start in range(0, len(sids), 500):
            part = sids[start:start + 500]
            # Plain rows, and only what the reports read (events and questions): several times
            # faster than whole log objects on a month of calls (bench/flow_analytics.py).
            log = (select(CallLogEntry.call_sid, CallLogEntry.at, CallLogEntry.entry, CallLogEntry.kind,
                          CallLogEntry.payload)
                   .where(CallLogEntry.call_sid.in_(part),
                          or_(CallLogEntry.entry == "event", CallLogEntry.kind == "gather"))
                   .order_by(CallLogEntry.call_sid, CallLogEntry.seq))
            for row in await session.execute(log):
                logs[row.call_sid].append(row)
            for entry in await session.scalars(select(QueueEntry).where(QueueEntry.call_sid.in_(part))):
                entries[entry.call_sid] = entry
    out = []
    for call in calls:
        state = call.state or {}
        entry = entries.get(call.call_sid)
        out.append(LoggedCall(
            call_sid=call.call_sid, flow_version=call.flow_version, created_at=call.created_at,
            tier=tier_of(state.get("triage")), path=tuple(state.get("path", ())),
            steps=steps_of(logs[call.call_sid]), ended=call.status == "ended" or state.get("status") == "ended",
            end_status=state.get("end_status"), transferred=state.get("transfer") is not None,
            person_answered=entry is not None and entry.connected_at is not None,
            answers=len(state.get("answers", ())), total_no_match=int(state.get("total_no_match", 0)),
            callback=bool(state.get("callback_requested")), unstaffed=state.get("unstaffed") is not None,
            caller_hash=call.caller_hash, state=state))
    return out


async def flow_versions(db: Database, flow_id: str, versions: Sequence[int]) -> dict[int, Flow]:
    """The stored versions of a flow (those that can no longer be read are left out)."""
    store = VersionStore(db)
    out: dict[int, Flow] = {}
    for number in versions:
        stored = await store.get(KIND, flow_id, number)
        if stored is not None:
            out[number] = parse_flow(stored.content, stored_name(flow_id, number))
    return out


async def live_or_latest(db: Database, flow_id: str) -> int | None:
    store = VersionStore(db)
    live = await store.live(KIND, flow_id)
    if live is not None:
        return live.version
    history = await store.history(KIND, flow_id)
    return max((v.version for v in history), default=None)


async def flows_of(db: Database, calls: Sequence[LoggedCall]) -> dict[tuple[str, int], Flow]:
    """The flow version each call ran, keyed by (flow id, version)."""
    wanted: dict[str, set[int]] = {}
    for call in calls:
        wanted.setdefault(str(call.state.get("flow_id", "")), set()).add(call.flow_version)
    out: dict[tuple[str, int], Flow] = {}
    for flow_id, versions in sorted(wanted.items()):
        for number, flow in (await flow_versions(db, flow_id, sorted(versions))).items():
            out[(flow_id, number)] = flow
    return out
