"""Agents' flags on knowledge-base answers (API, store, ``kb flags``) and the supervisors' KB page."""

from __future__ import annotations

import argparse
import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from callcenter.ivr import SpeechReceived
from callcenter.kb import cli as kb_cli
from callcenter.store.kb_flags import list_flags
from callcenter.web import keys
from tests.centre import PASSWORD, Centre, make_centre
from tests.conftest import FakeClock, make_env
from tests.web.browser import Browser

FIXTURES = Path(__file__).parent.parent / "kb" / "fixtures"


@pytest.fixture
async def kb_centre(tmp_path: Path, database_url: str, flows_dir: Path, aiohttp_server: Any,
                    aiohttp_client: Any, clock: FakeClock) -> Centre:
    """The loopback centre on the claims fixtures, with the fixture feed of service-public.fr."""
    return await make_centre(tmp_path, database_url, flows_dir, aiohttp_server, aiohttp_client, clock,
                             kb_dir=str(FIXTURES / "kb_claims"), kb_feed=str(FIXTURES / "feed"))


@pytest.fixture
async def users(kb_centre: Centre) -> AsyncIterator[dict[str, Browser]]:
    out = {}
    for name in ("alice", "bob", "sarah"):
        out[name] = Browser(kb_centre.public)
        await out[name].login(name, PASSWORD)
    yield out
    for b in out.values():
        await b.close()


async def test_an_agent_flags_an_answer_of_their_call(kb_centre: Centre, users: dict[str, Browser]) -> None:
    alice, bob = users["alice"], users["bob"]
    call = await kb_centre.connected("alice")
    url = f"/api/calls/{call.call_sid}/kb-flags"
    resp = await alice.post(url, {"kb_id": "caf.rsa", "reason": "outdated",
                                  "comment": "Le contrat demande au moins 15 heures, pas « jusqu'à »."})
    assert resp.status == 201, await resp.text()
    body = await resp.json()
    assert body["kb_id"] == "caf.rsa" and body["reason"] == "outdated" and isinstance(body["id"], int)
    # stored with the call, with the agent
    [flag] = await list_flags(kb_centre.client.app[keys.DATABASE], call_sid=call.call_sid)
    assert (flag.kb_id, flag.reason, flag.agent) == ("caf.rsa", "outdated", "alice")
    assert "au moins 15 heures" in flag.comment
    listed = await (await alice.get(url)).json()
    assert [f["kb_id"] for f in listed["flags"]] == ["caf.rsa"] and "wrong" in listed["reasons"]
    # bad input: a clear 4xx, never a 500
    for bad, why in (({"kb_id": "caf.inconnu", "reason": "wrong"}, "no entry"),
                     ({"kb_id": "caf.rsa", "reason": "bof"}, "reason"),
                     ({"kb_id": "caf.rsa", "reason": "other", "comment": "  "}, "comment"),
                     ({"reason": "wrong"}, "kb_id")):
        resp = await alice.post(url, bad)
        assert resp.status == 400 and why in (await resp.json())["error"]
    resp = await alice.session.post(alice.base_url + url, data=b"not json",
                                    headers={"X-CSRF-Token": alice.csrf})
    assert resp.status == 400
    # not bob's call; no CSRF token: refused
    assert (await bob.post(url, {"kb_id": "caf.rsa", "reason": "wrong"})).status == 403
    assert (await bob.get(url)).status == 403
    assert (await alice.post(url, {"kb_id": "caf.rsa", "reason": "wrong"}, csrf=False)).status == 403


async def test_personal_data_in_comments_is_redacted(kb_centre: Centre, users: dict[str, Browser]) -> None:
    call = await kb_centre.connected("alice")
    # after the caller hung up, in the wrap-up, the agent may still flag what the call was told
    await kb_centre.fake.hangup(call.call_sid)
    await kb_centre.settle()
    resp = await users["alice"].post(f"/api/calls/{call.call_sid}/kb-flags", {
        "kb_id": "am.arret_maladie", "reason": "wrong", "comment": "L'appelant (06 12 34 56 78) dit autre chose"})
    assert resp.status == 201
    [flag] = await list_flags(kb_centre.client.app[keys.DATABASE], kb_id="am.arret_maladie")
    assert "06 12 34 56 78" not in flag.comment


