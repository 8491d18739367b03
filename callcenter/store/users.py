"""Reading and writing users (logins, roles, agents' skills)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from callcenter.errors import CallCenterError
from callcenter.store.database import Database
from callcenter.store.models import User
from callcenter.store.sessions import revoke_all_statement


class UserError(CallCenterError):
    code = "user"


async def add_user(db: Database, *, username: str, password_hash: str, role: str, now: datetime,
                   display_name: str | None = None, skills: dict[str, Any] | None = None,
                   languages: list[str] | None = None, phone: str | None = None) -> User:
    user = User(username=username, display_name=display_name or username, password_hash=password_hash,
                role=role, active=True, skills=skills or {},
                # French is every agent's working language; others are added to it.
                languages={"spoken": list(dict.fromkeys(["fr", *(languages or [])]))},
                phone=phone, created_at=now)
    try:
        async with db.sessions() as session, session.begin():
            session.add(user)
    except IntegrityError:
        raise UserError(f"user {username!r} already exists") from None
    return user


async def user_by_name(db: Database, username: str) -> User | None:
    async with db.sessions() as session:
        return await session.scalar(select(User).where(User.username == username))


async def user_by_id(db: Database, user_id: int) -> User | None:
    async with db.sessions() as session:
        return await session.get(User, user_id)


async def list_users(db: Database) -> list[User]:
    async with db.sessions() as session:
        return list(await session.scalars(select(User).order_by(User.username)))


async def set_active(db: Database, username: str, active: bool) -> None:
    """Enable or disable a login; disabling also revokes every session of the user at once."""
    async with db.sessions() as session, session.begin():
        user = await session.scalar(select(User).where(User.username == username))
        if user is None:
            raise UserError(f"no user {username!r}")
        user.active = active
        if not active:
            await session.execute(revoke_all_statement(user.id, datetime.now(UTC), "disabled"))


async def set_password_hash(db: Database, user_id: int, password_hash: str) -> None:
    """A new password; every session opened with the old one is revoked."""
    async with db.sessions() as session, session.begin():
        user = await session.get(User, user_id)
        if user is None:
            raise UserError(f"no user with id {user_id}")
        user.password_hash = password_hash
        await session.execute(revoke_all_statement(user.id, datetime.now(UTC), "password changed"))
