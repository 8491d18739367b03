"""The call's state kept with its stored text (calls/state_text.py): the same text stored, the same
state stepped from, whichever process wrote the row last and whatever rolled back."""

from __future__ import annotations

import asyncio
import json
import secrets
from collections.abc import AsyncIterator, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from callcenter.calls import CallService
from callcenter.calls.state_text import StateText
from callcenter.flows.catalog import FlowCatalog
from callcenter.ivr import CallState, Command
from callcenter.ivr.events import CallEnded, CallStarted, DigitsReceived
from callcenter.ivr.state import AnswerRecord, ClarifyRecord, TransferRecord, Utterance, field_from_json
from callcenter.store import CallTx, Database, upgrade
from callcenter.store.json_text import dumps
from callcenter.versions import VersionStore
from tests.conftest import FakeClock

RICH = CallState(
    call_sid="CA" + "1" * 32, flow_id="main", flow_version=3, status="in_ivr", caller="+33600000000",
    history={"calls_last_7_days": 2}, node="menu", turn=4, variables={"motif": "caf"},
    path=("accueil", "menu"), utterances=(Utterance("bonjour", "accueil", "2026-01-01T00:00:00", 0.5),),
    transfer=TransferRecord("caf", None, 1, "asked", "2026-01-01T00:00:00"),
    answers=(AnswerRecord("kb1", 0.75, "faq", "2026-01-01T00:00:00", "clarify"),),
    clarify_choices=("a", "b"),
    clarifications=(ClarifyRecord(("a", "b"), "faq", "2026-01-01T00:00:00", "picked", "a"),),
    kb_alternatives=("c",), on_duty={"queue": "caf", "agents": 0, "at": "x"},
    triage={"score": 0.2, "reasons": ["r"], "hints": [{"id": "h", "evidence": ["e"]}], "semantic": None},
    survey={"phase": "score", "score": 4.0}, language="fr")


def _plain_text(state: CallState) -> str:
    return dumps(state.to_dict())


def _full(text: str) -> CallState:
    return CallState.from_dict(json.loads(text))


def test_each_field_is_read_as_from_dict_reads_it() -> None:
    stored = json.loads(_plain_text(RICH))
    whole = CallState.from_dict(stored)
    for name, value in stored.items():
        got = field_from_json(name, value)
        assert got == getattr(whole, name) and repr(got) == repr(getattr(whole, name)), name


def test_text_and_state_are_the_full_encoding_and_decoding() -> None:
    texts = StateText()
    texts.check = True  # verifies each text and state below against the full ones as well
    first = texts.encode(RICH, None)
    assert first.text == _plain_text(RICH)
    assert first.state == _full(first.text) and repr(first.state) == repr(_full(first.text))
    # Stepped from the kept state: unchanged fields reused, changed ones encoded alone.
    stepped = first.state.evolve(turn=5, path=(*first.state.path, "conseiller"), triage={"score": 1.0, "x": (1, 2)},
                                 unstaffed={"why": "nobody", "reasons": ("a",)}, status="transferred")
    second = texts.encode(stepped, first)
    assert second.text == _plain_text(stepped)
    # The tuple inside a mapping reads back as a list, as it would from the row.
    assert second.state.triage == {"score": 1.0, "x": [1, 2]}
    assert second.state == _full(second.text)
    # A state that did not come from the kept one (identity lost) still gives the same text.
    assert texts.encode(_full(second.text), first).text == second.text


def test_a_text_that_is_not_the_one_kept_is_parsed() -> None:
    texts = StateText()
    kept = texts.encode(RICH, None)
    texts.keep(RICH.call_sid, kept)
    assert texts.decode(RICH.call_sid, kept.text) is kept
    other = _plain_text(RICH.evolve(turn=9))
    read = texts.decode(RICH.call_sid, other)
    assert read is not kept and read.state.turn == 9 and read.fields is None
    # An ended call is not kept.
    texts.keep(RICH.call_sid, texts.encode(RICH.evolve(status="ended"), kept))
    assert texts.decode(RICH.call_sid, kept.text).fields is None


