"""The flow IR: what a flow file means once it is parsed and checked.

The engine runs on these frozen dataclasses only; it never sees YAML. ``next`` is always the id of
another node of the same flow.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

InputMode = Literal["dtmf", "speech"]
NodeKind = Literal["say", "menu", "ask", "answer", "transfer", "goto", "hangup", "appointment", "survey",
                   "online_link", "callback"]


@dataclass(frozen=True)
class Retry:
    """What an input node does when the caller says nothing, or nothing it understands."""

    retries: int
    prompt: str
    next: str


@dataclass(frozen=True)
class InputSettings:
    """Shared by ``menu`` and ``ask``: how the caller is listened to."""

    prompt: str
    modes: tuple[InputMode, ...]
    timeout: int
    no_input: Retry
    no_match: Retry
    hints: tuple[str, ...] = ()


@dataclass(frozen=True)
class Say:
    id: str
    text: str
    next: str
    kind: Literal["say"] = "say"


@dataclass(frozen=True)
class MenuOption:
    """One choice of a menu: a key, the words that pick it by voice, and where it leads."""

    next: str
    key: str | None = None
    words: tuple[str, ...] = ()
    label: str | None = None
    # Choosing it makes ``language`` the caller's language; ``offer`` is said in that language
    # before the menu's prompt while the caller hears another one ("For English, press 9.").
    language: str | None = None
    offer: str | None = None


@dataclass(frozen=True)
class Menu:
    """Listens for one of ``options``; with ``knowledge``, a question that names no option is
    looked up in the knowledge base and answered by that ``answer`` node."""

    id: str
    input: InputSettings
    options: tuple[MenuOption, ...]
    knowledge: str | None = None
    kind: Literal["menu"] = "menu"


@dataclass(frozen=True)
class Answer:
    """Answers a question from the knowledge base, then offers: repeat, SMS, another question,
    a person, or ``next`` (the caller is done). ``input.prompt`` asks for the question."""

    id: str
    input: InputSettings
    followup: str
    next: str
    sms_sent: str
    no_sms: str
    kind: Literal["answer"] = "answer"


@dataclass(frozen=True)
class Ask:
    """Collects a free answer (speech or keys) into ``variable``."""

    id: str
    input: InputSettings
    variable: str
    next: str
    max_digits: int | None = None
    finish_on_key: str = "#"
    pattern: str | None = None
    # What the call's state and log keep of the answer (callcenter.privacy.keep_answer): "kept",
    # "masked" (the last two characters) or "dropped". The raw value is used within the step.
    stored: str = "masked"
    kind: Literal["ask"] = "ask"


@dataclass(frozen=True)
class Transfer:
    """Hands the caller to a person: a queue, the skill wanted, and a priority (higher is sooner)."""

    id: str
    queue: str
    skill: str | None
    priority: int
    text: str | None = None
    kind: Literal["transfer"] = "transfer"


@dataclass(frozen=True)
class Callback:
    """Offers a callback for a queue (callcenter.ivr.callback): which number, when; then the call
    ends. The callback keeps the caller's tier and priority, like a transfer."""

    id: str
    queue: str
    skill: str | None
    priority: int
    text: str | None = None
    kind: Literal["callback"] = "callback"


@dataclass(frozen=True)
class Condition:
    """``variable`` compared with one of ``equals`` / ``one_of`` / ``present``."""

    variable: str
    equals: str | None = None
    one_of: tuple[str, ...] = ()
    present: bool | None = None


@dataclass(frozen=True)
class Branch:
    when: Condition
    next: str


@dataclass(frozen=True)
class Goto:
    """Jumps to ``next``, or to the first branch whose condition holds."""

    id: str
    next: str
    branches: tuple[Branch, ...] = ()
    kind: Literal["goto"] = "goto"


@dataclass(frozen=True)
class Hangup:
    id: str
    text: str | None = None
    kind: Literal["hangup"] = "hangup"


@dataclass(frozen=True)
class Appointment:
    """Books, moves or cancels an appointment with one of ``service``'s agencies (slots from the
    database, through the dispatcher); ``next`` once the caller is done. ``channel`` limits the
    slots offered to "phone" or "in_person" (``None``: both)."""

    id: str
    input: InputSettings
    service: str
    next: str
    channel: str | None = None
    kind: Literal["appointment"] = "appointment"


