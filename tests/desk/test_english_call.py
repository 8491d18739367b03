"""A whole call in English through Twilio's webhooks: the choice at the first menu, the menu and a
knowledge-base answer in English (the answer itself in French, after a notice), then a person who
speaks English; the TwiML's languages and voices checked at every step."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from callcenter.store.users import add_user
from callcenter.web import keys
from tests.centre import _HASH, Centre

EN = ("en-GB", "Polly.Amy")
FR = ("fr-FR", "Polly.Lea")


def spoken(twiml: str) -> list[tuple[str, str, str]]:
    """Every <Say> in order, inside a <Gather> or not: (language, voice, text)."""
    return [(el.get("language", ""), el.get("voice", ""), el.text or "") for el in ET.fromstring(twiml).iter("Say")]


def gather_language(twiml: str) -> tuple[str | None, str | None]:
    gather = ET.fromstring(twiml).find("Gather")
    assert gather is not None, twiml
    return gather.get("language"), gather.get("input")


async def test_a_whole_call_in_english(centre: Centre) -> None:
    db = centre.client.app[keys.DATABASE]
    emma = await add_user(db, username="emma", password_hash=_HASH, role="agent", now=centre.clock(),
                          skills={"general": 1}, languages=["en"], phone="client:emma")
    # Two agents free: Bob, free for longer, speaks only French; Emma speaks English.
    await centre.dispatcher.set_state(centre.agents["bob"], "available")
    centre.clock.advance(30)
    await centre.dispatcher.set_state(emma.id, "available")
    call = centre.caller()

    # The French welcome, then the offer in English inside the first question, then its French prompt.
    first = await call.start()
    says = spoken(first)
    assert says[0][:2] == FR and says[0][2].startswith("Bonjour")
    assert says[1] == (*EN, "For English, press 9.")
    assert says[2][:2] == FR and "objet de votre appel" in says[2][2]
    assert gather_language(first) == ("fr-FR", "dtmf speech")

    # 9: the same question, now in English, and Twilio listens for English.
    menu = await call.gather(1, Digits="9")
    assert spoken(menu) == [(*EN, spoken(menu)[0][2])]
    assert spoken(menu)[0][2].startswith("Tell us in a few words why you are calling.")
    assert gather_language(menu) == ("en-GB", "dtmf speech")

    # A question: the entry has no English text, so a notice in English, the answer in French, the
    # choices in English.
    answer = await call.gather(2, SpeechResult="I lost my carte vitale", Confidence="0.91")
    says = spoken(answer)
    assert says[0] == (*EN, "This answer is only available in French.")
    assert says[1][:2] == FR and "carte vitale" in says[1][2]
    assert says[2][:2] == EN and "To hear it again, press 1." in says[2][2]
    assert gather_language(answer) == ("en-GB", "dtmf speech")

    # 0: a person. Said in English; the hold music's wait URL carries the language.
    transfer = await call.gather(3, Digits="0")
    assert spoken(transfer) == [(*EN, "I am putting you through to an adviser. Please hold.")]
    conference = ET.fromstring(transfer).find("Dial/Conference")
    assert conference is not None and conference.get("waitUrl", "").endswith("&lang=en")
    await centre.join_conference(call)

    # The desk keeps the language and routing offers the caller to Emma, who speaks it, although
    # Bob has been free for longer.
    entry = await centre.entry(call.call_sid)
    assert entry.language == "en"
    assert entry.offered_to == emma.id
    snapshot = await centre.desk.snapshot()
    assert [w["language"] for w in snapshot["waiting"]] == ["en"]
    async with centre.desk.db.sessions() as session:
        from callcenter.desk import queue_store as qs
        reasons = [d.reason for d in await qs.decisions(session, call.call_sid)]
    assert any("parle la langue de l'appelant (en)" in r for r in reasons), reasons

    # What the caller hears while waiting, in English.
    hold = await call.post(f"/twilio/hold?call={call.call_sid}&lang=en", call.params(QueuePosition="1"))
    assert hold.status == 200
    assert all(s[:2] == EN for s in spoken(await hold.text()))
    assert "Thank you for waiting" in " ".join(s[2] for s in spoken(await hold.text()))

    # Emma takes the call, then puts the caller on hold: the music's URL names the language too.
    await centre.dispatcher.accept(emma.id, call.call_sid)
    await centre.settle()
    await centre.dispatcher.hold(emma.id, call.call_sid, True)
    await centre.settle()
    held = next(p for c in centre.fake.conferences.values() for p in c.participants.values()
                if p.call_sid == call.call_sid)
    assert held.hold and held.hold_url == f"{centre.public}/twilio/hold-music?lang=en"
    music = await call.post("/twilio/hold-music?lang=en", call.params())
    assert [s[:2] for s in spoken(await music.text())] == [EN]
