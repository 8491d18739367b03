"""Reading and writing agents' flags on knowledge-base answers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from callcenter.store.database import Database
from callcenter.store.models import KbFlag, User


@dataclass(frozen=True)
class FlagView:
    id: int
    call_sid: str
    kb_id: str
    agent: str
    at: datetime
    reason: str
    comment: str

    def as_json(self) -> dict[str, object]:
        return {"id": self.id, "call_sid": self.call_sid, "kb_id": self.kb_id, "agent": self.agent,
                "at": self.at.isoformat(), "reason": self.reason, "comment": self.comment}


async def add_flag(db: Database, *, call_sid: str, kb_id: str, agent_id: int, at: datetime, reason: str,
                   comment: str) -> int:
    async with db.sessions() as session, session.begin():
        flag = KbFlag(call_sid=call_sid, kb_id=kb_id, agent_id=agent_id, at=at, reason=reason, comment=comment)
        session.add(flag)
        await session.flush()
        return int(flag.id)


async def list_flags(db: Database, *, kb_id: str | None = None, call_sid: str | None = None) -> list[FlagView]:
    """Flags, newest first, with the name of the agent who raised each."""
    query = select(KbFlag, User.username).join(User, User.id == KbFlag.agent_id, isouter=True)
    if kb_id is not None:
        query = query.where(KbFlag.kb_id == kb_id)
    if call_sid is not None:
        query = query.where(KbFlag.call_sid == call_sid)
    async with db.sessions() as session:
        rows = (await session.execute(query.order_by(KbFlag.at.desc(), KbFlag.id.desc()))).all()
    return [FlagView(id=f.id, call_sid=f.call_sid, kb_id=f.kb_id, agent=name or f"#{f.agent_id}", at=f.at,
                     reason=f.reason, comment=f.comment) for f, name in rows]
