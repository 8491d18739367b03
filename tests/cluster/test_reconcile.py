"""Stale queue entries: open entries whose line ended without telling us are closed by asking the
line (Twilio's call resource through the faithful fake; a browser phone's socket)."""

from __future__ import annotations

from callcenter.desk import queue_store as qs
from callcenter.web.browser_line import BrowserLine, BrowserSockets
from tests.centre import Centre
from tests.desk.test_desk_log import replayed


async def _lost_end(centre: Centre, call_sid: str) -> None:
    """The call ends at Twilio but neither its status callback nor the conference's reach us."""
    centre.fake.calls[call_sid].status = "completed"


async def test_a_waiting_caller_whose_call_ended_unseen_is_taken_out_of_the_queue(centre: Centre) -> None:
    gone, alive = centre.caller(), centre.caller()
    await centre.call_to_caf(gone)
    await centre.call_to_caf(alive)
    await _lost_end(centre, gone.call_sid)
    # Younger than the threshold: not even asked.
    assert await centre.dispatcher.reconcile(60) == []
    assert (await centre.entry(gone.call_sid)).status == "waiting"
    centre.clock.advance(61)
    assert await centre.dispatcher.reconcile(60) == [gone.call_sid]
    assert (await centre.entry(gone.call_sid)).status == "abandoned"
    assert (await centre.entry(alive.call_sid)).status == "waiting"
    assert [w["call_sid"] for w in (await centre.desk.snapshot())["waiting"]] == [alive.call_sid]
    rebuilt, stored, kinds = await replayed(centre, gone.call_sid)
    assert rebuilt == stored and kinds[-1] == "line_gone"
    async with centre.desk.db.sessions() as session:
        last = (await qs.decisions(session, gone.call_sid))[-1]
    assert last.kind == "abandoned" and "completed" in last.reason and "rapprochement" in last.reason
    # Nothing more to do the next time.
    centre.clock.advance(61)
    assert await centre.dispatcher.reconcile(60) == []


async def test_a_connected_call_whose_line_ended_unseen_frees_its_agent(centre: Centre) -> None:
    call = await centre.connected("alice")
    centre.fake.calls[call.call_sid].status = "failed"
    centre.clock.advance(61)
    assert await centre.dispatcher.reconcile(60) == [call.call_sid]
    entry = await centre.entry(call.call_sid)
    assert entry.status == "ended"
    snapshot = await centre.desk.snapshot()
    assert [a["state"] for a in snapshot["agents"] if a["id"] == centre.agents["alice"]] == ["wrapup"]


async def test_a_call_twilio_does_not_know_is_never_ended_on_a_guess(centre: Centre) -> None:
    call = centre.caller()
    await centre.call_to_caf(call)
    del centre.fake.calls[call.call_sid]          # Twilio answers 404 for it
    centre.clock.advance(61)
    assert await centre.dispatcher.reconcile(60) == []
    assert (await centre.entry(call.call_sid)).status == "waiting"


async def test_a_browser_line_lives_while_its_socket_or_its_process_does() -> None:
    here = BrowserSockets("node-a")
    alive_nodes = {"node-b"}

    async def alive(node: str) -> bool:
        return node in alive_nodes

    line = BrowserLine(here, alive)
    here.opened("CA1")
    assert await line.line_over("CA1", here.handle("CA1")) is None
    here.closed("CA1")
    assert await line.line_over("CA1", here.handle("CA1")) == "socket-closed"
    assert await line.line_over("CA2", "node-b/CA2") is None
    alive_nodes.clear()
    assert await line.line_over("CA2", "node-b/CA2") == "server-gone"
    # Not on the line yet, or a handle naming no process: unknown, never ended on a guess.
    assert await line.line_over("CA3", None) is None
    assert await line.line_over("CA3", "CA3") is None
