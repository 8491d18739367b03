"""The desk's vocabulary: a queued caller's entry, what can happen to it, and what to do about it.

Plain frozen dataclasses, no I/O. Times are seconds since the epoch, given and never read, as in
the routing core. ``callcenter/desk/core.py`` steps an :class:`Entry` with a :class:`DeskEvent`;
``callcenter/desk/codec.py`` turns all of these into the JSON stored in the call's log.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar, Literal

from callcenter.errors import CallCenterError
from callcenter.routing import Agent, RoutingPolicy, Tier, WaitingCall

EntryStatus = Literal["idle", "waiting", "offered", "connected", "ended", "abandoned", "callback", "callback_failed"]
OPEN: tuple[EntryStatus, ...] = ("waiting", "offered", "connected")
QUEUED: tuple[EntryStatus, ...] = ("waiting", "offered")


class DeskError(CallCenterError):
    """An agent asked for something the call's state does not allow (the message is for them)."""

    code = "desk"


@dataclass(frozen=True)
class DeskPolicy:
    """The routing policy, and how long an agent's wrap-up lasts after a call."""

    routing: RoutingPolicy = field(default_factory=RoutingPolicy)
    wrapup_seconds: float = 60.0
    # Callbacks: how many more tries after the first call nobody took, and how far apart; the
    # zone the times told to agents are in (« Rappel demandé à 14 h 10 »).
    callback_retries: int = 2
    callback_retry_seconds: float = 30 * 60.0
    timezone: str = "Europe/Paris"


@dataclass(frozen=True)
class Entry:
    """A caller handed to a person. ``idle``: never queued (or nothing known yet).

    ``channel`` names the kind of line carrying the call (``"twilio"``, ``"browser"``: which
    call-control implementation moves it), ``conference`` is that line's handle of the caller's
    conference, ``agent_leg`` and ``transfer_leg`` its handles of the agents' legs (opaque here).
    """

    call_sid: str
    status: EntryStatus = "idle"
    queue: str = ""
    skill: str | None = None
    tier: Tier = "normal"
    priority: int = 0
    reasons: tuple[str, ...] = ()
    enqueued_at: float = 0.0
    offered_to: int | None = None
    offered_at: float | None = None
    declined_by: frozenset[int] = frozenset()
    conference: str | None = None
    agent_id: int | None = None
    agent_leg: str | None = None
    transfer_to: int | None = None
    transfer_leg: str | None = None
    connected_at: float | None = None
    ended_at: float | None = None
    channel: str = "twilio"
    # A callback (set when the caller asked for one): when it was asked for, from when it may be
    # offered, how many calls to the caller were placed, the call ringing them now, and how far
    # that call got ("dialling": ringing or listening to the message; "keyed": they pressed the
    # key and are joining the conference; "joined": the agent's leg was asked for). The number
    # itself is never here (the callbacks table keeps it); ``agent_address`` is where the agent
    # who took the callback is rung once the caller is on the line.
    callback_at: float | None = None
    callback_due: float | None = None
    callback_tries: int = 0
    callback_leg: str | None = None
    callback_stage: str | None = None
    agent_address: str | None = None
    # The language the caller chose in the IVR ("": the flow's first, which every agent speaks).
    language: str = ""

    @property
    def is_callback(self) -> bool:
        return self.callback_at is not None

    def waiting_call(self) -> WaitingCall:
        """This entry as the routing core sees a waiting caller."""
        return WaitingCall(self.call_sid, self.queue, self.skill, self.tier, self.enqueued_at, self.priority,
                           self.reasons, self.offered_to, self.offered_at, self.declined_by, self.language)


# -- events: what happened to a queued caller ------------------------------------------------------


@dataclass(frozen=True)
class Enqueued:
    """The IVR handed the caller to a person."""

    kind: ClassVar[str] = "enqueued"
    queue: str
    skill: str | None
    tier: Tier
    priority: int = 0
    reasons: tuple[str, ...] = ()
    ivr_reason: str = ""
    language: str = ""


@dataclass(frozen=True)
class Tick:
    """Time passed or the queue changed: everyone waiting and the roster, as observed now.

    The observation rides on the event (like the IVR's ``OnDuty``), so a logged tick replays alone.
    """

    kind: ClassVar[str] = "tick"
    waiting: tuple[WaitingCall, ...]
    agents: tuple[Agent, ...]


@dataclass(frozen=True)
class OfferExpired:
    kind: ClassVar[str] = "offer_expired"
    agent_id: int