async def test_the_kb_page_lists_stale_claims_faults_and_flags(kb_centre: Centre,
                                                               users: dict[str, Browser]) -> None:
    alice, sarah = users["alice"], users["sarah"]
    assert (await alice.get("/supervisor/kb")).status == 403
    call = await kb_centre.connected("alice")
    await alice.post(f"/api/calls/{call.call_sid}/kb-flags",
                     {"kb_id": "caf.rsa", "reason": "wrong", "comment": "moins de 25 ans enceinte"})
    resp = await sarah.get("/supervisor/kb")
    assert resp.status == 200
    html = await resp.text()
    assert 'href="/supervisor/kb"' in html
    assert "Flux service-public.fr : 3 fiches lues." in html
    # the rows, oldest check first: the RSA (a claim of 2025), then sick leave (June 2026)...
    ids = [line.split('data-kb-id="')[1].split('"')[0] for line in html.splitlines() if "data-kb-id=" in line]
    assert ids == ["caf.rsa", "am.arret_maladie", "caf.date_paiement"]
    row = html.split('id="kb-am.arret_maladie"')[1].split("</tr>")[0]
    assert "fiche F3053 changed on 2026-09-01, after the check of 2026-06-20" in row
    assert "rules often change on 1 July 2026" in row
    rsa = html.split('id="kb-caf.rsa"')[1].split("</tr>")[0]
    assert "Réponse fausse — alice" in rsa and "moins de 25 ans enceinte" in rsa
    assert "duplicate claim id" in rsa
    assert "no claims" in html.split('id="kb-caf.date_paiement"')[1].split("</tr>")[0]


async def test_the_kb_page_without_a_feed_says_so(centre: Centre) -> None:
    sarah = Browser(centre.public)
    await sarah.login("sarah", PASSWORD)
    try:
        html = await (await sarah.get("/supervisor/kb")).text()
        assert "Pas de flux service-public.fr configuré" in html
        assert html.count("data-kb-id=") == 43
    finally:
        await sarah.close()


async def test_kb_flags_command(kb_centre: Centre, users: dict[str, Browser], tmp_path: Path,
                                database_url: str, flows_dir: Path, monkeypatch: pytest.MonkeyPatch,
                                capsys: pytest.CaptureFixture[str]) -> None:
    call = await kb_centre.connected("alice")
    dispatcher = kb_centre.client.app[keys.DISPATCHER]
    await dispatcher.call_event(call.call_sid, SpeechReceived("le rsa c'est combien", 0.9),
                                render=lambda _c, _s: "", request_key=None, source="media")
    for kb_id, reason in (("caf.rsa", "outdated"), ("am.arret_maladie", "incomplete")):
        assert (await users["alice"].post(f"/api/calls/{call.call_sid}/kb-flags",
                                          {"kb_id": kb_id, "reason": reason})).status == 201
    for name, value in make_env(tmp_path, database_url, flows_dir).items():
        monkeypatch.setenv(name, value)
    parser = argparse.ArgumentParser(prog="callcenter")
    kb_cli.register(parser.add_subparsers(dest="command", required=True))
    # The command runs its own event loop, as from a terminal: in a thread here.
    args = parser.parse_args(["kb", "flags", "--entry", "caf.rsa", "--json"])
    assert await asyncio.to_thread(args.func, args) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [(r["kb_id"], r["reason"], r["agent"], r["call_sid"]) for r in rows] == [
        ("caf.rsa", "outdated", "alice", call.call_sid)]
    args = parser.parse_args(["kb", "flags"])
    assert await asyncio.to_thread(args.func, args) == 0
    out, err = capsys.readouterr()
    assert "Réponse incomplète ou ambiguë (alice" in out and "kb flags: 2 flags" in err
