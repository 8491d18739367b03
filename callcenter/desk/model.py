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

EntryStatus = Literal["idle", "waiting", "offered", "connected", "ended", "abandoned", "callback"]
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
    # The language the caller chose in the IVR ("": the flow's first, which every agent speaks).
    language: str = ""

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


DeskEvent = (Enqueued | Tick | OfferExpired | Declined | Accepted | LegJoined | LegStarted | LegLeft | LegFailed
             | CallerLeft | ConferenceEnded | LineGone | HoldAsked | HangupAsked | WarmTransferAsked | TransferCompleted
             | ColdTransferAsked | CallbackRequested)


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
    kind: ClassVar[str] = "call.updated"
    call_sid: str
    status: str | None = None
    on_hold: bool | None = None


@dataclass(frozen=True)
class CallEnded:
    kind: ClassVar[str] = "call.ended"
    call_sid: str


DeskNews = QueueChanged | OfferMade | OfferWithdrawn | AgentConnected | AgentStateChanged | CallUpdated | CallEnded


# -- commands: what the shell stores and the executor carries out ------------------------------------


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
class Publish:
    kind: ClassVar[str] = "publish"
    news: DeskNews


DeskCommand = Record | SetPresence | Offer | Withdraw | AddAgentLeg | Hold | RemoveLeg | EndConference | Publish
# Commands the shell applies inside the entry's transaction; the rest go to the executor after it.
STORED = (Record, SetPresence)
