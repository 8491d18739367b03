"""The audit log: every change a supervisor, an admin or the system makes, with who, when, what.

Writes go through :func:`record_audit`, inside the caller's transaction, so a change and its
audit entry are committed together or not at all.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.store.database import Database
from callcenter.store.models import AuditEntry


def record_audit(session: AsyncSession, actor: str, action: str, object: str,  # noqa: A002
                 detail: dict[str, Any], at: datetime | None = None) -> None:
    """Add one audit entry to ``session``'s transaction (committed with the change it records)."""
    session.add(AuditEntry(at=at or datetime.now(UTC), actor=actor, action=action, object=object,
                           detail=detail))


async def audit_entries(db: Database, since: datetime | None = None, limit: int | None = None
                        ) -> Sequence[AuditEntry]:
    """Audit entries, newest first, from ``since`` on (at most ``limit``)."""
    query = select(AuditEntry).order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
    if since is not None:
        query = query.where(AuditEntry.at >= since)
    if limit is not None:
        query = query.limit(limit)
    async with db.sessions() as session:
        return list(await session.scalars(query))
