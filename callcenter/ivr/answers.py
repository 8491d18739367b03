"""What the call's log and state may keep of an answer given at an ``ask`` node.

An ask node declares it (flow field ``stored``): the value ("kept"), its last two characters
("masked", the default) or only that an answer was given ("dropped"). Keys typed anywhere else
that form a phone, social security or card number are logged as its label. The engine checks the raw
value within its step; the event that reaches the log is :func:`as_logged`, carrying the kept form
and ``redacted=True``, so nothing stored ever holds more than the node allows, and replaying the
log takes exactly the same path (an answer the node refused is logged as an empty one, which is
refused again).
"""

from __future__ import annotations

import re

from callcenter.flows import model as flow_model
from callcenter.flows.model import Flow
from callcenter.ivr.events import DigitsReceived, Event, SpeechReceived
from callcenter.ivr.matching import asks_for_person
from callcenter.ivr.state import CallState
from callcenter.privacy import classify, keep_answer, redact


def asking(flow: Flow, state: CallState) -> flow_model.Ask | None:
    """The ask node that the next keys or words answer, if it keeps less than the value."""
    if state.status != "in_ivr" or state.node is None or state.danger_check is not None \
            or state.unstaffed is not None:
        return None
    node = flow.node(state.node)
    if not isinstance(node, flow_model.Ask) or node.stored == "kept":
        return None
    return node


def _kept_whole(flow: Flow, state: CallState) -> bool:
    """Whether the next keys answer an ask node that keeps them as typed (its flow says so)."""
    if state.status != "in_ivr" or state.node is None or state.danger_check is not None \
            or state.unstaffed is not None:
        return False
    node = flow.node(state.node)
    return isinstance(node, flow_model.Ask) and node.stored == "kept"


def kept_form(node: flow_model.Ask, value: str) -> str:
    """The answer as stored: empty when the node refuses it, else what ``stored`` keeps."""
    if node.pattern is not None and re.fullmatch(node.pattern, value) is None:
        return ""
    return keep_answer(node.stored, value)


def as_logged(flow: Flow, state: CallState, event: Event) -> Event:
    """``event`` as the call's log may keep it, given the state it arrives in."""
    node = asking(flow, state)
    if node is None:
        if isinstance(event, DigitsReceived) and not event.redacted and not _kept_whole(flow, state) \
                and classify(event.digits) is not None:
            # A phone, social security or card number typed where no question asked for it (at a
            # menu): no node takes that many keys, so the label replays the same as the number.
            return DigitsReceived(redact(event.digits), redacted=True)
        return event
    match event:
        case DigitsReceived(redacted=False) if event.digits != flow.settings.human_key:
            return DigitsReceived(kept_form(node, event.digits), redacted=True)
        case SpeechReceived(redacted=False):
            text = event.text.strip()
            low = event.confidence is not None and event.confidence < flow.settings.min_confidence
            if low or not text or asks_for_person(text, flow.settings.human_words):
                return event  # not an answer: the (already redacted) words stay as said
            return SpeechReceived(kept_form(node, text), event.confidence, redacted=True)
    return event
