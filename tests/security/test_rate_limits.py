"""Rate limits on public pages and refused Twilio requests; signed webhooks are never limited."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from callcenter.config import Settings, SettingsError
from callcenter.web.app import init_app
from tests.conftest import TwilioCall, make_env, server_on


async def _client(aiohttp_client: Any, tmp_path: Path, database_url: str, flows_dir: Path, **extra: str) -> Any:
    settings = Settings.from_env(make_env(tmp_path, database_url, flows_dir, **extra))
    return await aiohttp_client(init_app(settings), server_kwargs=server_on(settings))


async def test_public_pages_are_limited_per_address(aiohttp_client: Any, tmp_path: Path, database_url: str,
                                                     flows_dir: Path) -> None:
    client = await _client(aiohttp_client, tmp_path, database_url, flows_dir, public_rate_per_minute="5")
    statuses = [(await client.get("/login")).status for _ in range(7)]
    assert statuses == [200] * 5 + [429] * 2
    refused = await client.get("/healthz")
    assert refused.status == 429 and int(refused.headers["Retry-After"]) >= 1
    assert (await client.get("/static/app.css")).status == 200     # files of the pages: not counted
    # Signed Twilio webhooks from the same address are never limited (a busy centre sends many).
    for _ in range(3):
        call = TwilioCall(client, "CA" + __import__("secrets").token_hex(16))
        await call.start()


async def test_a_trusted_proxy_names_the_client(aiohttp_client: Any, tmp_path: Path, database_url: str,
                                                flows_dir: Path) -> None:
    client = await _client(aiohttp_client, tmp_path, database_url, flows_dir, public_rate_per_minute="2",
                           trusted_proxies="127.0.0.1")
    for who in ("203.0.113.1", "203.0.113.2"):
        statuses = [(await client.get("/login", headers={"X-Forwarded-For": f"198.51.100.9, {who}"})).status
                    for _ in range(3)]
        assert statuses == [200, 200, 429]


async def test_a_forwarded_for_header_is_ignored_from_anyone_else(aiohttp_client: Any, tmp_path: Path,
                                                                 database_url: str, flows_dir: Path) -> None:
    client = await _client(aiohttp_client, tmp_path, database_url, flows_dir, public_rate_per_minute="2")
    statuses = [(await client.get("/login", headers={"X-Forwarded-For": f"203.0.113.{i}"})).status
                for i in range(3)]
    assert statuses == [200, 200, 429]


async def test_badly_signed_requests_are_limited(aiohttp_client: Any, tmp_path: Path, database_url: str,
                                                 flows_dir: Path) -> None:
    client = await _client(aiohttp_client, tmp_path, database_url, flows_dir)
    call = TwilioCall(client, "CA" + "f0" * 16)
    statuses = [(await call.post("/twilio/voice", signature="forged")).status for _ in range(32)]
    assert statuses[:30] == [403] * 30 and statuses[30:] == [429, 429]


def test_trusted_proxies_must_be_addresses(tmp_path: Path, database_url: str, flows_dir: Path) -> None:
    with pytest.raises(SettingsError, match="TRUSTED_PROXIES"):
        Settings.from_env(make_env(tmp_path, database_url, flows_dir, trusted_proxies="proxy.local"))
