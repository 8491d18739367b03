"""The state of one call inside the IVR, as the engine sees it.

It is rebuilt by replaying the call's event log, and stored as JSON beside the log so any server
process can take the next webhook of the call.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import MISSING, dataclass, field, fields
from datetime import datetime
from typing import Any, Literal

from callcenter.ivr.plain import SCALARS, plain

Status = Literal["new", "in_ivr", "transferred", "ended"]


@dataclass(frozen=True)
class Utterance:
    """One thing the caller said (redacted), where and when."""

    text: str
    node: str
    at: str
    confidence: float | None = None


@dataclass(frozen=True)
class AnswerRecord:
    """A knowledge-base answer read to the caller, with the search score that chose it."""

    kb_id: str
    score: float
    node: str
    at: str
    # How the topic was chosen: "search" (confident), "clarify" (the caller picked it when asked),
    # "also" (the second question of a sentence), "other" (after "non, c'est pas ça").
    via: str = "search"


@dataclass(frozen=True)
class ClarifyRecord:
    """A clarifying question ("is it about X or Y?"), the topics offered, and what came of it:
    "picked" (``picked`` says which), "none" (none of them), "new_question", "no_input", or
    ``None`` while it waits for the reply."""

    choices: tuple[str, ...]
    node: str
    at: str
    outcome: str | None = None
    picked: str | None = None


@dataclass(frozen=True)
class TransferRecord:
    queue: str
    skill: str | None
    priority: int
    reason: str
    at: str


@dataclass(frozen=True)
class CallState:
    """Everything the engine needs to take the next step of a call."""

    call_sid: str
    flow_id: str
    flow_version: int
    status: Status = "new"
    caller: str = ""
    # The caller's recent history, as counted when the call started (for the triage).
    history: Mapping[str, int] = field(default_factory=dict)
    node: str | None = None
    turn: int = 0
    no_input: int = 0
    no_match: int = 0
    total_no_input: int = 0
    total_no_match: int = 0
    asked_for_person: bool = False
    variables: Mapping[str, str] = field(default_factory=dict)
    path: tuple[str, ...] = ()
    utterances: tuple[Utterance, ...] = ()
    transfer: TransferRecord | None = None
    answers: tuple[AnswerRecord, ...] = ()
    # The knowledge-base entry being discussed at an answer node, and whether the node waits for
    # a question ("question") or for what to do after the answer ("followup").
    kb_entry: str | None = None
    answer_phase: str | None = None
    # At an answer node: the topics offered by the clarifying question being asked (phase
    # "clarify"); the runners-up of the last answer, offered if the caller says it was not that;
    # a second topic asked in the same sentence, offered after the answer.
    clarify_choices: tuple[str, ...] = ()
    clarifications: tuple[ClarifyRecord, ...] = ()
    kb_alternatives: tuple[str, ...] = ()
    kb_also: str | None = None
    # A long wait was announced with the offer of a callback (turn of that question), and taken.
    callback_offer_turn: int | None = None
    callback_requested: bool = False
    # The callback dialogue (callcenter.ivr.callback): which number (only its last two digits
    # here), when, and where the caller came from; None outside it.
    callback_dialog: Mapping[str, Any] | None = None
    # The danger question (asked when the triage is in doubt): while it waits for an answer, the
    # utterance that raised the doubt and where it was said, to go on from there after a "no";
    # then the answer, "yes", "no" or "none" (silence or neither), which the triage weighs.
    danger_check: Mapping[str, Any] | None = None
    danger_answer: str | None = None
    # The desk's latest count of agents on duty for the queue a transfer went to (OnDuty event):
    # {"queue", "agents", "at"}; and, when nobody could take the caller (closed, or nobody on
    # duty), what they were told and offered (callcenter.ivr.unstaffed).
    on_duty: Mapping[str, Any] | None = None
    unstaffed: Mapping[str, Any] | None = None
    # At an appointment node (callcenter.ivr.appointment): the phase of the exchange, the slots
    # offered, the caller's appointment found, what was booked, moved or cancelled.
    appointment: Mapping[str, Any] | None = None
    # The agent who talked with the caller, as the desk said when their conference ended
    # (AgentHandled): the survey after an agent names them.
    handled_by: int | None = None
    # The post-call survey (callcenter.ivr.survey): its node, phase ("consent", "score",
    # "comment", "done"), the score and comment given, and what they are about.
    survey: Mapping[str, Any] | None = None
    # The offer of an online procedure's link by SMS (callcenter.ivr.online_link): its node,
    # phase ("offer", "confirm", "sending", "sent", "done"), the entry, and whether it was sent.
    online: Mapping[str, Any] | None = None
    # The latest triage decision (TriageDecision.to_dict()), with its evidence and rules version.
    triage: Mapping[str, Any] | None = None
    started_at: str | None = None
    ended_at: str | None = None
    end_status: str | None = None
    # The language the caller chose (a menu option with ``language``); "": the flow's first one.
    language: str = ""

    def evolve(self, **changes: Any) -> CallState:
        # ``dataclasses.replace`` without its checks and its call of __init__ with every field (a
        # step makes several): the same fields copied, the changed ones set. No field is computed
        # at init (no __post_init__, no init=False), so the result is the same.
        unknown = changes.keys() - _NAMES
        if unknown:
            raise TypeError(f"CallState has no field {sorted(unknown)[0]!r}")
        new = object.__new__(CallState)
        new.__dict__.update(self.__dict__)
        new.__dict__.update(changes)
        return new

    def seconds_in_ivr(self, now: datetime) -> float:
        if self.started_at is None:
            return 0.0
        return max(0.0, (now - datetime.fromisoformat(self.started_at)).total_seconds())

    def to_dict(self) -> dict[str, Any]:
        # What ``dataclasses.asdict`` gave (records as dicts, tuples kept), without its deep copy
        # of every value (a tenth of a webhook's time); mappings are copied one level, as before.
        # Most fields are strings, numbers or None, taken as they are.
        fields_ = self.__dict__
        data = {}
        for name in _ORDER:
            value = fields_[name]
            if type(value) not in SCALARS:
                value = dict(value) if name in _MAPPINGS else plain(value)
            data[name] = value
        return data

    def awaits_sms(self) -> bool:
        """Whether the next step waits for Twilio's answer to the SMS just asked for."""
        return self.answer_phase == "sms_pending" or (
            self.appointment is not None and self.appointment.get("phase") == "sms")

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> CallState:
        raw = dict(data)
        raw["path"] = tuple(raw.get("path", ()))
        raw["utterances"] = tuple(Utterance(**u) for u in raw.get("utterances", ()))
        raw["variables"] = dict(raw.get("variables", {}))
        raw["history"] = dict(raw.get("history", {}))
        if raw.get("transfer") is not None:
            raw["transfer"] = TransferRecord(**raw["transfer"])
        raw["answers"] = tuple(AnswerRecord(**a) for a in raw.get("answers", ()))
        raw["clarify_choices"] = tuple(raw.get("clarify_choices", ()))
        raw["kb_alternatives"] = tuple(raw.get("kb_alternatives", ()))
        raw["clarifications"] = tuple(
            ClarifyRecord(**{**c, "choices": tuple(c["choices"])}) for c in raw.get("clarifications", ()))
        if cls is not CallState or not _REQUIRED <= raw.keys() <= _NAMES:
            return cls(**raw)  # the errors __init__ gives (a field missing or unknown)
        # What __init__ does (every field set, defaults for the missing ones) without its call
        # with forty keyword arguments, each set through object.__setattr__: one per webhook.
        new = object.__new__(CallState)
        values = new.__dict__
        values.update(_DEFAULTS)
        for name, factory in _FACTORIES:
            values[name] = factory()
        values.update(raw)
        return new


