"""The screens people work in, in headless Chromium: the offer's countdown, the keyboard shortcuts,
the live state, the warm transfer by name, 1280 px and 200 % zoom, accessibility (axe-core), and no
internal id or English word on any page a person sees. Screenshots go to docs/screenshots/ with
CALLCENTER_TEST_SCREENSHOTS=1, to a temporary folder otherwise."""

from __future__ import annotations

import functools
import json
import os
import re
import tempfile
from pathlib import Path
from typing import Any

import pytest
import yaml

from callcenter.config import PROJECT_ROOT
from callcenter.ivr import SpeechReceived
from callcenter.store.models import CallNote
from callcenter.web.api import WRAPUP_CODES
from callcenter.web.labels import load_labels
from tests.centre import Centre
from tests.web.cdp import Chromium, Page, chromium_path
from tests.web.chromium_pages import sign_in

# The docs' pictures are refreshed only when asked (CALLCENTER_TEST_SCREENSHOTS=1): a plain test run
# leaves the working tree as it found it (rewritten PNGs made every branch conflict with the others).
SCREENSHOTS = (PROJECT_ROOT / "docs" / "screenshots" if os.environ.get("CALLCENTER_TEST_SCREENSHOTS") == "1"
               else Path(tempfile.gettempdir()) / "callcenter-screenshots")
AXE = Path(__file__).parent / "vendor" / "axe.min.js"

pytestmark = pytest.mark.skipif(chromium_path() is None,
                                reason="needs Debian's chromium: sh scripts/install-system-deps.sh")


login = functools.partial(sign_in, landing='/agent')  # login(..., landing=...) for another role


async def press_alt(page: Page, key: str) -> None:
    await page.eval(f"document.dispatchEvent(new KeyboardEvent('keydown', {{key: '{key}', altKey: true, "
                    "bubbles: true})); true")


def state_is(word: str) -> str:
    return f"document.getElementById('presence-state').textContent === {json.dumps(word)}"


async def offer_to_alice(centre: Centre, page: Page) -> Any:
    call = centre.caller()
    await call.start()
    await call.gather(1, Digits="1")
    await call.gather(2, Digits="1")
    await call.gather(3, Digits="7654321")
    await centre.join_conference(call)
    await page.wait_for("!document.getElementById('offer').hidden")
    return call


async def test_countdown_shortcuts_live_state_and_transfer_by_name(centre: Centre, browser: Chromium) -> None:
    alice = await browser.new_page()
    await login(alice, centre.public, "alice")
    await alice.eval("document.getElementById('go-available').click(); true")
    await alice.wait_for(state_is("disponible"))

    call = await offer_to_alice(centre, alice)
    # The countdown starts at the offer's timeout and goes down each second.
    first = int(await alice.wait_for("document.getElementById('offer-countdown').dataset.left"))
    assert 15 <= first <= 20
    assert "s pour accepter" in await alice.eval("document.getElementById('offer-countdown').textContent")
    await alice.wait_for(f"Number(document.getElementById('offer-countdown').dataset.left) < {first}", timeout=4)

    await press_alt(alice, "a")                                  # Alt+A accepts
    await alice.wait_for("!document.getElementById('call').hidden && document.getElementById('offer').hidden")
    await centre.settle()
    await alice.wait_for(state_is("en appel"))                   # live: no reload
    assert (await centre.entry(call.call_sid)).agent_id == centre.agents["alice"]

    await press_alt(alice, "p")                                  # Alt+P holds, then resumes
    await alice.wait_for("document.getElementById('call-status').textContent === 'Appelant en attente.'")
    await press_alt(alice, "p")
    await alice.wait_for("document.getElementById('call-status').textContent === 'Appelant repris.'")

    # Warm transfer: bob is chosen by his name, skills and languages, never by a number.
    await centre.dispatcher.set_state(centre.agents["bob"], "available")
    await alice.eval("document.getElementById('open-transfer').click(); true")
    label = await alice.wait_for("(document.querySelector('#colleagues label') || {}).textContent")
    assert label == "bob — CAF (niveau 1)"
    assert "chloe" not in await alice.eval("document.getElementById('colleagues').innerText")  # not available
    queues = await alice.eval("Array.from(document.querySelectorAll('#transfer-queue option')).map(o => o.text)")
    assert queues[0] == "(aucune)" and "CAF" in queues and "Accueil général" not in queues   # queues, not skills
    await alice.eval(f"document.getElementById('colleague-{centre.agents['bob']}').click(); "
                     "document.querySelector('#transfer-form button[type=submit]').click(); true")
    await alice.wait_for("document.getElementById('call-status').textContent === 'Transfert demandé.'")
    await centre.settle()
    assert (await centre.entry(call.call_sid)).transfer_to == centre.agents["bob"]
    await alice.screenshot(SCREENSHOTS / "agent-transfer.png")

    await alice.eval("document.getElementById('complete-transfer').click(); true")
    await centre.settle()
    await alice.wait_for(state_is("en clôture"), timeout=10)       # live: the call left her


