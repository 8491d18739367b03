"""The HTML pages: the agent's caller-context screen and the supervisors' queue board."""

from __future__ import annotations

from datetime import UTC, datetime

from aiohttp import web

from callcenter.reports import equity_report
from callcenter.reports.data import call_facts
from callcenter.reports.render import as_html
from callcenter.web import keys
from callcenter.web.auth import identity, requires
from callcenter.web.templates import render


@requires("agent")
async def agent_page(request: web.Request) -> web.Response:
    who = identity(request)
    return render("agent.html", csrf_token=who.csrf, user=who)


@requires("supervisor")
async def board_page(request: web.Request) -> web.Response:
    who = identity(request)
    return render("board.html", csrf_token=who.csrf, user=who)


@requires("supervisor")
async def equity_page(request: web.Request) -> web.Response:
    who = identity(request)
    since = _since(request.query.get("since"))
    facts = await call_facts(request.app[keys.DATABASE], since)
    rules = request.app[keys.CORES].triage
    report = equity_report(facts, since.date().isoformat() if since else None,
                           rules.reasons if rules else ())
    return web.Response(text=as_html(report, csrf_token=who.csrf, user=who), content_type="text/html",
                        charset="utf-8")


def _since(raw: str | None) -> datetime | None:
    if not raw:
        return None
    try:
        return datetime.fromisoformat(raw).replace(tzinfo=UTC)
    except ValueError:
        raise web.HTTPBadRequest(text="since: expected a date, YYYY-MM-DD") from None


def setup_routes(app: web.Application) -> None:
    app.router.add_get("/reports/equity", equity_page)
    app.router.add_get("/agent", agent_page)
    app.router.add_get("/board", board_page)
