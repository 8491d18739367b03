"""``GET /healthz``: is the database reachable and the configured flow loaded?"""

from __future__ import annotations

import logging

from aiohttp import web

from callcenter import __version__
from callcenter.web import keys

_LOGGER = logging.getLogger(__name__)


async def healthz(request: web.Request) -> web.Response:
    app = request.app
    settings = app[keys.SETTINGS]
    body: dict[str, object] = {"version": __version__}
    ok = True
    try:
        await app[keys.DATABASE].ping()
        body["database"] = "ok"
    except Exception as exc:  # noqa: BLE001 - health reports failures, it does not raise them
        _LOGGER.warning("health: database unreachable: %s", type(exc).__name__)
        body["database"] = "unreachable"
        ok = False
    catalog = app[keys.CATALOG]
    flow = catalog.current(settings.flow)
    body["flow"] = None if flow is None else {"id": flow.id, "version": flow.version}
    body["flow_problems"] = [str(p) for p in catalog.problems]
    cores = app[keys.CORES]
    body["knowledge"] = None if cores.knowledge is None else {"entries": len(cores.knowledge.kb.entries)}
    body["triage"] = None if cores.triage is None else {"rules_version": cores.triage.version}
    body["hours"] = None if cores.hours is None else {"queues": sorted(cores.hours.queues),
                                                     "default": cores.hours.default is not None}
    body["problems"] = {k: v[:20] for k, v in cores.problems.items() if v}
    body["speech"] = "self-hosted" if app.get(keys.SPEECH) is not None else "twilio"
    ok = ok and flow is not None
    body["status"] = "ok" if ok else "degraded"
    return web.json_response(body, status=200 if ok else 503)


def setup_routes(app: web.Application) -> None:
    app.router.add_get("/healthz", healthz)
