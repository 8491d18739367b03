"""Retention, access and erasure: what the store keeps of callers, and for how long.

- :func:`purge` deletes what is past its retention (calls with their log and transcripts, then the
  analyses of calls, then webhook receipts) and hashes the numbers of calls stored before 0008.
- :func:`export` gathers everything stored about one caller number (an access request).
- :func:`erase` deletes it (an erasure request).

Each writes an entry in the audit log (:func:`audit`): who, when, what, on which object. A caller
is named there by the start of their number's keyed hash, never by the number.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.privacy.numbers import caller_key, mask_phone, normalise_number, stored_caller
from callcenter.store import Database
from callcenter.store.audit import record_audit
from callcenter.store.models import (
    Appointment,
    AppointmentSlot,
    Call,
    CallbackRecord,
    CallLogEntry,
    CallNote,
    QueueEntry,
    RoutingDecision,
    SurveyResponse,
    TriageFeedback,
    WebhookReceipt,
)

_LOGGER = logging.getLogger(__name__)


@dataclass(frozen=True)
class Retention:
    """Days each kind of record is kept (settings ``CALLCENTER_RETENTION_*``)."""

    calls_days: int
    analyses_days: int
    receipts_days: int


def audit(session: AsyncSession, actor: str, action: str, obj: str, detail: dict[str, Any], at: datetime) -> None:
    """Add one audit entry to ``session``'s transaction (committed with what it records)."""
    record_audit(session, actor[:120], action, obj[:200], detail, at)


def caller_object(key: bytes, number: str) -> str:
    hashed = caller_key(key, number)
    return f"caller:{(hashed or 'none')[:16]}"


# -- purge -----------------------------------------------------------------------------------------

# Rows deleted per transaction: on SQLite the writer lock is held for one batch only, so call
# events queue behind a purge for milliseconds, not for the whole purge (their wait is bounded).
BATCH = 200


async def purge(db: Database, retention: Retention, key: bytes, now: datetime, *, dry_run: bool = False,
                actor: str = "system") -> dict[str, int]:
    """Delete what is past its retention; return the counts (what would go, with ``dry_run``)."""
    calls_before = now - timedelta(days=retention.calls_days)
    analyses_before = now - timedelta(days=retention.analyses_days)
    receipts_before = now - timedelta(days=retention.receipts_days)
    old_calls = select(Call.call_sid).where(Call.created_at < calls_before)
    # Past their own retention, whatever their call: (name, model, the first column of its primary
    # key, condition). A batch deletes the rows past their retention among those whose key starts
    # with one of the values chosen (the receipts: of up to BATCH calls, those aged). No index
    # serves the receipts' age: each batch reads the table in the order the receipts came until it
    # has its calls (a periodic job; docs/performance.md, part 9a), where an index on it would be
    # one more page to write at every call event.
    aged: list[tuple[str, Any, Any, Any]] = [
        ("call_notes", CallNote, CallNote.id, CallNote.at < analyses_before),
        ("routing_decisions", RoutingDecision, RoutingDecision.id, RoutingDecision.at < analyses_before),
        ("triage_feedback", TriageFeedback, TriageFeedback.id, TriageFeedback.at < analyses_before),
        ("webhook_receipts", WebhookReceipt, WebhookReceipt.call_sid, WebhookReceipt.created_at < receipts_before),
        ("appointments", Appointment, Appointment.id, Appointment.slot_id.in_(
            select(AppointmentSlot.id).where(AppointmentSlot.starts_at < calls_before))),
    ]
    counted: list[tuple[str, Any, Any]] = [
        ("call_log", CallLogEntry, CallLogEntry.call_sid.in_(old_calls)),
        ("queue_entries", QueueEntry, QueueEntry.call_sid.in_(old_calls)),
        ("survey_responses", SurveyResponse, SurveyResponse.call_sid.in_(old_calls)),
        ("callbacks", CallbackRecord, CallbackRecord.call_sid.in_(old_calls)),
        ("webhook_receipts", WebhookReceipt,
         or_(WebhookReceipt.call_sid.in_(old_calls), WebhookReceipt.created_at < receipts_before)),
        ("call_notes", CallNote, CallNote.at < analyses_before),
        ("routing_decisions", RoutingDecision, RoutingDecision.at < analyses_before),
        ("triage_feedback", TriageFeedback, TriageFeedback.at < analyses_before),
        ("calls", Call, Call.created_at < calls_before),
        # A caller's appointment is kept as long as a call, from the time it was (or would have been).
        ("appointments", Appointment, Appointment.slot_id.in_(
            select(AppointmentSlot.id).where(AppointmentSlot.starts_at < calls_before))),
    ]
    legacy = (Call.caller_hash.is_(None), Call.caller.is_not(None), Call.created_at >= calls_before)
    counts: dict[str, int] = {}
    async with db.sessions() as session:
        for name, model, where in counted:
            counts[name] = int(await session.scalar(select(func.count()).select_from(model).where(where)) or 0)
        callers = await session.scalars(select(Call.caller).where(*legacy))
        counts["numbers_hashed"] = sum(1 for c in callers if c and "•" not in c and caller_key(key, c))
    if dry_run:
        return counts
    # The calls, each with what hangs on it, a batch per transaction.
    while True:
        async with db.writing(), db.sessions() as session, session.begin():
            sids = list(await session.scalars(old_calls.limit(BATCH)))
            if not sids:
                break
            for model, column in ((CallLogEntry, CallLogEntry.call_sid), (QueueEntry, QueueEntry.call_sid),
                                  (SurveyResponse, SurveyResponse.call_sid),
                                  (CallbackRecord, CallbackRecord.call_sid),
                                  (WebhookReceipt, WebhookReceipt.call_sid), (Call, Call.call_sid)):
                await session.execute(delete(model).where(column.in_(sids))
                                      .execution_options(synchronize_session=False))
    for _name, model, pk, where in aged:
        while True:
            async with db.writing(), db.sessions() as session, session.begin():
                keys = list(await session.scalars(select(pk).where(where).limit(BATCH)))
                if not keys:
                    break
                await session.execute(delete(model).where(pk.in_(set(keys)), where)
                                      .execution_options(synchronize_session=False))
    # Calls stored before 0008 kept the number: hash it for matching, mask it for screens.
    after = ""
    while True:
        async with db.writing(), db.sessions() as session, session.begin():
            rows = list(await session.execute(select(Call.call_sid, Call.caller).where(*legacy, Call.call_sid > after)
                                              .order_by(Call.call_sid).limit(BATCH)))
            if not rows:
                break
            for row in rows:
                if row.caller and "•" not in row.caller:
                    await session.execute(update(Call).where(Call.call_sid == row.call_sid).values(
                        caller_hash=caller_key(key, row.caller), caller=stored_caller(row.caller)))
            after = rows[-1].call_sid
    async with db.writing(), db.sessions() as session, session.begin():
        audit(session, actor, "privacy.purge", "store", {
            "counts": counts, "retention_days": {"calls": retention.calls_days, "analyses": retention.analyses_days,
                                                 "receipts": retention.receipts_days}}, now)
    return counts


