"""The digital bridge (flow node ``online_link``), pure: the link to an official online procedure
by SMS, never instead of a person.

Offered after an answer whose knowledge-base entry names the procedure (``online: {label,
url}``), to a caller whose number can receive an SMS. Key 1 (or "oui") is the consent; the number
is then confirmed by its last four digits, and key 1 sends the SMS. The SMS goes only to the
number the caller calls from: a number keyed in would be personal data in the call's log, and
could not be checked as the caller's own. "C'est envoyé" is said only once Twilio accepted it
(``SmsResult``), followed by the way to a person (key 0). Silence, key 2 or anything else goes on
to ``next``; so does every caller the offer does not apply to.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import TYPE_CHECKING, Any

from callcenter.flows.model import OnlineLink
from callcenter.ivr import commands as cmd
from callcenter.ivr import words_en as en
from callcenter.ivr.events import DigitsReceived, NoInput, SmsResult, SpeechReceived
from callcenter.ivr.matching import asks_for_person, normalise
from callcenter.ivr.state import CallState, Utterance
from callcenter.ivr.wording import can_text, online_sms

if TYPE_CHECKING:
    from callcenter.ivr.engine import IvrEngine, Step
    from callcenter.ivr.speaking import Speaker

YES = frozenset({"oui", "ouais", "un", "1", "d accord", "oui d accord", "volontiers", "ok", "oui merci",
                 "oui s il vous plait", "confirmer", "je confirme"})
PHRASES = ("oui", "non", "un", "deux", "conseiller")
NOT_THIS_NUMBER = "Je ne peux envoyer ce SMS qu'au numéro d'où vous appelez."
SMS_FAILED = "Désolé, le SMS n'a pas pu être envoyé. Pour parler à un conseiller, tapez 0."
# After "C'est envoyé": a short wait in which key 0 still reaches a person.
AFTER_SENT_TIMEOUT = 4


def _entry(engine: IvrEngine, state: CallState) -> Any:
    if engine.knowledge is None or not state.answers:
        return None
    return engine.knowledge.kb.get(state.answers[-1].kb_id)


def applies(engine: IvrEngine, state: CallState) -> bool:
    """An answer was given on a topic with an online procedure, and the number takes SMS."""
    entry = _entry(engine, state)
    return entry is not None and entry.online is not None and can_text(state.caller) and (
        state.online is None or state.online.get("kb_id") != entry.id)


def spoken_end(number: str) -> str:
    """The last four digits of a number, in pairs as people read them ("12 34")."""
    digits = re.sub(r"\D", "", number)[-4:]
    return f"{digits[:2]} {digits[2:]}"


def _ask(state: CallState, node: OnlineLink, prompt: str, sp: Speaker, timeout: int | None = None) -> Step:
    turn = state.turn + 1
    gather = cmd.Gather(node=node.id, turn=turn, prompt=prompt, modes=("dtmf", "speech"),
                        timeout=timeout or node.timeout, max_digits=1, finish_on_key="",
                        phrases=en.LINK_PHRASES if sp.english else PHRASES)
    return state.evolve(turn=turn), [gather]


def start(engine: IvrEngine, state: CallState, node: OnlineLink, out: list[cmd.Command]) -> Step:
    entry = _entry(engine, state)
    info = {"node": node.id, "phase": "offer", "kb_id": entry.id, "sent": False}
    sp = engine.speaker(state)
    state, asked = _ask(state.evolve(online=info), node, sp.t(node.offer), sp)
    return state, [*out, *asked]


def _go_on(engine: IvrEngine, state: CallState, node: OnlineLink, info: dict[str, Any], at: str,
           out: list[cmd.Command]) -> Step:
    info["phase"] = "done"
    return engine._enter(state.evolve(online=info, answer_phase=None), node.next, at, out, reason="online_link")


def answer(engine: IvrEngine, state: CallState, node: OnlineLink, event: DigitsReceived | SpeechReceived | NoInput,
           now: datetime) -> Step:
    at = now.isoformat()
    info = dict(state.online or {})
    sp = engine.speaker(state)
    if isinstance(event, DigitsReceived) and event.digits == engine.flow.settings.human_key:
        return engine._to_person(state.evolve(online={**info, "phase": "done"}), now)
    said = ""
    if isinstance(event, SpeechReceived):
        said = event.text.strip()
        heard = Utterance(text=said, node=node.id, at=at, confidence=event.confidence)
        state = engine._assess(state.evolve(utterances=(*state.utterances, heard)), now)
        routed = engine._act_on_triage(state.evolve(online={**info, "phase": "done"}), at)
        if routed is not None:
            return routed
        if asks_for_person(said, sp.human_words):
            return engine._to_person(state.evolve(online={**info, "phase": "done"}), now)
    key = event.digits if isinstance(event, DigitsReceived) else normalise(said)
    yes = key in YES or (sp.english and key in en.YES)
    match info.get("phase"):
        case "offer":
            if yes:
                info["phase"] = "confirm"
                prompt = sp.t(node.confirm).replace("{digits}", spoken_end(state.caller))
                return _ask(state.evolve(online=info), node, prompt, sp)
            return _go_on(engine, state, node, info, at,
                          [] if isinstance(event, NoInput) else [cmd.Say(sp.t(node.declined))])
        case "confirm":
            if yes:
                entry = _entry(engine, state)
                info["phase"] = "sending"
                sms = cmd.SendSms(to=state.caller, body=online_sms(entry.online.label, entry.online.url))
                # Nothing said yet: "C'est envoyé" only once Twilio accepted it (SmsResult).
                return state.evolve(online=info, answer_phase="sms_pending"), [sms]
            if isinstance(event, NoInput):
                return _go_on(engine, state, node, info, at, [])
            return _go_on(engine, state, node, info, at, [cmd.Say(sp.t(NOT_THIS_NUMBER))])
    # "sent": anything but the way to a person goes on.
    return _go_on(engine, state, node, info, at, [])


def sms_result(engine: IvrEngine, state: CallState, node: OnlineLink, event: SmsResult) -> Step:
    """Twilio's answer to the SMS: sent (and a person one key away), or not (and the same key)."""
    info = dict(state.online or {})
    if info.get("phase") != "sending":
        return state, []
    info.update(phase="sent", sent=event.accepted, sid=event.sid)
    state = state.evolve(online=info, answer_phase=None)
    sp = engine.speaker(state)
    return _ask(state, node, sp.t(node.sent if event.accepted else SMS_FAILED), sp, AFTER_SENT_TIMEOUT)
