"""``GET /twilio/media``: Twilio Media Streams into our own recogniser.

Authenticated twice: the upgrade's ``X-Twilio-Signature`` (checked against the ``wss://`` URL by
the signature middleware, before the socket is accepted), and the short-lived token bound to the
call, carried as a ``<Parameter>`` and checked on ``start``. Malformed or out-of-order messages
close the socket with the protocol's close code; the call itself goes on (keys still work, and
the Gather's own timeout moves it on).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time

from aiohttp import WSMsgType, web

from callcenter.speech import SpeechEvent, Start, StreamProtocolError, StreamTokenError
from callcenter.telephony.deps import TELEPHONY

_LOGGER = logging.getLogger(__name__)


async def media(request: web.Request) -> web.StreamResponse:
    bridge = request.app[TELEPHONY].speech
    if bridge is None:
        raise web.HTTPNotFound(text="self-hosted speech is off (CALLCENTER_SPEECH=vosk and a model)")
    settings = request.app[TELEPHONY].settings
    executor = request.app[TELEPHONY].service.executor
    ws = web.WebSocketResponse(heartbeat=30, max_msg_size=1 << 20)
    await ws.prepare(request)
    events: asyncio.Queue[SpeechEvent | None] = asyncio.Queue()
    session = bridge.engine.stream_session(secret=settings.secret_key, on_event=events.put_nowait,
                                           account_sid=settings.twilio_account_sid)
    pump: asyncio.Task[None] | None = None
    call_sid: str | None = None
    try:
        async for msg in ws:
            if msg.type != WSMsgType.TEXT:
                if msg.type == WSMsgType.BINARY:
                    await ws.close(code=1003, message=b"text frames only")
                break
            message = session.receive(msg.data, time.time())
            if isinstance(message, Start):
                call_sid = session.call_sid
                assert call_sid is not None
                bridge.attach(call_sid, session, executor.update_call)
                pump = asyncio.create_task(bridge.pump(call_sid, events))
                _LOGGER.info("call %s: audio stream started", call_sid)
    except (StreamProtocolError, StreamTokenError) as exc:
        _LOGGER.warning("media stream refused (%s): %s", type(exc).__name__, exc.message)
        await ws.close(code=exc.close_code, message=exc.message[:120].encode())
    finally:
        await session.aclose(flush=call_sid is not None)
        events.put_nowait(None)
        if pump is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await pump
        if call_sid is not None:
            bridge.detach(call_sid)
            _LOGGER.info("call %s: audio stream ended", call_sid)
    return ws


def setup_routes(app: web.Application) -> None:
    app.router.add_get("/twilio/media", media)
