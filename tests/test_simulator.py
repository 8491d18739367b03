"""The call simulator: scripted calls through the real webhooks, in-process and as real processes."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from callcenter.simulator import (
    CallerAction,
    CallResult,
    ExpectationFailed,
    PhoneSimulator,
    SimulatorError,
    interactive_action,
    load_script,
    parse_script,
)
from callcenter.web import keys
from tests.conftest import ACCOUNT_SID, ALWAYS_OPEN, AUTH_TOKEN, make_env

CALLS = Path(__file__).parent / "fixtures" / "calls"


def test_parse_script() -> None:
    actions = parse_script("# hi\nsay @0.3 bonjour\npress 12#\nsilence\nexpect Au revoir\nhangup\n")
    assert [(a.kind, a.value) for a in actions] == [("say", "bonjour"), ("press", "12#"),
                                                    ("silence", ""), ("expect", "Au revoir"),
                                                    ("hangup", "")]
    assert actions[0].confidence == 0.3


@pytest.mark.parametrize(("text", "message"), [
    ("dance\n", "script:1: unknown step 'dance'"),
    ("press 12a\n", "script:1: 'press' needs keys"),
    ("say @high bonjour\n", "script:1: bad confidence 'high'"),
    ("\nexpect\n", "script:2: 'expect' needs a text"),
])
def test_bad_scripts(text: str, message: str) -> None:
    with pytest.raises(SimulatorError, match=message):
        parse_script(text)


def test_interactive_input() -> None:
    assert interactive_action("12#").kind == "press"
    assert interactive_action("").kind == "silence"
    assert interactive_action("/quit").kind == "hangup"
    assert interactive_action("ma carte vitale").value == "ma carte vitale"


@pytest.mark.parametrize("script", sorted(CALLS.glob("*.txt")), ids=lambda p: p.stem)
async def test_scripted_calls(client: Any, script: Path) -> None:
    lines: list[str] = []
    phone = PhoneSimulator(str(client.make_url("")), AUTH_TOKEN, ACCOUNT_SID, caller="+33611223344",
                           out=lines.append)
    result = await phone.run(iter(load_script(script)))
    row = await client.app[keys.DATABASE].get_call(result.call_sid)
    assert row is not None and row.status == "ended"
    assert any("ok   : heard" in line for line in lines)


async def test_failed_expectation_is_reported(client: Any) -> None:
    phone = PhoneSimulator(str(client.make_url("")), AUTH_TOKEN, ACCOUNT_SID, caller="+33611223344",
                           out=lambda _line: None)
    with pytest.raises(ExpectationFailed, match="expected to hear 'Bienvenue au cirque'"):
        await phone.run(iter(parse_script("expect Bienvenue au cirque\n")))


async def test_wrong_token_is_refused_by_the_server(client: Any) -> None:
    phone = PhoneSimulator(str(client.make_url("")), "not-the-token", ACCOUNT_SID,
                           caller="+33611223344", out=lambda _line: None)
    with pytest.raises(SimulatorError, match="answered 403"):
        await phone.run(iter([]))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def server(tmp_path: Path, database_url: str, flows_dir: Path) -> Any:
    """A real `callcenter serve` process on a free port."""
    port = _free_port()
    env = {**os.environ, **make_env(tmp_path, database_url, flows_dir, port=str(port), hours_file=str(ALWAYS_OPEN),
                                    dev="true")}
    log = open(tmp_path / "server.log", "w+")  # noqa: SIM115 - closed below
    proc = subprocess.Popen([sys.executable, "-m", "callcenter.cli.main", "serve"], env=env,
                            stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120  # a start-up deadline, not a speed check: the machine may be loaded
        while True:
            try:
                with urllib.request.urlopen(url + "/healthz", timeout=1) as resp:
                    if resp.status == 200:
                        break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    log.seek(0)
                    raise RuntimeError("server did not start:\n" + log.read()) from None
                time.sleep(0.2)
        yield url, env, tmp_path / "server.log"
    finally:
        proc.terminate()
        proc.wait(10)
        log.close()


@pytest.mark.slow
def test_scripted_call_against_a_running_server(server: Any) -> None:
    url, env, log_path = server
    script = CALLS / "caf_by_voice.txt"
    done = subprocess.run([sys.executable, "-m", "callcenter.cli.main", "call", "--url", url,
                           "--from", "+33698765432", "--script", str(script)],
                          env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "IVR  > Aucun conseiller n'est disponible pour le moment." in done.stdout   # nobody logged in
    assert "transfert vers un conseiller" in done.stdout
    server_log = log_path.read_text()
    assert "development mode: CALLCENTER_DEV is set" in server_log   # the server says its mode
    # Server logs never carry caller numbers, keys typed or what was said.
    for secret in ("98765432", "1234567", "allocations familiales"):
        assert secret not in server_log


@pytest.mark.slow
def test_interactive_call_and_failed_script_exit_codes(server: Any, tmp_path: Path) -> None:
    url, env, _ = server
    typed = subprocess.run([sys.executable, "-m", "callcenter.cli.main", "call", "--url", url],
                           input="4\n", env=env, capture_output=True, text=True, timeout=60)
    assert typed.returncode == 0, typed.stderr
    assert "Aucun conseiller n'est disponible" in typed.stdout and "retraite" in typed.stdout
    bad = tmp_path / "bad.txt"
    bad.write_text("expect Bienvenue au cirque\n", encoding="utf-8")
    failed = subprocess.run([sys.executable, "-m", "callcenter.cli.main", "call", "--url", url,
                             "--script", str(bad)], env=env, capture_output=True, text=True, timeout=60)
    assert failed.returncode == 1
    assert "FAILED" in failed.stderr


async def test_a_failed_script_hangs_up_before_it_fails(client: Any) -> None:
    phone = PhoneSimulator(str(client.make_url("")), AUTH_TOKEN, ACCOUNT_SID, caller="+33611223344",
                           out=lambda _line: None)
    with pytest.raises(ExpectationFailed):
        await phone.run(iter(parse_script("expect Bienvenue au cirque\n")))
    row = await client.app[keys.DATABASE].get_call(phone.call_sid)
    assert row is not None and row.status == "ended"      # no call left open on the server


async def test_quit_hangs_up_during_a_conversation_with_an_agent(
        tmp_path: Path, database_url: str, flows_dir: Path, aiohttp_server: Any, aiohttp_client: Any,
        clock: Any) -> None:
    from tests.centre import make_centre
    centre = await make_centre(tmp_path, database_url, flows_dir, aiohttp_server, aiohttp_client, clock)
    await centre.dispatcher.set_state(centre.agents["alice"], "available")
    talking = threading.Event()

    def caller() -> Iterator[CallerAction]:
        yield from parse_script("press 1\npress 1\npress 1234567#\n")
        talking.wait(20)             # the caller types /quit only once an agent is on the line
        yield interactive_action("/quit")

    lines: list[str] = []
    phone = PhoneSimulator(centre.public, AUTH_TOKEN, ACCOUNT_SID, caller="+33611223344", out=lines.append,
                           fake_twilio=centre.fake_url, wait_seconds=20)
    task = asyncio.create_task(phone.run(caller()))
    for _ in range(200):
        entry = await centre.entry(phone.call_sid)
        # offered to alice, and the caller's conference is up (its callback may come after the offer)
        if entry is not None and entry.offered_to == centre.agents["alice"] and entry.conference_sid:
            break
        await asyncio.sleep(0.05)
    assert entry is not None and entry.offered_to == centre.agents["alice"], lines
    await centre.dispatcher.accept(centre.agents["alice"], phone.call_sid)
    await centre.settle()
    for _ in range(200):
        if any("en relation avec" in line for line in lines):
            break
        await asyncio.sleep(0.05)
    talking.set()
    result = await asyncio.wait_for(task, 20)
    await centre.settle()
    assert result.outcome.startswith("en relation") or "raccroché" in result.outcome
    assert "  vous > (raccroche)" in lines
    entry = await centre.entry(phone.call_sid)
    assert entry.status == "ended"
    row = await centre.client.app[keys.DATABASE].get_call(phone.call_sid)
    assert row is not None and row.status == "ended"


async def test_speech_mode_says_how_to_call() -> None:
    lines: list[str] = []
    phone = PhoneSimulator("http://127.0.0.1:9", AUTH_TOKEN, ACCOUNT_SID, caller="+33611223344",
                           out=lines.append)
    document = ('<Response><Start><Stream url="wss://x/twilio/media"><Parameter name="token" value="t"/>'
                '</Stream></Start><Hangup/></Response>')
    async with aiohttp.ClientSession() as session:
        _, _, outcome = await phone._play(session, document, "/twilio/voice", iter([]), CallResult("CA1"))
    assert outcome == "l'IVR a raccroché"
    note = "\n".join(lines)
    assert "CALLCENTER_SPEECH=vosk" in note and "http://127.0.0.1:9/phone" in note
