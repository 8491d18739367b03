"""Two real ``callcenter serve`` processes on PostgreSQL and Redis, behind a round-robin proxy,
with the faithful fake of Twilio's cloud: the pieces of a small cluster, on loopback."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

from callcenter.store import Database
from callcenter.telephony.fake_twilio import FakeTwilio
from tests.conftest import ALWAYS_OPEN, TwilioCall
from tests.web.browser import Browser

HOP_BY_HOP = {"host", "content-length", "transfer-encoding", "connection", "keep-alive"}


class RoundRobin:
    """The reverse proxy of docker-compose, in small: each request to the next process in turn;
    a process that refuses the connection is skipped (nginx's ``proxy_next_upstream error``)."""

    def __init__(self, backends: list[str]) -> None:
        self.backends = backends
        self.sent: Counter[str] = Counter()
        self._next = 0
        self._session: aiohttp.ClientSession | None = None

    async def handle(self, request: web.Request) -> web.Response:
        if self._session is None:
            self._session = aiohttp.ClientSession()
        body = await request.read()
        headers = {k: v for k, v in request.headers.items() if k.lower() not in HOP_BY_HOP}
        for _ in self.backends:
            backend = self.backends[self._next % len(self.backends)]
            self._next += 1
            try:
                async with self._session.request(request.method, backend + request.raw_path, data=body,
                                                 headers=headers, allow_redirects=False) as resp:
                    payload = await resp.read()
                    self.sent[backend] += 1
                    return web.Response(status=resp.status, body=payload,
                                        content_type=resp.content_type if payload else None)
            except aiohttp.ClientConnectorError:
                continue
        return web.Response(status=502, text="no server process answers")

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self.handle)

        async def close(_app: web.Application) -> None:
            if self._session is not None:
                await self._session.close()

        app.on_cleanup.append(close)
        return app


@dataclass
class Server:
    name: str
    url: str
    proc: subprocess.Popen[Any]
    log: Path

    def kill(self) -> None:
        """Killed mid-call, with no chance to finish anything (SIGKILL)."""
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)


def start_server(name: str, port: int, env: dict[str, str], tmp_path: Path) -> Server:
    log = tmp_path / f"{name}.log"
    proc = subprocess.Popen([sys.executable, "-m", "callcenter.cli.main", "serve"],
                            env={**os.environ, **env, "CALLCENTER_PORT": str(port)},
                            stdout=log.open("w"), stderr=subprocess.STDOUT)
    return Server(name, f"http://127.0.0.1:{port}", proc, log)


async def wait_healthy(server: Server, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    async with aiohttp.ClientSession() as session:
        while True:
            try:
                async with session.get(server.url + "/healthz") as resp:
                    if resp.status < 500:
                        return
            except aiohttp.ClientError:
                pass
            if server.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{server.name} did not come up:\n{server.log.read_text()}")
            await asyncio.sleep(0.2)


class Phone(TwilioCall):
    """Twilio's side of one call, posting its signed webhooks to ``base`` (the proxy or one process)."""


def phone(session: aiohttp.ClientSession, call_sid: str, public: str) -> Phone:
    return Phone(session, call_sid, signed_base=public)  # type: ignore[arg-type]


@dataclass
class Cluster:
    a: Server
    b: Server
    proxy: RoundRobin
    public: str
    fake: FakeTwilio
    agents: dict[str, int]
    db: Database
    sessions: list[aiohttp.ClientSession] = field(default_factory=list)
    browsers: list[Browser] = field(default_factory=list)

    def session_to(self, base: str) -> aiohttp.ClientSession:
        session = aiohttp.ClientSession(base_url=base)
        self.sessions.append(session)
        return session

    async def hand_over(self, call: Phone) -> None:
        """Phone in, get handed to the CAF by keys, and wait in the conference as Twilio would."""
        await call.start()
        await call.gather(1, Digits="1")
        await call.gather(2, Digits="1")
        twiml = await call.gather(3, Digits="1234567")
        assert "<Conference" in twiml, twiml
        await self.fake.join(f"conf-{call.call_sid}", call.call_sid, label="caller",
                             status_callback=self.public + "/twilio/conference",
                             events=frozenset("start end join leave hold".split()),
                             start_conference_on_enter=False, end_conference_on_exit=True)
        await self.fake.drain()

    def logs(self) -> str:
        return "\n".join(f"--- {s.name}\n{s.log.read_text()}" for s in (self.a, self.b))


async def next_event(resp: aiohttp.ClientResponse, topic: str, timeout: float = 10.0) -> dict[str, Any]:
    """The next server-sent event of ``topic`` on an open ``/api/events`` stream."""
    async with asyncio.timeout(timeout):
        current = None
        while True:
            line = (await resp.content.readline()).decode().rstrip("\n")
            if line.startswith("event: "):
                current = line.removeprefix("event: ")
            elif line.startswith("data: ") and current == topic:
                return dict(json.loads(line.removeprefix("data: ")))


ALWAYS = str(ALWAYS_OPEN)
