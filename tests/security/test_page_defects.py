"""Defects of the pages found by the security review (issue 14), one test each."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

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


@pytest.mark.parametrize("target", [
    "/%09/evil.example/x", "/\t/evil.example/x", "/\\evil.example/x", "/%5Cevil.example", "/%2F/evil.example",
    "/ /evil.example", "https://evil.example/", "/\n/evil.example", "//evil.example",
])
async def test_next_never_leaves_the_site(browsers: Any, target: str) -> None:
    b = browsers()
    resp = await b.login("alice", PASSWORD, next_=target)
    assert resp.status == 302
    location = resp.headers["Location"]
    # Browsers drop tabs and newlines and read a backslash as a slash: none may start a location.
    cleaned = location.replace("\t", "").replace("\n", "").replace("\r", "").replace("\\", "/")
    assert cleaned.startswith("/") and not cleaned.startswith("//"), location
    assert "evil.example" not in location


async def test_a_logged_in_user_is_not_bounced_off_site_by_the_login_form(browsers: Any) -> None:
    b = browsers()
    await b.login("alice", PASSWORD)
    resp = await b.get("/login?next=/%09/evil.example/x")
    html = await resp.text()
    assert 'value="/%09/evil.example/x"' not in html and "evil.example" not in html


async def test_a_local_next_is_kept(browsers: Any) -> None:
    resp = await browsers().login("alice", PASSWORD, next_="/api/me?x=1")
    assert resp.headers["Location"] == "/api/me?x=1"


@pytest.mark.parametrize("path", ["/login", "/agent", "/board", "/phone", "/static/app.css", "/healthz",
                                  "/api/me", "/no-such-page", "/reports/equity"])
async def test_every_page_has_the_security_headers(browsers: Any, path: str) -> None:
    b = browsers()
    await b.login("sarah", PASSWORD)
    resp = await b.get(path)
    headers = resp.headers
    csp = headers.get("Content-Security-Policy", "")
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "'unsafe-inline'" not in csp and "'unsafe-eval'" not in csp
    assert headers.get("X-Frame-Options") == "DENY"
    assert headers.get("X-Content-Type-Options") == "nosniff"
    assert headers.get("Referrer-Policy") == "same-origin"


async def test_no_template_needs_inline_script_or_style() -> None:
    import re

    from callcenter.web.templates import UI_DIR
    for template in (UI_DIR / "templates").glob("*.html"):
        text = template.read_text(encoding="utf-8")
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text), f"{template.name}: inline <script>"
        assert "<style" not in text and " style=" not in text, f"{template.name}: inline style"
        assert not re.search(r"\son[a-z]+=", text), f"{template.name}: inline event handler"


async def test_the_phone_socket_refuses_another_origin(browsers: Any, centre: Centre) -> None:
    b = browsers()
    await b.login("alice", PASSWORD)
    with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
        await b.session.ws_connect(centre.public + "/phone/ws", origin="https://evil.example")
    assert refused.value.status == 403
    with pytest.raises(aiohttp.WSServerHandshakeError):
        await b.session.ws_connect(centre.public + "/phone/ws")   # no Origin: not a browser page of ours
    ws = await b.session.ws_connect(centre.public + "/phone/ws", origin=centre.public)
    await ws.close()
