"""Survey answers in the store: written with the call's step, read by the satisfaction report."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, select

from callcenter.ivr.commands import RecordSurvey
from callcenter.store import prepared
from callcenter.store.database import Database
from callcenter.store.models import SurveyResponse

_SURVEYS = SurveyResponse.__table__
_SURVEY_OF = select(_SURVEYS.c.call_sid).where(_SURVEYS.c.call_sid == bindparam("sid"))
_INSERT_SURVEY = _SURVEYS.insert()
_UPDATE_SURVEY = _SURVEYS.update().where(_SURVEYS.c.call_sid == bindparam("sid"))


async def save_survey(conn: prepared.Connection, call_sid: str, flow_id: str, command: RecordSurvey,
                      now: datetime) -> None:
    """One row per call: the score when given, then the comment on the same row. Written with the
    call's step, on its transaction's connection (plain statements: no ORM session on the call path)."""
    if await prepared.first(conn, _SURVEY_OF, {"sid": call_sid}) is None:
        await prepared.run(conn, _INSERT_SURVEY, {
            "call_sid": call_sid, "flow_id": flow_id, "score": command.score, "comment": command.comment,
            "via": command.via, "node": command.node[:64], "kb_id": command.kb_id, "agent_id": command.agent_id,
            "queue": command.queue, "tier": command.tier, "created_at": now, "updated_at": now})
        return
    changes = {"score": command.score, "updated_at": now}
    if command.comment is not None:
        changes["comment"] = command.comment
    await prepared.run(conn, _UPDATE_SURVEY, {**changes, "sid": call_sid})


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