def _render(commands: Sequence[Command], state: CallState) -> str:
    return f"<Response>{state.node}:{len(commands)}</Response>"


@pytest.fixture
async def handles(database_url: str, flows_dir: Path) -> AsyncIterator[list[Database]]:
    """Two handles on one database, as two server processes have."""
    if not database_url.startswith("sqlite"):
        pytest.skip("the state is read as its text on SQLite")
    await asyncio.to_thread(upgrade, database_url)
    dbs = [Database(database_url), Database(database_url)]
    yield dbs
    for db in dbs:
        await db.close()


def _service(db: Database, flows_dir: Path, clock: FakeClock) -> CallService:
    return CallService(db, FlowCatalog(flows_dir, VersionStore(db)), "main", clock)


EVENTS = (CallStarted(called="+33900000000"), DigitsReceived("1"), DigitsReceived("0"), DigitsReceived("1"),
          CallEnded())


async def _rows(db: Database, sid: str) -> tuple[Any, ...]:
    async with db.engine.connect() as conn:
        call = (await conn.execute(sa.text("SELECT status, state, last_response, next_seq FROM calls "
                                           "WHERE call_sid = :s"), {"s": sid})).one()
        log = (await conn.execute(sa.text("SELECT seq, entry, kind, payload, source FROM call_log "
                                          "WHERE call_sid = :s ORDER BY seq"), {"s": sid})).all()
    return tuple(call), tuple(tuple(r) for r in log)


async def _play(services: Sequence[CallService], sid: str) -> None:
    for i, event in enumerate(EVENTS):
        service = services[i % len(services)]
        await service.step(sid, event, render=_render, request_key=f"{sid}:{i}")


async def test_calls_alternating_between_processes_store_what_one_process_stores(
        handles: list[Database], flows_dir: Path) -> None:
    clock = FakeClock()
    one = [_service(handles[0], flows_dir, clock)]
    for service in one:
        await service.catalog.reload()
    alone, shared = "CA" + secrets.token_hex(16), "CA" + secrets.token_hex(16)
    await _play(one, alone)
    # (no caller number: the second call would count the first in its history)
    # Two processes taking the call's events in turn: each finds the other's text in the row,
    # not the one it kept, and parses it.
    two = [_service(handles[0], flows_dir, clock), _service(handles[1], flows_dir, clock)]
    for service in two:
        await service.catalog.reload()
    await _play(two, shared)
    mine, theirs = await _rows(handles[0], alone), await _rows(handles[0], shared)
    assert json.loads(mine[0][1])["status"] == "ended"
    assert mine == tuple(_replace(part, shared, alone) for part in theirs)


def _replace(value: Any, old: str, new: str) -> Any:
    if isinstance(value, str):
        return value.replace(old, new)
    if isinstance(value, tuple):
        return tuple(_replace(v, old, new) for v in value)
    return value


async def test_a_rolled_back_event_leaves_the_kept_state_out(handles: list[Database], flows_dir: Path) -> None:
    clock = FakeClock()
    service = _service(handles[0], flows_dir, clock)
    await service.catalog.reload()
    sid = "CA" + secrets.token_hex(16)
    await service.step(sid, EVENTS[0], render=_render, request_key="k0")
    kept = service.texts._kept[sid]

    async def fail(_tx: CallTx, _commands: Sequence[Command], _ended: bool, _now: datetime) -> None:
        raise RuntimeError("refused")

    with pytest.raises(RuntimeError):
        await service.step(sid, EVENTS[1], render=_render, request_key="k1", within=fail)
    # The row still holds the kept text: the kept state is still the one to step from.
    assert service.texts._kept[sid] is kept
    assert (await _rows(handles[0], sid))[0][1] == kept.text
    await service.step(sid, EVENTS[1], render=_render, request_key="k1")
    assert service.texts._kept[sid].state.turn != kept.state.turn
    assert (await _rows(handles[0], sid))[0][1] == service.texts._kept[sid].text


def test_the_suite_checks_every_kept_state() -> None:
    # tests/conftest.py turns the check on: every test stepping a call verifies the texts and states.
    assert StateText.check
