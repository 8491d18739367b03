"""Login sessions kept on the server, so that logging out (or an admin) really ends them.

The cookie carries a random token (signed, with the CSRF nonce); the table keeps only the token's
SHA-256, so reading the table does not let anyone log in. Expired rows are deleted as new
sessions are made.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Update, delete, select, update

from callcenter.store.database import Database
from callcenter.store.models import User, UserSession

# Rows of expired or revoked sessions are kept this long (who was logged in when), then deleted.
KEEP_ENDED = timedelta(days=30)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class SessionRow:
    """A session as an admin sees it (never its token)."""

    id: int
    user_id: int
    username: str
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None
    revoked_reason: str | None

    def active(self, now: datetime) -> bool:
        return self.revoked_at is None and self.expires_at > now


async def create_session(db: Database, user_id: int, now: datetime, ttl: timedelta) -> str:
    """A new session for ``user_id``; returns the token for the cookie."""
    token = secrets.token_urlsafe(32)
    async with db.sessions() as session, session.begin():
        await session.execute(delete(UserSession).where(UserSession.expires_at < now - KEEP_ENDED))
        session.add(UserSession(token_hash=token_hash(token), user_id=user_id, created_at=now,
                                expires_at=now + ttl))
    return token


async def session_user(db: Database, token: str, now: datetime) -> User | None:
    """The active user of a live session (one query), else ``None``."""
    async with db.sessions() as session:
        return await session.scalar(
            select(User).join(UserSession, UserSession.user_id == User.id)
            .where(UserSession.token_hash == token_hash(token), UserSession.revoked_at.is_(None),
                   UserSession.expires_at > now, User.active.is_(True)))


async def revoke_token(db: Database, token: str, now: datetime, reason: str) -> None:
    async with db.sessions() as session, session.begin():
        await session.execute(update(UserSession).where(
            UserSession.token_hash == token_hash(token), UserSession.revoked_at.is_(None))
            .values(revoked_at=now, revoked_reason=reason))


async def revoke_session(db: Database, session_id: int, now: datetime, reason: str) -> bool:
    """Revoke one session by its id; ``False`` if there is no such live session."""
    async with db.sessions() as session, session.begin():
        result = await session.execute(update(UserSession).where(
            UserSession.id == session_id, UserSession.revoked_at.is_(None))
            .values(revoked_at=now, revoked_reason=reason))
    return bool(result.rowcount)  # type: ignore[attr-defined]


def revoke_all_statement(user_id: int, now: datetime, reason: str) -> Update:
    """Every live session of a user, revoked (run inside the caller's transaction)."""
    return (update(UserSession).where(UserSession.user_id == user_id, UserSession.revoked_at.is_(None))
            .values(revoked_at=now, revoked_reason=reason))


async def revoke_user_sessions(db: Database, user_id: int, now: datetime, reason: str) -> int:
    async with db.sessions() as session, session.begin():
        result = await session.execute(revoke_all_statement(user_id, now, reason))
    return int(result.rowcount)  # type: ignore[attr-defined]


async def list_sessions(db: Database, now: datetime, *, username: str | None = None,
                        include_ended: bool = False) -> list[SessionRow]:
    query = (select(UserSession, User.username).join(User, User.id == UserSession.user_id)
             .order_by(UserSession.created_at.desc()))
    if username is not None:
        query = query.where(User.username == username)
    if not include_ended:
        query = query.where(UserSession.revoked_at.is_(None), UserSession.expires_at > now)
    async with db.sessions() as session:
        rows = (await session.execute(query)).all()
    return [SessionRow(s.id, s.user_id, name, s.created_at, s.expires_at, s.revoked_at, s.revoked_reason)
            for s, name in rows]
