"""The callback dialogue: which number, and when. Pure, replayable.

Entered when the caller takes a callback (a long wait, nobody on duty, the queue closed). First
the number: the one they call from, said back for them to confirm with 1, or another they key
(a French number, 01 to 07 or 09, ten digits, then #). Then when: « dès que possible » (the
reopening when closed) or one of the next two times the queue opens, said in plain French. Keys
only; silence or a wrong key is asked again once, then the safe default: no number, back where
they were (the queue, or goodbye when closed); no choice of time, as soon as possible.

The number keyed goes out in a ``CallbackNumber`` command to the callback record; the call's log
keeps the keys masked (``loggable``), and the state only its last two digits.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from callcenter.hours import day_hours
from callcenter.ivr import callback_text as text
from callcenter.ivr import commands as cmd
from callcenter.ivr.events import DigitsReceived, NoInput, SpeechReceived
from callcenter.ivr.state import CallState
from callcenter.ivr.wording import can_call_back
from callcenter.privacy import keep_answer

if TYPE_CHECKING:
    from callcenter.ivr.engine import IvrEngine, Step
    from callcenter.ivr.speaking import Speaker

HIDDEN = "Votre numéro est masqué : nous ne pouvons pas vous rappeler. Je vous passe un conseiller."
# The reopening, when the caller chose it: "dès la réouverture, lundi à 8 heures 30".
REOPENING = "dès la réouverture, {moment}"
NUMBER_NODE = "callback_number"
SLOT_NODE = "callback_slot"
TIMEOUT = 6
# Asked again once after silence or a wrong answer, then the safe default.
RETRIES = 1
# A slot is offered only if it starts at least this long from now (ASAP covers what is sooner).
SLOT_MARGIN = timedelta(hours=1)
SLOTS = 2
HORIZON_DAYS = 14


def start(engine: IvrEngine, state: CallState, now: datetime, origin: str, request: cmd.RequestCallback,
          lead: list[cmd.Command]) -> Step:
    """The caller said yes to a callback (``origin``: ``wait``, ``nobody``, ``closed`` or
    ``menu``, a callback node of the flow);
    ``request`` carries the queue, tier and next opening the callback will need."""
    dialog: dict[str, Any] = {
        "origin": origin, "stage": "number", "tries": 0, "own": False, "last": "",
        "queue": request.queue, "skill": request.skill, "priority": request.priority, "tier": request.tier,
        "reasons": list(request.reasons), "after": request.after, "slots": [],
    }
    state = state.evolve(callback_dialog=dialog)
    return _ask_number(state, engine.speaker(state), lead, "")


def _own(state: CallState) -> bool:
    """Whether the number they call from can be offered for confirmation (not hidden)."""
    return can_call_back(state.caller)


def _ask_number(state: CallState, sp: Speaker, lead: list[cmd.Command], before: str) -> Step:
    turn = state.turn + 1
    prompt = sp.t(text.CONFIRM_NUMBER).format(number=text.spoken_number(state.caller)) if _own(state) \
        else sp.t(text.ASK_NUMBER)
    ask = cmd.Gather(node=NUMBER_NODE, turn=turn, prompt=f"{before} {prompt}".strip(), modes=("dtmf",),
                     timeout=TIMEOUT, max_digits=10, finish_on_key="#")
    return state.evolve(turn=turn), [*lead, ask]


def loggable(state: CallState, event: DigitsReceived) -> DigitsReceived:
    """The keys of the number question as the log keeps them: 1 as typed; a number its last two
    digits once valid, empty when refused (so the replay refuses it again)."""
    dialog = state.callback_dialog or {}
    if dialog.get("stage") != "number" or event.redacted or event.digits == "1":
        return event
    number = text.french_number(event.digits)
    return DigitsReceived(keep_answer("masked", number) if number else "", redacted=True)


def _slots(engine: IvrEngine, queue: str | None, now: datetime, closed: bool) -> list[datetime]:
    """The next times the queue opens (its opening hours' ranges), an hour away at least."""
    if engine.hours is None or not queue:
        return []
    hours = engine.hours.hours_of(queue)
    if hours is None:
        return []
    tz = engine.hours.tz
    local = now.astimezone(tz)
    found: list[datetime] = []
    for offset in range(HORIZON_DAYS):
        day = local.date() + timedelta(days=offset)
        for r in day_hours(engine.hours, hours, day).ranges:
            begin = datetime(day.year, day.month, day.day, r.start // 60, r.start % 60, tzinfo=tz)
            if begin - now >= SLOT_MARGIN:
                found.append(begin)
    if closed and found:
        found = found[1:]      # the reopening itself is « dès la réouverture »
    return found[:SLOTS]


def _ask_slot(engine: IvrEngine, state: CallState, now: datetime, before: str) -> Step:
    dialog = dict(state.callback_dialog or {})
    slots = [datetime.fromisoformat(s) for s in dialog["slots"]]
    after = dialog.get("after")
    sp = engine.speaker(state)
    first = (sp.t(text.ASAP_CLOSED).format(moment=sp.moment(datetime.fromisoformat(after), now)) if after
             else sp.t(text.ASAP))
    choices = [first, *(sp.t(text.SLOT).format(moment=sp.moment(s, now), key=i + 2) for i, s in enumerate(slots))]
    turn = state.turn + 1
    ask = cmd.Gather(node=SLOT_NODE, turn=turn, prompt=" ".join([before, *choices]).strip(), modes=("dtmf",),
                     timeout=TIMEOUT, max_digits=1, finish_on_key="")
    return state.evolve(turn=turn), [ask]


def answer(engine: IvrEngine, state: CallState, event: DigitsReceived | NoInput | SpeechReceived,
           now: datetime) -> Step:
    dialog = dict(state.callback_dialog or {})
    if dialog.get("stage") == "number":
        return _number(engine, state, dialog, event, now)
    return _slot(engine, state, dialog, event, now)


def _number(engine: IvrEngine, state: CallState, dialog: dict[str, Any],
            event: DigitsReceived | NoInput | SpeechReceived, now: datetime) -> Step:
    number: str | None = None
    if isinstance(event, DigitsReceived):
        if event.digits == "1" and _own(state):
            number = state.caller
            dialog["own"] = True
        elif event.redacted:
            number = event.digits or None    # checked when the call ran (see loggable)
        else:
            number = text.french_number(event.digits)
    if number is None:
        if dialog["tries"] >= RETRIES:
            return _no_number(engine, state, now)
        dialog["tries"] += 1
        sp = engine.speaker(state)
        said = sp.t(text.BAD_NUMBER if isinstance(event, DigitsReceived) else text.NOT_UNDERSTOOD)
        return _ask_number(state.evolve(callback_dialog=dialog), sp, [], said)
    dialog["last"] = text.last_digits(number)
    slots = _slots(engine, dialog.get("queue"), now, dialog["origin"] == "closed")
    dialog.update(stage="slot", tries=0, slots=[s.isoformat() for s in slots])
    state = state.evolve(callback_dialog=dialog)
    taken = engine.speaker(state).t(text.NUMBER_TAKEN).format(last=dialog["last"])
    keep = [cmd.CallbackNumber(to=number)]
    if not slots:
        done, out = _finish(engine, state, now, None, taken)
        return done, [*keep, *out]
    moved, out = _ask_slot(engine, state, now, taken)
    return moved, [*keep, *out]


def _slot(engine: IvrEngine, state: CallState, dialog: dict[str, Any],
          event: DigitsReceived | NoInput | SpeechReceived, now: datetime) -> Step:
    slots: list[str] = dialog["slots"]
    choice = event.digits if isinstance(event, DigitsReceived) else ""
    if choice == "1":
        return _finish(engine, state, now, None)
    if choice.isdigit() and 2 <= int(choice) < 2 + len(slots):
        return _finish(engine, state, now, slots[int(choice) - 2])
    if dialog["tries"] >= RETRIES:
        return _finish(engine, state, now, None)
    dialog["tries"] += 1
    return _ask_slot(engine, state.evolve(callback_dialog=dialog), now, engine.speaker(state).t(text.NOT_UNDERSTOOD))


def _finish(engine: IvrEngine, state: CallState, now: datetime, slot: str | None, before: str = "") -> Step:
    from callcenter.ivr import unstaffed
    dialog = dict(state.callback_dialog or {})
    request = cmd.RequestCallback(
        to=state.caller if dialog.get("own") else "", queue=dialog.get("queue"), skill=dialog.get("skill"),
        priority=int(dialog.get("priority") or 0), tier=str(dialog.get("tier") or "normal"),
        reasons=tuple(dialog.get("reasons") or ()), after=dialog.get("after"), due=slot)
    sp = engine.speaker(state)
    if slot is not None:
        taken = sp.t(text.TAKEN_SLOT).format(moment=sp.moment(datetime.fromisoformat(slot), now))
    elif dialog.get("after"):
        reopening = sp.t(REOPENING).format(moment=sp.moment(datetime.fromisoformat(dialog["after"]), now))
        taken = sp.t(text.TAKEN_SLOT).format(moment=reopening)
    else:
        taken = sp.t(text.TAKEN_ASAP)
    dialog["stage"] = "done"
    at = now.isoformat()
    done = state.evolve(callback_dialog=dialog, callback_requested=True, status="ended", ended_at=at,
                        end_status="callback")
    said = " ".join(t for t in (before, taken) if t)
    return done, [request, cmd.Say(said), *unstaffed.reminder(engine, state), cmd.Say(sp.t(text.GOODBYE)),
                  cmd.Hangup()]


def _no_number(engine: IvrEngine, state: CallState, now: datetime) -> Step:
    """No number to call back: where they were (the queue), or goodbye when closed."""
    from callcenter.ivr import unstaffed
    dialog = dict(state.callback_dialog or {})
    dialog["stage"] = "abandoned"
    state = state.evolve(callback_dialog=None)
    sp = engine.speaker(state)
    no_number = cmd.Say(sp.t(text.NO_NUMBER))
    if dialog["origin"] == "menu":
        # Chosen from the flow, the queue open: a person rather than nothing.
        return engine._enter(state, engine.flow.settings.human, now.isoformat(), [no_number],
                             reason="callback_no_number")
    if dialog["origin"] == "closed" or state.transfer is None:
        at = now.isoformat()
        ended = state.evolve(status="ended", ended_at=at, end_status="closed")
        return ended, [no_number, *unstaffed.reminder(engine, state), cmd.Say(sp.t(text.GOODBYE)), cmd.Hangup()]
    return state, [no_number, engine._transfer_again(state)]