@dataclass(frozen=True)
class Survey:
    """The post-call survey: asks consent, then a score on the keypad (1-5) for
    ``question``, then an optional short spoken comment; goes to ``next`` (a goodbye) whatever
    the caller does. Silence or a refusal ends politely: it never holds the caller or the hang-up."""

    id: str
    consent: str
    question: str
    comment: str
    thanks: str
    next: str
    timeout: int
    # At most this many characters of the (redacted) comment are kept.
    comment_max: int = 200
    kind: Literal["survey"] = "survey"


@dataclass(frozen=True)
class OnlineLink:
    """The digital bridge: after an answer whose knowledge-base entry names an official online
    procedure (``online``), offers to send its link by SMS (consent, then the number confirmed);
    any other caller, and the caller who declines, goes straight on to ``next``."""

    id: str
    offer: str
    confirm: str
    sent: str
    declined: str
    next: str
    timeout: int
    kind: Literal["online_link"] = "online_link"


Node = Say | Menu | Ask | Answer | Transfer | Goto | Hangup | Appointment | Survey | OnlineLink | Callback
InputNode = Menu | Ask | Answer | Appointment


@dataclass(frozen=True)
class FlowSettings:
    """Flow-wide defaults and the way out to a person."""

    human: str
    human_key: str
    human_words: tuple[str, ...]
    min_confidence: float
    apology: str
    # Transfer nodes for callers the triage finds urgent or fragile (default: ``human``).
    urgent: str = ""
    fragile: str = ""
    reassurance: str = ""
    # Offer a callback that keeps the caller's place when the estimated wait reaches this (0: never).
    callback_after: int = 600
    # The survey node a caller is taken to when an agent ends the call with them ("" : none).
    survey: str = ""


@dataclass(frozen=True)
class Flow:
    """A whole validated flow. ``version`` is assigned when the flow is stored."""

    id: str
    title: str
    start: str
    settings: FlowSettings
    nodes: Mapping[str, Node]
    source_sha256: str = ""
    version: int = 0
    path: str = ""
    lines: Mapping[str, int] = field(default_factory=dict)
    # Optional short French names of nodes (``title`` in the file), shown to agents instead of ids.
    titles: Mapping[str, str] = field(default_factory=dict)
    # The languages the prompts are in (the first: plain strings, and callers until they choose),
    # and every text's other languages, keyed by its first-language text (flows/languages.py).
    languages: tuple[str, ...] = ("fr",)
    translations: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    # Texts given in a language the flow does not declare: (line, reason), for the lints.
    language_notes: tuple[tuple[int, str], ...] = ()

    @property
    def language(self) -> str:
        """The flow's first language: what a plain string is in."""
        return self.languages[0]

    def text_in(self, text: str, language: str) -> str | None:
        """``text`` (as written in the first language) in ``language``; ``None`` if the flow has
        no such translation (system wording, or a language it does not declare)."""
        if not language or language == self.language:
            return text
        return self.translations.get(text, {}).get(language)

    def node(self, node_id: str) -> Node:
        return self.nodes[node_id]

    def choices(self, node: Node) -> tuple[str, ...]:
        """Where the caller's own answers lead, without the ways out on silence, on not being
        understood, or to a person (for lints and the diagram)."""
        match node:
            case Menu():
                return tuple(o.next for o in node.options) + ((node.knowledge,) if node.knowledge else ())
            case Say() | Ask() | Answer() | Appointment() | Survey() | OnlineLink():
                return (node.next,)
            case Goto():
                return (*(b.next for b in node.branches), node.next)
        return ()

    def successors(self, node: Node) -> tuple[str, ...]:
        """Every node id ``node`` can lead to, the way out to a person included for input nodes."""
        match node:
            case Say() | Ask() | Answer() | Appointment():
                out: tuple[str, ...] = (node.next,)
            case Menu():
                out = tuple(o.next for o in node.options) + ((node.knowledge,) if node.knowledge else ())
            case Goto():
                out = (*(b.next for b in node.branches), node.next)
            case Survey() | OnlineLink():
                # They listen for keys too: the way out to a person works there as anywhere.
                escapes = tuple(n for n in (self.settings.urgent,) if n)
                return (node.next, self.settings.human, *escapes)
            case Transfer() | Hangup():
                return ()
            case Callback():
                return (self.settings.human,)  # no number to call back on: a person
        if isinstance(node, Menu | Ask | Answer | Appointment):
            # The triage may hand any listening node's caller to the urgent or fragile transfer.
            escapes = tuple(n for n in (self.settings.urgent, self.settings.fragile) if n)
            out = (*out, node.input.no_input.next, node.input.no_match.next, self.settings.human, *escapes)
        return out


def is_input(node: Node) -> bool:
    return isinstance(node, Menu | Ask | Answer | Appointment)
