"""The JSON API behind the agent screen and the queue board. Every route declares its role.

An agent sees only the calls offered to them or that they are on; supervisors see every call.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from datetime import datetime
from typing import Any

from aiohttp import web

from callcenter.auth import role_allows
from callcenter.bus import Message
from callcenter.desk import DeskError
from callcenter.desk import queue_store as qs
from callcenter.desk.context import call_context
from callcenter.desk.model import CallUpdated
from callcenter.flows.model import Transfer
from callcenter.kb import KnowledgeIndex
from callcenter.kb.assist import suggest
from callcenter.privacy import redact
from callcenter.store.models import AgentPresence, CallNote, QueueEntry, TriageFeedback
from callcenter.web import keys
from callcenter.web.auth import Identity, identity, requires
from callcenter.web.labels import load_labels
from callcenter.web.views import french_context

_LOGGER = logging.getLogger(__name__)
KEEPALIVE_SECONDS = 15.0
WRAPUP_CODES = ("renseignement", "demarche_faite", "rendez_vous", "rappel", "reclamation",
                "orientation_partenaire", "urgence_sociale", "autre")


def _now(request: web.Request) -> datetime:
    return request.app[keys.SERVICE].clock()


async def _json(request: web.Request) -> dict[str, Any]:
    try:
        data = await request.json()
    except (ValueError, UnicodeDecodeError):
        raise web.HTTPBadRequest(text='{"error": "JSON body expected"}', content_type="application/json") from None
    if not isinstance(data, dict):
        raise web.HTTPBadRequest(text='{"error": "JSON object expected"}', content_type="application/json")
    return data


def _body(error: str) -> str:
    # "error" for tools and logs; "message" is what an agent reads on screen, in French.
    return json.dumps({"error": error, "message": load_labels().error(error)}, ensure_ascii=False)


def _fail(kind: type[web.HTTPException], error: str) -> web.HTTPException:
    return kind(text=_body(error), content_type="application/json")


def _error(exc: DeskError, status: int = 409) -> web.HTTPException:
    return _fail(web.HTTPConflict if status == 409 else web.HTTPBadRequest, exc.message)


async def _may_see(request: web.Request, who: Identity, call_sid: str) -> bool:
    if role_allows(who.role, "supervisor"):
        return True
    async with request.app[keys.DATABASE].sessions() as session:
        entry = await session.get(QueueEntry, call_sid)
    return entry is not None and who.user_id in (entry.offered_to, entry.agent_id, entry.transfer_to)


@requires("agent")
async def get_call(request: web.Request) -> web.Response:
    call_sid = request.match_info["call_sid"]
    if not await _may_see(request, identity(request), call_sid):
        raise _fail(web.HTTPForbidden, "not your call")
    context = await call_context(request.app[keys.DATABASE], call_sid, _now(request))
    if context is None:
        raise _fail(web.HTTPNotFound, "unknown call")
    knowledge = request.app[keys.CORES].knowledge
    context["suggestions"] = suggestions(knowledge, context["utterances"])
    flow_ref = context.get("flow") or {}
    flow = None
    if flow_ref.get("id") and flow_ref.get("version"):
        flow = await request.app[keys.CATALOG].version(flow_ref["id"], int(flow_ref["version"]))
    titles = {} if knowledge is None else {a["kb_id"]: e.title for a in context["answers"]
                                           if (e := knowledge.kb.get(a["kb_id"])) is not None}
    return web.json_response(french_context(context, flow, load_labels(), _now(request), titles))


def suggestions(knowledge: KnowledgeIndex | None, utterances: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Agent assist: entries that fit the whole conversation (kb.assist), with their sources."""
    if knowledge is None or not utterances:
        return []
    out = []
    for found in suggest(knowledge, [u["text"] for u in utterances]):
        entry = knowledge.kb.get(found.kb_id)
        if entry is None:
            continue
        out.append({"kb_id": found.kb_id, "score": found.weight, "title": entry.title,
                    "because": found.because,
                    "written_answer": entry.written_answer, "link": entry.link,
                    "legal_references": [str(r) for r in entry.legal_references],
                    "checked_on": entry.checked_on.isoformat()})
    return out


@requires("agent")
async def me(request: web.Request) -> web.Response:
    who = identity(request)
    async with request.app[keys.DATABASE].sessions() as session:
        presence = await session.get(AgentPresence, who.user_id)
        entries = await qs.open_entries(session)
    offers = [e.call_sid for e in entries if e.offered_to == who.user_id]
    calls = [e.call_sid for e in entries if e.status == "connected" and who.user_id in (e.agent_id, e.transfer_to)]
    rules = request.app[keys.CORES].triage
    settings = request.app[keys.SETTINGS]
    offer_deadline = None
    if offers:
        entry = next(e for e in entries if e.call_sid == offers[0])
        if entry.offered_at is not None:
            # When the offer lapses, so the screen counts down the seconds that are really left.
            left = settings.offer_timeout - (_now(request) - entry.offered_at).total_seconds()
            offer_deadline = max(0, round(left))
    return web.json_response({"user_id": who.user_id, "username": who.username, "name": who.display_name,
                              "role": who.role, "state": presence.state if presence else "offline",
                              "offers": offers, "calls": calls, "wrapup_codes": list(WRAPUP_CODES),
                              "triage_reasons": list(rules.reasons) if rules else [],
                              "offer_timeout": settings.offer_timeout, "offer_seconds_left": offer_deadline,
                              "queues": _queues(request), "labels": load_labels().as_json()})


