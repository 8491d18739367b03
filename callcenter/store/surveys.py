"""Survey answers in the store: written with the call's step, read by the satisfaction report."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.ivr.commands import RecordSurvey
from callcenter.store.database import Database
from callcenter.store.models import SurveyResponse


async def save_survey(session: AsyncSession, call_sid: str, flow_id: str, command: RecordSurvey,
                      now: datetime) -> None:
    """One row per call: the score when given, then the comment on the same row."""
    row = await session.get(SurveyResponse, call_sid)
    if row is None:
        session.add(SurveyResponse(
            call_sid=call_sid, flow_id=flow_id, score=command.score, comment=command.comment, via=command.via,
            node=command.node[:64], kb_id=command.kb_id, agent_id=command.agent_id, queue=command.queue,
            tier=command.tier, created_at=now, updated_at=now))
        return
    row.score = command.score
    if command.comment is not None:
        row.comment = command.comment
    row.updated_at = now


async def survey_rows(db: Database, since: datetime | None = None, until: datetime | None = None,
                      ) -> list[SurveyResponse]:
    """Answers given from ``since`` (included) to ``until`` (excluded), oldest first."""
    query = select(SurveyResponse)
    if since is not None:
        query = query.where(SurveyResponse.created_at >= since)
    if until is not None:
        query = query.where(SurveyResponse.created_at < until)
    async with db.sessions() as session:
        return list(await session.scalars(query.order_by(SurveyResponse.created_at, SurveyResponse.call_sid)))
