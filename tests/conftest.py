"""Shared fixtures: a real database (SQLite by default, PostgreSQL when CALLCENTER_DATABASE_URL
points at one), settings built from an explicit environment, the app under test, and a
Twilio-faithful client that signs every webhook exactly as Twilio does."""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import socket
import sqlite3
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from aiohttp.test_utils import TestClient
from sqlalchemy.engine import make_url

from callcenter.calls.state_text import StateText
from callcenter.config import PROJECT_ROOT, Settings
from callcenter.store.migrate import upgrade
from callcenter.store.urls import sync_url
from callcenter.telephony.signature import sign
from callcenter.web.app import init_app

# Every state a call's service takes without parsing, and every text it assembles, checked against
# the full decoding and encoding in every test (calls/state_text.py).
StateText.check = True
ACCOUNT_SID = "AC" + "a1" * 16
AUTH_TOKEN = "test-auth-token-0123456789abcdef"
FIXTURES = Path(__file__).parent / "fixtures"
# Opening hours with no limit, for servers run as processes on the real clock (see the file).
ALWAYS_OPEN = FIXTURES / "hours" / "always_open.yaml"
# Every table of the schema; a test run on PostgreSQL empties them between tests.
TABLES = ("call_log", "webhook_receipts", "calls", "document_versions", "document_live", "audit_log",
          "agent_presence", "user_sessions", "users", "queue_entries", "routing_decisions", "call_notes",
          "triage_feedback", "kb_flags", "scheduled_jobs", "cluster_nodes",
          "appointments", "appointment_slots", "appointment_hours", "appointment_agencies", "survey_responses",
          "callbacks")


