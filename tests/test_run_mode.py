"""Production mode: a server others can reach, or configured for a real line, refuses to start
without its public URL and real credentials; a fresh machine on loopback runs in development."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from callcenter.config import Settings, run_mode
from tests.conftest import make_env

SID, TOKEN = "AC" + "b2" * 16, "a-real-looking-auth-token"


def env(tmp_path: Path, **values: str) -> dict[str, str]:
    base = {"CALLCENTER_DATA_DIR": str(tmp_path / "var")}
    base.update({f"CALLCENTER_{k}": v for k, v in values.items()})
    return base


def test_fresh_machine_on_loopback_is_development(tmp_path: Path) -> None:
    mode = run_mode(Settings.from_env(env(tmp_path)))
    assert (mode.name, mode.missing) == ("development", ())
    assert "127.0.0.1" in mode.reason


@pytest.mark.parametrize(("values", "host", "reason"), [
    ({}, "0.0.0.0", "listening on 0.0.0.0"),
    ({"TWILIO_ACCOUNT_SID": SID, "TWILIO_AUTH_TOKEN": TOKEN}, None, "CALLCENTER_TWILIO_ACCOUNT_SID"),
    ({"PUBLIC_URL": "https://ivr.example.fr"}, None, "CALLCENTER_PUBLIC_URL set"),
])
def test_production_when_reachable_or_configured(tmp_path: Path, values: dict[str, str], host: str | None,
                                                 reason: str) -> None:
    mode = run_mode(Settings.from_env(env(tmp_path, **values)), host)
    assert mode.production and reason in mode.reason
    assert mode.missing  # something of the four is always missing in these


def test_production_with_everything_misses_nothing(tmp_path: Path) -> None:
    settings = Settings.from_env(env(tmp_path, TWILIO_ACCOUNT_SID=SID, TWILIO_AUTH_TOKEN=TOKEN, SECRET_KEY="k" * 40,
                                     PUBLIC_URL="https://ivr.example.fr", HOST="0.0.0.0"))
    mode = run_mode(settings)
    assert (mode.production, mode.missing) == (True, ())


def test_generated_credentials_never_count_as_given(tmp_path: Path) -> None:
    settings = Settings.from_env(env(tmp_path, PUBLIC_URL="https://ivr.example.fr"))
    assert settings.dev_credentials
    assert run_mode(settings).missing == ("CALLCENTER_TWILIO_ACCOUNT_SID", "CALLCENTER_TWILIO_AUTH_TOKEN",
                                          "CALLCENTER_SECRET_KEY")


def test_dev_flag_wins(tmp_path: Path) -> None:
    mode = run_mode(Settings.from_env(env(tmp_path, DEV="1", TWILIO_ACCOUNT_SID=SID, TWILIO_AUTH_TOKEN=TOKEN)),
                    "0.0.0.0")
    assert mode.name == "development" and "CALLCENTER_DEV" in mode.reason


def test_secrets_from_files(tmp_path: Path) -> None:
    (tmp_path / "token").write_text(TOKEN + "\n", encoding="utf-8")
    settings = Settings.from_env(env(tmp_path, TWILIO_ACCOUNT_SID=SID, TWILIO_AUTH_TOKEN_FILE=str(tmp_path / "token"),
                                     SECRET_KEY="k" * 40))
    assert settings.twilio_auth_token == TOKEN and not settings.dev_credentials
    assert "TWILIO_AUTH_TOKEN" in settings.given


def _serve(tmp_path: Path, extra: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("CALLCENTER_")}
    environ.update(env(tmp_path, **extra))
    return subprocess.run([sys.executable, "-m", "callcenter.cli.main", "serve", "--port", "0", *args],
                          env=environ, capture_output=True, text=True, timeout=60)


@pytest.mark.slow
def test_serve_refuses_production_without_its_settings(tmp_path: Path) -> None:
    done = _serve(tmp_path, {"TWILIO_ACCOUNT_SID": SID, "TWILIO_AUTH_TOKEN": TOKEN}, "--host", "0.0.0.0")
    assert done.returncode == 2
    assert "production mode" in done.stderr
    assert "CALLCENTER_PUBLIC_URL" in done.stderr and "CALLCENTER_SECRET_KEY" in done.stderr
    assert "CALLCENTER_DEV=true" in done.stderr


def test_generated_development_secrets_are_private(tmp_path: Path) -> None:
    Settings.from_env(env(tmp_path))
    folder = tmp_path / "var"
    assert folder.stat().st_mode & 0o777 == 0o700
    assert (folder / "dev-secrets.json").stat().st_mode & 0o777 == 0o600


@pytest.mark.slow
def test_serve_starts_in_production_with_everything_and_says_so(tmp_path: Path, database_url: str,
                                                               flows_dir: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    environ = {k: v for k, v in os.environ.items() if not k.startswith("CALLCENTER_")}
    environ.update(make_env(tmp_path, database_url, flows_dir, port=str(port), dev="false",
                            public_url="https://ivr.example.fr", redis_url=os.environ.get("CALLCENTER_REDIS_URL", "")))
    log = tmp_path / "server.log"
    with log.open("w") as out:
        proc = subprocess.Popen([sys.executable, "-m", "callcenter.cli.main", "serve"], env=environ,
                                stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as resp:
                    assert resp.status == 200
                    break
            except OSError:
                assert proc.poll() is None and time.monotonic() < deadline, log.read_text()
                time.sleep(0.2)
    finally:
        proc.terminate()
        proc.wait(15)
    assert "production mode: CALLCENTER_PUBLIC_URL, CALLCENTER_TWILIO_ACCOUNT_SID, " \
           "CALLCENTER_TWILIO_AUTH_TOKEN set" in log.read_text()
