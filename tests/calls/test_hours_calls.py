"""Whole simulated calls through the webhooks: outside opening hours, nobody on duty, a caller in
danger outside hours, and honest wait announcements (with and without agents and handle times)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select

from callcenter.ivr import CallState, event_from_dict, replay
from callcenter.store.models import QueueEntry, RoutingDecision
from callcenter.web import keys
from tests.calls.test_answers_and_triage import _busy_caf_desk, _to_caf, said, state_of, verbs
from tests.centre import Centre
from tests.conftest import TwilioCall

SATURDAY = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)      # 10:00 in Paris; the bundled hours: closed


async def hold(call: TwilioCall) -> str:
    resp = await call.post(f"/twilio/hold?call={call.call_sid}", call.params())
    assert resp.status == 200
    return str(await resp.text())


async def log_kinds(centre: Centre, call: TwilioCall) -> list[tuple[str, str]]:
    return [(r.entry, r.kind) for r in await centre.client.app[keys.DATABASE].call_log(call.call_sid)]


async def test_outside_hours_the_caller_hears_when_we_open_and_may_be_called_back(centre: Centre) -> None:
    centre.clock.now = SATURDAY
    await centre.dispatcher.set_state(centre.agents["alice"], "available")   # someone staying late changes nothing
    call = centre.caller()
    twiml = await _to_caf(call)
    assert verbs(twiml) == ["Gather", "Redirect"] and "<Dial" not in twiml
    assert "Notre service est fermé en ce moment" in said(twiml)
    assert "Nos conseillers vous répondront lundi à 8 heures 30" in said(twiml)
    assert "du lundi au vendredi, de 8 heures 30 à midi" in said(twiml)
    assert "Je vous mets en relation" not in said(twiml)
    await call.gather(4, Digits="1")                            # the number they call from
    await call.gather(5, Digits="1")                            # as soon as we open
    taken = await call.gather(6, Digits="1")
    assert verbs(taken) == ["Say", "Say", "Hangup"] and "dès la réouverture, lundi à 8 heures 30" in said(taken)
    entry = await centre.entry(call.call_sid)
    assert (entry.status, entry.queue, entry.skill) == ("callback", "caf", "caf")
    board = await centre.desk.snapshot()
    assert [c["call_sid"] for c in board["callbacks"]] == [call.call_sid] and board["waiting"] == []
    async with centre.desk.db.sessions() as session:
        reasons = list(await session.scalars(select(RoutingDecision.reason)
                                             .where(RoutingDecision.call_sid == call.call_sid)))
    assert reasons == ["rappel demandé par l'appelant, file caf fermée ou sans agent, "
                       "pas avant 2026-11-30T08:30:00+01:00"]
    kinds = await log_kinds(centre, call)
    assert ("command", "request_callback") in kinds and ("command", "transfer") not in kinds
    assert (await state_of(centre, call))["end_status"] == "callback"


async def test_outside_hours_a_silent_caller_hears_it_twice_then_goodbye(centre: Centre) -> None:
    centre.clock.now = SATURDAY
    call = centre.caller()
    await _to_caf(call)
    again = await call.gather(4)                               # silence: the message once more
    assert "lundi à 8 heures 30" in said(again) and verbs(again) == ["Gather", "Redirect"]
    bye = await call.gather(5)
    assert verbs(bye) == ["Say", "Hangup"] and "Au revoir" in said(bye)
    assert await centre.entry(call.call_sid) is None           # nobody to call back: nothing queued


async def test_an_urgent_caller_outside_hours_hears_the_emergency_numbers_first(centre: Centre) -> None:
    centre.clock.now = SATURDAY
    call = centre.caller()
    await call.start()
    twiml = await call.gather(1, SpeechResult="j'en peux plus je veux en finir avec la vie", Confidence="0.8")
    root = ET.fromstring(twiml)
    first = root[0]
    assert first.tag == "Say" and (first.text or "").startswith("Votre sécurité passe avant tout.")
    assert "31 14" in (first.text or "") and "prévention du suicide" in (first.text or "")
    assert "Je vous passe" not in said(twiml) and "Notre service est fermé" in said(twiml)
    await call.gather(2)
    bye = await call.gather(3)
    texts = [el.text or "" for el in ET.fromstring(bye).iter("Say")]
    assert texts[0].startswith("En cas de danger, appelez") and "31 14" in texts[0]
    assert verbs(bye)[-1] == "Hangup"


async def test_nobody_on_duty_the_caller_is_told_and_keeps_a_place(centre: Centre) -> None:
    call = centre.caller()                                     # Thursday 10:00, nobody logged in
    twiml = await _to_caf(call)
    assert verbs(twiml) == ["Gather", "Dial"]
    assert "Aucun conseiller n'est disponible pour le moment" in said(twiml) and "tapez 1" in said(twiml)
    assert "nous ne savons pas quand un conseiller sera libre" in said(twiml)
    assert "minutes" not in said(twiml)
    waiting = await hold(call)
    assert "position 1" in said(waiting) and "minutes" not in said(waiting)
    assert "Aucun conseiller n'est disponible" in said(waiting)
    kinds = await log_kinds(centre, call)
    # The count is logged before the keys that made the transfer, so the log replays to the state.
    seen = kinds.index(("event", "on_duty"))
    assert kinds[seen + 1] == ("event", "digits")
    db = centre.client.app[keys.DATABASE]
    row = await db.get_call(call.call_sid)
    engine = await centre.client.app[keys.SERVICE].engine_for(row.flow_id, row.flow_version)
    events = [(event_from_dict(r.payload), r.at) for r in await db.call_log(call.call_sid) if r.entry == "event"]
    assert replay(engine, call.call_sid, events) == CallState.from_dict(row.state)
    await call.gather(4, Digits="1")
    await call.gather(5, Digits="1")
    taken = await call.gather(6, Digits="1")
    assert "rappellera" in said(taken)
    assert (await centre.entry(call.call_sid)).status == "callback"


async def test_an_agent_logging_in_changes_what_the_next_caller_hears(centre: Centre) -> None:
    await _to_caf(centre.caller())
    await centre.dispatcher.set_state(centre.agents["bob"], "available")
    second = centre.caller()
    twiml = await _to_caf(second)
    assert "Je vous mets en relation avec un conseiller de la CAF" in said(twiml)
    assert "Aucun conseiller" not in said(twiml)


async def test_agents_on_duty_but_no_recent_handle_time_position_only(centre: Centre) -> None:
    await centre.connected("alice")                            # busy, and no call handled yet today
    call = centre.caller()
    twiml = await _to_caf(call)
    assert verbs(twiml) == ["Say", "Dial"] and "rappelé" not in said(twiml)
    waiting = await hold(call)
    assert "position 1" in said(waiting) and "minutes" not in said(waiting)
    assert "un conseiller va vous répondre" in said(waiting)
    log = await centre.client.app[keys.DATABASE].call_log(call.call_sid)
    estimate = next(r.payload for r in log if r.kind == "wait_estimated")
    assert estimate["seconds"] is None and estimate["position"] == 1


async def test_agents_on_duty_and_recent_handle_times_give_minutes(centre: Centre) -> None:
    await _busy_caf_desk(centre, 240)                          # mean handle time 240 s, one agent, busy
    call = centre.caller()
    await _to_caf(call)
    assert "environ 4 minutes" in said(await hold(call))
    centre.clock.advance(5)
    second = centre.caller()
    await _to_caf(second)
    assert "position 2" in said(await hold(second)) and "environ 8 minutes" in said(await hold(second))


async def test_handle_times_older_than_the_window_are_not_used(centre: Centre) -> None:
    await centre.handled("alice", 300)
    centre.clock.now = datetime(2026, 11, 26, 13, 0, tzinfo=UTC)   # 14:00 in Paris: 4 hours on, the window is 2
    await centre.dispatcher.tick()
    await centre.connected("alice")
    call = centre.caller()
    await _to_caf(call)
    assert "minutes" not in said(await hold(call))


async def test_a_broken_hours_edit_is_refused_and_the_previous_hours_stay(centre: Centre, flows_dir: Path) -> None:
    cores = centre.client.app[keys.CORES]
    before = cores.hours
    path = flows_dir / "hours.yaml"
    good = path.read_text(encoding="utf-8")
    path.write_text(good.replace("monday-friday: 8:30-12:00 13:30-16:30", "monday-friday: 8:30-12:00 11:30-16:30",
                                 1), encoding="utf-8")
    cores.reload_changed()
    assert cores.hours is before
    # The fault is in the anchor (line 20) that every queue but two shares: one line per queue.
    assert cores.problems["hours"][0] == (f"{path}:20: queue 'default': monday-friday: 8:30-12:00 and "
                                          "11:30-16:30 overlap")
    assert {p.split(": ")[0] for p in cores.problems["hours"]} == {f"{path}:20"}
    health = await (await centre.client.get("/healthz")).json()
    # Still serving on the previous hours, but said: degraded, with the file's faults as reasons.
    assert health["problems"]["hours"] and health["status"] == "degraded" and "hours" in health["degraded"]
    assert any(r.startswith("hours file refused") for r in health["reasons"])
    assert "caf" in health["hours"]["queues"] and health["hours"]["default"] is True
    # A valid edit opens on Saturday mornings: the next Saturday caller is put through.
    path.write_text(good.replace("  default:", "  default:\n    week: {monday-saturday: 9:00-12:00}\n  old_default:")
                    .replace("  caf:\n    week: *office", "  caf:\n    week: {monday-saturday: 9:00-12:00}"),
                    encoding="utf-8")
    cores.reload_changed()
    assert cores.problems["hours"] == [] and cores.hours is not before
    centre.clock.now = SATURDAY
    await centre.dispatcher.set_state(centre.agents["alice"], "available")
    twiml = await _to_caf(centre.caller())
    assert "Je vous mets en relation avec un conseiller de la CAF" in said(twiml)


async def test_the_callback_entry_keeps_the_tier_of_a_fragile_caller(centre: Centre) -> None:
    centre.clock.now = SATURDAY
    call = centre.caller()
    await call.start()
    await call.gather(1, SpeechResult="on a reçu un commandement de payer pour les loyers en retard "
                         "je sais plus quoi faire",
                      Confidence="0.8")
    await call.gather(2, Digits="1")
    await call.gather(3, Digits="1")
    await call.gather(4, Digits="1")
    async with centre.desk.db.sessions() as session:
        entry = await session.get(QueueEntry, call.call_sid)
    assert entry.status == "callback" and entry.tier == "fragile" and entry.priority == 50
    assert "logement" in entry.reasons["ids"]
