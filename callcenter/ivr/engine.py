"""The IVR engine: ``step(state, event, now) -> (state, commands)``, pure.

No I/O, no clock, no randomness: the same flow, knowledge index, triage rules, state, event and
time always give the same result, which is what makes a call replayable from its event log. The
knowledge search and the triage are pure cores the engine calls as plain functions.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from callcenter.flows import model as flow_model
from callcenter.flows.model import Flow
from callcenter.hours import Schedule
from callcenter.hours import status as hours_status
from callcenter.ivr import appointment, callback, clarify, online_link, survey, unstaffed
from callcenter.ivr import commands as cmd
from callcenter.ivr.answers import as_logged
from callcenter.ivr.events import (
    AgentHandled,
    AppointmentResult,
    CallEnded,
    CallStarted,
    DigitsReceived,
    Event,
    Failure,
    NoInput,
    OnDuty,
    QueueLeft,
    SmsResult,
    SmsStatus,
    SpeechReceived,
    StatusChanged,
    WaitEstimated,
    Waiting,
)
from callcenter.ivr.matching import SPOKEN_KEYS, asks_for_person, match_option_phrase, only_names
from callcenter.ivr.speaking import Speaker
from callcenter.ivr.state import AnswerRecord, CallState, ClarifyRecord, TransferRecord, Utterance
from callcenter.ivr.wording import (
    DANGER_NO,
    DANGER_QUESTION,
    can_call_back,
    can_text,
    sms_body,
    spoken_with_source,
)
from callcenter.ivr.wording_en import QUEUE_FULL as QUEUE_FULL_EN
from callcenter.ivr.wording_en import SMS_FAILED as SMS_FAILED_EN
from callcenter.kb import KnowledgeIndex, SearchResult
from callcenter.privacy import keep_answer
from callcenter.routing.estimate import announced_minutes
from callcenter.triage import SemanticModel, TriageDecision, TriageInput, TriageRules, assess

# After an answer, the key that plays the answer to the caller's second question.
ALSO_KEY = "5"
# The Gather of the danger question: not a node of the flow, so no flow can shadow it.
DANGER_NODE = "danger_check"
# A say/goto chain longer than this is a bug in the flow graph checks, not a real flow.
MAX_HOPS = 64
CALLBACK_OFFER = ("L'attente est estimée à environ {minutes} minutes. Pour être rappelé sans perdre votre "
                  "place, tapez 1. Sinon, restez en ligne.")
CALLBACK_TAKEN = ("C'est noté. Un conseiller vous rappellera à ce numéro, dans l'ordre de votre place "
                  "dans la file. Au revoir.")
SMS_FAILED = ("Désolé, le SMS n'a pas pu être envoyé. Pour parler à un conseiller, tapez 0, "
              "ou dites conseiller.")
QUEUE_FAILURES = frozenset({"error", "system-error", "queue-full"})
QUEUE_FULL_TEXT = ("Tous nos conseillers sont occupés et nous ne pouvons pas vous faire patienter. "
                   "Merci de rappeler un peu plus tard. Au revoir.")
ListeningNode = flow_model.Menu | flow_model.Ask | flow_model.Answer | flow_model.Appointment

Step = tuple[CallState, list[cmd.Command]]


def _holds(condition: flow_model.Condition, variables: dict[str, str]) -> bool:
    value = variables.get(condition.variable)
    if condition.present is not None:
        return (value not in (None, "")) == condition.present
    if condition.equals is not None:
        return value == condition.equals
    return value in condition.one_of


def _tier(triage: Mapping[str, Any]) -> str:
    """The caller's place in the queues; a doubt about danger not yet cleared counts as fragile."""
    if triage.get("urgent"):
        return "urgent"
    return "fragile" if triage.get("fragile") or triage.get("check_danger") else "normal"


def node_phrases(flow: Flow, node: flow_model.Node) -> tuple[str, ...]:
    """The phrases a speech recogniser may restrict itself to at ``node`` (a menu that does not
    search the knowledge base); () for free speech."""
    if isinstance(node, flow_model.Menu) and node.knowledge is None:
        words = [w for o in node.options for w in o.words]
        keys = [k for o in node.options if o.key for k, v in SPOKEN_KEYS.items() if v == o.key]
        return tuple(dict.fromkeys([*words, *keys, *flow.settings.human_words]))
    return ()


def menu_phrase_sets(flow: Flow) -> tuple[tuple[str, ...], ...]:
    """Every distinct phrase set of ``flow``'s menus: the grammars its calls will be heard with."""
    sets = (node_phrases(flow, node) for node in flow.nodes.values())
    return tuple(dict.fromkeys(p for p in sets if p))


def _same_facts(a: TriageInput, b: TriageInput) -> bool:
    """Equal facts of the same types (``==`` alone takes 1 for 1.0 and True)."""
    if a != b:
        return False
    return all(type(x) is type(y) for x, y in zip(a.__dict__.values(), b.__dict__.values(), strict=True))


