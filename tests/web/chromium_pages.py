"""What every headless-Chromium page test shares: the browser fixture and logging in."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import pytest

from tests.centre import PASSWORD
from tests.web.cdp import Chromium, Page, chromium_path


@pytest.fixture
async def browser() -> AsyncIterator[Chromium]:
    if chromium_path() is None:
        pytest.skip("needs Debian's chromium: sh scripts/install-system-deps.sh")
    chromium = Chromium()
    try:
        await chromium.start()
        yield chromium
    finally:
        await chromium.close()


async def sign_in(page: Page, base: str, username: str, landing: str) -> None:
    """Log in through the form, as a person would, and wait for the page the role lands on."""
    await page.goto(base + "/login")
    await page.eval(f"""
        document.getElementById('username').value = {json.dumps(username)};
        document.getElementById('password').value = {json.dumps(PASSWORD)};
        document.querySelector('form').submit(); true""")
    await page.wait_for(f"location.pathname === {json.dumps(landing)} && document.readyState === 'complete'")
