"""Admins' view of logins: who is logged in where, and ending a session (JSON API; the screens
may show it later)."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from callcenter.store.sessions import SessionRow, list_sessions, revoke_session, revoke_user_sessions
from callcenter.store.users import user_by_name
from callcenter.web import keys
from callcenter.web.auth import identity, requires

_LOGGER = logging.getLogger(__name__)


def _row(row: SessionRow, now: datetime) -> dict[str, Any]:
    return {"id": row.id, "user_id": row.user_id, "username": row.username,
            "created_at": row.created_at.isoformat(), "expires_at": row.expires_at.isoformat(),
            "revoked_at": row.revoked_at.isoformat() if row.revoked_at else None,
            "revoked_reason": row.revoked_reason, "active": row.active(now)}


@requires("admin")
async def sessions(request: web.Request) -> web.Response:
    """``GET /api/admin/sessions[?user=NAME][&all=1]``: live sessions (all: ended ones too)."""
    now = datetime.now(UTC)
    rows = await list_sessions(request.app[keys.DATABASE], now, username=request.query.get("user") or None,
                               include_ended=request.query.get("all") == "1")
    return web.json_response({"sessions": [_row(r, now) for r in rows]})


@requires("admin")
async def revoke(request: web.Request) -> web.Response:
    """``POST /api/admin/sessions/{session_id}/revoke``: end one session now."""
    raw = request.match_info["session_id"]
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 12:
        raise web.HTTPBadRequest(text='{"error": "session id expected"}', content_type="application/json")
    done = await revoke_session(request.app[keys.DATABASE], int(raw), datetime.now(UTC), "admin")
    if not done:
        raise web.HTTPNotFound(text='{"error": "no such live session"}', content_type="application/json")
    _LOGGER.info("admin %d revoked session %s", identity(request).user_id, raw)
    return web.json_response({"revoked": int(raw)})


@requires("admin")
async def revoke_user(request: web.Request) -> web.Response:
    """``POST /api/admin/users/{username}/sessions/revoke``: end every session of a user."""
    db = request.app[keys.DATABASE]
    user = await user_by_name(db, request.match_info["username"])
    if user is None:
        raise web.HTTPNotFound(text='{"error": "no such user"}', content_type="application/json")
    count = await revoke_user_sessions(db, user.id, datetime.now(UTC), "admin")
    _LOGGER.info("admin %d revoked %d sessions of user %d", identity(request).user_id, count, user.id)
    return web.json_response({"revoked": count})


def setup_routes(app: web.Application) -> None:
    app.router.add_get("/api/admin/sessions", sessions)
    app.router.add_post("/api/admin/sessions/{session_id}/revoke", revoke)
    app.router.add_post("/api/admin/users/{username}/sessions/revoke", revoke_user)
