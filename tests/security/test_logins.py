"""Logins under attack: lockout windows, per-address limits, bounded memory, Argon2 off the event
loop and in the same time for unknown users, sessions revoked on the server (issue 14)."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from yarl import URL

from callcenter.auth.limits import WindowLimiter
from callcenter.auth.login_counters import MemoryCounter, RedisCounter
from callcenter.auth.passwords import verify_password
from callcenter.auth.verify import PasswordChecker
from callcenter.cli.main import main
from callcenter.store.users import set_active, set_password_hash, user_by_name
from callcenter.web.limits import LIMITS
from tests.centre import _HASH, PASSWORD, Centre, make_centre
from tests.conftest import FakeClock, make_env
from tests.web.browser import Browser


@pytest.fixture
async def browsers(centre: Centre) -> AsyncIterator[Any]:
    made: list[Browser] = []

    def make() -> Browser:
        made.append(Browser(centre.public))
        return made[-1]
    yield make
    for b in made:
        await b.close()


def test_a_window_opens_again_with_its_count_after_it_closed() -> None:
    limiter = WindowLimiter(limit=5, window=300)
    for t in range(5):
        limiter.hit("alice", t)
    assert limiter.blocked("alice", 10)
    assert not limiter.blocked("alice", 305)
    # The second window locks like the first (it never did: the start time was not reset).
    for t in range(400, 405):
        limiter.hit("alice", t)
    assert limiter.blocked("alice", 405) and limiter.retry_after("alice", 405) == pytest.approx(295)


def test_the_limiter_forgets_the_oldest_key_and_cuts_long_ones() -> None:
    limiter = WindowLimiter(limit=5, window=300, max_keys=100)
    for i in range(1000):
        limiter.hit(f"{i}-" + "x" * 900_000 if i % 100 == 0 else f"name-{i}", i / 1000)
    assert len(limiter) == 100
    assert max(len(k) for k in limiter.keys()) <= 64


async def test_lockout_works_again_after_its_first_window(browsers: Any, centre: Centre) -> None:
    b = browsers()
    for _round in range(2):
        for _ in range(5):
            assert (await b.login("alice", "not-the-password")).status == 401
        assert (await b.login("alice", PASSWORD)).status == 429
        centre.clock.advance(301)            # the server's clock: the lockout window is over
    assert (await b.login("alice", PASSWORD)).status == 302


async def test_one_address_cannot_try_many_user_names(tmp_path: Path, database_url: str, flows_dir: Path,
                                                      aiohttp_server: Any, aiohttp_client: Any,
                                                      clock: FakeClock) -> None:
    centre = await make_centre(tmp_path, database_url, flows_dir, aiohttp_server, aiohttp_client, clock,
                               address_max_failures="4")
    b = Browser(centre.public)
    try:
        for name in ("alice", "bob", "chloe", "sarah"):
            assert (await b.login(name, "not-the-password")).status == 401
        assert (await b.login("root", PASSWORD)).status == 429
    finally:
        await b.close()


async def test_made_up_user_names_take_bounded_memory(browsers: Any, centre: Centre) -> None:
    b = browsers()
    for i in range(3):
        assert (await b.login(f"{i}" + "n" * 300_000, "whatever-password")).status == 401
    users = centre.client.app[LIMITS].users
    if isinstance(users, MemoryCounter):
        inner = users.window_limiter
        assert len(inner) == 3 and max(len(k) for k in inner.keys()) <= 64
        assert inner.max_keys <= 10_000
    else:
        # Shared through Redis: one short hashed key per name, expiring with its window.
        assert isinstance(users, RedisCounter)
        for i in range(3):
            key = users._key(f"{i}" + "n" * 300_000)
            assert len(key) < 80 and 0 < await users._redis.ttl(key) <= users.window


async def test_password_checks_do_not_stall_the_event_loop(browsers: Any) -> None:
    started = time.perf_counter()
    verify_password(_HASH, "not-the-password")
    one_check = time.perf_counter() - started

    async def longest_stall() -> float:
        gaps: list[float] = []
        stop = False

        async def ticker() -> None:
            last = time.perf_counter()
            while not stop:
                await asyncio.sleep(0.002)
                now = time.perf_counter()
                gaps.append(now - last)
                last = now

        ticking = asyncio.create_task(ticker())
        logins = [browsers() for _ in range(8)]
        await asyncio.gather(*(b.login("alice" if i % 2 else f"nobody{i}", "not-the-password")
                               for i, b in enumerate(logins)))
        stop = True
        await ticking
        return max(gaps)

    # On the loop, each check held it for a whole check (8 of them back to back), in every run; off
    # the loop, a run on a machine busy with other work may still see one long gap, so the best of
    # three runs is what is judged (a blocking check fails all three).
    stalls = []
    for _ in range(3):
        stalls.append(await longest_stall())
        if stalls[-1] < one_check * 0.6:
            break
    assert min(stalls) < one_check * 0.6, (stalls, one_check)


async def test_unknown_and_known_users_take_the_same_time(browsers: Any, centre: Centre,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    # The same work for every name (one Argon2 verification, against a dummy hash when the user is
    # unknown or disabled) is what makes the time the same; it is counted here rather than timed,
    # since timings on a busy machine prove little either way.
    import callcenter.auth.verify as verify
    real = verify.verify_password
    hashed: list[str] = []

    def counted(stored_hash: str, password: str) -> bool:
        hashed.append(stored_hash)
        return real(stored_hash, password)

    monkeypatch.setattr(verify, "verify_password", counted)

    async def argon2_runs(name: str) -> int:
        before = len(hashed)
        assert (await browsers().login(name, "not-the-password")).status == 401
        return len(hashed) - before

    assert [await argon2_runs(n) for n in ("alice", "nobody1", "n" * 5000)] == [1, 1, 1]
    await set_active(centre.desk.db, "chloe", False)
    assert await argon2_runs("chloe") == 1
    # Unknown and disabled names were checked against a hash with the real one's parameters.
    assert hashed[1].split("$")[:4] == hashed[0].split("$")[:4]


async def test_the_checker_bounds_concurrent_checks(monkeypatch: pytest.MonkeyPatch) -> None:
    # Counted, not timed (a busy machine stretches any timing): the real check runs, wrapped so
    # the test sees how many run at once.
    import callcenter.auth.verify as verify
    real = verify.check
    lock = threading.Lock()
    running = most = 0

    def counted(stored_hash: str | None, password: str) -> bool:
        nonlocal running, most
        with lock:
            running += 1
            most = max(most, running)
        try:
            return real(stored_hash, password)
        finally:
            with lock:
                running -= 1

    monkeypatch.setattr(verify, "check", counted)
    checker = PasswordChecker(concurrency=2)
    results = await asyncio.gather(*(checker.check(_HASH, PASSWORD) for _ in range(6)))
    assert results == [True] * 6
    assert 1 <= most <= 2


def _cookie(b: Browser) -> str:
    return next(c.value for c in b.session.cookie_jar if c.key == "cc_session")


async def test_logout_revokes_the_session_on_the_server(browsers: Any, centre: Centre) -> None:
    b = browsers()
    await b.login("alice", PASSWORD)
    kept = _cookie(b)
    resp = await b.session.post(b.base_url + "/logout", data={"csrf_token": b.csrf}, allow_redirects=False)
    assert resp.status == 302
    thief = browsers()
    thief.session.cookie_jar.update_cookies({"cc_session": kept}, URL(centre.public))
    assert (await thief.get("/api/me")).status == 401


async def test_a_password_change_and_disabling_end_every_session(browsers: Any, centre: Centre) -> None:
    a1, a2, b1 = browsers(), browsers(), browsers()
    await a1.login("alice", PASSWORD)
    await a2.login("alice", PASSWORD)
    await b1.login("bob", PASSWORD)
    db = centre.desk.db
    alice = await user_by_name(db, "alice")
    assert alice is not None
    await set_password_hash(db, alice.id, _HASH)
    assert (await a1.get("/api/me")).status == 401 and (await a2.get("/api/me")).status == 401
    assert (await b1.get("/api/me")).status == 200
    await set_active(db, "bob", False)
    await set_active(db, "bob", True)
    assert (await b1.get("/api/me")).status == 401     # enabling again does not bring sessions back


async def test_an_admin_lists_and_revokes_sessions(browsers: Any, centre: Centre) -> None:
    admin, agent, other = browsers(), browsers(), browsers()
    await admin.login("root", PASSWORD)
    await agent.login("alice", PASSWORD)
    await other.login("bob", PASSWORD)
    assert (await agent.get("/api/admin/sessions")).status == 403
    listed = await (await admin.get("/api/admin/sessions?user=alice")).json()
    [alice_session] = listed["sessions"]
    assert alice_session["username"] == "alice" and alice_session["active"]
    assert "token" not in str(listed)
    resp = await admin.post(f"/api/admin/sessions/{alice_session['id']}/revoke")
    assert resp.status == 200
    assert (await agent.get("/api/me")).status == 401
    assert (await admin.post(f"/api/admin/sessions/{alice_session['id']}/revoke")).status == 404
    assert (await admin.post("/api/admin/sessions/%C2%B2/revoke")).status == 400
    assert (await admin.post("/api/admin/users/bob/sessions/revoke")).json is not None
    assert (await other.get("/api/me")).status == 401
    ended = await (await admin.get("/api/admin/sessions?all=1&user=alice")).json()
    assert ended["sessions"][0]["revoked_reason"] == "admin"


async def test_the_sessions_command(browsers: Any, centre: Centre, tmp_path: Path, flows_dir: Path,
                                    database_url: str, monkeypatch: pytest.MonkeyPatch,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    for key, value in make_env(tmp_path, database_url, flows_dir).items():
        monkeypatch.setenv(key, value)
    b = browsers()
    await b.login("alice", PASSWORD)
    assert await asyncio.to_thread(main, ["users", "sessions", "alice"]) == 0
    line = capsys.readouterr().out.strip()
    assert "alice" in line and "live" in line
    session_id = line.split()[0]
    assert await asyncio.to_thread(main, ["users", "sessions", "--revoke", session_id]) == 0
    assert (await b.get("/api/me")).status == 401
    await b.login("alice", PASSWORD)
    monkeypatch.setattr("sys.stdin", __import__("io").StringIO("un-nouveau-mot-de-passe\n"))
    assert await asyncio.to_thread(main, ["users", "password", "alice", "--password-stdin"]) == 0
    assert (await b.get("/api/me")).status == 401
    assert (await browsers().login("alice", "un-nouveau-mot-de-passe")).status == 302
