"""What a new user reads on the command line: help, the addresses at start, short errors."""

from __future__ import annotations

import argparse
import logging
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from callcenter import logs
from callcenter.cli.main import build_parser, main
from tests.conftest import make_env
from tests.test_simulator import _free_port

CLI = [sys.executable, "-m", "callcenter.cli.main"]


def _parsers(parser: argparse.ArgumentParser, path: str = "callcenter"):  # type: ignore[no-untyped-def]
    yield path, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, child in action.choices.items():
                yield from _parsers(child, f"{path} {name}")


def test_every_option_is_explained_for_users() -> None:
    for path, parser in _parsers(build_parser()):
        for action in parser._actions:
            if isinstance(action, argparse._HelpAction | argparse._SubParsersAction):
                continue
            assert action.help, f"{path} {action.option_strings or action.dest}: no help text"
        text = parser.format_help()
        for internal in ("``", "register(", "../", "shared/", str(Path.home())):
            assert internal not in text, f"{path} --help shows {internal!r}"


def test_users_add_refuses_an_unknown_skill_or_language(tmp_path: Path, database_url: str, flows_dir: Path,
                                                         monkeypatch: pytest.MonkeyPatch,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    for key, value in make_env(tmp_path, database_url, flows_dir).items():
        monkeypatch.setenv(key, value)
    assert main(["users", "add", "alice", "--role", "agent", "--password-stdin", "--skill", "cfa:2"]) == 2
    err = capsys.readouterr().err
    assert "--skill 'cfa:2': no queue or skill 'cfa' in the flows" in err and "caf" in err
    assert main(["users", "add", "alice", "--role", "agent", "--password-stdin", "--language", "portugais"]) == 2
    assert "two-letter language code" in capsys.readouterr().err


def test_an_unreachable_database_is_one_line_naming_the_setting(tmp_path: Path, flows_dir: Path) -> None:
    env = {**os.environ, **make_env(tmp_path, f"postgresql://nobody@127.0.0.1:{_free_port()}/none", flows_dir),
           "CALLCENTER_DEV": "true"}
    for args in (["users", "list"], ["serve", "--port", str(_free_port())]):
        done = subprocess.run(CLI + args, env=env, capture_output=True, text=True, timeout=60)
        assert done.returncode == 2, done.stderr
        assert "Traceback" not in done.stderr
        last = done.stderr.strip().splitlines()[-1]
        assert last.startswith("callcenter: cannot use the database") and "CALLCENTER_DATABASE_URL" in last


def test_a_bad_url_names_its_setting(tmp_path: Path, database_url: str, flows_dir: Path) -> None:
    env = {**os.environ, **make_env(tmp_path, database_url, flows_dir, public_url="twilio.example")}
    done = subprocess.run(CLI + ["users", "list"], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "CALLCENTER_PUBLIC_URL='twilio.example'" in done.stderr


def test_serve_prints_where_the_pages_are(tmp_path: Path, database_url: str, flows_dir: Path) -> None:
    port = _free_port()
    env = {**os.environ, **make_env(tmp_path, database_url, flows_dir, port=str(port))}
    out = tmp_path / "serve.out"
    with out.open("w") as sink:
        proc = subprocess.Popen(CLI + ["serve"], env=env, stdout=sink, stderr=subprocess.DEVNULL)
        try:
            deadline = time.monotonic() + 120  # a start-up deadline, not a speed check: the machine may be loaded
            while "callcenter call --url" not in out.read_text() and time.monotonic() < deadline:
                assert proc.poll() is None, "serve exited"
                time.sleep(0.1)
        finally:
            proc.terminate()
            proc.wait(10)
    text = out.read_text()
    base = f"http://127.0.0.1:{port}"
    for line in (f"{base}/login", f"{base}/phone", f"callcenter call --url {base}"):
        assert line in text


def test_third_party_loggers_are_quiet_unless_asked() -> None:
    root = logging.getLogger()
    before = root.level, {name: logging.getLogger(name).level for name in logs.THIRD_PARTY}
    try:
        _quiet_unless_asked()
    finally:
        root.setLevel(before[0])
        for name, level in before[1].items():
            logging.getLogger(name).setLevel(level)


def _quiet_unless_asked() -> None:
    logs.configure("INFO")
    assert logging.getLogger("twilio.http_client").getEffectiveLevel() == logging.WARNING
    assert logging.getLogger("callcenter").isEnabledFor(logging.INFO)
    logs.configure("DEBUG")         # asked for: every library speaks
    assert logging.getLogger("twilio.http_client").isEnabledFor(logging.DEBUG)
