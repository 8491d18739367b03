"""The IVR engine: ``step(state, event, now) -> (state, commands)``, pure.

No I/O, no clock, no randomness: the same flow, state, event and time always give the same
result, which is what makes a call replayable from its event log.
"""

from __future__ import annotations

import re
from datetime import datetime

from callcenter.flows import model as flow_model
from callcenter.flows.model import Flow
from callcenter.ivr import commands as cmd
from callcenter.ivr.events import (
    CallEnded,
    CallStarted,
    DigitsReceived,
    Event,
    Failure,
    NoInput,
    QueueLeft,
    SpeechReceived,
    StatusChanged,
    Waiting,
)
from callcenter.ivr.matching import asks_for_person, match_option
from callcenter.ivr.state import CallState, TransferRecord, Utterance

# A say/goto chain longer than this is a bug in the flow graph checks, not a real flow.
MAX_HOPS = 64
QUEUE_FAILURES = frozenset({"error", "system-error", "queue-full"})
QUEUE_FULL_TEXT = ("Tous nos conseillers sont occupés et nous ne pouvons pas vous faire patienter. "
                   "Merci de rappeler un peu plus tard. Au revoir.")

Step = tuple[CallState, list[cmd.Command]]


def _holds(condition: flow_model.Condition, variables: dict[str, str]) -> bool:
    value = variables.get(condition.variable)
    if condition.present is not None:
        return (value not in (None, "")) == condition.present
    if condition.equals is not None:
        return value == condition.equals
    return value in condition.one_of


