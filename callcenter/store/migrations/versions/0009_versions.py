"""Versioned documents (flows now, knowledge-base entries later), their live pointers, the audit log.

The flow versions the server recorded from files (``flow_versions``) become published versions of
kind "flow", the latest of each flow live: calls in progress keep the version number they started on.

Revision ID: 0009
Revises: 0005
Create Date: 2026-12-05
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

from callcenter.store.models import UtcDateTime

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    versions = op.create_table(
        "document_versions",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("content", sa.Text, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("comment", sa.Text, nullable=False),
        sa.Column("diff", sa.Text, nullable=False),
        sa.Column("diff_from", sa.Integer, nullable=True),
        sa.UniqueConstraint("kind", "name", "version", name="uq_document_version"),
    )
    live = op.create_table(
        "document_live",
        sa.Column("kind", sa.String(32), primary_key=True),
        sa.Column("name", sa.String(120), primary_key=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("changed_by", sa.String(64), nullable=False),
        sa.Column("changed_at", UtcDateTime, nullable=False),
    )
    # The audit log (audit_log) comes from 0008.
    _copy_flow_versions(versions, live)
    op.drop_index("ix_flow_versions_sha", "flow_versions")
    op.drop_table("flow_versions")


def _copy_flow_versions(versions: sa.Table, live: sa.Table) -> None:
    import difflib

    conn = op.get_bind()
    old = sa.table("flow_versions", sa.column("flow_id"), sa.column("version"), sa.column("sha256"),
                   sa.column("source"), sa.column("path"), sa.column("created_at", UtcDateTime))
    rows = conn.execute(sa.select(old).order_by(old.c.flow_id, old.c.version)).all()
    previous: dict[str, str] = {}
    latest: dict[str, int] = {}
    for row in rows:
        before = previous.get(row.flow_id, "")
        diff = "".join(difflib.unified_diff(before.splitlines(keepends=True), row.source.splitlines(keepends=True),
                                            f"{row.flow_id} v{row.version - 1}", f"{row.flow_id} v{row.version}"))
        conn.execute(versions.insert().values(
            kind="flow", name=row.flow_id, version=row.version, status="published", content=row.source,
            sha256=row.sha256, created_by="system", created_at=row.created_at,
            comment=f"loaded from {row.path}", diff=diff if before else "",
            diff_from=row.version - 1 if before else None))
        previous[row.flow_id] = row.source
        latest[row.flow_id] = row.version
    now = datetime.now(UTC)
    for flow_id, version in latest.items():
        conn.execute(live.insert().values(kind="flow", name=flow_id, version=version, changed_by="system",
                                          changed_at=now))


def downgrade() -> None:
    op.create_table(
        "flow_versions",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("flow_id", sa.String(64), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("path", sa.String(500), nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.UniqueConstraint("flow_id", "version", name="uq_flow_version"),
    )
    op.execute("INSERT INTO flow_versions (flow_id, version, sha256, source, path, created_at) "
                "SELECT name, version, sha256, content, 'ivr_flows/' || name || '.yaml', created_at "
                "FROM document_versions WHERE kind = 'flow'")
    op.create_index("ix_flow_versions_sha", "flow_versions", ["flow_id", "sha256"], unique=False)
    op.drop_table("document_live")
    op.drop_table("document_versions")
