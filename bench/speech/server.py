"""The server under test: a minimal ``/media`` WebSocket on our pipeline, for the benchmark only.

It speaks Twilio's Media Streams protocol inbound, as the real endpoint will, and reports each
final transcript back on the socket (Twilio would not; the benchmark's client times them):
``{"kind": "final", "text", "speech_end_ms", "ended_ms", "processing_s", "dropped_ms"}``, where
``processing_s`` runs from the arrival of the frame that ended the utterance to the transcript.
On ``stop`` it sends ``{"kind": "stats", ...}`` before closing. With ``--phrases``, every call
answers a menu: its utterances are recognised with that grammar.

    python -m bench.speech.server --model PATH --port 8765 --secret S [--workers N] [--phrases 네,아니요]
"""

from __future__ import annotations

import argparse
import asyncio
import time
from collections import deque

from aiohttp import WSMsgType, web

from callcenter.speech.engine import SpeechEngine
from callcenter.speech.errors import SpeechError
from callcenter.speech.events import FinalTranscript, SpeechEvent
from callcenter.speech.protocol import Media, Stop

ENGINE = web.AppKey("engine", SpeechEngine)
SECRET = web.AppKey("secret", str)
PHRASES = web.AppKey("phrases", tuple)


async def media(request: web.Request) -> web.WebSocketResponse:
    ws = web.WebSocketResponse()
    await ws.prepare(request)
    arrivals: deque[tuple[int, float]] = deque(maxlen=500)  # (frame end ms, arrival time)
    outbox: asyncio.Queue[dict[str, object]] = asyncio.Queue()

    def on_event(event: SpeechEvent) -> None:
        if isinstance(event, FinalTranscript):
            arrived = next((t for end, t in arrivals if end >= event.ended_ms), time.monotonic())
            outbox.put_nowait({"kind": "final", "text": event.text, "speech_end_ms": event.speech_end_ms,
                               "ended_ms": event.ended_ms, "dropped_ms": event.dropped_ms,
                               "processing_s": time.monotonic() - arrived})

    async def send_events() -> None:
        while True:
            await ws.send_json(await outbox.get())

    sender = asyncio.get_running_loop().create_task(send_events())
    session = request.app[ENGINE].stream_session(secret=request.app[SECRET], on_event=on_event)
    if request.app[PHRASES]:
        session.listen(turn=1, phrases=request.app[PHRASES])
    try:
        async for message in ws:
            if message.type != WSMsgType.TEXT:
                break
            parsed = session.receive(message.data, time.time())
            if isinstance(parsed, Media):
                arrivals.append((parsed.timestamp_ms + len(parsed.payload) // 8, time.monotonic()))
            if isinstance(parsed, Stop):
                break
    except SpeechError as exc:
        await ws.close(code=getattr(exc, "close_code", 1011), message=exc.message.encode())
    await session.aclose()
    sender.cancel()
    while not outbox.empty() and not ws.closed:
        await ws.send_json(outbox.get_nowait())
    stats = session.stats()
    if stats is not None and not ws.closed:
        await ws.send_json({"kind": "stats", "dropped_ms": stats.dropped_ms, "max_lag_s": stats.max_lag_s,
                            "fed_ms": stats.fed_ms, "received_ms": stats.received_ms})
    await ws.close()
    return ws


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", required=True)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--secret", required=True)
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--phrases", default="", help="comma-separated menu phrases (default: free speech)")
    args = parser.parse_args()
    app = web.Application()
    app[ENGINE] = SpeechEngine.from_model_path(args.model, workers=args.workers)
    app[SECRET] = args.secret
    app[PHRASES] = tuple(p for p in args.phrases.split(",") if p)
    app.router.add_get("/media", media)
    web.run_app(app, host="127.0.0.1", port=args.port, print=lambda *_: print("ready", flush=True))


if __name__ == "__main__":
    main()