async def purge_periodically(db: Database, retention: Retention, key: bytes, clock: Callable[[], datetime],
                             every_seconds: float, first_after: float = 60.0) -> None:
    """The server's purge task: once shortly after start, then every ``every_seconds``. A failed
    purge is logged and tried again at the next turn; it never stops the server."""
    await asyncio.sleep(first_after)
    while True:
        try:
            counts = await purge(db, retention, key, clock())
            gone = {k: v for k, v in counts.items() if v}
            _LOGGER.info("privacy purge: %s", ", ".join(f"{k} {v}" for k, v in gone.items()) or "nothing to do")
        except Exception:  # noqa: BLE001 - the next turn tries again; calls must go on meanwhile
            _LOGGER.exception("privacy purge failed")
        await asyncio.sleep(every_seconds)


# -- access and erasure ------------------------------------------------------------------------------

def _matching(key: bytes, number: str) -> Any:
    hashed = caller_key(key, number)
    if hashed is None:
        raise ValueError(f"{number!r} is not a caller number")
    # Calls stored before 0008 (not yet purged) still hold the number as the network gave it.
    raw = {number.strip(), normalise_number(number)}
    return or_(Call.caller_hash == hashed, Call.caller.in_(raw))


def _iso(at: datetime | None) -> str | None:
    return None if at is None else at.isoformat()


