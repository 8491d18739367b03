"""SQLAlchemy mapped classes: calls, their ordered log, webhook receipts, document versions, audit.

The same schema runs on SQLite and PostgreSQL; the Alembic migrations in ``migrations/`` create it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator


class UtcDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite keeps no offset)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    type_annotation_map = {dict[str, Any]: JSON, datetime: UtcDateTime}


class Call(Base):
    """One phone call and its current IVR state (a cache of the replayed log)."""

    __tablename__ = "calls"

    call_sid: Mapped[str] = mapped_column(String(64), primary_key=True)
    flow_id: Mapped[str] = mapped_column(String(64))
    flow_version: Mapped[int] = mapped_column(Integer)
    # The caller's number masked for screens ("+33 ••••••• 78"); matching uses ``caller_hash``
    # (a keyed HMAC). The full number, needed for a callback or an SMS, is only in the call's state
    # and start event, and goes with the call at the end of its retention (docs/operations.md).
    # SIP addresses (sip:name@host) are cut to this length by the webhook.
    caller: Mapped[str | None] = mapped_column(String(255))
    caller_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    called: Mapped[str | None] = mapped_column(String(255))
    # Not indexed (0016): no query selects calls by status, and its index cost a page at each step.
    status: Mapped[str] = mapped_column(String(16))
    state: Mapped[dict[str, Any]] = mapped_column(JSON)
    last_response: Mapped[str | None] = mapped_column(Text)
    # The key of the request ``last_response`` answered, when that request is one Twilio asks in
    # order (the call's voice webhooks: see store/database.py, ``CallTx.remember``): its receipt.
    last_request_key: Mapped[str | None] = mapped_column(String(128))
    next_seq: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class CallLogEntry(Base):
    """Every event a call received and every command the engine gave, in order."""

    __tablename__ = "call_log"
    __table_args__ = (UniqueConstraint("call_sid", "seq", name="uq_call_log_seq"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    call_sid: Mapped[str] = mapped_column(ForeignKey("calls.call_sid", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    entry: Mapped[str] = mapped_column(String(8))  # "event" or "command"
    kind: Mapped[str] = mapped_column(String(32))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    source: Mapped[str | None] = mapped_column(String(32))


class WebhookReceipt(Base):
    """The answer given to one webhook request, so a retry gets the same answer, not a new step.

    Keyed by the call, then the request's key (0016): the call's transaction reads its request's
    receipt by both and the purge of a call deletes its receipts by the first, so one index serves
    both, where the key's and the call's were two to write at each event. A request's key is
    looked up within its call only."""

    __tablename__ = "webhook_receipts"

    call_sid: Mapped[str] = mapped_column(String(64), primary_key=True)
    key: Mapped[str] = mapped_column(String(128), primary_key=True)
    response: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class DocumentVersion(Base):
    """One immutable version of a versioned document (a flow; later a knowledge-base entry)."""

    __tablename__ = "document_versions"
    __table_args__ = (UniqueConstraint("kind", "name", "version", name="uq_document_version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(120))
    version: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))  # draft | published | rejected
    content: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    comment: Mapped[str] = mapped_column(Text)
    # Unified diff from version ``diff_from`` (the one live when this one was made, else the
    # latest); "" and None for the first.
    diff: Mapped[str] = mapped_column(Text)
    diff_from: Mapped[int | None] = mapped_column(Integer)
    # The review of a draft (knowledge-base entries): who approved or rejected it, when, why.
    reviewed_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    reviewed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    review_comment: Mapped[str | None] = mapped_column(Text, nullable=True)


class DocumentLive(Base):
    """Which version of a document is in force: the one pointer a publish or a rollback moves."""

    __tablename__ = "document_live"

    kind: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(120), primary_key=True)
    version: Mapped[int] = mapped_column(Integer)
    changed_by: Mapped[str] = mapped_column(String(64))
    changed_at: Mapped[datetime] = mapped_column(UtcDateTime)


class User(Base):
    """A person who logs in: an agent, a supervisor or an admin."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))
    active: Mapped[bool] = mapped_column(default=True)
    # Agents: skill -> expert level (1 basic .. 3 expert), spoken languages, how to reach them.
    skills: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    languages: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    phone: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class UserSession(Base):
    """A login: the cookie carries a random token, only its SHA-256 is stored. Logging out,
    disabling the user or changing their password revokes it; an admin can list and revoke it."""

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    revoked_reason: Mapped[str | None] = mapped_column(String(32))


class AgentPresence(Base):
    """An agent's current state: offline, available, busy, or wrap-up until a time."""

    __tablename__ = "agent_presence"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    state: Mapped[str] = mapped_column(String(16))
    since: Mapped[datetime] = mapped_column(UtcDateTime)
    wrapup_until: Mapped[datetime | None] = mapped_column(UtcDateTime)
    call_sid: Mapped[str | None] = mapped_column(String(64))