async def test_end_and_decline_shortcuts(centre: Centre, browser: Chromium) -> None:
    alice = await browser.new_page()
    await login(alice, centre.public, "alice")
    await alice.eval("document.getElementById('go-available').click(); true")
    await alice.wait_for(state_is("disponible"))
    call = await offer_to_alice(centre, alice)
    await press_alt(alice, "r")                                  # Alt+R declines
    await alice.wait_for("document.getElementById('offer').hidden && "
                         "document.getElementById('announcer').textContent === 'Appel refusé.'")
    await centre.settle()
    entry = await centre.entry(call.call_sid)
    assert centre.agents["alice"] in entry.declined_by.get("agents", [])
    # Nobody else is free: once anyone will do, the caller is offered to her again; she takes it.
    centre.clock.advance(200)
    await centre.dispatcher.tick()
    await centre.settle()
    await alice.wait_for("!document.getElementById('offer').hidden", timeout=10)
    await press_alt(alice, "a")
    await alice.wait_for("!document.getElementById('call').hidden")
    await centre.settle()
    await alice.wait_for(state_is("en appel"))
    await press_alt(alice, "t")                                  # Alt+T ends the call
    await centre.settle()
    await alice.wait_for(state_is("en clôture"), timeout=10)
    await alice.wait_for("document.getElementById('end').disabled && !document.getElementById('close-call').hidden")
    assert (await centre.entry(call.call_sid)).status == "ended"


# Internal names that must never show. Ids with an underscore never occur in French text, so
# they are matched as they are written; one-word ids that are also French words (« accueil »,
# « conseiller ») cannot be told from the French and are left out. English words are matched in
# any case.
ENGLISH = ("forbidden", "ended", "agent", "agents", "waiting", "available", "busy", "offline", "wrapup",
           "supervisor", "admin", "unknown", "error", "null", "undefined", "none", "true", "false", "queue",
           "callback", "transferred", "connected", "offered", "abandoned", "idle", "status", "not found")


def internal_ids() -> set[str]:
    flow = yaml.safe_load((PROJECT_ROOT / "ivr_flows" / "main.yaml").read_text(encoding="utf-8"))
    labels = load_labels()
    names = set(flow["nodes"]) | set(WRAPUP_CODES) | {"in_ivr", "ivr_hangup", "queue_hangup", "no-answer"}
    for kind in ("reasons", "queues", "states", "outcomes", "entry_statuses", "variables"):
        names |= set(labels.kind(kind))
    return {n for n in names if "_" in n or "-" in n}


def leaks(text: str) -> list[str]:
    found = [n for n in internal_ids() if re.search(rf"(?<![\w-]){re.escape(n)}(?![\w-])", text)]
    found += [w for w in ENGLISH if re.search(rf"(?<!\w){re.escape(w)}(?!\w)", text, re.IGNORECASE)]
    found += re.findall(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}", text)            # raw timestamps
    found += re.findall(r"\bCA[0-9a-f]{32}\b", text)                        # call ids
    return found