def field_from_json(name: str, value: Any) -> Any:
    """One field's value as ``from_dict`` reads it from its JSON (calls/state_text.py decodes the
    fields a step changed alone; tests/calls/test_state_text.py checks it against ``from_dict``)."""
    convert = _FROM_JSON.get(name)
    return value if convert is None else convert(value)


def _clarify(c: Mapping[str, Any]) -> ClarifyRecord:
    return ClarifyRecord(**{**c, "choices": tuple(c["choices"])})


_FROM_JSON: dict[str, Any] = {
    "path": tuple,
    "utterances": lambda v: tuple(Utterance(**u) for u in v),
    "variables": dict,
    "history": dict,
    "transfer": lambda v: None if v is None else TransferRecord(**v),
    "answers": lambda v: tuple(AnswerRecord(**a) for a in v),
    "clarify_choices": tuple,
    "kb_alternatives": tuple,
    "clarifications": lambda v: tuple(_clarify(c) for c in v),
}

_MAPPINGS = frozenset({"history", "variables", "danger_check", "on_duty", "unstaffed", "triage", "appointment",
                       "survey", "online", "callback_dialog"})
MAPPING_FIELDS = _MAPPINGS
_ORDER = tuple(f.name for f in fields(CallState))
_NAMES = frozenset(_ORDER)
_REQUIRED = frozenset(f.name for f in fields(CallState) if f.default is MISSING and f.default_factory is MISSING)
# Every field in order (the required ones are always given), with its default where it has one.
_DEFAULTS = {f.name: None if f.default is MISSING else f.default for f in fields(CallState)}
_FACTORIES = tuple((f.name, f.default_factory) for f in fields(CallState) if f.default_factory is not MISSING)
