"""Agents flag a knowledge-base answer given in a call (``/api/calls/{call_sid}/kb-flags``).

The flag is stored with the call and shown to supervisors next to the entry (``/supervisor/kb``).
"""

from __future__ import annotations

import json

from aiohttp import web

from callcenter.desk.model import CallUpdated
from callcenter.kb.flags import FLAG_REASONS, FlagError, flag_request
from callcenter.privacy import redact
from callcenter.store.kb_flags import add_flag, list_flags
from callcenter.web import keys
from callcenter.web.api import _json, _may_see
from callcenter.web.auth import identity, requires


def _fail(status: type[web.HTTPException], message: str) -> web.HTTPException:
    return status(text=json.dumps({"error": message}), content_type="application/json")


@requires("agent")
async def post_flag(request: web.Request) -> web.Response:
    who, call_sid = identity(request), request.match_info["call_sid"]
    if not await _may_see(request, who, call_sid):
        raise _fail(web.HTTPForbidden, "not your call")
    data = await _json(request)
    db = request.app[keys.DATABASE]
    if await db.get_call(call_sid) is None:
        raise _fail(web.HTTPNotFound, "unknown call")
    knowledge = request.app[keys.CORES].knowledge
    try:
        flag = flag_request(data, knowledge.kb if knowledge is not None else None)
    except FlagError as exc:
        raise _fail(web.HTTPBadRequest, exc.message) from None
    at = request.app[keys.SERVICE].clock()
    flag_id = await add_flag(db, call_sid=call_sid, kb_id=flag.kb_id, agent_id=who.user_id, at=at,
                             reason=flag.reason, comment=redact(flag.comment))
    await request.app[keys.BUS].publish(CallUpdated(call_sid, kb_flag=flag.kb_id))
    return web.json_response({"id": flag_id, "call_sid": call_sid, "kb_id": flag.kb_id, "reason": flag.reason},
                             status=201)


@requires("agent")
async def get_flags(request: web.Request) -> web.Response:
    """The flags of one call, and the reasons an agent may choose."""
    who, call_sid = identity(request), request.match_info["call_sid"]
    if not await _may_see(request, who, call_sid):
        raise _fail(web.HTTPForbidden, "not your call")
    flags = await list_flags(request.app[keys.DATABASE], call_sid=call_sid)
    return web.json_response({"reasons": FLAG_REASONS, "flags": [f.as_json() for f in flags]})


def setup_routes(app: web.Application) -> None:
    """Before the API's ``/api/calls/{call_sid}/{action}``, which would take these paths."""
    app.router.add_post("/api/calls/{call_sid}/kb-flags", post_flag)
    app.router.add_get("/api/calls/{call_sid}/kb-flags", get_flags)
