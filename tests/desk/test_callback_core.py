"""Table tests of the desk core's callback steps: requested, due, offered, dialled, answered,
joined, missed, retried, given up. Pure: no database, no clock, no provider."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from callcenter.desk import codec
from callcenter.desk.core import replay, step
from callcenter.desk.model import (
    Accepted,
    AddAgentLeg,
    AgentConnected,
    AgentStateChanged,
    CallbackAnswered,
    CallbackDialled,
    CallbackDue,
    CallbackMissed,
    CallbackRequested,
    CallbackSms,
    CallerLeft,
    CallUpdated,
    DeskEvent,
    DeskPolicy,
    DialCallback,
    Entry,
    LegJoined,
    LineGone,
    Offer,
    Publish,
    QueueChanged,
    Record,
    SetPresence,
    Tick,
)
from callcenter.routing import Agent, RoutingPolicy

POLICY = DeskPolicy(RoutingPolicy(offer_timeout=20.0), wrapup_seconds=30.0, callback_retries=1,
                    callback_retry_seconds=600.0)
# 1970-01-12 13:46:40 UTC, 14 h 46 in Paris.
T0 = 1_000_000.0
SID = "CA1"
ALICE = Agent(1, "Alice", {"caf": 3}, "available", T0 - 100)

WAITING = Entry(SID, "waiting", "caf", "caf", "fragile", 50, ("isolement",), T0, conference="CF-old")
PENDING = replace(WAITING, status="callback", callback_at=T0 + 60, callback_due=T0 + 3600)
DUE = replace(PENDING, status="waiting")
OFFERED = replace(DUE, status="offered", offered_to=1, offered_at=T0 + 3600)
DIALLING = replace(OFFERED, status="connected", agent_id=1, offered_to=None, callback_tries=1,
                   callback_stage="dialling", agent_address="client:alice")
RINGING = replace(DIALLING, callback_leg="CB1")
KEYED = replace(RINGING, callback_stage="keyed")


def kinds(commands: list[Any]) -> list[str]:
    return [c.decision if isinstance(c, Record) else c.kind for c in commands]


TABLE: list[tuple[str, Entry, DeskEvent, float, Entry, list[Any]]] = [
    ("requested while waiting, for a slot: place kept, due at the slot", WAITING,
     CallbackRequested(due="1970-01-12T14:46:40+00:00"), T0 + 60, PENDING,
     ["callback_requested", "publish"]),
    ("requested as soon as possible: due now", WAITING, CallbackRequested(), T0 + 60,
     replace(PENDING, callback_due=T0 + 60), ["callback_requested", "publish"]),
    ("requested when closed: due at the next opening", Entry(SID),
     CallbackRequested("caf", "caf", "normal", 0, (), "1970-01-13T08:00:00+00:00"), T0,
     Entry(SID, "callback", "caf", "caf", "normal", 0, (), T0, callback_at=T0,
           callback_due=T0 + 18 * 3600 + 13 * 60 + 20), ["callback_requested", "publish"]),
    ("a slot in the past is due now", WAITING, CallbackRequested(due="1970-01-01T00:00:00+00:00"), T0 + 60,
     replace(PENDING, callback_due=T0 + 60), ["callback_requested", "publish"]),
    ("not due yet: nothing", PENDING, CallbackDue(), T0 + 3599, PENDING, []),
    ("due: back among the waiting callers, place kept", PENDING, CallbackDue(), T0 + 3600, DUE,
     [Record("callback_due", "rappel à passer (demandé à 14 h 47) : proposé aux agents, place gardée"),
      Publish(QueueChanged(SID, status="waiting", queue="caf", tier="fragile"))]),
    ("due twice: nothing", DUE, CallbackDue(), T0 + 3601, DUE, []),
    ("tick: offered like a call, said to be a callback", DUE, Tick((DUE.waiting_call(),), (ALICE,)), T0 + 3600,
     OFFERED, ["offered", "offer"]),
    ("accepted: the caller is rung, the agent busy, no conference needed",
     replace(OFFERED, conference=None), Accepted(1, "client:alice"), T0 + 3605,
     replace(DIALLING, conference=None),
     [SetPresence(1, "busy", SID),
      Record("accepted", "l'agent a accepté le rappel : appel de l'appelant, essai 1 sur 2", 1),
      DialCallback(1, 1), Publish(AgentConnected(1, SID)), Publish(QueueChanged(SID, status="connected"))]),
    ("dialled: the call placed is known", DIALLING, CallbackDialled("CB1"), T0 + 3606, RINGING, []),
    ("dialled again: the first call stays", RINGING, CallbackDialled("CB2"), T0 + 3606, RINGING, []),
    ("key pressed: joining", RINGING, CallbackAnswered("CB1"), T0 + 3620, KEYED,
     [Record("callback_answered", "l'appelant rappelé a décroché et tapé la touche", 1),
      Publish(CallUpdated(SID, status="callback_answered"))]),
    ("key on another call: nothing", RINGING, CallbackAnswered("CB9"), T0 + 3620, RINGING, []),
    ("caller in the conference: the agent's leg is rung", KEYED, LegJoined(SID, None, "CF-new"), T0 + 3622,
     replace(KEYED, conference="CF-new", callback_stage="joined"),
     [AddAgentLeg("CF-new", 1, "client:alice"),
      Record("callback_joined", "l'appelant rappelé est en ligne : l'agent est appelé", 1)]),
    ("caller in the conference before the key: no agent yet", RINGING, LegJoined(SID, None, "CF-new"),
     T0 + 3622, replace(RINGING, conference="CF-new"), []),
    ("no answer, a try left: the agent is free, tried again later", RINGING, CallbackMissed("CB1", "no-answer"),
     T0 + 3640,
     replace(PENDING, callback_tries=1, callback_due=T0 + 4240),
     [SetPresence(1, "available"), Publish(AgentStateChanged(1, "available")),
      Publish(CallUpdated(SID, status="callback_missed")),
      Record("callback_retry", "rappel non abouti (pas de réponse), essai 1 sur 2 ; nouvel essai à partir de "
                               "15 h 57", 1),
      Publish(QueueChanged(SID, status="callback"))]),
    ("no key (answering machine) counts as not answered", RINGING, CallbackMissed("CB1", "no_key"), T0 + 3640,
     replace(PENDING, callback_tries=1, callback_due=T0 + 4240),
     ["set_presence", "publish", "publish", "callback_retry", "publish"]),
    ("the call could not be placed counts as a try", DIALLING, CallbackMissed("", "unreachable"), T0 + 3606,
     replace(PENDING, callback_tries=1, callback_due=T0 + 4206),
     ["set_presence", "publish", "publish", "callback_retry", "publish"]),
    ("busy on the last try: failed, the last SMS", replace(RINGING, callback_tries=2), CallbackMissed("CB1", "busy"),
     T0 + 9000,
     replace(PENDING, status="callback_failed", callback_tries=2, ended_at=T0 + 9000),
     ["set_presence", "publish", "publish", "callback_failed", "callback_sms", "publish"]),
    ("missed after the key: the conference has it", KEYED, CallbackMissed("CB1", "completed"), T0 + 3700, KEYED, []),
    ("missed from an older call: nothing", RINGING, CallbackMissed("CB0", "busy"), T0 + 3700, RINGING, []),
    ("reconciliation does not end a callback (its first call is over by design)", DUE, LineGone("completed"),
     T0 + 3700, DUE, []),
    ("the first call ending does not touch a pending callback", PENDING, CallerLeft(), T0 + 70, PENDING, []),
]


@pytest.mark.parametrize(("name", "before", "event", "now", "after", "commands"), TABLE, ids=[t[0] for t in TABLE])
def test_transition(name: str, before: Entry, event: DeskEvent, now: float, after: Entry, commands: list[Any]) -> None:
    entry, out = step(before, event, now, POLICY)
    assert entry == after
    if commands and isinstance(commands[0], str):
        assert kinds(out) == commands
    else:
        assert out == commands


def test_the_offer_says_it_is_a_callback_and_when_it_was_asked() -> None:
    _, out = step(DUE, Tick((DUE.waiting_call(),), (ALICE,)), T0 + 3600, POLICY)
    offer = next(c for c in out if isinstance(c, Offer))
    assert offer.reason.startswith("Rappel demandé à 14 h 47 ; fragile")
    again = replace(DUE, callback_tries=1)
    _, out = step(again, Tick((again.waiting_call(),), (ALICE,)), T0 + 3600, POLICY)
    assert next(c for c in out if isinstance(c, Offer)).reason.startswith("Rappel demandé à 14 h 47, essai 2 sur 2 ;")


def test_a_callback_keeps_its_place_ahead_of_later_callers() -> None:
    later = Entry("CA2", "waiting", "caf", "caf", "fragile", 50, ("isolement",), T0 + 1000, conference="CF2")
    tick = Tick((later.waiting_call(), DUE.waiting_call()), (ALICE,))
    assert step(DUE, tick, T0 + 3600, POLICY)[0].offered_to == 1
    assert step(later, tick, T0 + 3600, POLICY)[0].offered_to is None


def test_the_callback_log_replays_through_json() -> None:
    events: list[tuple[DeskEvent, float]] = [
        (CallbackRequested("caf", "caf", "fragile", 50, ("isolement",), None, "1970-01-12T14:46:40+00:00"), T0),
        (CallbackDue(), T0 + 3600),
        (Tick((replace(DUE, enqueued_at=T0, conference=None, callback_at=T0).waiting_call(),), (ALICE,)), T0 + 3600),
        (Accepted(1, "client:alice"), T0 + 3605),
        (CallbackDialled("CB1"), T0 + 3605),
        (CallbackMissed("CB1", "no-answer"), T0 + 3640),
        (CallbackDue(), T0 + 4240),
        (Tick((replace(DUE, enqueued_at=T0, conference=None, callback_at=T0, callback_tries=1).waiting_call(),),
              (ALICE,)), T0 + 4240),
        (Accepted(1, "client:alice"), T0 + 4245),
        (CallbackDialled("CB2"), T0 + 4245),
        (CallbackAnswered("CB2"), T0 + 4260),
        (LegJoined(SID, None, "CF-new"), T0 + 4262),
    ]
    live = Entry(SID)
    for event, at in events:
        live, _ = step(live, event, at, POLICY)
    assert live.status == "connected" and live.callback_stage == "joined" and live.callback_tries == 2
    logged = [(codec.event_from_dict(codec.event_to_dict(e)), at) for e, at in events]
    assert replay(SID, logged, POLICY) == live
    for command in (DialCallback(1, 2), CallbackSms()):
        assert codec.command_to_dict(command)["kind"] == command.kind
