"""The caller's whole context, as the agent screen and ``GET /api/calls/{CallSid}`` show it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select

from callcenter.desk import queue_store as qs
from callcenter.ivr import CallState
from callcenter.privacy import mask_phone
from callcenter.store import Database
from callcenter.store.models import Call, QueueEntry, TriageFeedback

HISTORY_LIMIT = 10


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _queue(entry: QueueEntry | None, waited: float | None) -> dict[str, Any] | None:
    if entry is None:
        return None
    return {"queue": entry.queue, "skill": entry.skill, "tier": entry.tier, "priority": entry.priority,
            "reasons": list(entry.reasons.get("ids", ())), "status": entry.status,
            "enqueued_at": _iso(entry.enqueued_at), "waited_seconds": waited,
            "offered_to": entry.offered_to, "agent_id": entry.agent_id, "transfer_to": entry.transfer_to,
            # A callback: when asked for, from when due, tries made, and how far the call back got.
            "callback": None if entry.callback_at is None else {
                "requested_at": _iso(entry.callback_at), "due_at": _iso(entry.callback_due),
                "tries": entry.callback_tries or 0, "stage": entry.callback_stage}}


def summary(call: Call, state: CallState) -> dict[str, Any]:
    """A past call, as one line of a caller's history."""
    return {"call_sid": call.call_sid, "started_at": _iso(call.created_at), "status": call.status,
            "path": list(state.path), "last_node": state.node,
            "transfer": None if state.transfer is None else state.transfer.queue,
            "end_status": state.end_status,
            "utterances": [u.text for u in state.utterances][:5]}


async def call_context(db: Database, call_sid: str, now: datetime) -> dict[str, Any] | None:
    """Everything known about a call and its caller; ``None`` for an unknown call."""
    async with db.sessions() as session:
        call = await session.get(Call, call_sid)
        if call is None:
            return None
        state = CallState.from_dict(call.state)
        entry = await session.get(QueueEntry, call_sid)
        past: list[Call] = []
        if call.caller_hash:
            past = list(await session.scalars(
                select(Call).where(Call.caller_hash == call.caller_hash, Call.call_sid != call_sid)
                .order_by(Call.created_at.desc()).limit(HISTORY_LIMIT)))
        notes = await qs.notes(session, [call_sid, *(p.call_sid for p in past)])
        decisions = await qs.decisions(session, call_sid)
        feedback = list(await session.scalars(
            select(TriageFeedback).where(TriageFeedback.call_sid == call_sid).order_by(TriageFeedback.id)))
    waited = None
    if entry is not None:
        until = entry.connected_at or entry.ended_at or now
        waited = round((until - entry.enqueued_at).total_seconds())
    history = []
    for row in past:
        item = summary(row, CallState.from_dict(row.state))
        item["notes"] = notes.get(row.call_sid, [])
        history.append(item)
    return {
        "call_sid": call.call_sid,
        "status": state.status,
        # Stored masked since 0008; rows from before are masked here.
        "caller": call.caller if call.caller and "•" in call.caller else mask_phone(call.caller),
        "identity": dict(state.variables),
        "flow": {"id": call.flow_id, "version": call.flow_version},
        "started_at": state.started_at,
        # The language the caller chose in the IVR ("": the flow's first one, French).
        "language": state.language,
        "node": state.node,
        "path": list(state.path),
        "utterances": [{"text": u.text, "at": u.at, "node": u.node, "confidence": u.confidence}
                       for u in state.utterances],
        "answers": [{"kb_id": a.kb_id, "score": a.score, "node": a.node, "at": a.at} for a in state.answers],
        "triage": None if state.triage is None else dict(state.triage),
        # The answer to "êtes-vous en danger en ce moment ?" when the triage was in doubt.
        "danger_answer": state.danger_answer,
        "triage_feedback": [{"at": _iso(f.at), "agent_id": f.agent_id, "confirmed": f.confirmed,
                             "fragile": f.fragile, "urgent": f.urgent, "reasons": f.reasons.get("ids", []),
                             "comment": f.comment} for f in feedback],
        "queue": _queue(entry, waited),
        "routing": [{"at": _iso(d.at), "kind": d.kind, "agent_id": d.agent_id, "reason": d.reason}
                    for d in decisions],
        "notes": notes.get(call_sid, []),
        "history": history,
    }
