"""« Satisfaction »: the post-call survey's answers for supervisors, per path, per answer entry,
per agent and per fragility tier, over a date range, with the CSV export of the answers."""

from __future__ import annotations

from datetime import datetime, timedelta
from urllib.parse import urlencode

from aiohttp import web
from sqlalchemy import select

from callcenter.reports.satisfaction import SurveyFacts, as_csv, satisfaction_report
from callcenter.store.models import SurveyResponse, User
from callcenter.store.surveys import survey_rows
from callcenter.web import keys
from callcenter.web.auth import identity, requires
from callcenter.web.labels import load_labels
from callcenter.web.pages import _since
from callcenter.web.templates import render


def facts(row: SurveyResponse) -> SurveyFacts:
    return SurveyFacts(call_sid=row.call_sid, at=row.created_at, score=row.score, via=row.via, node=row.node,
                       tier=row.tier, comment=row.comment, kb_id=row.kb_id, agent_id=row.agent_id, queue=row.queue)


async def _period(request: web.Request) -> tuple[list[SurveyFacts], datetime | None, datetime | None]:
    """The answers of the days asked for (both included; UTC, like the other reports)."""
    since = _since(request.query.get("since"))
    until = _since(request.query.get("until"))
    rows = await survey_rows(request.app[keys.DATABASE], since, until + timedelta(days=1) if until else None)
    return [facts(r) for r in rows], since, until


async def _agents(request: web.Request) -> dict[int, str]:
    async with request.app[keys.DATABASE].sessions() as session:
        return {u.id: u.display_name or u.username for u in await session.scalars(select(User))}


def _names(request: web.Request) -> tuple[dict[str, str], dict[str, str]]:
    """French names of the flow's nodes (their titles) and of the knowledge base's entries."""
    flow = request.app[keys.CATALOG].current(request.app[keys.SERVICE].flow_id)
    nodes = dict(flow.titles) if flow is not None else {}
    knowledge = request.app[keys.CORES].knowledge
    entries = {e.id: e.title for e in knowledge.kb} if knowledge is not None else {}
    return nodes, entries


def _day(at: datetime | None) -> str | None:
    return at.date().isoformat() if at else None


@requires("supervisor")
async def satisfaction_page(request: web.Request) -> web.Response:
    who = identity(request)
    rows, since, until = await _period(request)
    nodes, entries = _names(request)
    report = satisfaction_report(rows, since=_day(since), until=_day(until), agents=await _agents(request),
                                 nodes=nodes, entries=entries, queues=load_labels().kind("queues"))
    pairs = [(k, v) for k, v in (("since", _day(since)), ("until", _day(until))) if v]
    return render("satisfaction_report.html", csrf_token=who.csrf, user=who, report=report,
                  csv_query="?" + urlencode(pairs) if pairs else "", since=_day(since) or "",
                  until=_day(until) or "", entries=entries, queues=load_labels().kind("queues"))


@requires("supervisor")
async def satisfaction_csv(request: web.Request) -> web.Response:
    rows, _, _ = await _period(request)
    return web.Response(text=as_csv(rows, await _agents(request)), content_type="text/csv", charset="utf-8",
                        headers={"Content-Disposition": 'attachment; filename="satisfaction.csv"'})


def setup_routes(app: web.Application) -> None:
    app.router.add_get("/reports/satisfaction.csv", satisfaction_csv)
    app.router.add_get("/reports/satisfaction", satisfaction_page)
