"""The flow analytics and knowledge-gap pages for supervisors, and the analytics' CSV export."""

from __future__ import annotations

from datetime import datetime, timedelta
from urllib.parse import urlencode

from aiohttp import web
from markupsafe import Markup

from callcenter.flows.diagram import flow_svg
from callcenter.flows.model import Flow
from callcenter.reports import flow_analytics, gaps
from callcenter.reports.flow_data import live_or_latest, logged_calls
from callcenter.web import keys
from callcenter.web.auth import identity, requires
from callcenter.web.pages import _since
from callcenter.web.templates import render

TIER_NAMES = {"all": "Tous les appels", "urgent": "Urgents", "fragile": "Fragiles", "normal": "Non fragiles"}
KIND_NAMES = {"say": "annonce", "menu": "menu", "ask": "question", "answer": "réponse", "transfer": "conseiller",
              "goto": "aiguillage", "hangup": "fin", "appointment": "rendez-vous", "survey": "enquête",
              "online_link": "lien en ligne", "?": "hors parcours"}


def _version(request: web.Request) -> int | None:
    raw = request.query.get("version", "")
    if not raw:
        return None
    if not raw.isdigit():
        raise web.HTTPBadRequest(text="version: expected a version number")
    return int(raw)


async def _flows(request: web.Request, flow_id: str, versions: set[int]) -> dict[int, Flow]:
    catalog = request.app[keys.CATALOG]
    out = {}
    for number in sorted(versions):
        flow = await catalog.version(flow_id, number)
        if flow is not None:
            out[number] = flow
    return out


async def _report(request: web.Request) -> tuple[flow_analytics.FlowReport, Flow]:
    """The report asked for, and the flow version it is drawn on (the one asked, else the live one)."""
    flow_id = request.match_info["flow"]
    since = _since(request.query.get("since"))
    until = _since(request.query.get("until"))
    version = _version(request)
    db = request.app[keys.DATABASE]
    calls = await logged_calls(db, flow_id=flow_id, since=since,
                               until=until + timedelta(days=1) if until else None, version=version)
    shown = version or await live_or_latest(db, flow_id)
    flows = await _flows(request, flow_id, {*flow_analytics.versions_of(calls), *([shown] if shown else [])})
    if shown not in flows:
        raise web.HTTPNotFound(text=f"flow {flow_id}: no such version")
    return flow_analytics.flow_report(calls, flows[shown], flows, version=version,
                                      since=_day(since), until=_day(until)), flows[shown]


def _query(report: flow_analytics.FlowReport) -> str:
    """The filters of the page, checked, for its CSV export link."""
    pairs = [(k, v) for k, v in (("since", report.since), ("until", report.until),
                                  ("version", str(report.version) if report.version else None)) if v]
    return "?" + urlencode(pairs) if pairs else ""


def _day(at: datetime | None) -> str | None:
    return at.date().isoformat() if at else None


@requires("supervisor")
async def flow_report_page(request: web.Request) -> web.Response:
    who = identity(request)
    report, flow = await _report(request)
    section = report.section()
    diagram = Markup(flow_svg(flow, flow_analytics.badge_counts(section)))  # every text in it is escaped
    return render("flow_report.html", csrf_token=who.csrf, user=who, report=report, diagram=diagram,
                  tiers=TIER_NAMES, kinds=KIND_NAMES, outcomes=flow_analytics.OUTCOME_LABELS,
                  pct=flow_analytics.pct, csv_query=_query(report))


@requires("supervisor")
async def flow_report_csv(request: web.Request) -> web.Response:
    report, _ = await _report(request)
    return web.Response(text=flow_analytics.as_csv(report), content_type="text/csv", charset="utf-8",
                        headers={"Content-Disposition": f'attachment; filename="parcours-{report.flow_id}.csv"'})


@requires("supervisor")
async def served_flow_report(request: web.Request) -> web.Response:
    """The analytics of the flow this server answers calls with."""
    raise web.HTTPFound(f"/reports/flow/{request.app[keys.SERVICE].flow_id}")


@requires("supervisor")
async def gaps_page(request: web.Request) -> web.Response:
    who = identity(request)
    since = _since(request.query.get("since"))
    db = request.app[keys.DATABASE]
    calls = await logged_calls(db, since=since)
    catalog = request.app[keys.CATALOG]
    flows: dict[tuple[str, int], Flow] = {}
    for key in sorted({(str(c.state.get("flow_id", "")), c.flow_version) for c in calls}):
        flow = await catalog.version(*key)
        if flow is not None:
            flows[key] = flow
    report = gaps.gaps_report(calls, flows, since=_day(since))
    return render("gaps_report.html", csrf_token=who.csrf, user=who, report=report,
                  since=request.query.get("since", ""))


def setup_routes(app: web.Application) -> None:
    app.router.add_get("/reports/gaps", gaps_page)
    app.router.add_get("/reports/flow", served_flow_report)
    app.router.add_get("/reports/flow/{flow}.csv", flow_report_csv)
    app.router.add_get("/reports/flow/{flow}", flow_report_page)
