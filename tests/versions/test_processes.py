"""Two real server processes on one database both switch to a newly published or rolled-back flow
within seconds, without restart (on PostgreSQL in the PostgreSQL run, on one SQLite file otherwise)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from callcenter.telephony.signature import sign
from tests.conftest import ACCOUNT_SID, ALWAYS_OPEN, AUTH_TOKEN, make_env
from tests.test_demo_processes import _wait_http
from tests.test_simulator import _free_port

CLI = [sys.executable, "-m", "callcenter.cli.main"]


def live_version(port: int) -> int:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as resp:
        return int(json.load(resp)["flow"]["version"])


def twilio_post(port: int, path: str, sid: str, **extra: str) -> str:
    """A webhook signed as Twilio signs it."""
    url = f"http://127.0.0.1:{port}{path}"
    params = {"CallSid": sid, "AccountSid": ACCOUNT_SID, "From": "+33612345678", "To": "+33900000000",
              "CallStatus": "in-progress", **extra}
    request = urllib.request.Request(url, data=urllib.parse.urlencode(params).encode(),
                                     headers={"X-Twilio-Signature": sign(AUTH_TOKEN, url, params)})
    with urllib.request.urlopen(request, timeout=10) as resp:
        body: bytes = resp.read()
    return " ".join(el.text or "" for el in ET.fromstring(body).iter("Say"))


def caf_prompt(port: int, sid: str) -> str:
    twilio_post(port, "/twilio/voice", sid, CallStatus="ringing")
    return twilio_post(port, "/twilio/gather?turn=1", sid, Digits="1")


def wait_for(ports: list[int], version: int, seconds: float = 10) -> float:
    start = time.monotonic()
    while [live_version(p) for p in ports] != [version] * len(ports):
        assert time.monotonic() - start < seconds, [live_version(p) for p in ports]
        time.sleep(0.1)
    return time.monotonic() - start


@pytest.mark.slow
def test_two_processes_switch_on_publish_and_rollback(tmp_path: Path, database_url: str, flows_dir: Path) -> None:
    ports = [_free_port(), _free_port()]
    procs: list[subprocess.Popen[Any]] = []
    base = {**os.environ, **make_env(tmp_path, database_url, flows_dir, flow_reload_seconds="0.5",
                                     tick_seconds="0", hours_file=str(ALWAYS_OPEN), dev="true")}
    try:
        for i, port in enumerate(ports):
            log = tmp_path / f"server{i}.log"
            proc = subprocess.Popen(CLI + ["serve", "--port", str(port)], env=base, stdout=log.open("w"),
                                    stderr=subprocess.STDOUT)
            procs.append(proc)
            _wait_http(f"http://127.0.0.1:{port}/healthz", proc, log)
        assert [live_version(p) for p in ports] == [1, 1]
        in_progress = "CA" + "1" * 32
        twilio_post(ports[0], "/twilio/voice", in_progress, CallStatus="ringing")
        edit = tmp_path / "edit" / "main.yaml"
        edit.parent.mkdir()
        edit.write_text((flows_dir / "main.yaml").read_text(encoding="utf-8")
                        .replace("Pour la CAF.", "Vous avez choisi la CAF."), encoding="utf-8")
        done = subprocess.run(CLI + ["flows", "publish", str(edit), "--by", "sarah", "--comment", "test"],
                              env=base, capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stdout + done.stderr
        assert wait_for(ports, 2) < 5
        assert "Vous avez choisi la CAF." in caf_prompt(ports[0], "CA" + "2" * 32)
        assert "Vous avez choisi la CAF." in caf_prompt(ports[1], "CA" + "3" * 32)
        # The call that started on version 1 finishes on it, whichever process takes its next step.
        assert "Pour la CAF." in twilio_post(ports[1], "/twilio/gather?turn=1", in_progress, Digits="1")
        done = subprocess.run(CLI + ["flows", "rollback", "main", "1", "--by", "sarah"], env=base,
                              capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stdout + done.stderr
        assert wait_for(ports, 1) < 5
        assert "Pour la CAF." in caf_prompt(ports[1], "CA" + "4" * 32)
    finally:
        for proc in procs:
            proc.terminate()
            proc.wait(10)
