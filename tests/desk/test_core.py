"""Table tests of the desk's pure core: (entry, event, now) -> (entry, commands), every transition."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from callcenter.desk import codec
from callcenter.desk.core import idle_pass, replay, step
from callcenter.desk.model import (
    Accepted,
    AddAgentLeg,
    AgentConnected,
    AgentStateChanged,
    CallbackRequested,
    CallEnded,
    CallerLeft,
    CallUpdated,
    ColdTransferAsked,
    ConferenceEnded,
    Declined,
    DeskError,
    DeskEvent,
    DeskPolicy,
    EndConference,
    Enqueued,
    Entry,
    HangupAsked,
    Hold,
    HoldAsked,
    LegFailed,
    LegJoined,
    LegLeft,
    LegStarted,
    Offer,
    OfferExpired,
    Publish,
    QueueChanged,
    Record,
    RemoveLeg,
    SetPresence,
    Tick,
    TransferCompleted,
    WarmTransferAsked,
    Withdraw,
)
from callcenter.routing import Agent, RoutingPolicy
from tests.isolation import imports_in_isolation

POLICY = DeskPolicy(RoutingPolicy(offer_timeout=20.0), wrapup_seconds=30.0)
T0 = 1_000_000.0
SID = "CA1"
ALICE = Agent(1, "Alice", {"caf": 3}, "available", T0 - 100)
BOB = Agent(2, "Bob", {"caf": 1}, "available", T0 - 200)

WAITING = Entry(SID, "waiting", "caf", "caf", "normal", 0, ("triage",), T0, conference="CF1")
OFFERED = replace(WAITING, status="offered", offered_to=1, offered_at=T0)
CONNECTED = replace(WAITING, status="connected", agent_id=1, agent_leg="LEG1", connected_at=T0 + 5)
BRIEFING = replace(CONNECTED, transfer_to=2, transfer_leg="LEG2")


def kinds(commands: list[Any]) -> list[str]:
    return [c.decision if isinstance(c, Record) else c.kind for c in commands]


# (name, entry before, event, now, entry after, commands)
TABLE: list[tuple[str, Entry, DeskEvent, float, Entry, list[Any]]] = [
    ("enqueued: a newcomer waits", Entry(SID, conference="CF1"),
     Enqueued("caf", "caf", "normal", 0, ("triage",), "menu"), T0, WAITING,
     [Record("queued", "file caf, compétence caf, niveau normal, motif IVR menu, raisons triage"),
      Publish(QueueChanged(SID, queue="caf", tier="normal"))]),
    ("enqueued twice: nothing", WAITING, Enqueued("caf", None, "urgent"), T0 + 9, WAITING, []),
    ("enqueued again after the end: waits again",
     replace(CONNECTED, status="ended", ended_at=T0 + 60), Enqueued("caf", "caf", "normal", 0, ("triage",), "menu"),
     T0, WAITING,
     [Record("queued", "file caf, compétence caf, niveau normal, motif IVR menu, raisons triage"),
      Publish(QueueChanged(SID, queue="caf", tier="normal"))]),
    ("tick: the expert is offered the call", WAITING, Tick((WAITING.waiting_call(),), (ALICE, BOB)), T0 + 1,
     replace(WAITING, status="offered", offered_to=1, offered_at=T0 + 1), ["offered", "offer"]),
    ("tick: nobody available, nothing", WAITING, Tick((WAITING.waiting_call(),), (replace(ALICE, state="busy"),)),
     T0 + 1, WAITING, []),
    ("tick: offer still fresh", OFFERED, Tick((OFFERED.waiting_call(),), (ALICE, BOB)), T0 + 19, OFFERED, []),
    ("tick: offer expired goes to the next agent", OFFERED, Tick((OFFERED.waiting_call(),), (ALICE, BOB)), T0 + 20,
     replace(WAITING, status="offered", offered_to=2, offered_at=T0 + 20, declined_by=frozenset({1})),
     ["timeout", "withdraw", "offered", "offer"]),
    ("tick: a connected call is not routed", CONNECTED, Tick((), (ALICE, BOB)), T0 + 30, CONNECTED, []),
    ("offer expired", OFFERED, OfferExpired(1), T0 + 20, replace(WAITING, declined_by=frozenset({1})),
     [Record("timeout", "pas de réponse en 20 s", 1), Withdraw(1, "timeout")]),
    ("offer expired for another agent: nothing", OFFERED, OfferExpired(2), T0 + 20, OFFERED, []),
    ("declined", OFFERED, Declined(1), T0 + 3, replace(WAITING, declined_by=frozenset({1})),
     [Record("declined", "refusé par l'agent", 1), Withdraw(1, "declined")]),
    ("accepted: the agent's leg is rung in", OFFERED, Accepted(1, "client:alice"), T0 + 4,
     replace(WAITING, status="connected", agent_id=1, offered_at=T0),
     [SetPresence(1, "busy", SID), Record("accepted", "l'agent a accepté après lecture du contexte", 1),
      AddAgentLeg("CF1", 1, "client:alice"), Publish(AgentConnected(1, SID)),
      Publish(QueueChanged(SID, status="connected"))]),
    ("caller's leg joined: the conference is known", replace(WAITING, conference=None),
     LegJoined(SID, None, "CF9"), T0 + 1, replace(WAITING, conference="CF9"), []),
    ("caller's leg joined on the browser phone: its line is the browser", replace(WAITING, conference=None),
     LegJoined(SID, None, SID, "browser"), T0 + 1, replace(WAITING, conference=SID, channel="browser"), []),
    ("caller's leg joined before queueing: nothing", Entry(SID), LegJoined(SID, None, "CF9"), T0, Entry(SID), []),
    ("agent's leg started", replace(CONNECTED, agent_leg=None, connected_at=None), LegStarted(1, "LEG1"), T0 + 5,
     replace(CONNECTED, connected_at=None), []),
    ("second agent's leg started", replace(BRIEFING, transfer_leg=None), LegStarted(2, "LEG2"), T0 + 50,
     BRIEFING, []),
    ("a leg started after the call ended: nothing", replace(CONNECTED, status="ended"), LegStarted(1, "LEG9"),
     T0 + 99, replace(CONNECTED, status="ended"), []),
    ("a leg started once its join was seen: nothing", CONNECTED, LegStarted(1, "LEG1"), T0 + 6, CONNECTED, []),
    ("agent's leg joined: connected", replace(CONNECTED, agent_leg=None, connected_at=None), LegJoined("LEG1", 1),
     T0 + 5, CONNECTED,
     [Record("connected", "agent relié après 5 s d'attente", 1), Publish(CallUpdated(SID, status="connected"))]),
    ("second agent's leg joined", replace(BRIEFING, transfer_leg=None), LegJoined("LEG2", 2), T0 + 50, BRIEFING,
     [Publish(CallUpdated(SID, status="connected"))]),
    ("agent's leg failed: back to waiting", replace(CONNECTED, connected_at=None), LegFailed(1, "busy"), T0 + 9,
     replace(WAITING, declined_by=frozenset({1})),
     [SetPresence(1, "available"), Record("requeued", "busy", 1)]),
    ("second agent's leg failed: the caller comes back to the first", replace(BRIEFING, transfer_leg=None),
     LegFailed(2, "no-answer"), T0 + 70, CONNECTED,
     [SetPresence(2, "available"), Record("transfer_failed", "no-answer", 2), Hold("CF1", SID, False)]),
    ("a leg failing once connected: nothing", CONNECTED, LegFailed(1, "busy"), T0 + 9, CONNECTED, []),
    ("agent left alone with the caller: the call ends", CONNECTED, LegLeft(1, "LEG1"), T0 + 90,
     replace(CONNECTED, status="ended", ended_at=T0 + 90),
     [SetPresence(1, "wrapup", SID, 30.0), Record("ended", "l'agent a raccroché", 1), EndConference("CF1"),
      Publish(AgentStateChanged(1, "wrapup")), Publish(CallUpdated(SID, status="ended")), Publish(CallEnded(SID))]),
    ("first agent left during the briefing: the second keeps the caller", BRIEFING, LegLeft(1, "LEG1"), T0 + 90,
     replace(CONNECTED, agent_id=2, agent_leg="LEG2"),
     [SetPresence(1, "wrapup", SID, 30.0), Record("transferred", "transfert accompagné terminé", 2),
      Hold("CF1", SID, False), Publish(AgentStateChanged(1, "wrapup")),
      Publish(CallUpdated(SID, status="connected"))]),
    ("second agent left during the briefing: the first keeps the caller", BRIEFING, LegLeft(2, "LEG2"), T0 + 90,
     CONNECTED,
     [SetPresence(2, "wrapup", SID, 30.0), Record("transfer_failed", "l'agent sollicité a raccroché", 2),
      Hold("CF1", SID, False), Publish(AgentStateChanged(2, "wrapup")),
      Publish(CallUpdated(SID, status="connected"))]),
    ("agent leg left after a cold transfer: nothing", WAITING, LegLeft(1, "LEG1"), T0 + 90, WAITING, []),
    ("caller left while waiting: abandoned", WAITING, CallerLeft(), T0 + 42,
     replace(WAITING, status="abandoned", ended_at=T0 + 42),
     [Record("abandoned", "l'appelant a raccroché après 42 s d'attente"),
      Publish(QueueChanged(SID, status="left"))]),
    ("caller left while offered: the offer is withdrawn", OFFERED, CallerLeft(), T0 + 5,
     replace(WAITING, status="abandoned", ended_at=T0 + 5),
     [Record("abandoned", "l'appelant a raccroché après 5 s d'attente"), Withdraw(1, "caller_left"),
      Publish(QueueChanged(SID, status="left"))]),
    ("caller left during the briefing: both agents wrap up", BRIEFING, CallerLeft(), T0 + 99,
     replace(BRIEFING, status="ended", ended_at=T0 + 99),
     [SetPresence(1, "wrapup", SID, 30.0), SetPresence(2, "wrapup", SID, 30.0),
      Record("ended", "l'appelant a raccroché", 1), EndConference("CF1"), Publish(QueueChanged(SID, status="left")),
      # the screens of both agents are told at once (issue 15: the state stayed « en appel »)
      Publish(AgentStateChanged(1, "wrapup")), Publish(AgentStateChanged(2, "wrapup")),
      Publish(CallUpdated(SID, status="ended")), Publish(CallEnded(SID))]),
    ("conference ended (browser phone): the caller is told", CONNECTED, ConferenceEnded(), T0 + 99,
     replace(CONNECTED, status="ended", ended_at=T0 + 99),
     [SetPresence(1, "wrapup", SID, 30.0), Record("ended", "fin de la conversation", 1),
      Publish(QueueChanged(SID, status="left")), Publish(AgentStateChanged(1, "wrapup")),
      Publish(CallUpdated(SID, status="ended")), Publish(CallEnded(SID))]),
    ("conference ended after the call: nothing", replace(CONNECTED, status="ended"), ConferenceEnded(), T0 + 99,
     replace(CONNECTED, status="ended"), []),
    ("caller left twice: nothing", replace(WAITING, status="abandoned"), CallerLeft(), T0 + 50,
     replace(WAITING, status="abandoned"), []),
    ("hold", CONNECTED, HoldAsked(1, True), T0 + 30, CONNECTED,
     [Hold("CF1", SID, True), Record("hold", "mise en attente par l'agent", 1),
      Publish(CallUpdated(SID, on_hold=True))]),
    ("resume", CONNECTED, HoldAsked(1, False), T0 + 30, CONNECTED,
     [Hold("CF1", SID, False), Record("unhold", "reprise par l'agent", 1),
      Publish(CallUpdated(SID, on_hold=False))]),
    ("hang up: the conference ends", CONNECTED, HangupAsked(1), T0 + 30, CONNECTED, [EndConference("CF1")]),
    ("warm transfer: caller held, second agent rung", CONNECTED, WarmTransferAsked(1, 2, "Bob", "client:bob"),
     T0 + 40, replace(CONNECTED, transfer_to=2),
     [SetPresence(2, "busy", SID), Record("transfer_warm", "briefing privé avec Bob, appelant en attente", 1),
      Hold("CF1", SID, True), AddAgentLeg("CF1", 2, "client:bob"), Offer(2, "transfert accompagné", True)]),
    ("transfer completed: caller back, first agent out", BRIEFING, TransferCompleted(1), T0 + 60, BRIEFING,
     [Hold("CF1", SID, False), RemoveLeg("CF1", "LEG1")]),
    ("cold transfer: waits in another queue", CONNECTED, ColdTransferAsked(1, "france_travail", "ft"), T0 + 60,
     replace(WAITING, queue="france_travail", skill="ft", declined_by=frozenset({1})),
     [SetPresence(1, "wrapup", SID, 30.0), Record("transfer_cold", "vers la file france_travail", 1),
      RemoveLeg("CF1", "LEG1")]),
    ("callback while waiting: place kept", OFFERED, CallbackRequested(), T0 + 600,
     replace(WAITING, status="callback", callback_at=T0 + 600, callback_due=T0 + 600),
     [Record("callback_requested", "rappel demandé par l'appelant, place gardée (arrivée 1970-01-12T13:46:40+00:00)"),
      Withdraw(1, "callback"), Publish(QueueChanged(SID, status="callback"))]),
    ("callback when never queued: on the callback list", Entry(SID),
     CallbackRequested("caf", "caf", "fragile", 1, ("isolement",), "09:00"), T0,
     Entry(SID, "callback", "caf", "caf", "fragile", 1, ("isolement",), T0, callback_at=T0, callback_due=T0),
     [Record("callback_requested", "rappel demandé par l'appelant, file caf fermée ou sans agent, pas avant 09:00"),
      Publish(QueueChanged(SID, status="callback"))]),
    ("callback once connected: nothing", CONNECTED, CallbackRequested(), T0 + 60, CONNECTED, []),
]


@pytest.mark.parametrize(("name", "before", "event", "now", "after", "commands"), TABLE, ids=[t[0] for t in TABLE])
def test_transition(name: str, before: Entry, event: DeskEvent, now: float, after: Entry, commands: list[Any]) -> None:
    entry, out = step(before, event, now, POLICY)
    assert entry == after
    if commands and isinstance(commands[0], str):
        assert kinds(out) == commands
    else:
        assert out == commands


# (name, entry, event, what the agent is told)
REFUSALS: list[tuple[str, Entry, DeskEvent, str]] = [
    ("declining an offer made to someone else", OFFERED, Declined(2), "not offered to you"),
    ("declining a call that is not offered", WAITING, Declined(1), "not offered to you"),
    ("accepting an offer that moved on", replace(OFFERED, offered_to=2), Accepted(1, "x"), "no longer offered"),
    ("accepting before the caller's line is up", replace(OFFERED, conference=None), Accepted(1, "x"), "not ready"),
    ("holding a call one is not on", CONNECTED, HoldAsked(2, True), "not on this call"),
    ("holding a call without conference", replace(CONNECTED, conference=None), HoldAsked(1, True), "no conference"),
    ("hanging up a waiting call", WAITING, HangupAsked(1), "not on this call"),
    ("warm transfer to nobody", CONNECTED, WarmTransferAsked(1, 9, None), "no such agent"),
    ("completing a transfer never started", CONNECTED, TransferCompleted(1), "no transfer in progress"),
    ("cold transfer by the agent being briefed", BRIEFING, ColdTransferAsked(2, "caf", None), "only the agent"),
]


@pytest.mark.parametrize(("name", "entry", "event", "message"), REFUSALS, ids=[r[0] for r in REFUSALS])
def test_refusal(name: str, entry: Entry, event: DeskEvent, message: str) -> None:
    with pytest.raises(DeskError, match=message):
        step(entry, event, T0 + 10, POLICY)


def test_one_routing_pass_gives_each_agent_one_caller() -> None:
    """Every entry stepped with the same observation takes its own assignment, never the same agent."""
    first = replace(WAITING, call_sid="CA1", enqueued_at=T0)
    second = replace(WAITING, call_sid="CA2", enqueued_at=T0 + 1)
    third = replace(WAITING, call_sid="CA3", enqueued_at=T0 + 2)
    tick = Tick(tuple(e.waiting_call() for e in (first, second, third)), (ALICE, BOB))
    offers = [step(e, tick, T0 + 10, POLICY)[0].offered_to for e in (first, second, third)]
    assert offers == [1, 2, None]


def test_an_expired_offer_elsewhere_frees_its_agent_in_the_same_pass() -> None:
    stale = replace(OFFERED, call_sid="CA0", enqueued_at=T0 - 50, offered_at=T0 - 30)
    mine = replace(WAITING, enqueued_at=T0)
    tick = Tick((stale.waiting_call(), mine.waiting_call()), (ALICE,))
    assert step(stale, tick, T0, POLICY)[0].status == "waiting"      # alice already declined by expiry
    assert step(mine, tick, T0, POLICY)[0].offered_to == 1           # so the newcomer gets her


@pytest.mark.parametrize("agents", [(), (replace(ALICE, state="busy"),),
                                    (replace(ALICE, state="offline"), replace(BOB, state="wrapup"))])
def test_an_idle_pass_steps_nothing(agents: tuple[Agent, ...]) -> None:
    """What lets the shell skip a routing pass: nobody free and no offer out, so the Tick of every
    waiting caller (whatever their tier, skill or wait) changes nothing and commands nothing."""
    waiting = [replace(WAITING, call_sid=f"CA{i}", tier=tier, skill=skill, enqueued_at=T0 - wait)
               for i, (tier, skill, wait) in enumerate([("normal", "caf", 0), ("urgent", None, 900),
                                                        ("fragile", "caf", 30), ("normal", "impots", 5000)])]
    tick = Tick(tuple(e.waiting_call() for e in waiting), agents)
    assert idle_pass(agents, anyone_offered=False)
    for entry in waiting:
        assert step(entry, tick, T0 + 60, POLICY) == (entry, [])
    assert not idle_pass(agents, anyone_offered=True)       # an offer may have expired
    assert not idle_pass((*agents, ALICE), anyone_offered=False)


def test_the_log_replays_to_the_same_entry_through_json() -> None:
    events: list[tuple[DeskEvent, float]] = [
        (Enqueued("caf", "caf", "fragile", 1, ("isolement",), "triage"), T0),
        (LegJoined(SID, None, "CF1", "twilio"), T0 + 1),
        (Tick((replace(WAITING, tier="fragile").waiting_call(),), (ALICE, BOB)), T0 + 2),
        (Accepted(1, "client:alice"), T0 + 5),
        (LegStarted(1, "LEG1"), T0 + 5),
        (LegJoined("LEG1", 1), T0 + 6),
        (WarmTransferAsked(1, 2, "Bob", "client:bob"), T0 + 60),
        (LegJoined("LEG2", 2), T0 + 62),
        (LegLeft(1, "LEG1"), T0 + 90),
        (CallerLeft(), T0 + 200),
    ]
    entry = Entry(SID)
    for event, at in events:
        entry, commands = step(entry, event, at, POLICY)
        for command in commands:
            codec.command_to_dict(command)          # every command is loggable
    logged = [(codec.event_from_dict(codec.event_to_dict(e)), at) for e, at in events]
    assert logged == events
    rebuilt = replay(SID, logged, POLICY)
    assert rebuilt == entry == codec.entry_from_dict(codec.entry_to_dict(entry))
    assert entry.status == "ended" and entry.agent_id == 2 and entry.connected_at == T0 + 6


def test_the_core_imports_no_database_web_or_telephony_code() -> None:
    """Run the core in a fresh interpreter where those modules cannot be imported at all."""
    blocked = ["sqlalchemy", "aiohttp", "twilio", "redis", "asyncpg", "aiosqlite", "callcenter.store",
               "callcenter.web", "callcenter.telephony", "callcenter.bus", "callcenter.calls",
               "callcenter.dispatch", "callcenter.desk.service", "callcenter.desk.queue_store"]
    result = imports_in_isolation(blocked, [
        "callcenter.desk", "callcenter.desk.core", "callcenter.desk.codec", "callcenter.desk.model",
        "callcenter.desk.ports", "callcenter.desk.callback_steps", "callcenter.desk.turns",
        "callcenter.desk.service_level"])
    assert result.returncode == 0, result.stderr