class IvrEngine:
    """Runs calls on one version of one flow."""

    def __init__(self, flow: Flow) -> None:
        self.flow = flow

    def new_call(self, call_sid: str) -> CallState:
        return CallState(call_sid=call_sid, flow_id=self.flow.id, flow_version=self.flow.version)

    def step(self, state: CallState, event: Event, now: datetime) -> Step:
        """Apply one event to the call; return the new state and what to do."""
        at = now.isoformat()
        match event:
            case CallStarted():
                if state.status != "new":
                    return state, []
                return self._enter(state.evolve(status="in_ivr", started_at=at), self.flow.start,
                                   at, [], reason="menu")
            case CallEnded():
                if state.status == "ended":
                    return state, []
                return state.evolve(status="ended", ended_at=at, end_status=event.status), []
            case Failure():
                if state.status == "ended":
                    return state, []
                return self._enter(state, self.flow.settings.human, at,
                                   [cmd.Say(self.flow.settings.apology)], reason="failure")
            case QueueLeft():
                return self._queue_left(state, event, at)
            case StatusChanged() | Waiting():
                return state, []  # recorded in the log; nothing changes in the IVR
        if state.status != "in_ivr" or state.node is None:
            return state, []
        node = self.flow.node(state.node)
        if not isinstance(node, flow_model.Menu | flow_model.Ask):
            return state, []
        match event:
            case DigitsReceived():
                return self._on_digits(state, node, event.digits, at)
            case SpeechReceived():
                return self._on_speech(state, node, event, at)
            case NoInput():
                return self._retry(state, node, at, "no_input")
        raise AssertionError(f"unhandled event {event!r}")

    # -- moving through the graph -------------------------------------------------------------

    def _enter(self, state: CallState, node_id: str, at: str, out: list[cmd.Command],
               *, reason: str) -> Step:
        for _ in range(MAX_HOPS):
            node = self.flow.node(node_id)
            state = state.evolve(node=node_id, path=(*state.path, node_id), no_input=0, no_match=0)
            match node:
                case flow_model.Say():
                    out.append(cmd.Say(node.text))
                    node_id = node.next
                case flow_model.Goto():
                    variables = dict(state.variables)
                    node_id = next((b.next for b in node.branches if _holds(b.when, variables)),
                                   node.next)
                case flow_model.Menu() | flow_model.Ask():
                    return self._listen(state, node, out, retry_prompt=None)
                case flow_model.Transfer():
                    return self._transfer(state, node, at, out, reason)
                case flow_model.Hangup():
                    if node.text:
                        out.append(cmd.Say(node.text))
                    out.append(cmd.Hangup())
                    return state.evolve(status="ended", ended_at=at, end_status="ivr_hangup"), out
        human = self.flow.node(self.flow.settings.human)
        assert isinstance(human, flow_model.Transfer)
        return self._transfer(state, human, at, [*out, cmd.Say(self.flow.settings.apology)], "failure")

    def _listen(self, state: CallState, node: flow_model.Menu | flow_model.Ask,
                out: list[cmd.Command], retry_prompt: str | None) -> Step:
        turn = state.turn + 1
        settings = node.input
        prompt = settings.prompt if retry_prompt is None else f"{retry_prompt} {settings.prompt}"
        # Keys are always listened to, so the way out to a person works on speech-only nodes too.
        modes = tuple(m for m in ("dtmf", "speech") if m == "dtmf" or m in settings.modes)
        out.append(cmd.Gather(
            node=node.id,
            turn=turn,
            prompt=prompt,
            modes=modes,
            timeout=settings.timeout,
            max_digits=node.max_digits if isinstance(node, flow_model.Ask) else 1,
            finish_on_key=node.finish_on_key if isinstance(node, flow_model.Ask) else "",
            hints=settings.hints,
        ))
        return state.evolve(turn=turn), out

    def _transfer(self, state: CallState, node: flow_model.Transfer, at: str,
                  out: list[cmd.Command], reason: str) -> Step:
        if node.text:
            out.append(cmd.Say(node.text))
        out.append(cmd.Transfer(queue=node.queue, skill=node.skill, priority=node.priority,
                                reason=reason))
        record = TransferRecord(queue=node.queue, skill=node.skill, priority=node.priority,
                                reason=reason, at=at)
        return state.evolve(status="transferred", transfer=record), out

    def _to_person(self, state: CallState, at: str) -> Step:
        return self._enter(state.evolve(asked_for_person=True), self.flow.settings.human, at, [],
                           reason="asked_for_person")

    # -- caller input -------------------------------------------------------------------------

    def _on_digits(self, state: CallState, node: flow_model.Menu | flow_model.Ask, digits: str,
                   at: str) -> Step:
        if digits == self.flow.settings.human_key:
            return self._to_person(state, at)
        if isinstance(node, flow_model.Menu):
            option = next((o for o in node.options if o.key == digits), None)
            if option is None:
                return self._retry(state, node, at, "no_match")
            return self._enter(state, option.next, at, [], reason="menu")
        if "dtmf" not in node.input.modes:
            return self._retry(state, node, at, "no_match")
        return self._store_answer(state, node, digits, at)

    def _on_speech(self, state: CallState, node: flow_model.Menu | flow_model.Ask,
                   event: SpeechReceived, at: str) -> Step:
        heard = Utterance(text=event.text, node=node.id, at=at, confidence=event.confidence)
        state = state.evolve(utterances=(*state.utterances, heard))
        low = event.confidence is not None and event.confidence < self.flow.settings.min_confidence
        if low or not event.text.strip():
            return self._retry(state, node, at, "no_match")
        if asks_for_person(event.text, self.flow.settings.human_words):
            return self._to_person(state, at)
        if isinstance(node, flow_model.Menu):
            option = match_option(event.text, node.options)
            if option is None:
                return self._retry(state, node, at, "no_match")
            return self._enter(state, option.next, at, [], reason="menu")
        if "speech" not in node.input.modes:
            return self._retry(state, node, at, "no_match")
        return self._store_answer(state, node, event.text.strip(), at)

    def _store_answer(self, state: CallState, node: flow_model.Ask, value: str, at: str) -> Step:
        if node.pattern is not None and re.fullmatch(node.pattern, value) is None:
            return self._retry(state, node, at, "no_match")
        state = state.evolve(variables={**state.variables, node.variable: value})
        return self._enter(state, node.next, at, [], reason="menu")

    def _retry(self, state: CallState, node: flow_model.Menu | flow_model.Ask, at: str,
               what: str) -> Step:
        if what == "no_input":
            count, rule = state.no_input + 1, node.input.no_input
            state = state.evolve(no_input=count, total_no_input=state.total_no_input + 1)
        else:
            count, rule = state.no_match + 1, node.input.no_match
            state = state.evolve(no_match=count, total_no_match=state.total_no_match + 1)
        if count > rule.retries:
            return self._enter(state, rule.next, at, [], reason=what)
        return self._listen(state, node, [], retry_prompt=rule.prompt)

    # -- after the IVR --------------------------------------------------------------------------

    def _queue_left(self, state: CallState, event: QueueLeft, at: str) -> Step:
        if state.status == "ended":
            return state, []
        ended = state.evolve(status="ended", ended_at=at, end_status=f"queue_{event.result}")
        if event.result in QUEUE_FAILURES:
            return ended, [cmd.Say(QUEUE_FULL_TEXT), cmd.Hangup()]
        return ended, [cmd.Hangup()]
