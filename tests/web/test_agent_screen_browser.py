"""The agent screen in headless Chromium: an offer appears, accept, the transcript updates live."""

from __future__ import annotations

import functools
from pathlib import Path

import pytest

from callcenter.ivr import SpeechReceived
from tests.centre import Centre
from tests.web.cdp import Chromium, chromium_path
from tests.web.chromium_pages import sign_in

ARTIFACTS = Path(__file__).parent.parent / "artifacts"

pytestmark = pytest.mark.skipif(chromium_path() is None,
                                reason="needs Debian's chromium: sh scripts/install-system-deps.sh")


login = functools.partial(sign_in, landing='/agent')


async def test_offer_accept_and_live_transcript(centre: Centre, browser: Chromium) -> None:
    page = await browser.new_page()
    await login(page, centre.public, "alice")
    await page.wait_for("document.getElementById('presence-state').dataset.state === 'offline'")
    # keyboard: the presence button is a real, focusable button
    assert await page.eval("(() => { const b = document.getElementById('go-available'); b.focus();"
                           " return document.activeElement === b && b.tagName === 'BUTTON'; })()")
    await page.eval("document.getElementById('go-available').click(); true")
    await page.wait_for("document.getElementById('presence-state').dataset.state === 'available'")

    call = centre.caller()
    await call.start()
    await call.gather(1, SpeechResult="c'est pour la caf", Confidence="0.9")
    await call.gather(2, Digits="1")
    await call.gather(3, Digits="7654321")
    await centre.join_conference(call)

    await page.wait_for("!document.getElementById('offer').hidden")
    offer_text = await page.eval("document.getElementById('offer').innerText")
    assert "Appel entrant" in offer_text and "c'est pour la caf" in offer_text
    # the path is named by the flow's node titles, never by node ids
    assert "7654321" in offer_text and "Menu CAF" in offer_text and "menu_caf" not in offer_text
    assert await page.eval("document.activeElement.id") == "accept"      # focus moves to the decision
    await page.screenshot(ARTIFACTS / "agent_offer.png")

    await page.eval("document.getElementById('accept').click(); true")
    await page.wait_for("!document.getElementById('call').hidden && document.getElementById('offer').hidden")
    await centre.settle()

    await centre.dispatcher.call_event(
        call.call_sid, SpeechResult_("je voudrais savoir quand mon aide au logement sera versée"),
        render=lambda _c, _s: "", request_key=None, source="media")
    await page.wait_for("document.querySelector('#call-context .transcript').innerText"
                        ".includes('mon aide au logement')", timeout=5)
    # agent assist: entries that fit the conversation ("c'est pour la caf" alone suggests nothing)
    await page.wait_for("document.querySelector('#call-context .suggestions') !== null")
    assert "Aides au logement" in await page.eval("document.querySelector('#call-context .suggestions').innerText")
    shot = await page.screenshot(ARTIFACTS / "agent_screen.png")
    assert shot.stat().st_size > 10_000
    labels = await page.eval("Array.from(document.querySelectorAll('input, select, textarea'))"
                             ".filter(e => e.type !== 'hidden' && !(e.id && document.querySelector("
                             "`label[for=\"${e.id}\"]`))).length")
    assert labels == 0, "every form control has a label"


def SpeechResult_(text: str) -> SpeechReceived:  # noqa: N802 - reads like the Twilio field
    return SpeechReceived(text, 0.9)


async def test_login_page_renders_in_chromium(centre: Centre, browser: Chromium) -> None:
    page = await browser.new_page()
    await page.goto(centre.public + "/login")
    assert await page.eval("document.documentElement.lang") == "fr"
    assert await page.eval("document.querySelector('label[for=username]').textContent") == "Identifiant"
