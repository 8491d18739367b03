"""The WebSockets open in this process, so that a shutdown closes them at once.

A WebSocket handler runs as long as its socket: without this, stopping the server waited for
every call's audio stream to end (80 s on SIGTERM). On shutdown each socket is closed with 1001
(going away); its handler then ends the call's recognition as for any closed stream.
"""

from __future__ import annotations

import asyncio
import contextlib
import weakref

from aiohttp import web
from aiohttp.web_ws import WebSocketResponse

GOING_AWAY = 1001
# A socket whose peer does not answer the close in this time is left to the server's shutdown.
CLOSE_SECONDS = 2.0


class LiveSockets:
    def __init__(self) -> None:
        self._sockets: weakref.WeakSet[WebSocketResponse] = weakref.WeakSet()

    def add(self, ws: WebSocketResponse) -> None:
        self._sockets.add(ws)

    def __len__(self) -> int:
        return len(self._sockets)

    async def close_all(self) -> None:
        sockets = [ws for ws in self._sockets if not ws.closed]
        if not sockets:
            return
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(CLOSE_SECONDS):
                await asyncio.gather(*(ws.close(code=GOING_AWAY, message=b"server shutting down")
                                       for ws in sockets), return_exceptions=True)


LIVE_SOCKETS = web.AppKey("live_sockets", LiveSockets)


async def _close_on_shutdown(app: web.Application) -> None:
    await app[LIVE_SOCKETS].close_all()


def setup(app: web.Application) -> None:
    app[LIVE_SOCKETS] = LiveSockets()
    app.on_shutdown.append(_close_on_shutdown)