async def export(db: Database, key: bytes, number: str, now: datetime, actor: str) -> dict[str, Any]:
    """Everything stored about calls from ``number``, as JSON-ready data (an access request)."""
    async with db.sessions() as session, session.begin():
        calls = list(await session.scalars(select(Call).where(_matching(key, number)).order_by(Call.created_at)))
        sids = [c.call_sid for c in calls]
        logs = list(await session.scalars(select(CallLogEntry).where(CallLogEntry.call_sid.in_(sids))
                                          .order_by(CallLogEntry.call_sid, CallLogEntry.seq)))
        entries = {e.call_sid: e for e in
                   await session.scalars(select(QueueEntry).where(QueueEntry.call_sid.in_(sids)))}
        notes = list(await session.scalars(select(CallNote).where(CallNote.call_sid.in_(sids)).order_by(CallNote.id)))
        decisions = list(await session.scalars(select(RoutingDecision).where(RoutingDecision.call_sid.in_(sids))
                                               .order_by(RoutingDecision.id)))
        feedback = list(await session.scalars(select(TriageFeedback).where(TriageFeedback.call_sid.in_(sids))
                                              .order_by(TriageFeedback.id)))
        surveys = {s.call_sid: s for s in
                   await session.scalars(select(SurveyResponse).where(SurveyResponse.call_sid.in_(sids)))}
        hashed = caller_key(key, number)
        appointments = [] if hashed is None else list(await session.execute(
            select(Appointment, AppointmentSlot).join(AppointmentSlot, Appointment.slot_id == AppointmentSlot.id)
            .where(Appointment.caller_hash == hashed).order_by(Appointment.id)))
        audit(session, actor, "privacy.export", caller_object(key, number),
              {"calls": len(calls), **({"appointments": len(appointments)} if appointments else {})}, now)
    out = []
    for call in calls:
        entry = entries.get(call.call_sid)
        out.append({
            "call_sid": call.call_sid, "created_at": _iso(call.created_at), "ended_at": _iso(call.ended_at),
            "status": call.status, "flow": {"id": call.flow_id, "version": call.flow_version},
            "state": call.state,
            "log": [{"seq": e.seq, "at": _iso(e.at), "entry": e.entry, "kind": e.kind, "payload": e.payload}
                    for e in logs if e.call_sid == call.call_sid],
            "queue": None if entry is None else {
                "queue": entry.queue, "status": entry.status, "enqueued_at": _iso(entry.enqueued_at),
                "connected_at": _iso(entry.connected_at), "ended_at": _iso(entry.ended_at), "tier": entry.tier},
            "routing": [{"at": _iso(d.at), "kind": d.kind, "reason": d.reason}
                        for d in decisions if d.call_sid == call.call_sid],
            "notes": [{"at": _iso(n.at), "text": n.text, "wrapup_code": n.wrapup_code}
                      for n in notes if n.call_sid == call.call_sid],
            "triage_feedback": [{"at": _iso(f.at), "fragile": f.fragile, "urgent": f.urgent, "comment": f.comment}
                                for f in feedback if f.call_sid == call.call_sid],
            "survey": None if (answer := surveys.get(call.call_sid)) is None else {
                "at": _iso(answer.created_at), "score": answer.score, "comment": answer.comment},
        })
    booked = [{"reference": a.reference, "status": a.status, "starts_at": _iso(slot.starts_at), "channel": slot.channel,
               "created_at": _iso(a.created_at), "updated_at": _iso(a.updated_at), "call_sid": a.created_call}
              for a, slot in appointments]
    return {"number": mask_phone(number), "exported_at": now.isoformat(), "calls": out, "appointments": booked}


async def erase(db: Database, key: bytes, number: str, now: datetime, actor: str,
                *, dry_run: bool = False) -> dict[str, int]:
    """Delete every call from ``number`` with all that hangs on it (an erasure request)."""
    counts: dict[str, int] = {}
    async with db.writing(), db.sessions() as session, session.begin():
        sids = list(await session.scalars(select(Call.call_sid).where(_matching(key, number))))
        # The number given for a callback of someone else's call goes too (only the callback record).
        callbacks = or_(CallbackRecord.call_sid.in_(sids), CallbackRecord.number == normalise_number(number))
        counts["callbacks"] = int(await session.scalar(select(func.count()).select_from(CallbackRecord)
                                                       .where(callbacks)) or 0)
        if not dry_run:
            await session.execute(delete(CallbackRecord).where(callbacks).execution_options(synchronize_session=False))
        for name, model, column in (("call_log", CallLogEntry, CallLogEntry.call_sid),
                                    ("queue_entries", QueueEntry, QueueEntry.call_sid),
                                    ("webhook_receipts", WebhookReceipt, WebhookReceipt.call_sid),
                                    ("call_notes", CallNote, CallNote.call_sid),
                                    ("routing_decisions", RoutingDecision, RoutingDecision.call_sid),
                                    ("triage_feedback", TriageFeedback, TriageFeedback.call_sid),
                                    ("survey_responses", SurveyResponse, SurveyResponse.call_sid),
                                    ("calls", Call, Call.call_sid),
                                    ("appointments", Appointment, Appointment.caller_hash)):
            if model is Appointment:
                where = Appointment.caller_hash == (caller_key(key, number) or "-")
            else:
                where = column.in_(sids)
            counts[name] = int(await session.scalar(select(func.count()).select_from(model).where(where)) or 0)
            if not dry_run:
                await session.execute(delete(model).where(where).execution_options(synchronize_session=False))
        if dry_run:
            await session.rollback()
            return counts
        audit(session, actor, "privacy.erase", caller_object(key, number), {"counts": counts}, now)
    return counts