def _queues(request: web.Request) -> list[str]:
    """The queues the running flows hand callers to: where a cold transfer can go."""
    catalog = request.app[keys.CATALOG]
    found = {node.queue for flow_id in catalog.ids() if (flow := catalog.current(flow_id)) is not None
             for node in flow.nodes.values() if isinstance(node, Transfer)}
    labels = load_labels()
    return sorted(found, key=lambda q: labels.of("queues", q).casefold())


@requires("agent")
async def available_colleagues(request: web.Request) -> web.Response:
    """Colleagues free to take a warm transfer, by name, with their skills and languages."""
    who = identity(request)
    labels = load_labels()
    async with request.app[keys.DATABASE].sessions() as session:
        roster = await qs.agents(session)
    out = []
    for user, presence in roster:
        if user.id == who.user_id or presence is None or presence.state != "available":
            continue
        spoken = [x for x in user.languages.get("spoken", ["fr"]) if x != "fr"]
        out.append({"id": user.id, "name": user.display_name,
                    "skills": [{"skill": k, "label": labels.of("queues", k), "level": int(v)}
                               for k, v in sorted(user.skills.items(), key=lambda kv: -int(kv[1]))],
                    "languages": [labels.of("languages", x) for x in spoken]})
    out.sort(key=lambda a: a["name"].casefold())
    return web.json_response({"agents": out})


@requires("agent")
async def set_presence(request: web.Request) -> web.Response:
    data = await _json(request)
    try:
        await request.app[keys.DISPATCHER].set_state(identity(request).user_id, str(data.get("state", "")))
    except DeskError as exc:
        raise _error(exc, 400) from None
    return web.json_response({"state": data["state"]})


def _offer_action(action: str):  # type: ignore[no-untyped-def]
    @requires("agent")
    async def handler(request: web.Request) -> web.Response:
        dispatcher, who, call_sid = request.app[keys.DISPATCHER], identity(request), request.match_info["call_sid"]
        try:
            if action == "accept":
                await dispatcher.accept(who.user_id, call_sid)
            else:
                await dispatcher.decline(who.user_id, call_sid)
        except DeskError as exc:
            raise _error(exc) from None
        return web.json_response({"call_sid": call_sid, "done": action})
    return handler


@requires("agent")
async def control(request: web.Request) -> web.Response:
    """In-call controls: hold, resume, end, warm or cold transfer, complete a transfer."""
    dispatcher, who, call_sid = request.app[keys.DISPATCHER], identity(request), request.match_info["call_sid"]
    action = request.match_info["action"]
    data = await _json(request) if request.can_read_body else {}
    try:
        match action:
            case "hold" | "resume":
                await dispatcher.hold(who.user_id, call_sid, action == "hold")
            case "end":
                await dispatcher.end_call(who.user_id, call_sid)
            case "transfer":
                if data.get("agent_id") is not None:
                    await dispatcher.warm_transfer(who.user_id, call_sid, int(data["agent_id"]))
                elif data.get("queue"):
                    await dispatcher.cold_transfer(who.user_id, call_sid, str(data["queue"]),
                                                   str(data.get("skill") or data["queue"]))
                else:
                    raise DeskError("say agent_id (warm transfer) or queue (cold transfer)")
            case "complete-transfer":
                await dispatcher.complete_transfer(who.user_id, call_sid)
            case _:
                raise web.HTTPNotFound()
    except DeskError as exc:
        raise _error(exc) from None
    except (TypeError, ValueError):
        raise _fail(web.HTTPBadRequest, "bad parameters") from None
    return web.json_response({"call_sid": call_sid, "done": action})


@requires("agent")
async def add_note(request: web.Request) -> web.Response:
    who, call_sid = identity(request), request.match_info["call_sid"]
    if not await _may_see(request, who, call_sid):
        raise _fail(web.HTTPForbidden, "not your call")
    data = await _json(request)
    text = str(data.get("text", "")).strip()[:4000]
    code = data.get("wrapup_code")
    if code is not None and code not in WRAPUP_CODES:
        raise _fail(web.HTTPBadRequest, "unknown wrap-up code")
    if not text and code is None:
        raise _fail(web.HTTPBadRequest, "empty note")
    async with request.app[keys.DATABASE].sessions() as session, session.begin():
        session.add(CallNote(call_sid=call_sid, author_id=who.user_id, at=_now(request), text=redact(text),
                             wrapup_code=code))
    await request.app[keys.BUS].publish(CallUpdated(call_sid, note=True))
    return web.json_response({"call_sid": call_sid, "saved": True}, status=201)


