"""The post-call survey (flow node ``survey``), pure.

Asked only of a caller who got something: an answer from the knowledge base, or a person (the
agent hung up and the caller came back to the flow). First their consent (key 1 or "oui");
then a score on the keypad, 1 to 5, for "was your question answered"; then, if the node asks for
one, a short spoken comment, redacted like every transcript and cut to the node's length. The
score is kept as soon as it is given (``RecordSurvey``), so a caller who hangs up during the
comment still counts. Silence, a refusal or an unclear answer ends politely on ``next``: the
survey never holds a caller, and a caller who hangs up is simply gone. Key 0 still reaches a
person, and words that show danger still reach one at once.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from callcenter.flows.model import Survey
from callcenter.ivr import commands as cmd
from callcenter.ivr import words_en as en
from callcenter.ivr.events import DigitsReceived, NoInput, SpeechReceived
from callcenter.ivr.matching import asks_for_person, normalise
from callcenter.ivr.state import CallState, Utterance
from callcenter.privacy import redact

if TYPE_CHECKING:
    from callcenter.ivr.engine import IvrEngine, Step
    from callcenter.ivr.speaking import Speaker

YES = frozenset({"oui", "ouais", "un", "1", "d accord", "oui d accord", "volontiers", "ok", "oui volontiers"})
SCORES = {"1": 1, "un": 1, "une": 1, "2": 2, "deux": 2, "3": 3, "trois": 3, "4": 4, "quatre": 4,
          "5": 5, "cinq": 5}
SPOKEN_SCORES = ("un", "deux", "trois", "quatre", "cinq", "oui", "non")
AGAIN = "Je n'ai pas compris."


def applies(state: CallState) -> bool:
    """Only a caller who got an answer or talked with a person is asked, once per call."""
    return (bool(state.answers) or state.handled_by is not None) and state.survey is None


def tier(triage: Mapping[str, Any] | None) -> str:
    triage = triage or {}
    if triage.get("urgent"):
        return "urgent"
    return "fragile" if triage.get("fragile") or triage.get("check_danger") else "normal"


def _about(state: CallState) -> dict[str, Any]:
    """What the caller is asked to rate: the person they talked with, else the last answer."""
    if state.handled_by is not None:
        return {"via": "agent", "agent_id": state.handled_by, "kb_id": None,
                "last": state.transfer.queue if state.transfer else "",
                "queue": state.transfer.queue if state.transfer else None}
    last = state.answers[-1]
    return {"via": "answer", "agent_id": None, "kb_id": last.kb_id, "last": last.node, "queue": None}


def _ask(state: CallState, node: Survey, prompt: str, sp: Speaker, free: bool = False) -> Step:
    """Keys and words are both heard; ``free`` for the comment (no expected words)."""
    turn = state.turn + 1
    phrases = () if free else (en.SPOKEN_SCORES if sp.english else SPOKEN_SCORES)
    gather = cmd.Gather(node=node.id, turn=turn, prompt=prompt, modes=("dtmf", "speech"), timeout=node.timeout,
                        max_digits=1, finish_on_key="", phrases=phrases)
    return state.evolve(turn=turn), [gather]


def start(engine: IvrEngine, state: CallState, node: Survey, out: list[cmd.Command]) -> Step:
    """The caller reached the survey node and may be asked: consent first."""
    info = {"node": node.id, "phase": "consent", "score": None, "comment": None, "tries": 0, **_about(state)}
    sp = engine.speaker(state)
    state, asked = _ask(state.evolve(survey=info), node, sp.t(node.consent), sp)
    return state, [*out, *asked]


def _record(state: CallState, info: Mapping[str, Any]) -> cmd.RecordSurvey:
    return cmd.RecordSurvey(score=int(info["score"]), via=str(info["via"]), node=str(info["last"]),
                            tier=tier(state.triage), comment=info.get("comment"), kb_id=info.get("kb_id"),
                            agent_id=info.get("agent_id"), queue=info.get("queue"))


def _finish(engine: IvrEngine, state: CallState, node: Survey, info: dict[str, Any], at: str,
            out: list[cmd.Command]) -> Step:
    info["phase"] = "done"
    return engine._enter(state.evolve(survey=info), node.next, at, out, reason="survey")


def answer(engine: IvrEngine, state: CallState, node: Survey, event: DigitsReceived | SpeechReceived | NoInput,
           now: datetime) -> Step:
    """The caller's answer to the survey's current question."""
    at = now.isoformat()
    info = dict(state.survey or {})
    phase = info.get("phase")
    sp = engine.speaker(state)
    if isinstance(event, DigitsReceived) and event.digits == engine.flow.settings.human_key:
        info["phase"] = "done"
        return engine._to_person(state.evolve(survey=info), now)
    said = ""
    if isinstance(event, SpeechReceived):
        said = event.text.strip()
        heard = Utterance(text=said, node=node.id, at=at, confidence=event.confidence)
        state = engine._assess(state.evolve(utterances=(*state.utterances, heard)), now)
        if (state.triage or {}).get("urgent"):
            # Danger said even here: the emergency numbers and a person, before anything else.
            info["phase"] = "done"
            routed = engine._act_on_triage(state.evolve(survey=info), at)
            if routed is not None:
                return routed
        if phase != "comment" and asks_for_person(said, sp.human_words):
            info["phase"] = "done"
            return engine._to_person(state.evolve(survey=info), now)
    key = event.digits if isinstance(event, DigitsReceived) else normalise(said)
    match phase:
        case "consent":
            if key in YES or (sp.english and key in en.YES):
                info["phase"] = "score"
                return _ask(state.evolve(survey=info), node, sp.t(node.question), sp)
            info["refused"] = not isinstance(event, NoInput)
            return _finish(engine, state, node, info, at, [])
        case "score":
            score = SCORES.get(key) or (en.SCORES.get(key) if sp.english else None)
            if score is None:
                if isinstance(event, NoInput) or info.get("tries", 0) >= 1:
                    return _finish(engine, state, node, info, at, [])
                info["tries"] = info.get("tries", 0) + 1
                return _ask(state.evolve(survey=info), node, f"{sp.t(AGAIN)} {sp.t(node.question)}", sp)
            info["score"] = score
            record = _record(state, info)
            if not node.comment:
                return _finish(engine, state, node, info, at, [record, cmd.Say(sp.t(node.thanks))])
            info["phase"] = "comment"
            state = state.evolve(survey=info)
            state, asked = _ask(state, node, sp.t(node.comment), sp, free=True)
            return state, [record, *asked]
        case "comment":
            out: list[cmd.Command] = []
            if said:
                # Transcripts reach the engine redacted; redacting again costs nothing and keeps
                # the stored comment safe whatever path the words came by.
                comment = redact(said)[: node.comment_max].strip()
                if comment:
                    info["comment"] = comment
                    out.append(_record(state, info))
            return _finish(engine, state, node, info, at, [*out, cmd.Say(sp.t(node.thanks))])
    return _finish(engine, state, node, info, at, [])
