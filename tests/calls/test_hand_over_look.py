"""A hand-over reads the agents on duty and the wait estimate together (``Desk.hand_over_look``:
one read of the roster, where ``Desk.on_duty`` and ``Desk.estimate`` read it once each): the same
count and estimate, the same log, and the separate reads again when the look fails."""

from __future__ import annotations

import json
from typing import Any

import pytest

from callcenter.calls import CallService
from callcenter.ivr import commands as cmd
from callcenter.web import keys
from tests.calls.test_answers_and_triage import _busy_caf_desk, _to_caf
from tests.centre import Centre

CAF = cmd.Transfer(queue="caf", skill="caf", priority=0, reason="menu", tier="normal")


async def _both_ways(centre: Centre, transfer: cmd.Transfer) -> None:
    sid = "CA" + "9" * 32
    looked = await centre.desk.hand_over_look(sid, transfer)
    apart = (await centre.desk.on_duty(sid, transfer), *(await centre.desk.estimate(sid, transfer)))
    assert (looked.on_duty, looked.seconds, looked.position) == apart


async def test_the_look_says_what_the_two_reads_say(centre: Centre) -> None:
    urgent = cmd.Transfer(queue="caf", skill="caf", priority=10, reason="urgent", tier="urgent")
    other = cmd.Transfer(queue="default", skill=None, priority=0, reason="menu", tier="normal", language="en")
    for transfer in (CAF, urgent, other):
        await _both_ways(centre, transfer)                      # nobody logged in, nobody waiting
    await _busy_caf_desk(centre, 240)                           # one agent on duty, busy, handle times
    for _ in range(3):
        await _to_caf(centre.caller())
        centre.clock.advance(7)
        for transfer in (CAF, urgent, other):
            await _both_ways(centre, transfer)
    await centre.dispatcher.set_state(centre.agents["bob"], "available")
    for transfer in (CAF, urgent, other):
        await _both_ways(centre, transfer)


def _hand_over_log(rows: list[Any], sid: str) -> list[tuple[str, str, Any]]:
    # The call's own id is random from one centre to the next: written alike.
    return [(r.entry, r.kind, json.loads(json.dumps(r.payload).replace(sid, "CA-this-call"))) for r in rows]


async def _second_caller_log(centre: Centre, asked: list[str]) -> list[tuple[str, str, Any]]:
    await _busy_caf_desk(centre, 300)
    await _to_caf(centre.caller())
    centre.clock.advance(5)
    call = centre.caller()
    await call.start()
    await call.gather(1, Digits="1")
    await call.gather(2, Digits="1")
    asked.clear()
    await call.gather(3, Digits="1234567")                      # one ahead: a wait worth an offer
    return _hand_over_log(await centre.client.app[keys.DATABASE].call_log(call.call_sid), call.call_sid)


@pytest.mark.parametrize("way", ["look", "apart", "look fails"])
async def test_a_hand_over_reads_the_roster_once_and_logs_what_it_logged(
        centre: Centre, way: str, monkeypatch: pytest.MonkeyPatch) -> None:
    service: CallService = centre.client.app[keys.SERVICE]
    asked: list[str] = []
    desk = centre.desk
    for name in ("on_duty", "estimate", "hand_over_look"):
        real = getattr(desk, name)

        async def counted(*args: Any, _real: Any = real, _name: str = name) -> Any:
            asked.append(_name)
            return await _real(*args)
        monkeypatch.setattr(desk, name, counted)
    service.count_on_duty, service.estimate_wait = desk.on_duty, desk.estimate
    if way == "apart":
        service.look_at_hand_over = None
    elif way == "look fails":
        async def failing(*_args: Any) -> Any:
            asked.append("failed look")
            raise OSError("the desk's read failed")
        service.look_at_hand_over = failing
    else:
        service.look_at_hand_over = desk.hand_over_look
    log = await _second_caller_log(centre, asked)
    kinds = [(entry, kind) for entry, kind, _ in log]
    seen = kinds.index(("event", "on_duty"))
    assert kinds[seen + 1] == ("event", "digits") and ("event", "wait_estimated") in kinds
    estimate = next(p for _, kind, p in log if kind == "wait_estimated")
    assert (estimate["seconds"], estimate["position"]) == (600.0, 2)     # one ahead: 2 x 300 s, one agent
    # What the hand-over asked the desk (the estimate is the look's second half).
    assert asked == {"look": ["hand_over_look"], "apart": ["on_duty", "estimate", "hand_over_look"],
                     "look fails": ["failed look", "on_duty", "estimate", "hand_over_look"]}[way]
    # The same log whichever way it was read (the payloads of every row, the on-duty count and
    # the estimate among them), against the separate reads in a fresh centre of its own.
    _EXPECTED.setdefault("log", log)
    assert log == _EXPECTED["log"]


_EXPECTED: dict[str, Any] = {}
