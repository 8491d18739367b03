"""``GET /healthz``: does the database take writes, is the configured flow loaded, the triage whole?"""

from __future__ import annotations

import logging

from aiohttp import web

from callcenter import __version__
from callcenter.web import keys
from callcenter.web.loop_probe import LOOP_LAG

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
    knowledge = cores.knowledge
    # Without its semantic check the search still answers, lexically, but more of its close
    # answers may be on the wrong topic: degraded, said so, not fatal.
    pending = cores.kb.semantic_pending
    kb_semantic_lost = knowledge is not None and settings.kb_search.semantic_model is not None \
        and knowledge.semantic is None and not pending
    body["knowledge"] = None if knowledge is None else {
        "entries": len(knowledge.kb.entries),
        "semantic": "loading" if pending and knowledge.semantic is None else knowledge.semantic is not None,
        "status": "degraded" if kb_semantic_lost else "ok"}
    body["kb_drafts"] = cores.kb.drafts
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
    engine = app.get(keys.SPEECH_ENGINE)
    if engine is not None:
        # Ready once the recognisers prepared at start-up are warm; calls are taken before (keys
        # and, for each stream, a recogniser made on demand). ``refused``: callers sent to keys and
        # Twilio's recognition because every stream place was taken.
        warm = engine.warm
        body["speech_capacity"] = {
            "ready": warm.ready, "streams": engine.slots.capacity, "live": engine.slots.live(),
            "refused": engine.slots.refused, "warm_target": warm.target, "warm_prepared": warm.prepared,
            "menu_grammars": warm.grammars, "idle_recognizers": engine.model.idle_recognizers(),
            **({"warm_error": warm.error} if warm.error else {})}
    body["event_loop"] = app[LOOP_LAG].snapshot()
    ok = ok and flow is not None
    # Parts that work less well but still let every caller reach a person: "degraded", said with
    # the reason, HTTP 200 (the instance still serves calls). Only a part no call can do without
    # makes it "down", HTTP 503.
    reasons: list[str] = []
    if catalog.problems:
        reasons += [f"flow file refused, the previous version runs: {p}" for p in catalog.problems[:20]]
    if triage is not None and triage["status"] != "ok":
        reasons.append("triage without its semantic layer: the rules decide alone")
    if kb_semantic_lost:
        reasons.append("knowledge search without its semantic check: lexical only"
                       + (f" ({knowledge.semantic_problem})" if knowledge and knowledge.semantic_problem else ""))
    for part, faults in sorted(cores.problems.items()):
        reasons += [f"{part} file refused, the previous version runs: {f}" for f in faults[:20]]
    body["degraded"] = sorted({"flows"} if catalog.problems else set()
                              | ({"triage"} if triage and triage["status"] != "ok" else set())
                              | ({"knowledge"} if kb_semantic_lost else set())
                              | {part for part, faults in cores.problems.items() if faults})
    body["reasons"] = reasons
    if not ok:
        body["reasons"] = [f"database {body['database']}" if body["database"] != "ok" else "no flow loaded",
                           *reasons]
    body["status"] = "down" if not ok else "degraded" if reasons else "ok"
    return web.json_response(body, status=200 if ok else 503)


def setup_routes(app: web.Application) -> None:
    app.router.add_get("/healthz", healthz)