@requires("agent")
async def triage_feedback(request: web.Request) -> web.Response:
    """The agent confirms the triage, or corrects it (fragile, urgent, reasons); both are stored."""
    who, call_sid = identity(request), request.match_info["call_sid"]
    if not await _may_see(request, who, call_sid):
        raise _fail(web.HTTPForbidden, "not your call")
    data = await _json(request)
    db = request.app[keys.DATABASE]
    row = await db.get_call(call_sid)
    if row is None:
        raise _fail(web.HTTPNotFound, "unknown call")
    original = dict(row.state.get("triage") or {})
    rules = request.app[keys.CORES].triage
    known = set(rules.reasons) if rules is not None else set()
    confirmed = data.get("confirm") is True
    if confirmed:
        fragile, urgent = bool(original.get("fragile")), bool(original.get("urgent"))
        reasons = [r["id"] for r in original.get("reasons", ())]
    else:
        if not isinstance(data.get("fragile"), bool) or not isinstance(data.get("urgent"), bool):
            raise web.HTTPBadRequest(text='{"error": "say confirm: true, or fragile and urgent (booleans)"}',
                                     content_type="application/json")
        fragile, urgent = data["fragile"], data["urgent"]
        reasons = data.get("reasons", [])
        if not isinstance(reasons, list) or any(r not in known for r in reasons):
            raise web.HTTPBadRequest(text=json.dumps({"error": "unknown reason", "known": sorted(known)}),
                                     content_type="application/json")
    async with db.sessions() as session, session.begin():
        session.add(TriageFeedback(call_sid=call_sid, agent_id=who.user_id, at=_now(request),
                                   confirmed=confirmed, original=original, fragile=fragile, urgent=urgent,
                                   reasons={"ids": reasons}, comment=redact(str(data.get("comment", ""))[:2000])))
    await request.app[keys.BUS].publish(CallUpdated(call_sid, triage_feedback=True))
    return web.json_response({"call_sid": call_sid, "confirmed": confirmed, "fragile": fragile,
                              "urgent": urgent, "reasons": reasons}, status=201)


@requires("supervisor")
async def board(request: web.Request) -> web.Response:
    snapshot = await request.app[keys.DESK].snapshot()
    snapshot["service_level"] = await request.app[keys.DESK].service_level()
    return web.json_response(snapshot)


def _concerns(who: Identity, message: Message, mine: set[str]) -> bool:
    if role_allows(who.role, "supervisor"):
        return True
    data = message.data
    if data.get("agent_id") == who.user_id:
        if message.topic in ("desk.offer", "desk.connected"):
            mine.add(str(data.get("call_sid")))
        return True
    return message.topic.startswith("call.") and data.get("call_sid") in mine


@requires("agent")
async def events(request: web.Request) -> web.StreamResponse:
    """Server-sent events: what this user's screen must show, as it happens."""
    who = identity(request)
    bus = request.app[keys.BUS]
    subscription = bus.subscribe("", maxsize=512)
    response = web.StreamResponse(headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache",
                                           "X-Accel-Buffering": "no"})
    await response.prepare(request)
    async with request.app[keys.DATABASE].sessions() as session:
        mine = {e.call_sid for e in await qs.open_entries(session)
                if who.user_id in (e.offered_to, e.agent_id, e.transfer_to)}
    try:
        await response.write(b": connected\n\n")
        iterator = subscription.__aiter__()
        while True:
            try:
                message = await asyncio.wait_for(iterator.__anext__(), KEEPALIVE_SECONDS)
            except TimeoutError:
                await response.write(b": keep-alive\n\n")
                continue
            except StopAsyncIteration:
                break
            if _concerns(who, message, mine):
                payload = json.dumps(message.data, ensure_ascii=False)
                await response.write(f"event: {message.topic}\ndata: {payload}\n\n".encode())
    except (ConnectionResetError, asyncio.CancelledError):
        pass
    finally:
        subscription.close()
    with contextlib.suppress(Exception):
        await response.write_eof()
    return response


def setup_routes(app: web.Application) -> None:
    r = app.router
    r.add_get("/api/me", me)
    r.add_get("/api/events", events)
    r.add_post("/api/presence", set_presence)
    r.add_get("/api/agents/available", available_colleagues)
    r.add_get("/api/calls/{call_sid}", get_call)
    r.add_post("/api/offers/{call_sid}/accept", _offer_action("accept"))
    r.add_post("/api/offers/{call_sid}/decline", _offer_action("decline"))
    r.add_post("/api/calls/{call_sid}/notes", add_note)
    r.add_post("/api/calls/{call_sid}/triage", triage_feedback)
    r.add_post("/api/calls/{call_sid}/{action}", control)
    r.add_get("/api/board", board)
