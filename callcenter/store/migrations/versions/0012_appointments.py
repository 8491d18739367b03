"""Appointments by phone: agencies, their weekly appointment hours, slots, and bookings.

One active booking per slot and per reference: partial unique indexes (SQLite and PostgreSQL both
have them), so two callers racing for one slot cannot both win, whatever the process.

Revision ID: 0012_appointments
Revises: 0011
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from callcenter.store.models import UtcDateTime

revision = "0012_appointments"
down_revision = "0011"
branch_labels = None
depends_on = None

ACTIVE = sa.text("status = 'booked'")


def upgrade() -> None:
    op.create_table(
        "appointment_agencies",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(120), nullable=False, unique=True),
        sa.Column("address", sa.String(255), nullable=False),
        sa.Column("service", sa.String(64), nullable=False),
        sa.Column("timezone", sa.String(64), nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
    )
    op.create_index("ix_appointment_agencies_service", "appointment_agencies", ["service"])
    op.create_table(
        "appointment_hours",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("agency_id", sa.Integer, sa.ForeignKey("appointment_agencies.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("weekday", sa.Integer, nullable=False),
        sa.Column("start_minute", sa.Integer, nullable=False),
        sa.Column("end_minute", sa.Integer, nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("slot_minutes", sa.Integer, nullable=False),
    )
    op.create_index("ix_appointment_hours_agency_id", "appointment_hours", ["agency_id"])
    op.create_table(
        "appointment_slots",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("agency_id", sa.Integer, sa.ForeignKey("appointment_agencies.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("starts_at", UtcDateTime, nullable=False),
        sa.Column("minutes", sa.Integer, nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.UniqueConstraint("agency_id", "starts_at", "channel", name="uq_appointment_slot"),
    )
    op.create_index("ix_appointment_slots_agency_id", "appointment_slots", ["agency_id"])
    op.create_index("ix_appointment_slots_starts_at", "appointment_slots", ["starts_at"])
    op.create_table(
        "appointments",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("slot_id", sa.Integer, sa.ForeignKey("appointment_slots.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("caller", sa.String(255), nullable=True),
        sa.Column("caller_hash", sa.String(64), nullable=True),
        sa.Column("reference", sa.String(12), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("moved_to", sa.Integer, nullable=True),
        sa.Column("created_call", sa.String(64), nullable=True),
        sa.Column("updated_call", sa.String(64), nullable=True),
        sa.Column("updated_by", sa.String(64), nullable=True),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("updated_at", UtcDateTime, nullable=False),
    )
    op.create_index("ix_appointments_slot_id", "appointments", ["slot_id"])
    op.create_index("ix_appointments_caller_hash", "appointments", ["caller_hash"])
    op.create_index("ix_appointments_reference", "appointments", ["reference"])
    op.create_index("ix_appointments_status", "appointments", ["status"])
    op.create_index("uq_appointments_active_slot", "appointments", ["slot_id"], unique=True,
                    sqlite_where=ACTIVE, postgresql_where=ACTIVE)
    op.create_index("uq_appointments_active_reference", "appointments", ["reference"], unique=True,
                    sqlite_where=ACTIVE, postgresql_where=ACTIVE)


def downgrade() -> None:
    op.drop_table("appointments")
    op.drop_table("appointment_slots")
    op.drop_table("appointment_hours")
    op.drop_table("appointment_agencies")