async def test_no_internal_id_or_english_word_on_any_page(centre: Centre, browser: Chromium) -> None:
    # A caller who phoned four days ago (note, wrap-up code) and calls again, fragile, now with alice.
    first = centre.caller()          # every test caller phones from the same number: a history
    await centre.call_to_caf(first)
    await centre.dispatcher.set_state(centre.agents["alice"], "available")
    await centre.settle()
    await centre.dispatcher.accept(centre.agents["alice"], first.call_sid)
    await centre.settle()
    async with centre.desk.db.sessions() as session, session.begin():
        session.add(CallNote(call_sid=first.call_sid, author_id=centre.agents["alice"], at=centre.clock(),
                             text="Dossier en cours, rappeler lundi", wrapup_code="rendez_vous"))
    await centre.fake.hangup(first.call_sid)
    await centre.settle()
    centre.clock.advance(4 * 86400)     # Thursday to Monday, open again
    await centre.dispatcher.set_state(centre.agents["alice"], "available")
    await centre.settle()
    again = centre.caller()
    await again.start()
    twiml = await again.gather(1, SpeechResult="je n'ai plus rien pour manger, je suis à la rue avec mes enfants",
                               Confidence="0.9")
    assert "<Conference" in twiml, twiml    # fragile: handed to a person at once
    await centre.join_conference(again)
    await centre.dispatcher.accept(centre.agents["alice"], again.call_sid)
    await centre.settle()
    await centre.dispatcher.call_event(again.call_sid, SpeechReceived("où en est mon dossier", 0.9),
                                       render=lambda _c, _s: "", request_key=None, source="media")

    alice = await browser.new_page()
    await login(alice, centre.public, "alice")
    await alice.wait_for("!document.getElementById('call').hidden && "
                         "document.querySelector('#call-context .history li time') !== null")
    text = await alice.eval("document.body.innerText")
    assert "il y a 4 jours — rendez-vous pris" in text, text
    assert "sans ressources" in text and "Fragile" in text
    assert leaks(text) == [], leaks(text)
    await alice.screenshot(SCREENSHOTS / "agent-screen.png")

    sarah = await browser.new_page()
    await login(sarah, centre.public, "sarah", landing="/board")
    board = await sarah.eval("document.body.innerText")
    assert "alice" in board and "en appel" in board and "CAF" in board
    assert await sarah.eval("document.querySelector('.chart svg') !== null")
    assert leaks(board) == [], leaks(board)
    await sarah.screenshot(SCREENSHOTS / "board.png")

    for path, title in (("/reports/equity", "Rapport d'équité"), ("/nulle-part", "Page introuvable")):
        await sarah.goto(centre.public + path)
        page_text = await sarah.eval("document.body.innerText")
        assert title in page_text
        assert leaks(page_text) == [], (path, leaks(page_text))

    await login(alice, centre.public, "alice")                     # pages share one cookie jar
    await alice.goto(centre.public + "/board")                    # an agent on a supervisor page
    refused = await alice.eval("document.body.innerText")
    assert "Accès refusé" in refused and await alice.eval("document.querySelector('main a[href=\"/agent\"]') !== null")
    assert leaks(refused) == [], leaks(refused)


async def _zoom(page: Page, factor: int) -> None:
    # 200 % zoom of a 1280 px window: the layout sees 640 CSS pixels, drawn twice as big.
    await page.send("Emulation.setDeviceMetricsOverride", width=1280 // factor, height=1600 // factor,
                    deviceScaleFactor=factor, mobile=False)


async def axe_violations(page: Page) -> list[dict[str, Any]]:
    await page.eval(AXE.read_text(encoding="utf-8") + "; true")
    result = await page.eval("axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', "
                             "'wcag21a', 'wcag21aa']}}).then(r => r.violations.map(v => ({id: v.id, "
                             "nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 5)})))")
    return list(result)


async def test_pages_at_1280_px_and_200_percent_zoom_pass_axe(centre: Centre, browser: Chromium) -> None:
    await centre.connected("alice")
    alice = await browser.new_page()
    await page_bypass_csp(alice)
    await login(alice, centre.public, "alice")
    await alice.wait_for("!document.getElementById('call').hidden && "
                         "document.querySelector('#call-context .card') !== null")
    assert await axe_violations(alice) == []
    # The checker does see faults: an image without text and grey-on-white text are reported.
    await alice.eval("document.querySelector('main').insertAdjacentHTML('beforeend', '<div id=bad><img src=\"/x.png\">"
                     "<p style=\"color:#bbb\">pâle</p></div>'); true")
    assert {"image-alt", "color-contrast"} <= {v["id"] for v in await axe_violations(alice)}
    await alice.eval("document.getElementById('bad').remove(); true")
    await alice.eval("document.getElementById('open-transfer').click(); true")
    await alice.wait_for("document.querySelector('#colleagues p') !== null")
    assert await axe_violations(alice) == []
    await _zoom(alice, 2)
    await alice.wait_for("true")
    # No sideways scrolling at 200 %, and every action still on screen without it.
    assert await alice.eval("document.documentElement.scrollWidth <= window.innerWidth + 1")
    assert await alice.eval("(() => { const r = document.getElementById('end').getBoundingClientRect();"
                            " return r.right <= window.innerWidth && r.width > 0; })()")
    await alice.screenshot(SCREENSHOTS / "agent-screen-zoom-200.png")

    sarah = await browser.new_page()
    await page_bypass_csp(sarah)
    await login(sarah, centre.public, "sarah", landing="/board")
    assert await axe_violations(sarah) == []
    await _zoom(sarah, 2)
    assert await sarah.eval("document.documentElement.scrollWidth <= window.innerWidth + 1")
    for path in ("/reports/equity", "/nulle-part", "/phone"):
        await sarah.goto(centre.public + path)
        assert await axe_violations(sarah) == [], path
    await login(alice, centre.public, "alice")                     # pages share one cookie jar
    await alice.goto(centre.public + "/board")                    # « accès refusé »
    assert "Accès refusé" in await alice.eval("document.body.innerText")
    assert await axe_violations(alice) == []


async def page_bypass_csp(page: Page) -> None:
    # axe is injected by the test, not served by us: a strict Content-Security-Policy must not stop it.
    await page.send("Page.setBypassCSP", enabled=True)