def _postgres_url() -> str | None:
    url = os.environ.get("CALLCENTER_DATABASE_URL", "")
    return url if url.startswith(("postgresql", "postgres")) else None


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str | None]:
    """A throw-away PostgreSQL database for the session, or ``None`` on the SQLite run."""
    base = _postgres_url()
    if base is None:
        yield None
        return
    name = "cc_test_" + secrets.token_hex(4)
    admin = sa.create_engine(sync_url(base), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = make_url(base).set(database=name).render_as_string(hide_password=False)
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(
                f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'"))
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


@pytest.fixture(scope="session")
def sqlite_at_head(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated to head once for the session: each test starts from a copy, as each
    test on PostgreSQL starts from the session's database emptied (the migrations from nothing
    cost ~80 ms a test; tests/store/test_migrations.py runs them on a file of its own)."""
    path = tmp_path_factory.mktemp("sqlite_at_head") / "callcenter.db"
    upgrade(f"sqlite:///{path}")
    with contextlib.closing(sqlite3.connect(path)) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return path


@pytest.fixture
def database_url(postgres_database: str | None, tmp_path: Path, sqlite_at_head: Path) -> Iterator[str]:
    """A clean database at the schema's head for one test."""
    if postgres_database is None:
        path = tmp_path / "callcenter.db"
        shutil.copyfile(sqlite_at_head, path)
        yield f"sqlite:///{path}"
        return
    engine = sa.create_engine(sync_url(postgres_database))
    with engine.begin() as conn:
        existing = set(sa.inspect(conn).get_table_names())
        if existing and not set(TABLES) <= existing:
            # A test broke the schema on purpose: start again from nothing (migrations rebuild it).
            conn.execute(sa.text("DROP SCHEMA public CASCADE"))
            conn.execute(sa.text("CREATE SCHEMA public"))
        elif existing:
            # DELETE, not TRUNCATE: on tables of a few rows it is three times faster (TRUNCATE makes
            # new files for every table); sequences go on, as they did with TRUNCATE.
            for table in TABLES:
                conn.execute(sa.text(f"DELETE FROM {table}"))
    engine.dispose()
    yield postgres_database


@pytest.fixture
def flows_dir(tmp_path: Path) -> Path:
    """A private copy of the bundled flows, so a test may edit them."""
    target = tmp_path / "ivr_flows"
    shutil.copytree(PROJECT_ROOT / "ivr_flows", target)
    return target


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def make_env(tmp_path: Path, database_url: str, flows_dir: Path, **extra: str) -> dict[str, str]:
    """Settings for a test server. Its port is a free one: without a public URL, Twilio signatures
    are checked against http://127.0.0.1:PORT, so the test server must listen there
    (``aiohttp_client(app, server_kwargs=server_on(settings))``)."""
    env = {
        "CALLCENTER_PORT": str(free_port()),
        "CALLCENTER_DATA_DIR": str(tmp_path / "var"),
        "CALLCENTER_DATABASE_URL": database_url,
        "CALLCENTER_TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "CALLCENTER_TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "CALLCENTER_SECRET_KEY": "test-secret-key",
        "CALLCENTER_FLOWS_DIR": str(flows_dir),
        "CALLCENTER_FLOW_RELOAD_SECONDS": "0",
        # Freezing costs a full collection per server start (about 70 ms) and keeps what earlier
        # tests left in one process: on for real servers, off for the many test servers.
        "CALLCENTER_GC_FREEZE": "false",
        # Test servers sign with fixed credentials on loopback: development mode unless a test
        # asks for production (dev="false").
        "CALLCENTER_DEV": "true",
    }
    env.update({f"CALLCENTER_{k.upper()}": v for k, v in extra.items()})
    return env


def server_on(settings: Settings) -> dict[str, Any]:
    """Where a test server listens: the configured port, which unsigned-proxy signatures name."""
    return {"port": settings.port}


@pytest.fixture
def settings(tmp_path: Path, database_url: str, flows_dir: Path) -> Settings:
    return Settings.from_env(make_env(tmp_path, database_url, flows_dir))


class FakeClock:
    """Time as an input: starts at a fixed instant and moves only when told."""

    def __init__(self) -> None:
        # A Thursday, 10:00 in Paris: within the bundled opening hours (ivr_flows/hours.yaml).
        self.now = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@dataclass
class TwilioCall:
    """Plays Twilio's side of one call against the test server."""

    client: TestClient  # type: ignore[type-arg]
    call_sid: str
    caller: str = "+33612345678"
    called: str = "+33900000000"
    signed_base: str | None = None

    def params(self, **extra: str) -> dict[str, str]:
        params = {"CallSid": self.call_sid, "AccountSid": ACCOUNT_SID, "From": self.caller,
                  "To": self.called, "CallStatus": "in-progress", "Direction": "inbound",
                  "ApiVersion": "2010-04-01"}
        params.update(extra)
        return params

    def url_for(self, path: str) -> str:
        if self.signed_base:
            return self.signed_base + path
        return str(self.client.make_url(path))

    async def post(self, path: str, params: dict[str, str] | None = None, *,
                   signature: str | None = "auto", headers: dict[str, str] | None = None) -> Any:
        params = self.params() if params is None else params
        all_headers = dict(headers or {})
        if signature == "auto":
            all_headers["X-Twilio-Signature"] = sign(AUTH_TOKEN, self.url_for(path), params)
        elif signature is not None:
            all_headers["X-Twilio-Signature"] = signature
        return await self.client.post(path, data=params, headers=all_headers)

    async def start(self) -> str:
        resp = await self.post("/twilio/voice", self.params(CallStatus="ringing"))
        assert resp.status == 200, await resp.text()
        return str(await resp.text())

    async def gather(self, turn: int, **answer: str) -> str:
        resp = await self.post(f"/twilio/gather?turn={turn}", self.params(**answer))
        assert resp.status == 200, await resp.text()
        return str(await resp.text())


@pytest.fixture
async def client(aiohttp_client: Any, settings: Settings, clock: FakeClock) -> AsyncIterator[TestClient]:  # type: ignore[type-arg]
    app = init_app(settings, clock=clock)
    yield await aiohttp_client(app, server_kwargs=server_on(settings))


@pytest.fixture
def new_call(client: TestClient) -> Any:  # type: ignore[type-arg]
    def factory(**kwargs: Any) -> TwilioCall:
        return TwilioCall(client, "CA" + secrets.token_hex(16), **kwargs)
    return factory


# The loopback contact centre (server + fake Twilio + agents), shared by desk and web tests.
from tests.centre import centre  # noqa: E402,F401
from tests.web.chromium_pages import browser  # noqa: E402,F401 - the headless Chromium fixture of the page tests
