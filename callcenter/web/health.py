"""``GET /healthz``: does the database take writes, is the configured flow loaded, the triage whole?"""

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
    database = app[keys.DATABASE]
    try:
        await database.ping()
        body["database"] = "ok"
    except Exception as exc:  # noqa: BLE001 - health reports failures, it does not raise them
        _LOGGER.warning("health: database unreachable: %s", type(exc).__name__)
        body["database"] = "unreachable"
        ok = False
    if ok:
        # Every call event writes: a database that answers reads but is locked, read-only or
        # full cannot serve a call, and says so here (bounded by the lock and statement timeouts).
        try:
            await database.check_write()
        except Exception as exc:  # noqa: BLE001
            _LOGGER.warning("health: database does not take writes: %s", type(exc).__name__)
            body["database"] = "not writable"
            ok = False
    catalog = app[keys.CATALOG]
    flow = catalog.current(settings.flow)
    body["flow"] = None if flow is None else {"id": flow.id, "version": flow.version}
    body["flow_problems"] = [str(p) for p in catalog.problems]
    body["flow_drafts"] = catalog.drafts
    cores = app[keys.CORES]
    body["knowledge"] = None if cores.knowledge is None else {"entries": len(cores.knowledge.kb.entries)}
    triage: dict[str, object] | None = None
    if cores.triage is not None:
        # Without its semantic layer the triage still works on its rules, but misses more callers
        # in danger: degraded, said so, not fatal (a person still answers every call).
        semantic = cores.semantic
        triage = {"rules_version": cores.triage.version,
                  "semantic": None if semantic is None else semantic.version,
                  "status": "ok" if semantic is not None else "degraded"}
    body["triage"] = triage
    body["hours"] = None if cores.hours is None else {"queues": sorted(cores.hours.queues),
                                                     "default": cores.hours.default is not None}
    body["problems"] = {k: v[:20] for k, v in cores.problems.items() if v}
    body["speech"] = "self-hosted" if app.get(keys.SPEECH) is not None else "twilio"
    ok = ok and flow is not None
    # Parts that work less well but still let every caller reach a person: said, not fatal.
    body["degraded"] = [name for name, part in (("triage", triage),) if part and part["status"] != "ok"]
    body["status"] = "ok" if ok else "degraded"
    return web.json_response(body, status=200 if ok else 503)


def setup_routes(app: web.Application) -> None:
    app.router.add_get("/healthz", healthz)