class QueueEntry(Base):
    """A caller handed to a person: waiting, offered to an agent, connected, or gone."""

    __tablename__ = "queue_entries"
    # The open entries by status, with what their order in the queue depends on (routing.Place):
    # a hand-over's wait estimate reads every waiting caller's place from the index alone (0018).
    __table_args__ = (Index("ix_queue_entries_waiting", "status", "tier", "priority", "enqueued_at", "call_sid"),)

    call_sid: Mapped[str] = mapped_column(String(64), primary_key=True)
    queue: Mapped[str] = mapped_column(String(64))
    skill: Mapped[str | None] = mapped_column(String(64))
    tier: Mapped[str] = mapped_column(String(16))
    priority: Mapped[int] = mapped_column(Integer, default=0)
    reasons: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(16))  # waiting|offered|connected|ended|abandoned
    # Indexed for the board's "queued since midnight" (0017).
    enqueued_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    offered_to: Mapped[int | None] = mapped_column(Integer)
    offered_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    declined_by: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    conference_sid: Mapped[str | None] = mapped_column(String(64))
    agent_id: Mapped[int | None] = mapped_column(Integer)
    agent_call_sid: Mapped[str | None] = mapped_column(String(64))
    transfer_to: Mapped[int | None] = mapped_column(Integer)
    transfer_call_sid: Mapped[str | None] = mapped_column(String(64))
    connected_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # The kind of line carrying the call ("twilio", "browser"); None: an entry older than 0005.
    channel: Mapped[str | None] = mapped_column(String(16))
    # Callbacks (0012): see desk.model.Entry; the number lives in ``callbacks`` only.
    callback_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    callback_due: Mapped[datetime | None] = mapped_column(UtcDateTime)
    callback_tries: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    callback_leg: Mapped[str | None] = mapped_column(String(64))
    callback_stage: Mapped[str | None] = mapped_column(String(16))
    agent_address: Mapped[str | None] = mapped_column(String(255))
    # The language the caller chose in the IVR when not the flow's first one (None: that one).
    language: Mapped[str | None] = mapped_column(String(8))


class RoutingDecision(Base):
    """Every routing step of a call, with the reason in words: the audit trail of priority."""

    __tablename__ = "routing_decisions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    call_sid: Mapped[str] = mapped_column(String(64), index=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    kind: Mapped[str] = mapped_column(String(24))
    agent_id: Mapped[int | None] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(Text)


class CallNote(Base):
    """What an agent wrote about a call, and the wrap-up code they chose."""

    __tablename__ = "call_notes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    call_sid: Mapped[str] = mapped_column(String(64), index=True)
    author_id: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    text: Mapped[str] = mapped_column(Text)
    wrapup_code: Mapped[str | None] = mapped_column(String(48))


class TriageFeedback(Base):
    """An agent's confirmation or correction of the triage for a call: what tunes the rules."""

    __tablename__ = "triage_feedback"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    call_sid: Mapped[str] = mapped_column(String(64), index=True)
    agent_id: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    confirmed: Mapped[bool] = mapped_column()
    original: Mapped[dict[str, Any]] = mapped_column(JSON)
    fragile: Mapped[bool] = mapped_column()
    urgent: Mapped[bool] = mapped_column()
    reasons: Mapped[dict[str, Any]] = mapped_column(JSON)
    comment: Mapped[str] = mapped_column(Text, default="")


class KbFlag(Base):
    """An agent's flag on a knowledge-base answer given in a call: wrong, outdated... for the reviewer."""

    __tablename__ = "kb_flags"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    call_sid: Mapped[str] = mapped_column(String(64), index=True)
    kb_id: Mapped[str] = mapped_column(String(96), index=True)
    agent_id: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    reason: Mapped[str] = mapped_column(String(24))
    comment: Mapped[str] = mapped_column(Text, default="")