@dataclass(frozen=True)
class Declined:
    kind: ClassVar[str] = "declined"
    agent_id: int
    why: str = "refusé par l'agent"


@dataclass(frozen=True)
class Accepted:
    """The agent read the context and takes the call; ``address`` is where their leg rings."""

    kind: ClassVar[str] = "accepted"
    agent_id: int
    address: str


@dataclass(frozen=True)
class LegJoined:
    """A leg joined the caller's conference: the caller's own (``agent_id`` None, with the line's
    ``channel``) or an agent's."""

    kind: ClassVar[str] = "leg_joined"
    leg: str
    agent_id: int | None = None
    conference: str | None = None
    channel: str | None = None


@dataclass(frozen=True)
class LegStarted:
    """The provider is ringing an agent's leg (known before it joins)."""

    kind: ClassVar[str] = "leg_started"
    agent_id: int
    leg: str


@dataclass(frozen=True)
class LegLeft:
    """An agent's leg left the caller's conference (the caller leaving is :class:`CallerLeft`)."""

    kind: ClassVar[str] = "leg_left"
    agent_id: int
    leg: str = ""


@dataclass(frozen=True)
class LegFailed:
    """An agent's leg never joined (busy, no answer, failed): the caller goes on waiting."""

    kind: ClassVar[str] = "leg_failed"
    agent_id: int
    why: str


@dataclass(frozen=True)
class CallerLeft:
    kind: ClassVar[str] = "caller_left"


@dataclass(frozen=True)
class ConferenceEnded:
    """The caller's conference ended as a whole (an agent hung up a call with no provider callbacks)."""

    kind: ClassVar[str] = "conference_ended"


@dataclass(frozen=True)
class LineGone:
    """Reconciliation found the caller's line over (Twilio's final call status, or a browser
    phone whose socket is gone) while the entry was still open: its end never reached us."""

    kind: ClassVar[str] = "line_gone"
    status: str


@dataclass(frozen=True)
class HoldAsked:
    kind: ClassVar[str] = "hold_asked"
    agent_id: int
    on_hold: bool


@dataclass(frozen=True)
class HangupAsked:
    kind: ClassVar[str] = "hangup_asked"
    agent_id: int


@dataclass(frozen=True)
class WarmTransferAsked:
    """Private briefing with ``to_agent`` (``to_name`` None: no such active agent)."""

    kind: ClassVar[str] = "warm_transfer_asked"
    agent_id: int
    to_agent: int
    to_name: str | None
    address: str = ""


@dataclass(frozen=True)
class TransferCompleted:
    kind: ClassVar[str] = "transfer_completed"
    agent_id: int


@dataclass(frozen=True)
class ColdTransferAsked:
    kind: ClassVar[str] = "cold_transfer_asked"
    agent_id: int
    queue: str
    skill: str | None


@dataclass(frozen=True)
class CallbackRequested:
    """The caller chose a callback; ``queue`` set when they were never queued (queue closed)."""

    kind: ClassVar[str] = "callback_requested"
    queue: str | None = None
    skill: str | None = None
    tier: Tier = "normal"
    priority: int = 0
    reasons: tuple[str, ...] = ()
    after: str | None = None
    # The slot the caller chose (ISO time); None: as soon as possible (``after`` still holds).
    due: str | None = None


@dataclass(frozen=True)
class CallbackDue:
    """The scheduler found the callback's time come: it goes back among the waiting callers, with
    its place (arrival time), tier and priority, to be offered to an agent like a call."""

    kind: ClassVar[str] = "callback_due"


@dataclass(frozen=True)
class CallbackDialled:
    """The provider is ringing the caller back (``leg``: that call's handle)."""

    kind: ClassVar[str] = "callback_dialled"
    leg: str


@dataclass(frozen=True)
class CallbackAnswered:
    """The caller, rung back, heard who calls and why and pressed the key: they join the conference."""

    kind: ClassVar[str] = "callback_answered"
    leg: str


@dataclass(frozen=True)
class CallbackMissed:
    """The call back did not reach a person: ``why`` is the provider's final status (``busy``,
    ``no-answer``, ``failed``, ``canceled``), ``no_key`` (answered, no key: a machine or nobody
    listening), or ``unreachable`` (the call could not be placed)."""

    kind: ClassVar[str] = "callback_missed"
    leg: str
    why: str


