"""Logins, roles on every page and API route, CSRF on every state change."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from callcenter.store.users import set_active
from callcenter.web.auth import PUBLIC_PATHS, PUBLIC_PREFIXES
from tests.centre import PASSWORD, Centre
from tests.web.browser import Browser


@pytest.fixture
async def browsers(centre: Centre) -> AsyncIterator[Any]:
    made: list[Browser] = []

    def make() -> Browser:
        made.append(Browser(centre.public))
        return made[-1]
    yield make
    for b in made:
        await b.close()


async def test_login_form_has_a_csrf_field(browsers: Any) -> None:
    b = browsers()
    resp = await b.get("/login")
    html = await resp.text()
    assert resp.status == 200
    assert 'type="hidden" name="csrf_token"' in html
    assert '<label for="username">' in html and '<label for="password">' in html
    assert 'lang="fr"' in html


async def test_login_roles_and_redirects(browsers: Any) -> None:
    agent, supervisor = browsers(), browsers()
    resp = await agent.login("alice", PASSWORD)
    assert resp.status == 302 and resp.headers["Location"] == "/agent"
    assert "HttpOnly" in resp.headers["Set-Cookie"]
    resp = await supervisor.login("sarah", PASSWORD)
    assert resp.headers["Location"] == "/board"
    assert (await agent.get("/agent")).status == 200
    assert (await agent.get("/board")).status == 403
    assert (await agent.get("/api/board")).status == 403
    assert (await supervisor.get("/board")).status == 200
    assert (await supervisor.get("/api/board")).status == 200
    assert (await supervisor.get("/agent")).status == 200


async def test_wrong_password_and_lockout(browsers: Any) -> None:
    b = browsers()
    for _ in range(5):
        resp = await b.login("alice", "not-the-password")
        assert resp.status == 401
        assert "incorrect" in await resp.text()
    resp = await b.login("alice", PASSWORD)
    assert resp.status == 429


async def test_login_without_csrf_is_refused(centre: Centre) -> None:
    resp = await centre.client.post("/login", data={"username": "alice", "password": PASSWORD},
                                    allow_redirects=False)
    assert resp.status == 403


async def test_next_must_be_local(browsers: Any) -> None:
    b = browsers()
    resp = await b.login("alice", PASSWORD, next_="//evil.example/steal")
    assert resp.headers["Location"] == "/"
    resp = await browsers().login("alice", PASSWORD, next_="/api/me")
    assert resp.headers["Location"] == "/api/me"


async def test_every_route_needs_a_login(centre: Centre) -> None:
    app = centre.client.app
    checked = 0
    for route in app.router.routes():
        info = route.resource.get_info() if route.resource else {}
        path = info.get("path") or info.get("formatter") or info.get("prefix", "")
        if path in PUBLIC_PATHS or path.startswith(PUBLIC_PREFIXES) or route.method == "HEAD":
            continue
        url = path.replace("{call_sid}", "CA" + "0" * 32).replace("{action}", "hold")
        resp = await centre.client.request(route.method, url, allow_redirects=False)
        assert resp.status in (302, 401), f"{route.method} {path} answered {resp.status} without a login"
        if path.startswith("/api/"):
            assert resp.status == 401
        else:
            assert resp.headers["Location"].startswith("/login?next=")
        checked += 1
    assert checked >= 10


async def test_state_changes_need_the_csrf_token(browsers: Any, centre: Centre) -> None:
    b = browsers()
    await b.login("alice", PASSWORD)
    assert (await b.post("/api/presence", {"state": "available"}, csrf=False)).status == 403
    resp = await b.post("/api/presence", {"state": "available"})
    assert resp.status == 200
    other = browsers()
    await other.login("bob", PASSWORD)
    other.csrf, b.csrf = b.csrf, other.csrf        # a token from another session is worthless
    assert (await other.post("/api/presence", {"state": "offline"})).status == 403


async def test_disabled_user_loses_access(browsers: Any, centre: Centre) -> None:
    b = browsers()
    await b.login("bob", PASSWORD)
    assert (await b.get("/api/me")).status == 200
    await set_active(centre.desk.db, "bob", False)
    assert (await b.get("/api/me")).status == 401
    assert (await browsers().login("bob", PASSWORD)).status == 401


async def test_forged_session_cookie_is_refused(browsers: Any) -> None:
    b = browsers()
    await b.login("alice", PASSWORD)
    [value] = [c.value for c in list(b.session.cookie_jar) if c.key == "cc_session"]
    body, mac = value.split(".")
    from yarl import URL
    b.session.cookie_jar.update_cookies({"cc_session": body + "." + mac[::-1]}, URL(b.base_url))
    assert [c.value for c in list(b.session.cookie_jar) if c.key == "cc_session"] == [body + "." + mac[::-1]]
    assert (await b.get("/api/me")).status == 401


async def test_logout(browsers: Any) -> None:
    b = browsers()
    await b.login("alice", PASSWORD)
    resp = await b.session.post(b.base_url + "/logout", data={"csrf_token": b.csrf}, allow_redirects=False)
    assert resp.status == 302
    assert (await b.get("/api/me")).status == 401
