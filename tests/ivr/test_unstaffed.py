"""The engine when nobody can take the caller: the queue is closed (opening hours), or open with
nobody on duty (the desk's count, an OnDuty event). Urgent callers hear the emergency numbers first."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from callcenter.config import PROJECT_ROOT
from callcenter.flows import load_flow
from callcenter.hours import load_hours
from callcenter.ivr import (
    CallStarted,
    CallState,
    DigitsReceived,
    Event,
    Failure,
    IvrEngine,
    NoInput,
    OnDuty,
    SpeechReceived,
    WaitEstimated,
    replay,
)
from callcenter.ivr import commands as cmd
from callcenter.triage import TriageRules, load_rules

SATURDAY = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)       # 10:00 in Paris: closed until Monday 8:30
THURSDAY = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)       # 10:00 in Paris: open
CHRISTMAS = datetime(2026, 12, 25, 9, 0, tzinfo=UTC)
CALLER = CallStarted("+33612345678", "+33900000000")
HIDDEN = CallStarted("anonymous", "+33900000000")
TO_CAF = [DigitsReceived("1"), DigitsReceived("1"), DigitsReceived("1234567")]
DANGER = SpeechReceived("j'en peux plus je veux en finir avec la vie", 0.8)
WEEK = ("Nos horaires : du lundi au vendredi, de 8 heures 30 à midi et de 13 heures 30 à 16 heures 30.")


@pytest.fixture(scope="module")
def rules() -> TriageRules:
    return load_rules()


@pytest.fixture(scope="module")
def engine(rules: TriageRules) -> IvrEngine:
    return IvrEngine(load_flow(PROJECT_ROOT / "ivr_flows" / "main.yaml"), None, rules,
                     load_hours(PROJECT_ROOT / "ivr_flows" / "hours.yaml"))


Step = tuple[Event, datetime]


def timed(events: list[Event], start: datetime) -> list[Step]:
    return [(e, start + timedelta(seconds=i)) for i, e in enumerate(events)]


def play(engine: IvrEngine, steps: list[Step]) -> tuple[CallState, list[cmd.Command]]:
    state, out = engine.new_call("CA" + "1" * 32), []
    for event, at in steps:
        state, out = engine.step(state, event, at)
    return state, out


def said(commands: list[cmd.Command]) -> list[str]:
    return [c.text if isinstance(c, cmd.Say) else c.prompt if isinstance(c, cmd.Gather) else c.kind
            for c in commands]


def test_closed_queue_says_so_when_it_opens_and_offers_a_callback(engine: IvrEngine) -> None:
    state, out = play(engine, timed([CALLER, *TO_CAF], SATURDAY))
    assert [c.kind for c in out] == ["gather"]
    offer = out[0]
    assert isinstance(offer, cmd.Gather) and offer.node == "closed" and offer.modes == ("dtmf",)
    assert offer.prompt == ("Notre service est fermé en ce moment. Nos conseillers vous répondront lundi à "
                            f"8 heures 30. {WEEK} Pour être rappelé à ce numéro après la réouverture, tapez 1.")
    assert state.status == "in_ivr" and state.transfer is None and state.node == "caf"
    assert state.unstaffed is not None and state.unstaffed["why"] == "closed"
    assert state.unstaffed["next_opening"] == "2026-11-30T08:30:00+01:00"


def test_the_callback_is_taken_for_after_the_reopening(engine: IvrEngine) -> None:
    state, out = play(engine, timed([CALLER, *TO_CAF, DigitsReceived("1")], SATURDAY))
    assert said(out) == ["Nous vous rappellerons au 06 12 34 56 78. Tapez 1 pour confirmer, ou tapez un autre "
                         "numéro de téléphone, suivi de la touche dièse."]
    state, out = play(engine, timed([CALLER, *TO_CAF, DigitsReceived("1"), DigitsReceived("1")], SATURDAY))
    assert out[0] == cmd.CallbackNumber("+33612345678")
    assert said(out[1:]) == ["Nous vous rappellerons au numéro finissant par 7 8. Pour être rappelé dès la "
                         "réouverture, lundi à 8 heures 30, tapez 1. Pour être rappelé lundi à 13 heures 30, "
                         "tapez 2. Pour être rappelé mardi à 8 heures 30, tapez 3."]
    state, out = play(engine, timed([CALLER, *TO_CAF, DigitsReceived("1"), DigitsReceived("1"),
                                     DigitsReceived("1")], SATURDAY))
    callback = out[0]
    assert callback == cmd.RequestCallback(to="+33612345678", queue="caf", skill="caf", priority=0,
                                           tier="normal", reasons=(), after="2026-11-30T08:30:00+01:00")
    assert said(out[1:]) == ["C'est noté. Un conseiller vous rappellera dès la réouverture, lundi à "
                             "8 heures 30.", "Au revoir.", "hangup"]
    assert (state.status, state.end_status, state.callback_requested) == ("ended", "callback", True)


def test_a_slot_and_another_number_can_be_chosen(engine: IvrEngine) -> None:
    steps = timed([CALLER, *TO_CAF, DigitsReceived("1"), DigitsReceived("0712345699"), DigitsReceived("2")],
                  SATURDAY)
    state, out = play(engine, steps)
    assert out[0] == cmd.RequestCallback(to="", queue="caf", skill="caf", priority=0, tier="normal", reasons=(),
                                         after="2026-11-30T08:30:00+01:00", due="2026-11-30T13:30:00+01:00")
    assert said(out[1:])[0] == "C'est noté. Un conseiller vous rappellera lundi à 13 heures 30."
    # The number keyed reached a CallbackNumber command; the state keeps only its last digits,
    # the log a masked form, and the log still replays to the same state.
    _, keyed = play(engine, steps[:-1])
    assert keyed[0] == cmd.CallbackNumber("+33712345699")
    assert "0712345699" not in str(state.to_dict()) and state.callback_dialog["last"] == "9 9"
    logged = [(engine.loggable(play(engine, steps[:i])[0], e), at) for i, (e, at) in enumerate(steps)]
    assert "0712345699" not in str(logged)
    assert replay(engine, state.call_sid, logged) == state


@pytest.mark.parametrize(("keys", "heard"), [
    (["123", "0812345678"], "Nous n'avons pas pu noter de numéro pour vous rappeler."),
    (["", ""], "Nous n'avons pas pu noter de numéro pour vous rappeler."),
], ids=["invalid twice", "silent twice"])
def test_no_valid_number_twice_is_goodbye_when_closed(engine: IvrEngine, keys: list[str], heard: str) -> None:
    events: list[Event] = [DigitsReceived(k) if k else NoInput() for k in keys]
    state, out = play(engine, timed([HIDDEN, *TO_CAF], SATURDAY))
    assert out[-1].kind == "hangup"   # a hidden number is never offered a callback
    state, out = play(engine, timed([CALLER, *TO_CAF, DigitsReceived("1"), events[0]], SATURDAY))
    assert said(out)[0].startswith(("Ce numéro n'est pas valide.", "Je n'ai pas compris."))
    state, out = play(engine, timed([CALLER, *TO_CAF, DigitsReceived("1"), *events], SATURDAY))
    assert said(out) == [heard, "Au revoir.", "hangup"] and state.end_status == "closed"


def test_no_choice_of_time_means_as_soon_as_possible(engine: IvrEngine) -> None:
    state, out = play(engine, timed([CALLER, *TO_CAF, DigitsReceived("1"), DigitsReceived("1"), NoInput(),
                                     DigitsReceived("9")], SATURDAY))
    assert isinstance(out[0], cmd.RequestCallback) and out[0].due is None and state.end_status == "callback"


def test_silence_repeats_once_then_goodbye(engine: IvrEngine) -> None:
    state, out = play(engine, timed([CALLER, *TO_CAF, NoInput()], SATURDAY))
    assert [c.kind for c in out] == ["gather"] and "lundi à 8 heures 30" in said(out)[0]
    state, out = engine.step(state, DigitsReceived("7"), SATURDAY + timedelta(minutes=1))
    assert said(out) == ["Merci de votre appel. Au revoir.", "hangup"]
    assert (state.status, state.end_status) == ("ended", "closed")


def test_a_hidden_number_hears_the_hours_and_goodbye(engine: IvrEngine) -> None:
    state, out = play(engine, timed([HIDDEN, *TO_CAF], SATURDAY))
    assert said(out) == ["Notre service est fermé en ce moment. Nos conseillers vous répondront lundi à "
                         f"8 heures 30. {WEEK}", "Merci de votre appel. Au revoir.", "hangup"]
    assert state.end_status == "closed"


def test_a_holiday_is_named(engine: IvrEngine) -> None:
    _, out = play(engine, timed([CALLER, DigitsReceived("0")], CHRISTMAS))
    assert said(out)[0].startswith("Notre service est fermé aujourd'hui, jour férié. Nos conseillers vous "
                                   "répondront lundi à 8 heures 30.")   # Friday 25 December 2026


def test_urgent_caller_outside_hours_hears_the_emergency_numbers_first(engine: IvrEngine) -> None:
    state, out = play(engine, timed([CALLER, DANGER], SATURDAY))
    first = said(out)[0]
    assert first.startswith("Votre sécurité passe avant tout. Si vous êtes en danger, appelez")
    assert "31 14" in first and "Je vous passe" not in first      # no person promised
    assert isinstance(out[1], cmd.Gather) and out[1].prompt.startswith("Notre service est fermé")
    assert state.unstaffed is not None and state.unstaffed["queue"] == "urgences"
    # Whatever they do next, the numbers come again before any goodbye.
    gone, bye = engine.step(*engine.step(state, NoInput(), SATURDAY + timedelta(seconds=9))[:1],
                            NoInput(), SATURDAY + timedelta(seconds=18))
    assert gone.status == "ended" and said(bye)[0].startswith("En cas de danger, appelez") and "31 14" in said(bye)[0]
    assert said(bye)[-2:] == ["Merci de votre appel. Au revoir.", "hangup"]
    taken, out = engine.step(state, DigitsReceived("1"), SATURDAY + timedelta(seconds=9))
    taken, out = engine.step(taken, DigitsReceived("1"), SATURDAY + timedelta(seconds=12))
    taken, out = engine.step(taken, DigitsReceived("1"), SATURDAY + timedelta(seconds=15))
    assert isinstance(out[0], cmd.RequestCallback) and out[0].tier == "urgent" and out[0].queue == "urgences"
    assert [t for t in said(out) if t.startswith("En cas de danger")] and said(out)[-1] == "hangup"


def test_danger_said_at_the_offer_brings_the_numbers(engine: IvrEngine) -> None:
    state, _ = play(engine, timed([CALLER, *TO_CAF], SATURDAY))
    state, out = engine.step(state, DANGER, SATURDAY + timedelta(seconds=10))
    assert said(out)[0].startswith("Votre sécurité passe avant tout.") and "31 14" in said(out)[0]
    assert isinstance(out[1], cmd.Gather) and state.status == "in_ivr"


def test_fragile_or_failing_calls_are_not_promised_a_person(engine: IvrEngine) -> None:
    _, out = play(engine, timed([CALLER, SpeechReceived("on va être expulsés avec mes enfants je sais plus "
                                                         "quoi faire", 0.8)], SATURDAY))
    assert not any("Je vous passe" in t or "mettons en relation" in t for t in said(out))
    _, out = play(engine, timed([CALLER, Failure("boom")], SATURDAY))
    assert not any("en relation" in t for t in said(out)) and said(out)[0].startswith("Notre service est fermé")


def test_nobody_on_duty_offers_a_callback_and_keeps_the_place(engine: IvrEngine) -> None:
    steps = timed([CALLER, DigitsReceived("1"), DigitsReceived("1")], THURSDAY)
    at = THURSDAY + timedelta(seconds=10)
    state, out = play(engine, [*steps, (OnDuty("caf", 0), at), (DigitsReceived("1234567"), at)])
    assert [c.kind for c in out] == ["gather", "transfer"]
    offer, transfer = out
    assert isinstance(offer, cmd.Gather) and offer.fall_through and offer.node == "callback"
    assert offer.prompt == (f"Aucun conseiller n'est disponible pour le moment. {WEEK} Pour être rappelé à ce "
                            "numéro, tapez 1. Vous pouvez aussi rester en ligne, mais nous ne savons pas quand "
                            "un conseiller sera libre.")
    assert isinstance(transfer, cmd.Transfer) and transfer.queue == "caf"
    assert state.status == "transferred" and state.callback_offer_turn == offer.turn
    assert state.unstaffed is not None and state.unstaffed["why"] == "nobody"
    # no second offer from the wait estimate; key 1 is the existing callback
    assert engine.step(state, WaitEstimated(None, 1), at)[1] == []
    done, out = engine.step(state, DigitsReceived("1"), at + timedelta(seconds=5))
    assert [c.kind for c in out] == ["gather"] and "06 12 34 56 78" in said(out)[0]
    done, out = engine.step(done, DigitsReceived("1"), at + timedelta(seconds=9))
    assert "Pour être rappelé aujourd'hui à 13 heures 30, tapez 2." in said(out)[-1]
    done, out = engine.step(done, DigitsReceived("1"), at + timedelta(seconds=12))
    assert out[0] == cmd.RequestCallback(to="+33612345678", queue="caf", skill="caf", priority=0)
    assert done.end_status == "callback"


def test_urgent_caller_with_nobody_on_duty(engine: IvrEngine) -> None:
    at = THURSDAY + timedelta(seconds=5)
    _, out = play(engine, [*timed([CALLER], THURSDAY), (OnDuty("urgences", 0), at), (DANGER, at)])
    assert said(out)[0].startswith("Votre sécurité passe avant tout.") and "Je vous passe" not in said(out)[0]
    assert [c.kind for c in out] == ["say", "gather", "transfer"]
    state, _ = play(engine, [*timed([CALLER], THURSDAY), (OnDuty("urgences", 0), at), (DANGER, at)])
    for seconds in (5, 8, 11):
        state, out = engine.step(state, DigitsReceived("1"), at + timedelta(seconds=seconds))
    assert [c.kind for c in out] == ["request_callback", "say", "say", "say", "hangup"]
    assert said(out)[2].startswith("En cas de danger, appelez") and "31 14" in said(out)[2]


@pytest.mark.parametrize("seen", [OnDuty("caf", 2), OnDuty("impots", 0)], ids=["staffed", "other queue"])
def test_a_staffed_queue_transfers_as_usual(engine: IvrEngine, seen: OnDuty) -> None:
    at = THURSDAY + timedelta(seconds=10)
    state, out = play(engine, [*timed([CALLER, DigitsReceived("1"), DigitsReceived("1")], THURSDAY), (seen, at),
                               (DigitsReceived("1234567"), at)])
    assert said(out) == ["Je vous mets en relation avec un conseiller de la CAF.", "transfer"]
    assert state.unstaffed is None


def test_an_old_count_is_not_trusted(engine: IvrEngine) -> None:
    # Counted for an earlier step: agents may have logged in since, so the caller is transferred.
    steps = timed([CALLER, DigitsReceived("1"), OnDuty("caf", 0), DigitsReceived("1"), DigitsReceived("1234567")],
                  THURSDAY)
    assert said(play(engine, steps)[1])[-1] == "transfer"


def test_without_hours_every_queue_is_open(rules: TriageRules) -> None:
    plain = IvrEngine(load_flow(PROJECT_ROOT / "ivr_flows" / "main.yaml"), None, rules)
    _, out = play(plain, timed([CALLER, *TO_CAF], SATURDAY))
    assert said(out)[-1] == "transfer"


def test_the_log_replays_to_the_same_state(engine: IvrEngine) -> None:
    at = THURSDAY + timedelta(seconds=10)
    steps = [*timed([CALLER, DigitsReceived("1"), DigitsReceived("1")], THURSDAY), (OnDuty("caf", 0), at),
             (DigitsReceived("1234567"), at), (DigitsReceived("2"), at + timedelta(seconds=4))]
    state, _ = play(engine, steps)
    assert replay(engine, state.call_sid, steps) == state
    closed = timed([CALLER, *TO_CAF, NoInput(), DigitsReceived("1")], SATURDAY)
    state, _ = play(engine, closed)
    assert replay(engine, state.call_sid, closed) == state
    assert CallState.from_dict(state.to_dict()) == state