class AuditEntry(Base):
    """Who did what to which object, when: flow publications and rollbacks, access and erasure
    requests, purges, any administrative act (written through ``store.audit.record_audit``).
    ``object`` never holds personal data itself (a caller is named by the prefix of their
    number's keyed hash)."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    actor: Mapped[str] = mapped_column(String(120))
    action: Mapped[str] = mapped_column(String(64), index=True)
    object: Mapped[str] = mapped_column(String(200))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class ScheduledJob(Base):
    """A timer shared by every server process: the one that moves ``due_at`` on runs the job."""

    __tablename__ = "scheduled_jobs"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    due_at: Mapped[datetime] = mapped_column(UtcDateTime)
    owner: Mapped[str | None] = mapped_column(String(64))
    ran_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class ClusterNode(Base):
    """A server process, and when it last said it was alive (its scheduler's heartbeat)."""

    __tablename__ = "cluster_nodes"

    node_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    started_at: Mapped[datetime] = mapped_column(UtcDateTime)
    seen_at: Mapped[datetime] = mapped_column(UtcDateTime)


class AppointmentAgency(Base):
    """A place (or a team on the phone) where callers can have an appointment, for one service
    (``service`` names the queue whose callers it sees: caf, impots...)."""

    __tablename__ = "appointment_agencies"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    address: Mapped[str] = mapped_column(String(255), default="")
    service: Mapped[str] = mapped_column(String(64), index=True)
    timezone: Mapped[str] = mapped_column(String(64), default="Europe/Paris")
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class AppointmentHours(Base):
    """One weekly range during which an agency gives appointments of one kind (``channel``:
    "phone" or "in_person"), cut into slots of ``slot_minutes``. Minutes since local midnight."""

    __tablename__ = "appointment_hours"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("appointment_agencies.id", ondelete="CASCADE"), index=True)
    weekday: Mapped[int] = mapped_column(Integer)  # 0 = Monday
    start_minute: Mapped[int] = mapped_column(Integer)
    end_minute: Mapped[int] = mapped_column(Integer)
    channel: Mapped[str] = mapped_column(String(16))
    slot_minutes: Mapped[int] = mapped_column(Integer)


class AppointmentSlot(Base):
    """One bookable time of an agency (capacity 1: at most one active appointment, enforced by
    the unique index on ``appointments``). Generating slots twice adds nothing (unique time)."""

    __tablename__ = "appointment_slots"
    __table_args__ = (UniqueConstraint("agency_id", "starts_at", "channel", name="uq_appointment_slot"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("appointment_agencies.id", ondelete="CASCADE"), index=True)
    starts_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    minutes: Mapped[int] = mapped_column(Integer)
    channel: Mapped[str] = mapped_column(String(16))


class Appointment(Base):
    """A caller's appointment. Only one ``booked`` row per slot and per reference (partial unique
    indexes): that, not a read before the write, is what stops two callers booking one slot.
    ``caller`` is masked like ``calls.caller``; the caller is found again by ``caller_hash``."""

    __tablename__ = "appointments"
    __table_args__ = (
        Index("uq_appointments_active_slot", "slot_id", unique=True,
              sqlite_where=text("status = 'booked'"), postgresql_where=text("status = 'booked'")),
        Index("uq_appointments_active_reference", "reference", unique=True,
              sqlite_where=text("status = 'booked'"), postgresql_where=text("status = 'booked'")),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    slot_id: Mapped[int] = mapped_column(ForeignKey("appointment_slots.id", ondelete="CASCADE"), index=True)
    caller: Mapped[str | None] = mapped_column(String(255))
    caller_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    reference: Mapped[str] = mapped_column(String(12), index=True)
    status: Mapped[str] = mapped_column(String(16), index=True)  # booked | cancelled | moved
    moved_to: Mapped[int | None] = mapped_column(Integer)
    created_call: Mapped[str | None] = mapped_column(String(64))
    updated_call: Mapped[str | None] = mapped_column(String(64))
    updated_by: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class SurveyResponse(Base):
    """A caller's answer to the post-call survey (one per call): the score (1-5) for "was your
    question answered", the comment (redacted, length-capped), what it is about (the knowledge
    base's entry, or the agent), where in the flow, and the caller's fragility tier."""

    __tablename__ = "survey_responses"

    call_sid: Mapped[str] = mapped_column(ForeignKey("calls.call_sid", ondelete="CASCADE"), primary_key=True)
    flow_id: Mapped[str] = mapped_column(String(64))
    score: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str | None] = mapped_column(Text)
    # "answer" (the knowledge base answered) or "agent" (a person did).
    via: Mapped[str] = mapped_column(String(16))
    # The answer node, or the queue of the transfer: the caller's path to what they rate.
    node: Mapped[str] = mapped_column(String(64))
    kb_id: Mapped[str | None] = mapped_column(String(96), index=True)
    agent_id: Mapped[int | None] = mapped_column(Integer, index=True)
    queue: Mapped[str | None] = mapped_column(String(64))
    tier: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class CallbackRecord(Base):
    """The number a caller asked to be called back on (kept whole only here, for the call; erased
    with the call), the slot they chose, the calls placed to them and the final SMS."""

    __tablename__ = "callbacks"

    call_sid: Mapped[str] = mapped_column(String(64), primary_key=True)
    number: Mapped[str | None] = mapped_column(String(32))
    slot: Mapped[str | None] = mapped_column(String(40))
    requested_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # {"legs": [call sids placed to the caller, in order]}
    legs: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    sms_sid: Mapped[str | None] = mapped_column(String(64))
    sms_status: Mapped[str | None] = mapped_column(String(24))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