class IvrEngine:
    """Runs calls on one version of one flow, with an optional knowledge index, triage rules and
    opening hours (without hours, every queue is open)."""

    def __init__(self, flow: Flow, knowledge: KnowledgeIndex | None = None,
                 triage: TriageRules | None = None, hours: Schedule | None = None,
                 semantic: SemanticModel | None = None) -> None:
        self.flow = flow
        self.knowledge = knowledge
        self.triage = triage
        self.hours = hours
        self.semantic = semantic
        # The last assessment and what it was made from: a hand-over steps the caller's event twice
        # (before and after the desk's count of agents on duty, calls/service.py), each time
        # assessing the same facts. ``assess`` is a pure function of them (and of the rules and
        # model, which an engine keeps): equal facts, the same decision.
        self._assessed: tuple[TriageInput, TriageDecision] | None = None

    def loggable(self, state: CallState, event: Event) -> Event:
        """``event`` as the call's log may keep it (an answer in the form its ask node allows)."""
        if state.callback_dialog is not None and isinstance(event, DigitsReceived):
            return callback.loggable(state, event)
        return as_logged(self.flow, state, event)

    def new_call(self, call_sid: str) -> CallState:
        return CallState(call_sid=call_sid, flow_id=self.flow.id, flow_version=self.flow.version)

    def speaker(self, state: CallState) -> Speaker:
        """What is said to this caller, in their language."""
        return Speaker(self.flow, state.language)

    def step(self, state: CallState, event: Event, now: datetime) -> Step:
        """Apply one event to the call; return the new state and what to do."""
        new, out = self._step(state, event, now)
        if not new.language or not out:
            return new, out
        # Everything said in this step is in the caller's language unless it says otherwise.
        voiced: list[cmd.Command] = []
        for command in out:
            if isinstance(command, cmd.Say | cmd.Gather) and not command.language:
                command = dataclasses.replace(command, language=new.language)
            voiced.append(command)
        return new, voiced

    def _step(self, state: CallState, event: Event, now: datetime) -> Step:
        at = now.isoformat()
        match event:
            case CallStarted():
                if state.status != "new":
                    return state, []
                history = {"calls_last_7_days": event.calls_last_7_days,
                           "calls_last_30_days": event.calls_last_30_days,
                           "unresolved_previous_calls": event.unresolved_previous_calls,
                           "missed_callbacks": event.missed_callbacks}
                started = state.evolve(status="in_ivr", started_at=at, caller=event.caller, history=history)
                return self._enter(started, self.flow.start, at, [], reason="menu")
            case CallEnded():
                if state.status == "ended":
                    return state, []
                return state.evolve(status="ended", ended_at=at, end_status=event.status), []
            case Failure():
                if state.status == "ended":
                    return state, []
                return self._enter(state, self.flow.settings.human, at,
                                   [cmd.Say(self.speaker(state).t(self.flow.settings.apology))], reason="failure")
            case QueueLeft():
                return self._queue_left(state, event, at)
            case StatusChanged() | Waiting() | SmsStatus():
                return state, []  # recorded in the log; nothing changes in the IVR
            case WaitEstimated():
                return self._offer_callback(state, event)
            case OnDuty():
                return state.evolve(on_duty={"queue": event.queue, "agents": event.agents, "at": at}), []
            case AgentHandled():
                return state.evolve(handled_by=event.agent_id), []
            case SmsResult():
                return self._sms_result(state, event)
            case AppointmentResult():
                return appointment.result(self, state, event, now)
        if state.danger_check is not None and state.status == "in_ivr" and isinstance(
                event, DigitsReceived | SpeechReceived | NoInput):
            return self._danger_reply(state, event, now)
        if state.status != "ended" and state.callback_dialog is not None and isinstance(
                event, DigitsReceived | NoInput | SpeechReceived):
            return callback.answer(self, state, event, now)
        if state.status == "in_ivr" and state.unstaffed is not None and isinstance(
                event, DigitsReceived | NoInput | SpeechReceived):
            return unstaffed.answer(self, state, event, now)
        if state.status == "transferred" and isinstance(event, DigitsReceived | NoInput):
            return self._callback_answer(state, event, now)
        if state.status == "transferred" and isinstance(event, SpeechReceived):
            # With a person now: the live transcript and the triage go on for the agent's screen.
            heard = Utterance(text=event.text, node="agent", at=at, confidence=event.confidence)
            return self._assess(state.evolve(utterances=(*state.utterances, heard)), now), []
        if state.status != "in_ivr" or state.node is None:
            return state, []
        node = self.flow.node(state.node)
        if isinstance(node, flow_model.Survey) and isinstance(event, DigitsReceived | SpeechReceived | NoInput):
            return survey.answer(self, state, node, event, now)
        if isinstance(node, flow_model.OnlineLink) and isinstance(event, DigitsReceived | SpeechReceived | NoInput):
            if state.answer_phase == "sms_pending":
                return state, []  # the SMS is on its way: its result moves the call on
            return online_link.answer(self, state, node, event, now)
        if not isinstance(node, ListeningNode):
            return state, []
        match event:
            case DigitsReceived():
                return self._on_digits(state, node, event.digits, now, event.redacted)
            case SpeechReceived():
                return self._on_speech(state, node, event, now)
            case NoInput():
                if isinstance(node, flow_model.Appointment):
                    return appointment.no_input(self, state, node, now)
                return self._retry(state, node, now, "no_input")
        raise AssertionError(f"unhandled event {event!r}")

    # -- moving through the graph -------------------------------------------------------------

    def _enter(self, state: CallState, node_id: str, at: str, out: list[cmd.Command],
               *, reason: str) -> Step:
        for _ in range(MAX_HOPS):
            node = self.flow.node(node_id)
            state = state.evolve(node=node_id, path=(*state.path, node_id), no_input=0, no_match=0,
                                 kb_entry=None, answer_phase=None, clarify_choices=(), kb_alternatives=(),
                                 kb_also=None, appointment=None)
            match node:
                case flow_model.Say():
                    out.append(cmd.Say(self.speaker(state).t(node.text)))
                    node_id = node.next
                case flow_model.Goto():
                    variables = dict(state.variables)
                    node_id = next((b.next for b in node.branches if _holds(b.when, variables)),
                                   node.next)
                case flow_model.Answer():
                    state = state.evolve(answer_phase="question")
                    return self._listen(state, node, out, self.speaker(state).t(node.input.prompt))
                case flow_model.Menu() | flow_model.Ask():
                    return self._listen(state, node, out, self.speaker(state).t(node.input.prompt))
                case flow_model.Appointment():
                    return appointment.enter(self, state, node, out)
                case flow_model.Transfer():
                    return self._transfer(state, node, at, out, reason)
                case flow_model.Survey():
                    if not survey.applies(state):
                        node_id = node.next
                        continue
                    return survey.start(self, state, node, out)
                case flow_model.OnlineLink():
                    if not online_link.applies(self, state):
                        node_id = node.next
                        continue
                    return online_link.start(self, state, node, out)
                case flow_model.Hangup():
                    if node.text:
                        out.append(cmd.Say(self.speaker(state).t(node.text)))
                    out.append(cmd.Hangup())
                    return state.evolve(status="ended", ended_at=at, end_status="ivr_hangup"), out
                case flow_model.Callback():
                    return self._callback_node(state, node, at, out)
        return self._transfer(state, self._transfer_node(self.flow.settings.human), at,
                              [*out, cmd.Say(self.speaker(state).t(self.flow.settings.apology))], "failure")

    def _listen(self, state: CallState, node: ListeningNode, out: list[cmd.Command], prompt: str,
                lead: tuple[cmd.Say, ...] = ()) -> Step:
        turn = state.turn + 1
        settings = node.input
        # Keys are always listened to, so the way out to a person works on speech-only nodes too.
        modes = tuple(m for m in ("dtmf", "speech") if m == "dtmf" or m in settings.modes)
        keys, finish = (appointment.max_digits(state) if isinstance(node, flow_model.Appointment)
                        else (1, ""))
        out.append(cmd.Gather(
            node=node.id,
            turn=turn,
            prompt=prompt,
            modes=modes,
            timeout=settings.timeout,
            max_digits=node.max_digits if isinstance(node, flow_model.Ask) else keys,
            finish_on_key=node.finish_on_key if isinstance(node, flow_model.Ask) else finish,
            hints=settings.hints,
            phrases=self._phrases(node, state),
            lead=lead or self._offers(node, state),
        ))
        return state.evolve(turn=turn), out

    def _phrases(self, node: ListeningNode, state: CallState) -> tuple[str, ...]:
        """The words a menu (or an answer's follow-up) can be answered with; () for free speech."""
        if isinstance(node, flow_model.Menu) and node.knowledge is None:
            words = [w for o in node.options for w in o.words]
            keys = [k for o in node.options if o.key for k, v in SPOKEN_KEYS.items() if v == o.key]
            return tuple(dict.fromkeys([*words, *keys, *self.speaker(state).human_words]))
        if isinstance(node, flow_model.Appointment):
            speaker = self.speaker(state)
            return tuple(dict.fromkeys([*appointment.phrases(state, speaker), *speaker.human_words]))
        return ()

    def _offers(self, node: ListeningNode, state: CallState) -> tuple[cmd.Say, ...]:
        """A menu's offers of another language ("For English, press 9."), each in its language,
        said before the prompt to a caller who does not hear that language yet."""
        if not isinstance(node, flow_model.Menu):
            return ()
        current = state.language or self.flow.language
        return tuple(cmd.Say(o.offer, o.language) for o in node.options
                     if o.offer and o.language and o.language != current)

    def _choose(self, state: CallState, option: flow_model.MenuOption) -> CallState:
        """A menu option that sets the caller's language ("" for the flow's first one)."""
        if option.language is None:
            return state
        return state.evolve(language="" if option.language == self.flow.language else option.language)

    def _transfer_node(self, node_id: str) -> flow_model.Transfer:
        node = self.flow.node(node_id)
        assert isinstance(node, flow_model.Transfer), "the flow checks guarantee transfer nodes"
        return node

    def _transfer(self, state: CallState, node: flow_model.Transfer, at: str, out: list[cmd.Command],
                  reason: str, skill: str | None = None, *, checked: bool = False) -> Step:
        if not checked:
            # Closed, or nobody on duty: no promise of a person (callcenter.ivr.unstaffed).
            diverted = unstaffed.divert(self, state, node, at, out, reason, skill)
            if diverted is not None:
                return diverted
        if node.text and reason not in ("urgent", "fragile") and not checked:
            out.append(cmd.Say(self.speaker(state).t(node.text)))
        triage = state.triage or {}
        tier = _tier(triage)
        reasons = tuple(str(r["id"]) for r in triage.get("reasons", ()))
        skill = skill or node.skill
        out.append(cmd.Transfer(queue=node.queue, skill=skill, priority=node.priority, reason=reason,
                                tier=tier, reasons=reasons, language=state.language))
        record = TransferRecord(queue=node.queue, skill=skill, priority=node.priority, reason=reason, at=at)
        return state.evolve(status="transferred", transfer=record, node=node.id,
                            path=state.path if state.path[-1:] == (node.id,) else (*state.path, node.id)), out

    def _to_person(self, state: CallState, now: datetime) -> Step:
        state = self._assess(state.evolve(asked_for_person=True), now)
        routed = self._act_on_triage(state, now.isoformat())
        if routed is not None:
            return routed
        return self._enter(state, self.flow.settings.human, now.isoformat(), [], reason="asked_for_person")

    # -- triage ---------------------------------------------------------------------------------

    def _assess(self, state: CallState, now: datetime) -> CallState:
        if self.triage is None:
            return state
        h = state.history
        facts = TriageInput(
            utterances=tuple(u.text for u in state.utterances),
            no_input_count=state.total_no_input,
            no_match_count=state.total_no_match,
            asked_for_person=state.asked_for_person,
            seconds_in_ivr=state.seconds_in_ivr(now),
            calls_last_7_days=h.get("calls_last_7_days", 0),
            calls_last_30_days=h.get("calls_last_30_days", 0),
            unresolved_previous_calls=h.get("unresolved_previous_calls", 0),
            missed_callbacks=h.get("missed_callbacks", 0),
            danger_answer=state.danger_answer,
        )
        last = self._assessed
        if last is not None and _same_facts(last[0], facts):
            decision = last[1]
        else:
            decision = assess(self.triage, facts, self.semantic)
            self._assessed = (facts, decision)
        return state.evolve(triage=decision.to_dict())

    def _act_on_triage(self, state: CallState, at: str, skill: str | None = None) -> Step | None:
        """Urgent: the emergency numbers that fit, then a person now. Fragile: reassure, then an
        expert with priority. Otherwise ``None``: the IVR goes on."""
        triage = state.triage
        if not triage or self.triage is None:
            return None
        settings = self.flow.settings
        if triage.get("urgent"):
            numbers = [(n, self.triage.emergency_label(n)) for n in triage.get("emergency_numbers", ())]
            node = self._transfer_node(settings.urgent or settings.human)
            return self._transfer(state, node, at, [cmd.Say(self.speaker(state).urgent_message(numbers))],
                                  "urgent", skill)
        if triage.get("fragile"):
            node = self._transfer_node(settings.fragile or settings.human)
            return self._transfer(state, node, at, [cmd.Say(self.speaker(state).t(settings.reassurance))],
                                  "fragile", skill)
        return None

    # -- the danger question ------------------------------------------------------------------

    def _ask_danger(self, state: CallState, node: ListeningNode, event: SpeechReceived) -> Step:
        """Doubt about the caller's safety: ask now, kindly, before anything else."""
        turn = state.turn + 1
        pending = {"node": node.id, "text": event.text, "confidence": event.confidence, "turn": turn}
        speaker = self.speaker(state)
        ask = cmd.Gather(node=DANGER_NODE, turn=turn, prompt=speaker.t(DANGER_QUESTION), modes=("dtmf", "speech"),
                         timeout=6, max_digits=1, finish_on_key="", phrases=speaker.danger_phrases)
        return state.evolve(turn=turn, danger_check=pending), [ask]

    def _danger_reply(self, state: CallState, event: DigitsReceived | SpeechReceived | NoInput,
                      now: datetime) -> Step:
        """Yes: the urgent path. No: the call goes on from what the caller had said (with fragile
        priority if the signals say so). Silence or neither: a person, first."""
        at = now.isoformat()
        pending = state.danger_check
        assert pending is not None
        match event:
            case DigitsReceived():
                answer = {"1": "yes", "2": "no"}.get(event.digits, "none")
            case SpeechReceived():
                answer = self.speaker(state).danger_answer(event.text) or "none"
                heard = Utterance(text=event.text, node=DANGER_NODE, at=at, confidence=event.confidence)
                state = state.evolve(utterances=(*state.utterances, heard))
            case _:
                answer = "none"
        state = self._assess(state.evolve(danger_check=None, danger_answer=answer), now)
        routed = self._act_on_triage(state, at)
        if routed is not None:
            return routed
        node = self.flow.node(str(pending["node"]))
        if answer != "no" or not isinstance(node, ListeningNode):
            # Only reachable without triage rules: a person is still the safe way on.
            return self._enter(state, self.flow.settings.human, at, [], reason="danger_check")
        said = SpeechReceived(text=str(pending["text"]), confidence=pending.get("confidence"))
        state, out = self._understand(state.evolve(node=node.id), node, said, now)
        return state, [cmd.Say(self.speaker(state).t(DANGER_NO)), *out]

    # -- caller input -------------------------------------------------------------------------

    def _on_digits(self, state: CallState, node: ListeningNode, digits: str, now: datetime,
                   redacted: bool = False) -> Step:
        at = now.isoformat()
        if digits == self.flow.settings.human_key:
            return self._to_person(state, now)
        match node:
            case flow_model.Menu():
                option = next((o for o in node.options if o.key == digits), None)
                if option is None:
                    return self._retry(state, node, now, "no_match")
                return self._enter(self._choose(state, option), option.next, at, [], reason="menu")
            case flow_model.Answer():
                if state.answer_phase == "clarify":
                    picked = clarify.digits_reply(digits, len(state.clarify_choices))
                    if picked is None:
                        return self._retry(state, node, now, "no_match")
                    return self._clarified(state, node, picked, now)
                if state.answer_phase == "followup" and digits == ALSO_KEY and state.kb_also:
                    return self._speak_answer(state, node, state.kb_also, 0.0, now, via="also")
                if state.answer_phase != "followup" or digits not in ("1", "2", "3", "4"):
                    return self._retry(state, node, now, "no_match")
                return self._followup(state, node, digits, at)
            case flow_model.Appointment():
                return appointment.digits(self, state, node, digits, now)
        if "dtmf" not in node.input.modes:
            return self._retry(state, node, now, "no_match")
        return self._store_answer(state, node, digits, now, redacted)

    def _on_speech(self, state: CallState, node: ListeningNode, event: SpeechReceived, now: datetime) -> Step:
        at = now.isoformat()
        # At an ask node that keeps less than the answer, the transcript keeps only that too.
        logged = as_logged(self.flow, state, event) if isinstance(node, flow_model.Ask) else event
        said = logged.text if isinstance(logged, SpeechReceived) else event.text
        heard = Utterance(text=said, node=node.id, at=at, confidence=event.confidence)
        state = self._assess(state.evolve(utterances=(*state.utterances, heard)), now)
        triage = state.triage or {}
        if triage.get("check_danger") and not triage.get("urgent") and state.danger_answer is None:
            # Before anything else, fragile priority included: a "yes" changes where they go.
            return self._ask_danger(state, node, event)
        routed = self._act_on_triage(state, at)
        if routed is not None:
            return routed
        return self._understand(state, node, event, now)

    def _understand(self, state: CallState, node: ListeningNode, event: SpeechReceived, now: datetime) -> Step:
        """What the caller said at ``node`` (already heard and triaged): act on its meaning."""
        at = now.isoformat()
        low = event.confidence is not None and event.confidence < self.flow.settings.min_confidence
        if low or not event.text.strip():
            return self._retry(state, node, now, "no_match")
        if asks_for_person(event.text, self.speaker(state).human_words):
            return self._to_person(state, now)
        match node:
            case flow_model.Appointment():
                return appointment.speech(self, state, node, event.text, now)
            case flow_model.Menu():
                return self._menu_speech(state, node, event.text, now)
            case flow_model.Answer():
                if state.answer_phase == "clarify":
                    picked = self.speaker(state).clarify_reply(event.text, self._labels(state.clarify_choices))
                    if picked is not None:
                        return self._clarified(state, node, picked, now)
                    # Not a reply to the question: a new question, with no second clarification
                    # in a row (a person is better than a string of questions).
                    state = self._close_clarify(state, "new_question")
                    return self._answer_question(state, node, event.text, now, may_clarify=False)
                if state.answer_phase == "rephrase":
                    return self._answer_question(state, node, event.text, now, may_clarify=False)
                if state.answer_phase == "followup":
                    if state.kb_also and self.speaker(state).clarify_reply(
                            event.text, self._labels((state.kb_also,))) == 1:
                        return self._speak_answer(state, node, state.kb_also, 0.0, now, via="also")
                    if clarify.not_that(event.text):
                        return self._not_that(state, node, now)
                    choice = self.speaker(state).followup_choice(event.text)
                    if choice is not None:
                        return self._followup(state, node, choice, at)
                    # Not a follow-up word: maybe a new question, asked straight away.
                return self._answer_question(state, node, event.text, now)
        if "speech" not in node.input.modes:
            return self._retry(state, node, now, "no_match")
        return self._store_answer(state, node, event.text.strip(), now, event.redacted)

    def _menu_speech(self, state: CallState, node: flow_model.Menu, text: str, now: datetime) -> Step:
        at = now.isoformat()
        found = match_option_phrase(text, node.options)
        # A bare service name ("c'est pour la caf") picks the menu; a real question is answered.
        if found is not None and found[1] is not None and only_names(text, found[1]):
            return self._enter(self._choose(state, found[0]), found[0].next, at, [], reason="menu")
        if node.knowledge is not None and self.knowledge is not None:
            result = self.knowledge.search(text)
            answer = self.flow.node(node.knowledge)
            assert isinstance(answer, flow_model.Answer)
            if result.match is not None:
                state = state.evolve(node=answer.id, path=(*state.path, answer.id), no_input=0, no_match=0)
                return self._speak_answer(state, answer, result.match.id, result.score, now,
                                          alternatives=self._runners_up(result), also=result.also)
            if result.clarify and found is None:
                state = state.evolve(node=answer.id, path=(*state.path, answer.id), no_input=0, no_match=0)
                return self._ask_clarify(state, answer, result.clarify, now)
        if found is not None:
            return self._enter(self._choose(state, found[0]), found[0].next, at, [], reason="menu")
        return self._retry(state, node, now, "no_match")

    def _store_answer(self, state: CallState, node: flow_model.Ask, value: str, now: datetime,
                      redacted: bool = False) -> Step:
        # A redacted answer (from the log) was checked when the call ran; empty means refused.
        if (not value) if redacted else (node.pattern is not None and re.fullmatch(node.pattern, value) is None):
            return self._retry(state, node, now, "no_match")
        kept = value if redacted else keep_answer(node.stored, value)
        state = state.evolve(variables={**state.variables, node.variable: kept})
        return self._enter(state, node.next, now.isoformat(), [], reason="menu")

    def _retry(self, state: CallState, node: ListeningNode, now: datetime, what: str,
               said: str | None = None) -> Step:
        """Ask again (``said``, else the node's retry prompt, then the question), or leave by the
        node's rule once its retries are used up."""
        if what == "no_input":
            count, rule = state.no_input + 1, node.input.no_input
            state = state.evolve(no_input=count, total_no_input=state.total_no_input + 1)
        else:
            count, rule = state.no_match + 1, node.input.no_match
            state = state.evolve(no_match=count, total_no_match=state.total_no_match + 1)
        # Struggling with the menu is itself a signal the triage weighs.
        state = self._assess(state, now)
        routed = self._act_on_triage(state, now.isoformat())
        if routed is not None:
            return routed
        if count > rule.retries:
            if isinstance(node, flow_model.Answer) and state.answer_phase == "clarify":
                # They have a question we could not place: a person, not the flow's way out.
                return self._to_person(self._close_clarify(state, what), now)
            return self._enter(state, rule.next, now.isoformat(), [], reason=what)
        speaker = self.speaker(state)
        return self._listen(state, node, [], f"{said or speaker.t(rule.prompt)} {self._current_prompt(state, node)}")

    def _current_prompt(self, state: CallState, node: ListeningNode) -> str:
        """The node's question as it stands, in the caller's language."""
        if isinstance(node, flow_model.Answer) and state.answer_phase == "followup":
            return self._followup_prompt(state, node)
        if isinstance(node, flow_model.Answer) and state.answer_phase == "clarify":
            return self.speaker(state).clarify_question(self._labels(state.clarify_choices))
        if isinstance(node, flow_model.Appointment):
            return appointment.prompt(state, node, self.speaker(state))
        return self.speaker(state).t(node.input.prompt)

    # -- answers from the knowledge base --------------------------------------------------------

    def _answer_question(self, state: CallState, node: flow_model.Answer, text: str, now: datetime,
                         *, may_clarify: bool = True) -> Step:
        if self.knowledge is None:
            return self._retry(state, node, now, "no_match")
        result = self.knowledge.search(text)
        if result.match is None:
            if result.clarify and may_clarify:
                return self._ask_clarify(state, node, result.clarify, now)
            # Unsure is worse than asking again: rephrase once, then the retry rule offers a person.
            return self._retry(state.evolve(answer_phase="question"), node, now, "no_match")
        return self._speak_answer(state, node, result.match.id, result.score, now,
                                  alternatives=self._runners_up(result), also=result.also)

    # -- one question when unsure: "is it about X, or Y?" ---------------------------------------

    def _labels(self, entry_ids: tuple[str, ...]) -> list[str]:
        assert self.knowledge is not None
        return [clarify.label(self.knowledge.kb[e].title) for e in entry_ids]

    @staticmethod
    def _runners_up(result: SearchResult) -> tuple[str, ...]:
        best = result.match.id if result.match is not None else None
        return tuple(e for e, _ in result.results if e != best)[:2]

    def _ask_clarify(self, state: CallState, node: flow_model.Answer, choices: tuple[str, ...],
                     now: datetime, prefix: str = "") -> Step:
        record = ClarifyRecord(choices=choices, node=node.id, at=now.isoformat())
        state = state.evolve(answer_phase="clarify", clarify_choices=choices, kb_entry=None,
                             clarifications=(*state.clarifications, record), no_match=0, no_input=0)
        speaker = self.speaker(state)
        question = speaker.clarify_question(self._labels(choices))
        return self._listen(state, node, [], f"{speaker.t(prefix)} {question}".strip())

    def _close_clarify(self, state: CallState, outcome: str, picked: str | None = None) -> CallState:
        records = state.clarifications
        if records and records[-1].outcome is None:
            last = records[-1]
            records = (*records[:-1], ClarifyRecord(choices=last.choices, node=last.node, at=last.at,
                                                    outcome=outcome, picked=picked))
        return state.evolve(clarifications=records, clarify_choices=(), answer_phase="question")

    def _clarified(self, state: CallState, node: flow_model.Answer, picked: int, now: datetime) -> Step:
        """The reply to the clarifying question: a topic (1-based), or 0 for none of them."""
        choices = state.clarify_choices
        if picked == 0:
            # None of them: one rephrasing, answered only if clear (no second question in a row).
            state = self._close_clarify(state, "none").evolve(answer_phase="rephrase")
            return self._retry(state, node, now, "no_match")
        entry_id = choices[picked - 1]
        state = self._close_clarify(state, "picked", entry_id)
        others = tuple(c for c in choices if c != entry_id)
        return self._speak_answer(state, node, entry_id, 0.0, now, via="clarify", alternatives=others)

    def _not_that(self, state: CallState, node: flow_model.Answer, now: datetime) -> Step:
        """After an answer, "non, c'est pas ça": offer the runners-up, or ask for the question again."""
        others = tuple(e for e in state.kb_alternatives if e != state.kb_entry)
        if others:
            return self._ask_clarify(state, node, others, now, prefix="Excusez-moi.")
        state = state.evolve(answer_phase="question", kb_entry=None, kb_alternatives=(), kb_also=None)
        return self._listen(state, node, [], self.speaker(state).t(clarify.NOT_UNDERSTOOD))

    def _followup_prompt(self, state: CallState, node: flow_model.Answer) -> str:
        speaker = self.speaker(state)
        if not state.kb_also:
            return speaker.t(node.followup)
        offer = speaker.also_offer(self._labels((state.kb_also,))[0], ALSO_KEY)
        return f"{offer} {speaker.t(node.followup)}"

    def _read_answer(self, state: CallState, node: flow_model.Answer, entry_id: str) -> Step:
        """The entry's spoken answer, then the follow-up choices, in the caller's language (the
        French answer after a notice when the entry has none in it)."""
        assert self.knowledge is not None
        entry = self.knowledge.kb[entry_id]
        speaker = self.speaker(state)
        spoken = spoken_with_source(entry.organisme, entry.spoken_answer)
        lead, said = speaker.kb_answer(spoken, entry.spoken_in(state.language) if speaker.foreign else None)
        prompt = f"{said} {self._followup_prompt(state, node)}".strip()
        return self._listen(state, node, [], prompt, lead=lead)

    def _speak_answer(self, state: CallState, node: flow_model.Answer, entry_id: str, score: float,
                      now: datetime, *, via: str = "search", alternatives: tuple[str, ...] = (),
                      also: str | None = None) -> Step:
        assert self.knowledge is not None
        at = now.isoformat()
        entry = self.knowledge.kb[entry_id]
        record = AnswerRecord(kb_id=entry_id, score=round(score, 4), node=node.id, at=at, via=via)
        pending = also if also not in (None, entry_id) else (state.kb_also if via != "also" else None)
        state = state.evolve(answers=(*state.answers, record), kb_entry=entry_id, answer_phase="followup",
                             no_match=0, kb_alternatives=alternatives, kb_also=pending)
        triage = state.triage or {}
        if entry.escalate_if_fragile and triage.get("hints"):
            # Some sign of fragility on a topic where that matters: an expert, not a recording.
            node_ = self._transfer_node(self.flow.settings.fragile or self.flow.settings.human)
            return self._transfer(state, node_, at, [cmd.Say(self.speaker(state).t(self.flow.settings.reassurance))],
                                  "fragile",
                                  entry.skill.removesuffix(".expert"))
        return self._read_answer(state, node, entry_id)

    def _followup(self, state: CallState, node: flow_model.Answer, choice: str, at: str) -> Step:
        assert self.knowledge is not None and state.kb_entry is not None
        entry = self.knowledge.kb[state.kb_entry]
        match choice:
            case "1":
                return self._read_answer(state, node, entry.id)
            case "2":
                if not can_text(state.caller):
                    return self._listen(state, node, [], self.speaker(state).join(node.no_sms, node.followup))
                sms = cmd.SendSms(to=state.caller, body=sms_body(
                    entry.title, entry.written_answer, entry.link,
                    [str(r) for r in entry.legal_references], entry.checked_on.strftime("%d/%m/%Y")))
                # Nothing said yet: "C'est envoyé" only once Twilio accepted it (SmsResult).
                return state.evolve(answer_phase="sms_pending"), [sms]
            case "3":
                asked = state.evolve(answer_phase="question", kb_entry=None, kb_also=None, kb_alternatives=())
                return self._listen(asked, node, [], self.speaker(state).t(node.input.prompt))
        return self._enter(state, node.next, at, [], reason="answered")

    def _sms_result(self, state: CallState, event: SmsResult) -> Step:
        """Tell the caller whether the SMS went, then the follow-up choices again."""
        if state.appointment is not None and state.appointment.get("phase") == "sms":
            return appointment.sms_result(self, state, event)
        node = self.flow.node(state.node) if state.node is not None else None
        if state.answer_phase == "sms_pending" and isinstance(node, flow_model.OnlineLink):
            return online_link.sms_result(self, state, node, event)
        if state.answer_phase != "sms_pending" or not isinstance(node, flow_model.Answer):
            return state, []  # late or repeated: recorded in the log, nothing to say
        state = state.evolve(answer_phase="followup")
        speaker = self.speaker(state)
        said = speaker.t(node.sms_sent) if event.accepted else (SMS_FAILED_EN if speaker.english else SMS_FAILED)
        return self._listen(state, node, [], f"{said} {self._followup_prompt(state, node)}")

    # -- callbacks -------------------------------------------------------------------------------

    def _callback_node(self, state: CallState, node: flow_model.Callback, at: str, out: list[cmd.Command]) -> Step:
        """A callback chosen from the flow: which number and when; a hidden number goes to a person."""
        speaker = self.speaker(state)
        if node.text:
            out.append(cmd.Say(speaker.t(node.text)))
        if not can_call_back(state.caller):
            return self._enter(state, self.flow.settings.human, at, [*out, cmd.Say(speaker.t(callback.HIDDEN))],
                               reason="callback_hidden_number")
        now = datetime.fromisoformat(at)
        found = None if self.hours is None else hours_status(self.hours, node.queue, now)
        after = found.next_opening.isoformat() if found and not found.open and found.next_opening else None
        triage = state.triage or {}
        reasons = tuple(str(r["id"]) for r in triage.get("reasons", ()))
        request = cmd.RequestCallback(to="", queue=node.queue, skill=node.skill, priority=node.priority,
                                      tier=_tier(triage), reasons=reasons, after=after)
        return callback.start(self, state, now, "closed" if after else "menu", request, out)

    # -- a long wait: the offer of a callback that keeps the caller's place ----------------------

    def _transfer_again(self, state: CallState) -> cmd.Transfer:
        assert state.transfer is not None
        triage = state.triage or {}
        t = state.transfer
        tier = _tier(triage)
        return cmd.Transfer(queue=t.queue, skill=t.skill, priority=t.priority, reason=t.reason, tier=tier,
                            reasons=tuple(str(r["id"]) for r in triage.get("reasons", ())), language=state.language)

    def _offer_callback(self, state: CallState, event: WaitEstimated) -> Step:
        after = self.flow.settings.callback_after
        if (state.status != "transferred" or after <= 0 or event.seconds is None or event.seconds < after
                or state.callback_offer_turn is not None or not can_call_back(state.caller)):
            return state, []
        turn = state.turn + 1
        minutes = announced_minutes(event.seconds) or 1
        prompt = self.speaker(state).callback_offer(CALLBACK_OFFER, minutes)
        offer = cmd.Gather(node="callback", turn=turn, prompt=prompt, modes=("dtmf",), timeout=6, max_digits=1,
                           finish_on_key="", fall_through=True)
        return state.evolve(turn=turn, callback_offer_turn=turn), [offer, self._transfer_again(state)]

    def _callback_answer(self, state: CallState, event: DigitsReceived | NoInput, now: datetime) -> Step:
        if state.callback_offer_turn is None or state.callback_requested:
            return state, []
        if isinstance(event, DigitsReceived) and event.digits == "1":
            # Which number and when (callcenter.ivr.callback); the place in the queue is kept.
            again = self._transfer_again(state)
            origin = "nobody" if (state.unstaffed or {}).get("why") == "nobody" else "wait"
            request = cmd.RequestCallback(to="", queue=again.queue, skill=again.skill, priority=again.priority,
                                          tier=again.tier, reasons=again.reasons)
            return callback.start(self, state, now, origin, request, [])
        return state, [self._transfer_again(state)]

    # -- after the IVR --------------------------------------------------------------------------

    def _queue_left(self, state: CallState, event: QueueLeft, at: str) -> Step:
        if state.status == "ended":
            return state, []
        back_to = self.flow.settings.survey
        if (event.result == "bridged" and state.status == "transferred" and state.handled_by is not None
                and back_to and survey.applies(state)):
            # The agent ended the call: the caller is back in the flow, for the survey.
            return self._enter(state.evolve(status="in_ivr"), back_to, at, [], reason="survey")
        ended = state.evolve(status="ended", ended_at=at, end_status=f"queue_{event.result}")
        if event.result in QUEUE_FAILURES:
            return ended, [cmd.Say(QUEUE_FULL_EN if self.speaker(state).english else QUEUE_FULL_TEXT), cmd.Hangup()]
        return ended, [cmd.Hangup()]
