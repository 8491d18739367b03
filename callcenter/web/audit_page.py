"""The audit log page for supervisors and admins, and its CSV export."""

from __future__ import annotations

from aiohttp import web

from callcenter.reports.audit import AuditRow, as_csv
from callcenter.store.audit import audit_entries
from callcenter.web import keys
from callcenter.web.auth import identity, requires
from callcenter.web.pages import _since
from callcenter.web.templates import render

# The page shows the latest entries; the CSV export has them all.
PAGE_ENTRIES = 500


async def _rows(request: web.Request, limit: int | None) -> list[AuditRow]:
    since = _since(request.query.get("since"))
    entries = await audit_entries(request.app[keys.DATABASE], since, limit)
    return [AuditRow(e.at, e.actor, e.action, e.object, e.detail) for e in entries]


@requires("supervisor")
async def audit_page(request: web.Request) -> web.Response:
    who = identity(request)
    rows = await _rows(request, PAGE_ENTRIES)
    return render("audit.html", csrf_token=who.csrf, user=who, rows=rows, since=request.query.get("since", ""),
                  limit=PAGE_ENTRIES)


@requires("supervisor")
async def audit_csv(request: web.Request) -> web.Response:
    rows = await _rows(request, None)
    return web.Response(text=as_csv(rows), content_type="text/csv", charset="utf-8",
                        headers={"Content-Disposition": 'attachment; filename="audit.csv"'})


def setup_routes(app: web.Application) -> None:
    app.router.add_get("/audit", audit_page)
    app.router.add_get("/audit.csv", audit_csv)
