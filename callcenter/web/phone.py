"""The browser phone (``/phone``): a call without a Twilio account, for demos and flow testing.

The page streams the microphone (8 kHz, 16-bit) over a WebSocket to the same recognition pipeline
as a Twilio Media Stream, speaks the IVR's prompts with the browser's speech synthesis, and has a
keypad. The call goes through the same call service, engine, event log, desk and agent screen as a
phone call; only the audio between the caller and an agent is not bridged.

Messages, browser -> server: ``audio`` (base64 PCM16 at 8 kHz), ``digits``, ``text`` (words typed
instead of said, for machines without a speech model), ``silence`` (nothing said in time, when no
model listens), ``hangup``. Server -> browser: ``commands`` (say, listen, transfer, hangup),
``listening`` (the caller started talking: stop the prompt), ``transcript``, ``connected``, ``ended``.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import json
import logging
import secrets
import time
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit

import numpy as np
from aiohttp import WSMsgType, web

from callcenter.desk.model import LegJoined
from callcenter.ivr import CallEnded, CallStarted, DigitsReceived, Event, NoInput, SpeechReceived
from callcenter.ivr import commands as cmd
from callcenter.privacy import redact
from callcenter.speech import SpeechEvent
from callcenter.telephony.sockets import LIVE_SOCKETS
from callcenter.web import keys
from callcenter.web.auth import identity, requires
from callcenter.web.browser_line import CHANNEL
from callcenter.web.templates import render

_LOGGER = logging.getLogger(__name__)
MAX_TEXT = 500


def command_json(command: cmd.Command) -> dict[str, Any] | None:
    match command:
        case cmd.Say():
            return {"say": command.text, **({"language": command.language} if command.language else {})}
        case cmd.Gather():
            # What comes before the prompt is said first, each part in its own language.
            lead = [{"say": p.text, **({"language": p.language} if p.language else {})} for p in command.lead]
            return {"listen": command.turn, "prompt": command.prompt, "keys": command.max_digits or 1,
                    **({"language": command.language} if command.language else {}),
                    **({"lead": lead} if lead else {}),
                    "finish_on_key": command.finish_on_key, "timeout": command.timeout,
                    "speech": "speech" in command.modes}
        case cmd.Transfer():
            return {"transfer": command.queue, "tier": command.tier}
        case cmd.Hangup():
            return {"hangup": True}
    return None


def render_json(commands: Sequence[cmd.Command], _call_sid: str = "") -> str:
    items = [j for j in (command_json(c) for c in commands) if j is not None]
    return json.dumps({"type": "commands", "commands": items}, ensure_ascii=False)


def listening_json(gather: cmd.Gather) -> str:
    return json.dumps({"type": "listening", "turn": gather.turn})


@requires("agent")
async def phone_page(request: web.Request) -> web.Response:
    who = identity(request)
    return render("phone.html", csrf_token=who.csrf, user=who,
                  speech=request.app.get(keys.SPEECH) is not None)


class _BrowserCall:
    """One browser phone call: its socket, its recognition, its place in the call service."""

    def __init__(self, request: web.Request, ws: web.WebSocketResponse) -> None:
        self.app = request.app
        self.ws = ws
        self.who = identity(request)
        self.call_sid = "CA" + secrets.token_hex(16)
        self.dispatcher = self.app[keys.DISPATCHER]
        self.bridge = self.app.get(keys.SPEECH)
        self.transcriber: Any = None
        self.events: asyncio.Queue[SpeechEvent | None] = asyncio.Queue()
        self.tasks: list[asyncio.Task[None]] = []
        self.stream_ms = 0
        self.turn = 0

    async def send(self, _call_sid: str, payload: str) -> None:
        if not self.ws.closed:
            await self.ws.send_str(payload)

    async def step(self, event: Event, turn: int | None = None) -> None:
        outcome = await self.dispatcher.call_event(self.call_sid, event,
                                                   render=lambda c, s: render_json(c, s.call_sid),
                                                   request_key=None, turn=turn, source="browser")
        if outcome.commands and not outcome.replayed:
            await self.send(self.call_sid, outcome.response)
        if any(isinstance(c, cmd.Transfer) for c in outcome.commands):
            # The browser session is the caller's line: the desk moves it through the browser's call control.
            sockets = self.app[keys.BROWSER_SOCKETS]
            await self.dispatcher.desk_event(self.call_sid, LegJoined(self.call_sid, None,
                                                                      sockets.handle(self.call_sid), CHANNEL))

    async def start(self) -> None:
        self.app[keys.BROWSER_SOCKETS].opened(self.call_sid)
        if self.bridge is not None and not self.bridge.engine.slots.open(self.call_sid, time.time()):
            # Every stream place is taken: this call goes on with the keypad and typed words.
            _LOGGER.warning("browser phone call %s: no recogniser free", self.call_sid)
            self.bridge = None
        if self.bridge is not None:
            self.transcriber = self.bridge.engine.transcriber(self.events.put_nowait)
            self.bridge.attach(self.call_sid, self.transcriber, self.send, render_json, listening_json)
            self.tasks.append(asyncio.create_task(self.bridge.pump(self.call_sid, self.events)))
        self.tasks.append(asyncio.create_task(self._follow()))
        await self.step(CallStarted(caller=f"navigateur:{self.who.username}", called="telephone-web"))

    async def _follow(self) -> None:
        """Desk news for this call: an agent took it, or it ended."""
        sub = self.app[keys.BUS].subscribe("", maxsize=64)
        try:
            async for message in sub:
                data = message.data
                if data.get("call_sid") != self.call_sid:
                    continue
                if message.topic == "desk.connected":
                    await self.send(self.call_sid, json.dumps({"type": "connected"}))
                elif message.topic == "call.ended":
                    await self.send(self.call_sid, json.dumps({"type": "ended"}))
        finally:
            sub.close()

    async def receive(self, raw: str) -> bool:
        """Handle one browser message; ``False`` when the caller hung up."""
        try:
            data = json.loads(raw)
            kind = data["type"]
        except (ValueError, KeyError, TypeError):
            await self.send(self.call_sid, json.dumps({"type": "error", "error": "malformed message"}))
            return True
        turn = data.get("turn") if isinstance(data.get("turn"), int) else None
        match kind:
            case "audio" if self.transcriber is not None:
                try:
                    pcm = np.frombuffer(base64.b64decode(data["pcm"], validate=True), dtype="<i2")
                except (binascii.Error, KeyError, TypeError, ValueError):
                    return True
                self.transcriber.push_pcm(pcm.astype(np.int16), self.stream_ms)
                self.stream_ms += pcm.size // 8
            case "digits" if isinstance(data.get("digits"), str) and data["digits"].strip("0123456789*#") == "":
                if data["digits"]:
                    await self.step(DigitsReceived(data["digits"][:40]), turn)
                else:
                    await self.step(NoInput(), turn)
            case "text" if isinstance(data.get("text"), str) and data["text"].strip():
                await self.step(SpeechReceived(redact(data["text"][:MAX_TEXT]), 1.0), turn)
            case "silence":
                await self.step(NoInput(), turn)
            case "hangup":
                return False
        return True

    async def close(self) -> None:
        self.app[keys.BROWSER_SOCKETS].closed(self.call_sid)
        with contextlib.suppress(Exception):
            await self.dispatcher.call_event(self.call_sid, CallEnded("completed"), render=lambda c, s: "",
                                             request_key=None, source="browser")
        if self.transcriber is not None:
            await self.transcriber.aclose(flush=False)
        self.events.put_nowait(None)
        for task in self.tasks:
            task.cancel()
        for task in self.tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self.bridge is not None:
            self.bridge.engine.slots.close(self.call_sid)
            self.bridge.detach(self.call_sid)


def same_origin(request: web.Request) -> bool:
    """Whether a WebSocket upgrade comes from one of our own pages. Browsers send the cookie with
    a cross-site upgrade too, and the same-origin policy does not apply to WebSockets: without
    this check any site a logged-in agent visits could place calls as them."""
    origin = request.headers.get("Origin")
    if not origin:
        return False
    allowed = {f"{request.scheme}://{request.host}"}
    public = request.app[keys.SETTINGS].public_url
    if public:
        parts = urlsplit(public)
        allowed.add(f"{parts.scheme}://{parts.netloc}")
    return origin.rstrip("/") in allowed


@requires("agent")
async def phone_socket(request: web.Request) -> web.StreamResponse:
    if not same_origin(request):
        _LOGGER.warning("browser phone socket refused for user %d: Origin is not ours", identity(request).user_id)
        raise web.HTTPForbidden(text="cross-origin WebSocket refused")
    ws = web.WebSocketResponse(heartbeat=30, max_msg_size=1 << 20)
    await ws.prepare(request)
    request.app[LIVE_SOCKETS].add(ws)
    call = _BrowserCall(request, ws)
    _LOGGER.info("browser phone call %s started by user %d", call.call_sid, call.who.user_id)
    try:
        await call.start()
        async for msg in ws:
            if msg.type != WSMsgType.TEXT or not await call.receive(msg.data):
                break
    finally:
        await call.close()
        with contextlib.suppress(Exception):
            await ws.close()
    return ws


def setup_routes(app: web.Application) -> None:
    app.router.add_get("/phone", phone_page)
    app.router.add_get("/phone/ws", phone_socket)
