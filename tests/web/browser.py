"""A logged-in HTTP user for tests: its own cookie jar, the login form, the CSRF header."""

from __future__ import annotations

import re
from typing import Any

import aiohttp


class Browser:
    def __init__(self, base_url: str) -> None:
        self.base_url = base_url.rstrip("/")
        # unsafe=True: keep cookies for an IP address host (127.0.0.1), as a browser does.
        self.session = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
        self.csrf = ""

    async def close(self) -> None:
        await self.session.close()

    async def login(self, username: str, password: str, next_: str | None = None) -> aiohttp.ClientResponse:
        async with self.session.get(self.base_url + "/login") as resp:
            html = await resp.text()
        token = re.search(r'name="csrf_token" value="([^"]+)"', html)
        assert token is not None
        data = {"username": username, "password": password, "csrf_token": token.group(1)}
        if next_ is not None:
            data["next"] = next_
        resp = await self.session.post(self.base_url + "/login", data=data, allow_redirects=False)
        if resp.status == 302:
            page = await self.session.get(self.base_url + resp.headers["Location"])
            found = re.search(r'name="csrf-token" content="([^"]+)"', await page.text())
            self.csrf = found.group(1) if found else ""
        return resp

    async def get(self, path: str, **kw: Any) -> aiohttp.ClientResponse:
        return await self.session.get(self.base_url + path, allow_redirects=False, **kw)

    async def post(self, path: str, json: Any = None, csrf: bool = True, **kw: Any) -> aiohttp.ClientResponse:
        headers = {"X-CSRF-Token": self.csrf} if csrf else {}
        return await self.session.post(self.base_url + path, json=json, headers=headers,
                                       allow_redirects=False, **kw)
