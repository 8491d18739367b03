"""``GET /twilio/media``: Twilio Media Streams into our own recogniser.

Authenticated twice: the upgrade's ``X-Twilio-Signature`` (checked against the ``wss://`` URL by
the signature middleware, before the socket is accepted), and the short-lived token bound to the
call, carried as a ``<Parameter>`` and checked on ``start``. A token works once, in every process
sharing the database: the signature of a stream's upgrade covers its URL alone, so a captured
upgrade and token could otherwise open a second stream for the call. The ``start`` message must
come within ``START_DEADLINE`` seconds, and a process takes at most its engine's stream places
(``CALLCENTER_SPEECH_MAX_STREAMS``). Malformed or out-of-order messages close the socket with the
protocol's close code; the call itself goes on (keys still work, and the Gather's own timeout
moves it on).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from datetime import UTC, datetime

from aiohttp import WSMsgType, web

from callcenter.speech import SpeechEvent, Start, StreamProtocolError, StreamTokenError
from callcenter.telephony.deps import TELEPHONY
from callcenter.telephony.sockets import LIVE_SOCKETS

_LOGGER = logging.getLogger(__name__)
# Twilio sends ``connected`` then ``start`` at once; a socket that says nothing holds a slot.
START_DEADLINE = 10.0
# How long the end of a stream may take to report the last utterance.
FLUSH_DEADLINE = 3.0
POLICY_VIOLATION = 1008
TRY_AGAIN_LATER = 1013


async def media(request: web.Request) -> web.StreamResponse:
    bridge = request.app[TELEPHONY].speech
    if bridge is None:
        raise web.HTTPNotFound(text="self-hosted speech is off (CALLCENTER_SPEECH=vosk and a model)")
    settings = request.app[TELEPHONY].settings
    service = request.app[TELEPHONY].service
    slots = bridge.engine.slots
    ws = web.WebSocketResponse(heartbeat=30, max_msg_size=1 << 20)
    await ws.prepare(request)
    request.app[LIVE_SOCKETS].add(ws)
    events: asyncio.Queue[SpeechEvent | None] = asyncio.Queue()
    session = bridge.engine.stream_session(secret=settings.secret_key, on_event=events.put_nowait,
                                           account_sid=settings.twilio_account_sid)
    pump: asyncio.Task[None] | None = None
    call_sid: str | None = None
    deadline = time.monotonic() + START_DEADLINE
    try:
        while True:
            try:
                msg = await ws.receive(timeout=None if call_sid else max(0.0, deadline - time.monotonic()))
            except TimeoutError:
                _LOGGER.warning("media stream refused: no start message within %g s", START_DEADLINE)
                await ws.close(code=POLICY_VIOLATION, message=b"no start message in time")
                break
            if msg.type != WSMsgType.TEXT:
                if msg.type == WSMsgType.BINARY:
                    await ws.close(code=1003, message=b"text frames only")
                break
            message = session.receive(msg.data, time.time())
            if isinstance(message, Start):
                sid = session.call_sid
                assert sid is not None
                token = message.custom_parameters.get("token", "")
                if not await service.db.claim_once(f"stream:{sid}:{token[:60]}", sid, datetime.now(UTC)):
                    raise StreamTokenError("stream token already used")
                if not slots.open(sid, time.time()):
                    _LOGGER.warning("call %s: audio stream refused, %d streams already (keys still work)",
                                    sid, slots.capacity)
                    await ws.close(code=TRY_AGAIN_LATER, message=b"too many streams")
                    break
                call_sid = sid
                bridge.attach(call_sid, session, request.app[TELEPHONY].dispatcher.update_call)
                pump = asyncio.create_task(bridge.pump(call_sid, events))
                _LOGGER.info("call %s: audio stream started", call_sid)
    except (StreamProtocolError, StreamTokenError) as exc:
        _LOGGER.warning("media stream refused (%s): %s", type(exc).__name__, exc.message)
        await ws.close(code=exc.close_code, message=exc.message[:120].encode())
    finally:
        try:
            # The last words are worth a moment, not a stuck shutdown.
            async with asyncio.timeout(FLUSH_DEADLINE):
                await session.aclose(flush=call_sid is not None)
        except TimeoutError:
            await session.aclose(flush=False)
        events.put_nowait(None)
        if pump is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await pump
        if call_sid is not None:
            slots.close(call_sid)
            bridge.detach(call_sid)
            _LOGGER.info("call %s: audio stream ended", call_sid)
    return ws


def setup_routes(app: web.Application) -> None:
    app.router.add_get("/twilio/media", media)
