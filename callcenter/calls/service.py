"""The IVR's shell: lock, load, step, log, save; the commands left are returned, not carried out.

Adapters (Twilio webhooks, media streams, the browser phone) reach it through the dispatcher
(``callcenter/dispatch``), which carries out what :meth:`CallService.step` returns and feeds the
answers of the ports the caller waits on (an SMS, the appointment book) back as events. The engine
never sees the database, and the database never sees an unlogged state change.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from callcenter.calls.cores import Cores
from callcenter.calls.history import caller_history
from callcenter.calls.state_text import Kept, StateText, stored
from callcenter.errors import CallCenterError
from callcenter.flows.catalog import FlowCatalog
from callcenter.ivr import (
    AgentHandled,
    CallStarted,
    CallState,
    Command,
    Event,
    IvrEngine,
    OnDuty,
    QueueLeft,
    WaitEstimated,
    command_to_dict,
    event_to_dict,
)
from callcenter.ivr.commands import AppointmentRequest, RecordSurvey, SendSms, Transfer
from callcenter.privacy import caller_key, stored_caller
from callcenter.store import CallTx, Database
from callcenter.store.prepared import Reading
from callcenter.store.surveys import save_survey

_LOGGER = logging.getLogger(__name__)

Clock = Callable[[], datetime]
Renderer = Callable[[Sequence[Command], CallState], str]
WaitEstimator = Callable[[str, Transfer], Awaitable[tuple[float | None, int]]]
# (call_sid, transfer) -> agents logged in who could take that caller.
OnDutyCounter = Callable[[str, Transfer], Awaitable[int]]


class HandOverSeen(Protocol):
    """What the desk says of a caller handed over now (``desk.service.HandOverLook``)."""

    @property
    def on_duty(self) -> int: ...
    @property
    def seconds(self) -> float | None: ...
    @property
    def position(self) -> int: ...


# (call_sid, transfer, the step's connection) -> both the count of agents on duty and the wait
# estimate, from one read on that connection.
HandOverLooker = Callable[[str, Transfer, Reading], Awaitable[HandOverSeen]]
# call_sid -> the agent who talked with that caller (None: nobody was ever connected).
ServedBy = Callable[[str], Awaitable[int | None]]
# What the dispatcher stores in a step's own transaction once the step's log entries are appended
# (the desk's steps a hand-over or a hang-up causes): (tx, the step's commands, the call ended, now).
WithinStep = Callable[[CallTx, Sequence[Command], bool, datetime], Awaitable[None]]
INPUT_KINDS = frozenset({"digits", "speech", "no_input"})


def utc_now() -> datetime:
    return datetime.now(UTC)


class UnknownCall(CallCenterError):
    code = "unknown_call"


class FlowUnavailable(CallCenterError):
    code = "flow_unavailable"


@dataclass(frozen=True)
class Outcome:
    """What handling one event produced. ``replayed`` is true for a retry answered from storage."""

    response: str
    state: CallState | None
    commands: tuple[Command, ...] = ()
    replayed: bool = False


@dataclass(frozen=True)
class Step:
    """One stored IVR step: the answer so far, and what is left to carry out.

    ``commands`` are this step's (the port's among them); ``port`` is the one whose answer the
    caller waits for, to be stepped next; ``ended``: the call ended with this step."""

    outcome: Outcome
    event: Event
    commands: tuple[Command, ...] = ()
    port: SendSms | AppointmentRequest | None = None
    ended: bool = False


class CallService:
    """Runs call events through the engine with the store as the source of truth."""

    def __init__(self, db: Database, catalog: FlowCatalog, flow_id: str, clock: Clock = utc_now,
                 cores: Cores | None = None,
                 estimate_wait: WaitEstimator | None = None, count_on_duty: OnDutyCounter | None = None,
                 caller_hash_key: bytes = b"", served_by: ServedBy | None = None,
                 look_at_hand_over: HandOverLooker | None = None) -> None:
        """``look_at_hand_over``: the count and the estimate a hand-over needs, read together
        (``count_on_duty`` and ``estimate_wait`` each read the roster); both must be given too."""
        self.db = db
        self.catalog = catalog
        self.cores = cores
        self.estimate_wait = estimate_wait
        self.count_on_duty = count_on_duty
        self.look_at_hand_over = look_at_hand_over
        # Asked when a caller's conference ends: did a person talk with them (the survey after an agent)?
        self.served_by = served_by
        self.flow_id = flow_id
        self.clock = clock
        # Repeat callers are matched on a keyed hash of their number; the number itself is stored
        # masked (the full one stays in the call's state for a callback or an SMS).
        self.caller_hash_key = caller_hash_key
        # The last state text of each call in progress, with its state (SQLite, where the row gives
        # the text: calls/state_text.py).
        self.texts = StateText()

    async def engine_for(self, flow_id: str, version: int) -> IvrEngine:
        """The engine for a flow version, with the knowledge and triage in force (also for replay)."""
        flow = await self.catalog.version(flow_id, version)
        if flow is None:
            raise FlowUnavailable(f"flow {flow_id} version {version} is not available")
        cores = self.cores
        if cores is None:
            return IvrEngine(flow)
        return IvrEngine(flow, cores.knowledge, cores.triage, cores.hours, cores.semantic)

    async def _with_history(self, event: CallStarted, call_sid: str, now: datetime,
                            hashed: str | None) -> CallStarted:
        """The caller's recent calls, counted now, ride on the start event (the engine reads no DB);
        ``hashed``: the caller's keyed hash (``caller_key``), None for a withheld number."""
        if hashed is None:
            return event
        counts = await caller_history(self.db, hashed, call_sid, now)
        return dataclasses.replace(
            event, calls_last_7_days=counts["calls_last_7_days"], calls_last_30_days=counts["calls_last_30_days"],
            unresolved_previous_calls=counts["unresolved_previous_calls"], missed_callbacks=counts["missed_callbacks"])

    async def _on_duty(self, call_sid: str, before: CallState, commands: Sequence[Command]) -> OnDuty | None:
        """The desk's count of agents on duty when this step would hand the caller to a person."""
        transfer = next((c for c in commands if isinstance(c, Transfer)), None)
        if self.count_on_duty is None or transfer is None or before.status == "transferred":
            return None
        try:
            agents = await self.count_on_duty(call_sid, transfer)
        except Exception:  # noqa: BLE001 - unknown staffing must not keep the caller from a person
            _LOGGER.exception("call %s: agents on duty could not be counted", call_sid)
            return None
        return OnDuty(transfer.queue, agents)

    async def _handled(self, call_sid: str, before: CallState, event: Event) -> AgentHandled | None:
        """Who talked with the caller, asked of the desk when their conference is over."""
        if self.served_by is None or not isinstance(event, QueueLeft) or before.status != "transferred":
            return None
        try:
            agent = await self.served_by(call_sid)
        except Exception:  # noqa: BLE001 - without it the caller is only not surveyed
            _LOGGER.exception("call %s: who handled the caller could not be read", call_sid)
            return None
        return None if agent is None else AgentHandled(agent)

    async def _look(self, call_sid: str, before: CallState, commands: Sequence[Command], connection: Reading
                    ) -> tuple[Transfer, HandOverSeen] | None:
        """At a hand-over that asks both the agents on duty and the wait, the desk's answer to
        both from one read, with the transfer it was read for; ``None``: each is asked as before."""
        transfer = next((c for c in commands if isinstance(c, Transfer)), None)
        if (self.look_at_hand_over is None or transfer is None or before.status == "transferred"
                or self.count_on_duty is None or self.estimate_wait is None):
            return None
        try:
            return transfer, await self.look_at_hand_over(call_sid, transfer, connection)
        except Exception:  # noqa: BLE001 - asked again apart, each failing as it always did
            _LOGGER.info("call %s: the hand-over's look failed; on duty and the wait read apart", call_sid)
            return None

    def _early_estimate(self, call_sid: str, commands: Sequence[Command]
                        ) -> tuple[Transfer, asyncio.Task[tuple[float | None, int]]] | None:
        transfer = next((c for c in commands if isinstance(c, Transfer)), None)
        if transfer is None or self.estimate_wait is None or not self.db.overlapping_reads:
            return None
        task = asyncio.ensure_future(self.estimate_wait(call_sid, transfer))
        # Unused when the step fails or changes course: its outcome is then read here, never lost.
        task.add_done_callback(lambda t: t.cancelled() or t.exception())
        return transfer, task

    async def step(self, call_sid: str, event: Event, *, render: Renderer, request_key: str | None,
                   turn: int | None = None, source: str = "twilio",
                   said_before: Sequence[Command] = (), within: WithinStep | None = None,
                   in_order: bool = False) -> Step:
        """Apply ``event`` to the call once, even if the same request arrives again; the commands
        are stored in the call's log and returned, for the dispatcher to carry out.

        ``said_before``: what the step that asked a port (an SMS, the appointment book) had to say
        first; the answer to the webhook is that, then what the port's answer leads to.
        ``within``: run in the step's transaction after its log entries, before the commit.
        ``in_order``: the request is one the telephony asks only once the call's previous one is
        answered (``CallTx.remember``: its receipt is kept in the call's row)."""
        now = self.clock()
        create = None
        made: Kept | None = None
        if isinstance(event, CallStarted):
            # One keyed hash of the number for both its uses (the history, the stored row).
            hashed = caller_key(self.caller_hash_key, event.caller)
            event = await self._with_history(event, call_sid, now, hashed)
            flow = self.catalog.current(self.flow_id)
            if flow is None:
                raise FlowUnavailable(f"no valid flow {self.flow_id!r} is loaded")
            initial = IvrEngine(flow).new_call(call_sid)
            if self.db.is_sqlite:
                made = self.texts.encode(initial, None)
            create = dict(flow_id=flow.id, flow_version=flow.version,
                          caller=stored_caller(event.caller) if event.caller else None,
                          caller_hash=hashed,
                          called=event.called or None, status=initial.status,
                          state=initial.to_dict() if made is None else stored(made), next_seq=0,
                          created_at=now, updated_at=now)
        known: Kept | None = None
        async with self.db.call_transaction(call_sid, create=create, request_key=request_key) as tx:
            call = tx.call
            if call is None:
                raise UnknownCall(f"call {call_sid} is not known")
            if request_key is not None:
                previous = await tx.receipt(request_key)
                if previous is not None:
                    return Step(Outcome(previous, None, replayed=True), event)
            if type(call.state) is str:
                known = self.texts.decode(call_sid, call.state, made)
                state = known.state
            else:
                state = CallState.from_dict(call.state)
            if isinstance(event, CallStarted) and create is not None and call.next_seq > 0:
                # The start of a call already under way (a retry carrying a new idempotency token):
                # the first answer again, never an empty one, which would hang up on the caller.
                _LOGGER.info("call %s: start received again, first answer repeated", call_sid)
                return Step(Outcome(call.last_response or render([], state), state, replayed=True), event)
            if turn is not None and event.kind in INPUT_KINDS and turn != state.turn:
                # An answer to a question that is no longer asked: repeat the current one.
                _LOGGER.info("call %s: stale answer for turn %d (now %d)", call_sid, turn, state.turn)
                return Step(Outcome(call.last_response or render([], state), state, replayed=True), event)
            engine = await self.engine_for(call.flow_id, call.flow_version)
            handled = await self._handled(call_sid, state, event)
            if handled is not None:
                # Like the agents on duty: an input, logged before the event it shapes.
                state, _ = engine.step(state, handled, now)
                tx.append(now, "event", handled.kind, event_to_dict(handled), "desk")
            new_state, commands = engine.step(state, event, now)
            # Handing over to a person: the agents on duty and the wait estimate are read
            # together (``look_at_hand_over``: one read of the roster, not two); without it the
            # estimate is read while the agents are counted (two reads at once on PostgreSQL,
            # where reads are round trips). Either estimate is used only if the step still hands
            # over the same way once the count is known.
            looked: tuple[Transfer, HandOverSeen] | None = None
            early: tuple[Transfer, asyncio.Task[tuple[float | None, int]]] | None = None
            observed: OnDuty | None = None
            if any(isinstance(c, Transfer) for c in commands):  # most events hand nobody over
                looked = await self._look(call_sid, state, commands, tx.connection)
                early = None if looked is not None else self._early_estimate(call_sid, commands)
                observed = (OnDuty(looked[0].queue, looked[1].on_duty) if looked is not None
                            else await self._on_duty(call_sid, state, commands))
            if observed is not None:
                # Who is on duty is an input like any other: logged before the event it shapes, so
                # the caller is never promised a person nobody is there to be (and replay agrees).
                state, _ = engine.step(state, observed, now)
                tx.append(now, "event", observed.kind, event_to_dict(observed), "desk")
                new_state, commands = engine.step(state, event, now)
            # Keys and words answering an ask node are logged only as the node allows.
            tx.append(now, "event", event.kind, event_to_dict(engine.loggable(state, event)), source)
            for command in commands:
                tx.append(now, "command", command.kind, command_to_dict(command), "engine")
            transfer = next((c for c in commands if isinstance(c, Transfer)), None)
            if early is not None and (transfer is None or transfer != early[0]):
                early[1].cancel()
                with contextlib.suppress(BaseException):
                    await early[1]
                early = None
            if transfer is not None and self.estimate_wait is not None:
                # The wait the caller faces is an input like any other: logged, then stepped.
                if looked is not None and transfer == looked[0]:
                    seconds, position = looked[1].seconds, looked[1].position
                else:
                    seconds, position = await (early[1] if early is not None
                                               else self.estimate_wait(call_sid, transfer))
                estimated = WaitEstimated(seconds, position)
                new_state, more = engine.step(new_state, estimated, now)
                tx.append(now, "event", estimated.kind, event_to_dict(estimated), "desk")
                for command in more:
                    tx.append(now, "command", command.kind, command_to_dict(command), "engine")
                if more:
                    kept: list[Command] = [c for c in commands if not isinstance(c, Transfer)]
                    commands = kept + more
            sms = next((c for c in commands if isinstance(c, SendSms)), None)
            # The caller asked for an SMS: what they hear depends on Twilio's answer, asked for
            # after this transaction (never a network call under the call's lock); the answer to
            # this request is then the step that follows it. The same for the appointment book.
            port: SendSms | AppointmentRequest | None = sms if sms is not None and new_state.awaits_sms() else None
            port = port or next((c for c in commands if isinstance(c, AppointmentRequest)), None)
            for command in commands:
                if isinstance(command, RecordSurvey):
                    # The caller's answer is kept with the step that heard it, in its transaction.
                    await save_survey(tx.connection, call_sid, call.flow_id, command, now)
            ended = port is None and new_state.status == "ended" and state.status != "ended"
            if within is not None:
                await within(tx, commands, ended, now)
            response = render([*said_before, *commands], new_state)
            if type(call.state) is str:
                known = self.texts.encode(new_state, known)
                call.state = stored(known)
            else:
                known = None
                call.state = new_state.to_dict()
            call.status = new_state.status
            call.updated_at = now
            if commands and port is None:
                call.last_response = response
            if new_state.status == "ended" and call.ended_at is None:
                call.ended_at = now
            if request_key is not None and port is None:
                tx.remember(request_key, call_sid, response, now, in_order=in_order)
        if known is not None:
            # Committed: the next event of the call may start from this state without parsing it.
            self.texts.keep(call_sid, known)
        return Step(Outcome(response, new_state, (*said_before, *commands)), event, tuple(commands), port,
                    ended=ended)