DeskEvent = (Enqueued | Tick | OfferExpired | Declined | Accepted | LegJoined | LegStarted | LegLeft | LegFailed
             | CallerLeft | ConferenceEnded | LineGone | HoldAsked | HangupAsked | WarmTransferAsked | TransferCompleted
             | ColdTransferAsked | CallbackRequested | CallbackDue | CallbackDialled | CallbackAnswered
             | CallbackMissed)


# -- bus news: what screens are told (typed; topics and payloads are the screens' contract) ----------


@dataclass(frozen=True)
class QueueChanged:
    kind: ClassVar[str] = "desk.queue"
    call_sid: str
    status: str | None = None
    queue: str | None = None
    tier: str | None = None


@dataclass(frozen=True)
class OfferMade:
    kind: ClassVar[str] = "desk.offer"
    agent_id: int
    call_sid: str
    reason: str
    transfer: bool | None = None


@dataclass(frozen=True)
class OfferWithdrawn:
    kind: ClassVar[str] = "desk.offer_withdrawn"
    agent_id: int
    call_sid: str
    why: str


@dataclass(frozen=True)
class AgentConnected:
    kind: ClassVar[str] = "desk.connected"
    agent_id: int
    call_sid: str


@dataclass(frozen=True)
class AgentStateChanged:
    kind: ClassVar[str] = "desk.agent"
    agent_id: int
    state: str


@dataclass(frozen=True)
class CallUpdated:
    """Something about a call changed; screens reload what they show of it. The one type of the
    ``call.updated`` topic, from the desk (status, hold), the IVR (its step: status, node, the
    event and the commands' kinds) and the agent pages (a note, a triage feedback, a flag)."""

    kind: ClassVar[str] = "call.updated"
    call_sid: str
    status: str | None = None
    on_hold: bool | None = None
    node: str | None = None
    event: str | None = None
    commands: tuple[str, ...] | None = None
    note: bool | None = None
    triage_feedback: bool | None = None
    kb_flag: str | None = None


@dataclass(frozen=True)
class CallEnded:
    kind: ClassVar[str] = "call.ended"
    call_sid: str


DeskNews = QueueChanged | OfferMade | OfferWithdrawn | AgentConnected | AgentStateChanged | CallUpdated | CallEnded


# -- commands: what the shell stores and the dispatcher carries out ------------------------------------


@dataclass(frozen=True)
class Record:
    """A routing decision with its reason in words (stored with the entry, for the audit trail)."""

    kind: ClassVar[str] = "record"
    decision: str
    reason: str
    agent_id: int | None = None


@dataclass(frozen=True)
class SetPresence:
    """An agent's presence changes (stored with the entry); ``wrapup_seconds`` for a wrap-up."""

    kind: ClassVar[str] = "set_presence"
    agent_id: int
    state: str
    call_sid: str | None = None
    wrapup_seconds: float | None = None


@dataclass(frozen=True)
class Offer:
    kind: ClassVar[str] = "offer"
    agent_id: int
    reason: str
    transfer: bool = False


@dataclass(frozen=True)
class Withdraw:
    kind: ClassVar[str] = "withdraw"
    agent_id: int
    why: str


@dataclass(frozen=True)
class AddAgentLeg:
    kind: ClassVar[str] = "add_agent_leg"
    conference: str
    agent_id: int
    address: str


@dataclass(frozen=True)
class Hold:
    kind: ClassVar[str] = "hold"
    conference: str
    leg: str
    on_hold: bool
    # The caller's language when not the service's: what they hear on hold is said in it.
    language: str = ""


@dataclass(frozen=True)
class RemoveLeg:
    kind: ClassVar[str] = "remove_leg"
    conference: str
    leg: str


@dataclass(frozen=True)
class EndConference:
    kind: ClassVar[str] = "end_conference"
    conference: str


@dataclass(frozen=True)
class DialCallback:
    """Ring the caller back (the number is looked up by the callback line: it never enters the log)."""

    kind: ClassVar[str] = "dial_callback"
    agent_id: int
    attempt: int


@dataclass(frozen=True)
class CallbackSms:
    """Every try failed: a text message says we could not reach them and how to call us."""

    kind: ClassVar[str] = "callback_sms"


@dataclass(frozen=True)
class Publish:
    kind: ClassVar[str] = "publish"
    news: DeskNews


DeskCommand = (Record | SetPresence | Offer | Withdraw | AddAgentLeg | Hold | RemoveLeg | EndConference | Publish
               | DialCallback | CallbackSms)
# Commands the shell applies inside the entry's transaction; the rest go to the dispatcher after it.
STORED = (Record, SetPresence)
