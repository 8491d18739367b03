"""Logins, sessions, roles on every page and API route, and CSRF checks on every state change.

Deny by default: a route is public only if listed in ``PUBLIC_PREFIXES``; any other handler must
declare its role with :func:`requires`, or it is reserved to admins.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TypeVar
from urllib.parse import quote, unquote

from aiohttp import web

from callcenter.auth import Role, csrf_token, new_nonce, read_signed, role_allows, sign_payload
from callcenter.store.sessions import create_session, revoke_token, session_user
from callcenter.store.users import user_by_name
from callcenter.web import keys
from callcenter.web.limits import LIMITS, client_address
from callcenter.web.templates import render

_LOGGER = logging.getLogger(__name__)
SESSION_COOKIE = "cc_session"
LOGIN_COOKIE = "cc_login"
SESSION_TTL = 12 * 3600
PUBLIC_PATHS = frozenset({"/", "/login", "/healthz", "/favicon.ico"})
PUBLIC_PREFIXES = ("/static/", "/twilio/")
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
MAX_USERNAME = 64

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
H = TypeVar("H", bound=Handler)


@dataclass(frozen=True)
class Identity:
    """Who is logged in on this request."""

    user_id: int
    username: str
    display_name: str
    role: str
    csrf: str


IDENTITY = web.RequestKey("identity", Identity)


def requires(role: Role) -> Callable[[H], H]:
    """Declare the least role a handler needs."""
    def mark(handler: H) -> H:
        handler.__required_role__ = role  # type: ignore[attr-defined]
        return handler
    return mark


def identity(request: web.Request) -> Identity:
    return request[IDENTITY]


def _is_public(path: str) -> bool:
    return path in PUBLIC_PATHS or path.startswith(PUBLIC_PREFIXES)


def _wants_json(request: web.Request) -> bool:
    return request.path.startswith("/api/") or "application/json" in request.headers.get("Accept", "")


@web.middleware
async def auth_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    if _is_public(request.path):
        return await handler(request)
    settings = request.app[keys.SETTINGS]
    payload = read_signed(settings.secret_key, "session", request.cookies.get(SESSION_COOKIE), time.time())
    user = None
    if payload is not None and isinstance(payload.get("sid"), str):
        # The session must still be live on the server: logged out, revoked, user disabled or
        # password changed all end it at once, whatever the cookie's own expiry says.
        user = await session_user(request.app[keys.DATABASE], payload["sid"], datetime.now(UTC))
    if user is None or not user.active:
        if _wants_json(request):
            raise web.HTTPUnauthorized(text='{"error": "login required"}', content_type="application/json")
        raise web.HTTPFound("/login?next=" + quote(request.path_qs, safe=""))
    route_handler = request.match_info.route.handler
    need: Role = getattr(route_handler, "__required_role__", "admin")
    if not role_allows(user.role, need):
        _LOGGER.warning("user %d (%s) refused %s: needs %s", user.id, user.role, request.path, need)
        raise web.HTTPForbidden(text="forbidden")
    token = csrf_token(settings.secret_key, str(payload["nonce"]))  # type: ignore[index]
    if request.method not in SAFE_METHODS:
        sent = request.headers.get("X-CSRF-Token")
        if sent is None and request.content_type in ("application/x-www-form-urlencoded",
                                                     "multipart/form-data"):
            sent = str((await request.post()).get("csrf_token", ""))
        if sent != token:
            _LOGGER.warning("user %d: CSRF token missing or wrong on %s %s", user.id, request.method,
                            request.path)
            raise web.HTTPForbidden(text="CSRF token missing or invalid")
    request[IDENTITY] = Identity(user.id, user.username, user.display_name, user.role, token)
    return await handler(request)


# A local path and query, in the characters a URL may hold unescaped: no whitespace, control
# character or backslash (browsers drop tabs and newlines and read "\\" as "/", so "/\t/evil"
# and "/\\evil" both lead to another site).
_LOCAL_TARGET = re.compile(r"/[A-Za-z0-9\-._~!$&'()*+,;=:@/?%]*")


def _safe_next(target: str | None) -> str:
    # Only local paths: an open redirect would let a phishing link bounce through our login.
    if not target or len(target) > 2000 or not _LOCAL_TARGET.fullmatch(target):
        return "/"
    decoded = unquote(target)
    if target.startswith("//") or decoded.startswith(("//", "/\\")) or any(c in decoded for c in "\t\r\n\\"):
        return "/"
    return target


async def login_form(request: web.Request, error: str | None = None, status: int = 200) -> web.Response:
    settings = request.app[keys.SETTINGS]
    nonce = request.cookies.get(LOGIN_COOKIE) or new_nonce()
    response = render("login.html", status=status, csrf_token=csrf_token(settings.secret_key, nonce),
                      next=_safe_next(request.query.get("next")), error=error)
    response.set_cookie(LOGIN_COOKIE, nonce, httponly=True, samesite="Strict", secure=_secure(request),
                        max_age=3600)
    return response


def _secure(request: web.Request) -> bool:
    public = request.app[keys.SETTINGS].public_url
    return bool(public and public.startswith("https://"))


async def login(request: web.Request) -> web.StreamResponse:
    settings = request.app[keys.SETTINGS]
    form = await request.post()
    nonce = request.cookies.get(LOGIN_COOKIE, "")
    if not nonce or str(form.get("csrf_token", "")) != csrf_token(settings.secret_key, nonce):
        _LOGGER.warning("login refused: CSRF token missing or wrong")
        raise web.HTTPForbidden(text="CSRF token missing or invalid")
    username = str(form.get("username", "")).strip()
    password = str(form.get("password", ""))
    limits = request.app[LIMITS]
    address, name_key, now = client_address(request), username.casefold(), limits.clock()
    if await limits.addresses.blocked(address, now) or await limits.users.blocked(name_key, now):
        _LOGGER.info("login refused: too many failures for this user name or address")
        return await login_form(request, "Trop d'essais. Réessayez dans quelques minutes.", 429)
    db = request.app[keys.DATABASE]
    user = await user_by_name(db, username) if 0 < len(username) <= MAX_USERNAME else None
    usable = user is not None and user.active
    # Unknown and disabled users are checked against a dummy hash: the same time for every answer.
    if not await limits.passwords.check(user.password_hash if user is not None and usable else None, password):
        users_failures = await limits.users.hit(name_key, now)
        await limits.addresses.hit(address, now)
        _LOGGER.info("login failed for a user name (%d failures)", users_failures)
        return await login_form(request, "Identifiant ou mot de passe incorrect.", 401)
    assert user is not None
    await limits.users.reset(name_key)
    token = await create_session(db, user.id, datetime.now(UTC), timedelta(seconds=SESSION_TTL))
    session = sign_payload(settings.secret_key, "session", {"sid": token, "nonce": new_nonce()}, time.time(),
                           SESSION_TTL)
    default = "/board" if role_allows(user.role, "supervisor") else "/agent"
    target = _safe_next(str(form.get("next", ""))) if form.get("next") not in (None, "", "/") else default
    response = web.HTTPFound(target)
    response.set_cookie(SESSION_COOKIE, session, httponly=True, samesite="Lax", secure=_secure(request),
                        max_age=SESSION_TTL)
    response.del_cookie(LOGIN_COOKIE)
    _LOGGER.info("user %d logged in", user.id)
    raise response


async def logout(request: web.Request) -> web.StreamResponse:
    settings = request.app[keys.SETTINGS]
    payload = read_signed(settings.secret_key, "session", request.cookies.get(SESSION_COOKIE), time.time())
    if payload is not None and isinstance(payload.get("sid"), str):
        await revoke_token(request.app[keys.DATABASE], payload["sid"], datetime.now(UTC), "logout")
    _LOGGER.info("user %d logged out", identity(request).user_id)
    response = web.HTTPFound("/login")
    response.del_cookie(SESSION_COOKIE)
    raise response


async def favicon(request: web.Request) -> web.StreamResponse:
    return web.Response(status=204)


async def root(request: web.Request) -> web.StreamResponse:
    raise web.HTTPFound("/login")


def setup_routes(app: web.Application) -> None:
    app.router.add_get("/login", login_form)
    app.router.add_post("/login", login)
    app.router.add_post("/logout", requires("agent")(logout))
    app.router.add_get("/", root)
    app.router.add_get("/favicon.ico", favicon)

