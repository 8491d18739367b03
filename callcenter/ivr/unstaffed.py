"""When nobody can take the caller: the queue is closed, or open with nobody on duty. Pure.

The engine asks here at the one place every way to a person goes through (its transfer). Instead
of a promise nobody can keep ("je vous mets en relation..."), the caller hears plainly that nobody
can answer, when we open next and our hours, and is offered a callback when their number allows
it. A caller in danger hears the emergency numbers that fit first, and again before any goodbye.

- Closed: nothing is queued. Key 1 asks for a callback after the reopening; silence or another
  key repeats the message once, then says goodbye.
- Open, nobody on duty: key 1 asks for a callback; otherwise the caller stays in the queue (an
  agent may log in), told that nobody can say when someone will be free.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from callcenter.flows import model as flow_model
from callcenter.hours import OpenStatus, spoken_moment, spoken_week, status
from callcenter.ivr import commands as cmd
from callcenter.ivr.events import DigitsReceived, NoInput, SpeechReceived
from callcenter.ivr.matching import normalise
from callcenter.ivr.speaking import Speaker
from callcenter.ivr.state import CallState, Utterance
from callcenter.ivr.wording import can_call_back
from callcenter.ivr.wording_en import CLOSED_NO_HOURS

if TYPE_CHECKING:
    from callcenter.ivr.engine import IvrEngine, Step

CLOSED = {
    "hours": "Notre service est fermé en ce moment.",
    "holiday": "Notre service est fermé aujourd'hui, jour férié.",
    "closure": "Notre service est exceptionnellement fermé aujourd'hui.",
}
NOBODY = "Aucun conseiller n'est disponible pour le moment."
NEXT_OPENING = "Nos conseillers vous répondront {moment}."
NO_NEXT_OPENING = "Nous ne pouvons pas encore vous dire quand il rouvrira."
HOURS = "Nos horaires : {week}."
OFFER_CLOSED = "Pour être rappelé à ce numéro après la réouverture, tapez 1."
OFFER_NOBODY = ("Pour être rappelé à ce numéro, tapez 1. Vous pouvez aussi rester en ligne, mais nous "
                "ne savons pas quand un conseiller sera libre.")
STAY_NOBODY = "Vous pouvez rester en ligne, mais nous ne savons pas quand un conseiller sera libre."
TAKEN_CLOSED = "C'est noté. Un conseiller vous rappellera à ce numéro à partir de {moment}."
TAKEN_CLOSED_SOMETIME = "C'est noté. Un conseiller vous rappellera à ce numéro dès la réouverture."
GOODBYE = "Merci de votre appel. Au revoir."
YES_WORDS = ("oui", "un", "1", "rappel", "rappelez moi", "rappeler", "d accord", "yes", "one")
OFFER_TIMEOUT = 8


def _nobody_on_duty(state: CallState, queue: str, at: str) -> bool:
    # Only a count taken for this queue at this very step counts: the service observes it just
    # before the event that transfers; an older count may no longer be true.
    seen = state.on_duty
    return seen is not None and seen.get("queue") == queue and seen.get("at") == at and seen.get("agents") == 0


def _numbers(engine: IvrEngine, state: CallState) -> list[tuple[str, str]]:
    triage = state.triage or {}
    if not triage.get("urgent") or engine.triage is None:
        return []
    return [(n, engine.triage.emergency_label(n)) for n in triage.get("emergency_numbers", ())]


def _promises(engine: IvrEngine, speaker: Speaker, numbers: list[tuple[str, str]]) -> set[cmd.Command]:
    """What was about to be said on the way to a person and would now be untrue."""
    settings = engine.flow.settings
    said: set[cmd.Command] = {cmd.Say(speaker.t(settings.reassurance)), cmd.Say(speaker.t(settings.apology))}
    if numbers:
        said.add(cmd.Say(speaker.urgent_message(numbers)))
    return said


def _closed_text(found: OpenStatus, week: str | None, now: datetime, speaker: Speaker) -> str:
    if speaker.foreign:
        # Spoken times and hours exist in French only: the caller is asked to call back then.
        return speaker.join(CLOSED.get(found.why, CLOSED["hours"]), CLOSED_NO_HOURS)
    parts = [CLOSED.get(found.why, CLOSED["hours"])]
    if found.next_opening is not None:
        parts.append(NEXT_OPENING.format(moment=spoken_moment(found.next_opening, now)))
    else:
        parts.append(NO_NEXT_OPENING)
    if week:
        parts.append(HOURS.format(week=week))
    return " ".join(parts)


def divert(engine: IvrEngine, state: CallState, node: flow_model.Transfer, at: str,
           out: list[cmd.Command], reason: str, skill: str | None) -> Step | None:
    """The caller's way when nobody can take them at ``node``'s queue; ``None``: transfer as usual."""
    now = datetime.fromisoformat(at)
    found = None if engine.hours is None else status(engine.hours, node.queue, now)
    closed = found is not None and not found.open
    if not closed and not _nobody_on_duty(state, node.queue, at):
        return None
    numbers = _numbers(engine, state)
    speaker = engine.speaker(state)
    promises = _promises(engine, speaker, numbers)
    lead: list[cmd.Command] = [cmd.Say(speaker.emergency_message(numbers))] if numbers else []
    lead += [c for c in out if c not in promises]
    hours = engine.hours.hours_of(node.queue) if engine.hours is not None else None
    week = spoken_week(hours) if hours is not None else None
    triage = state.triage or {}
    record: dict[str, Any] = {
        "why": "closed" if closed else "nobody", "queue": node.queue, "skill": skill or node.skill,
        "priority": node.priority, "reason": reason, "at": at, "urgent_told": bool(numbers), "tries": 0,
        "tier": "urgent" if triage.get("urgent") else "fragile" if triage.get("fragile") else "normal",
        "reasons": [str(r["id"]) for r in triage.get("reasons", ())],
        "closed": found.why if closed and found is not None else None,
        "next_opening": found.next_opening.isoformat() if closed and found and found.next_opening else None,
    }
    path = state.path if state.path[-1:] == (node.id,) else (*state.path, node.id)
    state = state.evolve(node=node.id, path=path, unstaffed=record)
    if not closed:
        text = " ".join([NOBODY, *([HOURS.format(week=week)] if week else [])])
        if speaker.foreign:
            text = speaker.t(NOBODY)
        moved, transfer = engine._transfer(state, node, at, [], reason, skill, checked=True)
        if not can_call_back(state.caller):
            return moved, [*lead, cmd.Say(f"{text} {speaker.t(STAY_NOBODY)}"), *transfer]
        turn = moved.turn + 1
        offer = cmd.Gather(node="callback", turn=turn, prompt=f"{text} {speaker.t(OFFER_NOBODY)}", modes=("dtmf",),
                           timeout=OFFER_TIMEOUT, max_digits=1, finish_on_key="", fall_through=True)
        return moved.evolve(turn=turn, callback_offer_turn=turn), [*lead, offer, *transfer]
    assert found is not None
    text = _closed_text(found, week, now, speaker)
    if not can_call_back(state.caller):
        return _goodbye(state, at, [*lead, cmd.Say(text)], numbers, "closed", speaker=speaker)
    return _offer(state, lead, text, speaker)


def _offer(state: CallState, lead: list[cmd.Command], text: str, speaker: Speaker) -> Step:
    turn = state.turn + 1
    offer = cmd.Gather(node="closed", turn=turn, prompt=f"{text} {speaker.t(OFFER_CLOSED)}", modes=("dtmf",),
                       timeout=OFFER_TIMEOUT, max_digits=1, finish_on_key="")
    return state.evolve(turn=turn), [*lead, offer]


def reminder(engine: IvrEngine, state: CallState) -> list[cmd.Command]:
    """The emergency numbers again, for a caller in danger about to be let go without a person."""
    numbers = _numbers(engine, state)
    return [cmd.Say(engine.speaker(state).emergency_reminder(numbers))] if numbers else []


def _goodbye(state: CallState, at: str, out: list[cmd.Command], numbers: list[tuple[str, str]],
             end: str, last: str = GOODBYE, *, speaker: Speaker) -> Step:
    reminder = [cmd.Say(speaker.emergency_reminder(numbers))] if numbers else []
    ended = state.evolve(status="ended", ended_at=at, end_status=end)
    return ended, [*out, *reminder, cmd.Say(speaker.t(last)), cmd.Hangup()]


def answer(engine: IvrEngine, state: CallState, event: DigitsReceived | NoInput | SpeechReceived,
           now: datetime) -> Step:
    """The caller's answer to the offer made while the queue is closed."""
    info = dict(state.unstaffed or {})
    at = now.isoformat()
    lead: list[cmd.Command] = []
    wants = isinstance(event, DigitsReceived) and event.digits == "1"
    if isinstance(event, SpeechReceived):
        heard = Utterance(text=event.text, node="closed", at=at, confidence=event.confidence)
        state = engine._assess(state.evolve(utterances=(*state.utterances, heard)), now)
        wants = normalise(event.text) in YES_WORDS
    numbers = _numbers(engine, state)
    speaker = engine.speaker(state)
    if numbers and not info.get("urgent_told"):
        # What the caller just said shows danger: the numbers first, whatever comes next.
        lead.append(cmd.Say(speaker.emergency_message(numbers)))
        info["urgent_told"] = True
        wants = False
    state = state.evolve(unstaffed=info)
    opening = info.get("next_opening")
    if wants:
        triage = state.triage or {}
        from callcenter.ivr import callback
        request = cmd.RequestCallback(
            to="", queue=info["queue"], skill=info["skill"], priority=int(info["priority"]),
            tier="urgent" if triage.get("urgent") else "fragile" if triage.get("fragile") else "normal",
            reasons=tuple(str(r["id"]) for r in triage.get("reasons", ())), after=opening)
        # Which number and when: the callback dialogue (callcenter.ivr.callback).
        return callback.start(engine, state, now, "closed", request, lead)
    if info.get("tries", 0) >= 1 and not lead:
        return _goodbye(state, at, lead, numbers, "closed", speaker=speaker)
    info["tries"] = info.get("tries", 0) + 1
    hours = engine.hours.hours_of(info["queue"]) if engine.hours is not None else None
    found = OpenStatus(False, datetime.fromisoformat(opening) if opening else None, info.get("closed") or "hours")
    text = _closed_text(found, spoken_week(hours) if hours is not None else None, now, speaker)
    return _offer(state.evolve(unstaffed=info), lead, text, speaker)
