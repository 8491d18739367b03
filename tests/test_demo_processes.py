"""The hand-run demo as real processes: fake Twilio, the server, a phoned-in caller, an agent
who accepts on the API, and the caller's simulator hearing the agent join."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ALWAYS_OPEN, make_env
from tests.test_simulator import _free_port
from tests.web.browser import Browser

PASSWORD = "un-mot-de-passe-solide"


def _wait_http(url: str, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 120  # a start-up deadline, not a speed check: the machine may be loaded
    while True:
        try:
            with urllib.request.urlopen(url, timeout=1):
                return
        except OSError as exc:
            if getattr(exc, "code", None):   # an HTTP error status: the server answers
                return
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{url} did not come up:\n{log.read_text()}") from None
            time.sleep(0.2)


@pytest.mark.slow
async def test_warm_transfer_by_hand(tmp_path: Path, database_url: str, flows_dir: Path) -> None:
    api_port, port = _free_port(), _free_port()
    env = {**os.environ, **make_env(tmp_path, database_url, flows_dir, port=str(port),
                                    twilio_api_url=f"http://127.0.0.1:{api_port}",
                                    twilio_phone_number="+33900000000", tick_seconds="0.5",
                                    hours_file=str(ALWAYS_OPEN), dev="true")}
    cli = [sys.executable, "-m", "callcenter.cli.main"]
    procs: list[subprocess.Popen[Any]] = []

    def start(args: list[str], name: str) -> tuple[subprocess.Popen[Any], Path]:
        log = tmp_path / f"{name}.log"
        proc = subprocess.Popen(cli + args, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT)
        procs.append(proc)
        return proc, log

    try:
        fake, fake_log = start(["fake-twilio", "--port", str(api_port)], "fake")
        _wait_http(f"http://127.0.0.1:{api_port}/_fake/calls/none", fake, fake_log)
        subprocess.run(cli + ["users", "add", "alice", "--role", "agent", "--password-stdin", "--skill", "caf:3",
                              "--phone", "client:alice"], input=PASSWORD + "\n", env=env, check=True,
                       capture_output=True, text=True)
        server, server_log = start(["serve"], "server")
        _wait_http(f"http://127.0.0.1:{port}/healthz", server, server_log)
        agent = Browser(f"http://127.0.0.1:{port}")
        try:
            assert (await agent.login("alice", PASSWORD)).status == 302
            assert (await agent.post("/api/presence", {"state": "available"})).status == 200
            script = tmp_path / "caller.txt"
            script.write_text("press 1\npress 1\npress 1234567#\n", encoding="utf-8")
            caller, caller_log = start(["call", "--url", f"http://127.0.0.1:{port}", "--script", str(script),
                                        "--wait", "20"], "caller")
            offers: list[str] = []
            for _ in range(100):
                offers = (await (await agent.get("/api/me")).json())["offers"]
                if offers:
                    break
                await asyncio.sleep(0.1)
            assert offers, caller_log.read_text() + server_log.read_text()
            # The offer comes with the context while the caller's line is still being set up; an
            # agent pressing « Accepter » within that second is told to try again (409).
            for _ in range(50):
                accepted = await agent.post(f"/api/offers/{offers[0]}/accept")
                if accepted.status != 409:
                    break
                await asyncio.sleep(0.1)
            assert accepted.status == 200, await accepted.text()
            for _ in range(100):
                if "en relation avec agent-" in caller_log.read_text():
                    break
                await asyncio.sleep(0.1)
            assert "en relation avec agent-" in caller_log.read_text()
            assert (await agent.post(f"/api/calls/{offers[0]}/end")).status == 200
            caller.wait(30)
            out = caller_log.read_text()
            assert caller.returncode == 0, out
            assert "conversation terminée" in out
        finally:
            await agent.close()
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.terminate()
                proc.wait(10)
