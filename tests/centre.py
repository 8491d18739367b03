"""A whole contact centre on loopback: our server, a faithful fake of Twilio, and agents."""

from __future__ import annotations

import socket
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from callcenter.auth import hash_password
from callcenter.config import Settings
from callcenter.desk.service import Desk
from callcenter.dispatch import Dispatcher
from callcenter.store.users import add_user
from callcenter.telephony.fake_twilio import FakeTwilio
from callcenter.web import keys
from callcenter.web.app import init_app
from tests.conftest import ACCOUNT_SID, AUTH_TOKEN, FakeClock, TwilioCall, make_env

PASSWORD = "un-mot-de-passe-solide"
_HASH = hash_password(PASSWORD)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Centre:
    client: TestClient  # type: ignore[type-arg]
    fake: FakeTwilio
    public: str
    clock: FakeClock
    agents: dict[str, int]

    @property
    def desk(self) -> Desk:
        return self.client.app[keys.DESK]

    @property
    def dispatcher(self) -> Dispatcher:
        """The way in for every event and agent request (the desk above is read)."""
        return self.client.app[keys.DISPATCHER]

    def caller(self) -> TwilioCall:
        import secrets
        return TwilioCall(self.client, "CA" + secrets.token_hex(16), signed_base=self.public)

    async def call_to_caf(self, call: TwilioCall) -> None:
        """Phone in and get handed to the CAF by keys, then join the conference as Twilio would."""
        await call.start()
        await call.gather(1, Digits="1")
        await call.gather(2, Digits="1")
        twiml = await call.gather(3, Digits="1234567")
        assert "<Conference" in twiml
        await self.join_conference(call)

    async def join_conference(self, call: TwilioCall) -> None:
        resp = await self.client.session.post(self.fake_url + "/_fake/conferences/join", json={
            "name": f"conf-{call.call_sid}", "call_sid": call.call_sid, "label": "caller",
            "status_callback": self.public + "/twilio/conference", "events": "start end join leave hold",
            "start_conference_on_enter": False, "end_conference_on_exit": True})
        assert resp.status == 200
        await self.fake.drain()

    fake_url: str = ""

    async def connected(self, agent: str) -> TwilioCall:
        """A caller handed to the CAF and taken by ``agent`` (available, offered, accepted, joined)."""
        await self.dispatcher.set_state(self.agents[agent], "available")
        call = self.caller()
        await self.call_to_caf(call)
        await self.dispatcher.accept(self.agents[agent], call.call_sid)
        await self.settle()
        return call

    async def handled(self, agent: str, seconds: float) -> TwilioCall:
        """A CAF caller taken by ``agent``, who talks with them ``seconds`` before they hang up."""
        call = await self.connected(agent)
        self.clock.advance(seconds)
        await self.fake.hangup(call.call_sid)
        await self.settle()
        return call

    async def entry(self, call_sid: str) -> Any:
        from callcenter.store.models import QueueEntry
        async with self.desk.db.sessions() as session:
            return await session.get(QueueEntry, call_sid)

    async def settle(self) -> None:
        await self.fake.drain()


@pytest.fixture
async def centre(tmp_path: Path, database_url: str, flows_dir: Path, aiohttp_server: Any,
                 aiohttp_client: Any, clock: FakeClock) -> Centre:
    return await make_centre(tmp_path, database_url, flows_dir, aiohttp_server, aiohttp_client, clock)


async def make_centre(tmp_path: Path, database_url: str, flows_dir: Path, aiohttp_server: Any,
                      aiohttp_client: Any, clock: FakeClock, speech_engine: Any = None, **extra: str) -> Centre:
    """The loopback contact centre, with extra ``CALLCENTER_*`` settings (lower-case names)."""
    fake = FakeTwilio(ACCOUNT_SID, AUTH_TOKEN)
    fake_server = await aiohttp_server(fake.app())
    port = free_port()
    public = f"http://127.0.0.1:{port}"
    settings = Settings.from_env(make_env(
        tmp_path, database_url, flows_dir, public_url=public, twilio_phone_number="+33900000000",
        twilio_api_url=str(fake_server.make_url("")).rstrip("/"), tick_seconds="0", offer_timeout="20",
        wrapup_seconds="30", **{"callback_check_seconds": "0", **extra}))
    server = await aiohttp_server(init_app(settings, clock=clock, speech_engine=speech_engine), port=port)
    client = await aiohttp_client(server)
    db = client.app[keys.DATABASE]
    agents = {}
    for name, skills in (("alice", {"caf": 3}), ("bob", {"caf": 1}), ("chloe", {"france_travail": 2})):
        user = await add_user(db, username=name, password_hash=_HASH, role="agent", now=clock(),
                              skills=skills, phone=f"client:{name}")
        agents[name] = user.id
    await add_user(db, username="sarah", password_hash=_HASH, role="supervisor", now=clock())
    await add_user(db, username="root", password_hash=_HASH, role="admin", now=clock())
    centre = Centre(client, fake, public, clock, agents)
    centre.fake_url = str(fake_server.make_url("")).rstrip("/")
    return centre
