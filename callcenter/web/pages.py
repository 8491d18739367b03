"""The HTML pages: the agent's caller-context screen and the supervisors' queue board."""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo

from aiohttp import web
from sqlalchemy import select

from callcenter.reports import equity_report
from callcenter.reports.data import call_facts
from callcenter.reports.render import as_html
from callcenter.store.models import QueueEntry
from callcenter.web import keys
from callcenter.web.auth import identity, requires
from callcenter.web.board_view import board_view, service_level_words
from callcenter.web.labels import load_labels
from callcenter.web.templates import render, render_html
from callcenter.web.wait_chart import TIERS, Wait, bars, render_svg


@requires("agent")
async def agent_page(request: web.Request) -> web.Response:
    who = identity(request)
    return render("agent.html", csrf_token=who.csrf, user=who)


async def _live(request: web.Request) -> dict[str, object]:
    desk = request.app[keys.DESK]
    now = request.app[keys.SERVICE].clock()
    levels = await desk.service_level()
    return {"board": board_view(await desk.snapshot(), load_labels(), now, levels),
            "service_level": service_level_words(levels)}


def _zone(request: web.Request) -> tzinfo:
    # The day and its hours are the call centre's: the opening-hours file's time zone.
    hours = request.app[keys.CORES].hours
    return hours.tz if hours is not None else UTC


async def _todays_waits(request: web.Request) -> list[Wait]:
    """Every caller queued for a person since local midnight, with how long they waited."""
    now = request.app[keys.SERVICE].clock()
    zone = _zone(request)
    midnight = now.astimezone(zone).replace(hour=0, minute=0, second=0, microsecond=0).astimezone(UTC)
    async with request.app[keys.DATABASE].sessions() as session:
        rows = list(await session.scalars(select(QueueEntry).where(QueueEntry.enqueued_at >= midnight)))
    return [Wait(row.enqueued_at.astimezone(zone).hour, row.tier,
                 max(0.0, ((row.connected_at or row.ended_at or now) - row.enqueued_at).total_seconds()))
            for row in rows]


@requires("supervisor")
async def board_page(request: web.Request) -> web.Response:
    who = identity(request)
    labels = load_labels()
    day = bars(await _todays_waits(request))
    return render("board.html", csrf_token=who.csrf, user=who, **await _live(request), bars=day,
                  chart=render_svg(day, labels.kind("tiers")),
                  tiers=[(t, labels.of("tiers", t)) for t in TIERS])


@requires("supervisor")
async def board_live(request: web.Request) -> web.Response:
    """The part of the board that changes with every call, for the page's script to swap in."""
    return web.Response(text=render_html("_board_live.html", **await _live(request)), content_type="text/html",
                        charset="utf-8")


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
    app.router.add_get("/board/live", board_live)
