"""The one place commands are carried out, for the IVR and the desk alike.

Every adapter (Twilio webhooks, the browser phone, the agents' pages, the speech bridge, the
timers) hands its event or request to the :class:`Dispatcher`. It runs one loop:

    event -> core step, stored in the call's log by its shell (``CallService.step``, ``Desk.step``)
          -> commands -> carried out through the ports -> follow-up events -> stepped in turn

The follow-ups are what a port answers at once: the SMS Twilio accepted or refused and the
appointment book's answer (IVR events the caller waits on), the leg a line rang or a browser agent
already on the line (desk events). IVR commands that concern the desk (a transfer, a callback, the
end of the call) become desk events here. The shells store and return; only this class acts, with
ports given at construction (``Ports``): nothing it uses depends on it, so it is built last and
nothing is set on anything afterwards.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from datetime import datetime

from callcenter.calls.service import CallService, Outcome, Renderer
from callcenter.desk.model import (
    AgentStateChanged,
    CallbackAnswered,
    CallbackDue,
    CallbackMissed,
    CallbackRequested,
    CallerLeft,
    CallUpdated,
    ColdTransferAsked,
    Declined,
    DeskError,
    DeskEvent,
    Enqueued,
    Entry,
    HangupAsked,
    HoldAsked,
    LegFailed,
    LegLeft,
    LineGone,
    TransferCompleted,
)
from callcenter.desk.service import Desk, InCallSteps, Stepped
from callcenter.dispatch import desk_commands, ivr_commands
from callcenter.dispatch.desk_commands import LegNotStarted
from callcenter.dispatch.ports import Ports
from callcenter.ivr import CallState, Command, Event
from callcenter.ivr import commands as cmd
from callcenter.store import CallTx

_LOGGER = logging.getLogger(__name__)


def enqueued(transfer: cmd.Transfer, tier: str, reasons: tuple[str, ...]) -> Enqueued:
    """The desk event of a caller the IVR hands to a person."""
    return Enqueued(transfer.queue, transfer.skill, tier,  # type: ignore[arg-type]
                    transfer.priority, reasons, transfer.reason, transfer.language)


def callback_requested(callback: cmd.RequestCallback | None) -> CallbackRequested:
    """The desk event of a caller who chose to be called back."""
    if callback is None:
        return CallbackRequested()
    return CallbackRequested(callback.queue or None, callback.skill, callback.tier,  # type: ignore[arg-type]
                             callback.priority, tuple(callback.reasons), callback.after, callback.due)


# The IVR's commands that reach the desk outside the step's transaction (the callback number is
# written by an ORM session holding SQLite's writer, which the step's transaction holds already).
_AFTER_COMMIT = (cmd.RequestCallback, cmd.CallbackNumber)


class _InCall:
    """The desk steps stored in one IVR step's transaction: the hand-overs (one per Transfer, in
    order) and the caller leaving; empty when the desk's turn was not free (they go after the
    commit, as their own transactions)."""

    def __init__(self, call_sid: str = "", desk_steps: InCallSteps | None = None) -> None:
        self.call_sid = call_sid
        self.desk_steps = desk_steps
        self.handed_over: list[Stepped] = []
        self.left: Stepped | None = None

    async def store(self, tx: CallTx, commands: Sequence[Command], ended: bool, _now: datetime) -> None:
        """Run in the IVR step's transaction (``CallService.step``'s ``within``)."""
        if any(isinstance(c, _AFTER_COMMIT) for c in commands):
            # A callback asked for (and its number) is stepped after the commit, through the
            # callback's own writes; the desk's other steps then go after it, in order, as before.
            return
        transfers = [enqueued(c, c.tier, c.reasons) for c in commands if isinstance(c, cmd.Transfer)]
        events: list[DeskEvent] = [*transfers, CallerLeft()] if ended else transfers
        if not events:
            return
        assert self.desk_steps is not None
        stored = await self.desk_steps.store(tx, self.call_sid, events)
        if stored is None:
            return
        self.handed_over = stored[:len(transfers)]
        self.left = stored[-1] if ended else None


class Dispatcher:
    """Carries out the IVR's and the desk's commands; the adapters' one way in."""

    def __init__(self, calls: CallService, desk: Desk, ports: Ports) -> None:
        self.calls = calls
        self.desk = desk
        self.ports = ports
        # The routing pass asked for and not started yet (see route).
        self._queued_pass: asyncio.Future[None] | None = None

    # -- call events (the IVR) ----------------------------------------------------------------------

    async def call_event(self, call_sid: str, event: Event, *, render: Renderer, request_key: str | None,
                         turn: int | None = None, source: str = "twilio", in_order: bool = False) -> Outcome:
        """Step ``event`` once (a retried request is answered from storage), carry out its commands
        and step the answer of the port the caller waits on; the answer to the request is what
        every step said, in order. ``in_order``: see ``CallService.step``."""
        said: tuple[Command, ...] = ()
        while True:
            # The desk's steps this step causes (a hand-over, a hang-up) are stored in its own
            # transaction when the desk's turn is free: one call event, one transaction.
            async with self.desk.in_call_steps() as desk_steps:
                in_call = _InCall(call_sid, desk_steps)
                step = await self.calls.step(call_sid, event, render=render, request_key=request_key, turn=turn,
                                             source=source, said_before=said, within=in_call.store,
                                             in_order=in_order)
            outcome = step.outcome
            if outcome.replayed:
                return outcome
            state = outcome.state
            assert state is not None
            others = tuple(c for c in step.commands if c is not step.port)
            await self._carry_out_ivr(call_sid, others, in_call)
            if step.port is None:
                if step.ended:
                    await self._call_ended(call_sid, in_call.left)
                await self._publish(call_sid, state, step.event, step.commands)
                return outcome
            await self._publish(call_sid, state, step.event, step.commands)
            if isinstance(step.port, cmd.SendSms):
                event = await ivr_commands.send_sms_now(self.ports.sms, call_sid, step.port)
                source = "twilio-rest"
            else:
                event = await ivr_commands.appointment(self.ports.appointments, call_sid, step.port, state.caller)
                source = "appointments"
            said, turn = (*said, *others), None

    async def update_call(self, call_sid: str, twiml: str) -> None:
        """Push the IVR's next answer to a live call (speech recognised outside Twilio)."""
        await ivr_commands.update_call(self.ports.live_calls, call_sid, twiml)

    async def carry_out_ivr(self, call_sid: str, commands: Sequence[Command]) -> None:
        """The IVR's commands that act beyond the answer (what TwiML says is the adapter's), in order;
        a failing one is logged and never reaches the caller."""
        await self._carry_out_ivr(call_sid, commands, _InCall(call_sid))

    async def _carry_out_ivr(self, call_sid: str, commands: Sequence[Command], in_call: _InCall) -> None:
        # A hand-over already stored with the IVR's step has only its desk commands left to carry out.
        listening = self.ports.listening
        handed_over = list(in_call.handed_over)
        for command in commands:
            match command:
                case cmd.SendSms():
                    await ivr_commands.send_sms(self.ports.sms, call_sid, command)
                case cmd.Gather() if listening is not None:
                    listening.expect(call_sid, command)
                case cmd.Transfer():
                    try:
                        if handed_over:
                            await self.carry_out_desk(handed_over.pop(0))
                            await self.route()
                        else:
                            await self.enqueue(call_sid, command, command.tier, command.reasons)
                    except Exception:  # noqa: BLE001 - the caller is already waiting; the board shows the gap
                        _LOGGER.exception("call %s: could not be queued for an agent", call_sid)
                case cmd.CallbackNumber():
                    try:
                        await self.desk.remember_callback_number(call_sid, command.to)
                    except Exception:  # noqa: BLE001 - logged; without a number the callback fails to place
                        _LOGGER.exception("call %s: callback number not kept", call_sid)
                case cmd.RequestCallback():
                    try:
                        await self.request_callback(call_sid, command)
                    except Exception:  # noqa: BLE001 - logged; the board shows the entry as it is
                        _LOGGER.exception("call %s: callback request not recorded", call_sid)

    async def _call_ended(self, call_sid: str, left: Stepped | None = None) -> None:
        """The call is over: if the caller was waiting for or talking with a person, the desk lets go
        (``left``: already stored with the IVR's step, its commands left to carry out)."""
        if self.ports.listening is not None:
            self.ports.listening.forget(call_sid)
        try:
            if left is None:
                await self.caller_left(call_sid)
            else:
                await self.carry_out_desk(left)
        except Exception:  # noqa: BLE001 - the conference's own callbacks end the entry too
            _LOGGER.exception("call %s: the desk was not told the caller left", call_sid)

    async def _publish(self, call_sid: str, state: CallState, event: Event, commands: Sequence[Command]) -> None:
        await self.ports.bus.publish(CallUpdated(call_sid, status=state.status, node=state.node, event=event.kind,
                                                 commands=tuple(c.kind for c in commands)))

    # -- desk events: the one loop -------------------------------------------------------------------

    async def desk_event(self, call_sid: str, event: DeskEvent) -> Entry:
        """An event a line reported (a leg joined or left, an agent's leg failed), or the IVR's."""
        entry = await self._apply(call_sid, event)
        if isinstance(event, LegFailed):
            await self.route()
        return entry

    async def _apply(self, call_sid: str, event: DeskEvent) -> Entry:
        """Step one event, then carry out its commands and step what they report back."""
        stepped = await self.desk.step(call_sid, event)
        await self.carry_out_desk(stepped)
        return stepped.entry

    async def carry_out_desk(self, stepped: Stepped) -> None:
        """A stored desk step's commands, then what the lines report back, stepped in turn. An agent's
        leg that cannot be rung is stepped as failed (the caller goes to the next agent) and raised."""
        call_sid = stepped.entry.call_sid
        try:
            follow = await desk_commands.carry_out(self.ports, call_sid, stepped.commands, stepped.entry.channel)
        except LegNotStarted as failed:
            await self._apply(call_sid, LegFailed(failed.agent_id, "la ligne de l'agent n'a pas pu être jointe"))
            await self.route()
            raise DeskError("your line could not be joined; the caller goes to the next agent") from None
        for event in follow:
            await self._apply(call_sid, event)

    async def route(self) -> None:
        """A routing pass (``Desk.route_pass``), its offers carried out.

        A pass asked for while another is still waiting for its turn joins that one: it observes
        after both were asked (what each committed is seen), so one pass serves both. Under load
        (many hand-overs at once, several processes taking the cluster lock in turn) this keeps the
        passes from queueing up one per event."""
        queued = self._queued_pass
        if queued is not None:
            await asyncio.shield(queued)
            return
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._queued_pass = done

        def started() -> None:
            # Started: a change committed from now on needs a pass of its own.
            if self._queued_pass is done:
                self._queued_pass = None

        try:
            for stepped in await self.desk.route_pass(started):
                await self.carry_out_desk(stepped)
        finally:
            if self._queued_pass is done:  # it never started (the lock was not obtained)
                self._queued_pass = None
            done.set_result(None)

    # -- callers ----------------------------------------------------------------------------------

    async def enqueue(self, call_sid: str, transfer: cmd.Transfer, tier: str = "normal",
                      reasons: tuple[str, ...] = ()) -> None:
        """A caller was handed to a person by the IVR: they wait in the transfer's queue."""
        await self._apply(call_sid, enqueued(transfer, tier, reasons))
        await self.route()

    async def caller_left(self, call_sid: str) -> None:
        """The caller hung up: out of the queue, offers withdrawn, agents released, no ghost left."""
        await self._apply(call_sid, CallerLeft())

    async def request_callback(self, call_sid: str, callback: cmd.RequestCallback | None = None) -> None:
        """The caller chose a callback: off the live queue, their place (arrival time) kept. A
        caller who was never queued (the queue was closed) is put on the callback list directly."""
        if callback is not None and callback.to:
            await self.desk.remember_callback_number(call_sid, callback.to, callback.due)
        await self._apply(call_sid, callback_requested(callback))

    # -- callbacks ------------------------------------------------------------------------------

    async def callbacks_due(self) -> list[str]:
        """Callbacks whose time has come go back among the waiting callers, then a routing pass
        offers them like calls (run once across the cluster by the scheduler)."""
        due = await self.desk.due_callbacks()
        for call_sid in due:
            await self._apply(call_sid, CallbackDue())
        if due:
            await self.route()
        return due

    async def callback_answered(self, call_sid: str, leg: str) -> Entry:
        """The caller rung back pressed the key: the entry says whether they may join."""
        return await self._apply(call_sid, CallbackAnswered(leg))

    async def callback_missed(self, call_sid: str, leg: str, why: str) -> None:
        """The call back reached nobody (busy, no answer, failed, no key): the agent is free again."""
        before = await self.desk.entry(call_sid)
        after = await self._apply(call_sid, CallbackMissed(leg, why))
        if before is not None and after != before:
            await self.route()

    # -- agents -----------------------------------------------------------------------------------

    async def accept(self, agent_id: int, call_sid: str) -> None:
        """The agent has read the context and takes the call: their leg joins the conference."""
        await self._apply(call_sid, await self.desk.accepted(agent_id))

    async def decline(self, agent_id: int, call_sid: str, why: str = "refusé par l'agent") -> None:
        await self._apply(call_sid, Declined(agent_id, why))
        await self.route()

    async def agent_leg_failed(self, leg_sid: str, status: str) -> None:
        """The agent's phone did not answer (busy, no answer, failed): the caller goes on waiting."""
        found = await self.desk.leg_failed(leg_sid, status)
        if found is not None:
            await self._apply(*found)
            await self.route()

    async def agent_left(self, call_sid: str, agent_id: int) -> None:
        """An agent's leg left. Alone with nobody, the caller must not stay: end the conference.
        During a warm transfer the caller stays with the other agent and is taken off hold."""
        await self._apply(call_sid, LegLeft(agent_id))

    async def hold(self, agent_id: int, call_sid: str, on_hold: bool) -> None:
        await self._apply(call_sid, HoldAsked(agent_id, on_hold))

    async def end_call(self, agent_id: int, call_sid: str) -> None:
        await self._apply(call_sid, HangupAsked(agent_id))

    async def warm_transfer(self, agent_id: int, call_sid: str, to_agent: int) -> None:
        """Private briefing: the caller is held while the second agent joins and hears the first."""
        await self._apply(call_sid, await self.desk.warm_transfer_asked(agent_id, to_agent))

    async def complete_transfer(self, agent_id: int, call_sid: str) -> None:
        """End of the briefing: the caller comes back, the first agent leaves."""
        await self._apply(call_sid, TransferCompleted(agent_id))

    async def cold_transfer(self, agent_id: int, call_sid: str, queue: str, skill: str | None) -> None:
        """The caller goes back to waiting, for another queue; the agent leaves at once."""
        await self._apply(call_sid, ColdTransferAsked(agent_id, queue, skill))
        await self.route()

    # -- presence and time --------------------------------------------------------------------------

    async def set_state(self, agent_id: int, state: str) -> None:
        await self.desk.set_presence(agent_id, state)
        await self.ports.bus.publish(AgentStateChanged(agent_id, state))
        await self.route()

    async def tick(self) -> None:
        """Time passing: wrap-ups end, unanswered offers move on."""
        for agent_id in await self.desk.release_wrapups():
            await self.ports.bus.publish(AgentStateChanged(agent_id, "available"))
        await self.route()

    async def reconcile(self, older_than_seconds: float) -> list[str]:
        """Ask each call's line whether open entries older than ``older_than_seconds`` are still
        there (Twilio's call status, a browser phone's socket); end those whose line is over, as a
        logged desk step (``LineGone``), so they stop counting in positions and estimates."""
        gone: list[str] = []
        for entry in await self.desk.open_since(older_than_seconds):
            status = await desk_commands.line_over(self.ports, entry.call_sid, entry.channel, entry.conference)
            if status is None:
                continue
            _LOGGER.info("call %s: %s entry closed by reconciliation (line %s)", entry.call_sid, entry.status, status)
            await self._apply(entry.call_sid, LineGone(status))
            gone.append(entry.call_sid)
        if gone:
            await self.route()
        return gone
