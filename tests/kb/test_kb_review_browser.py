"""Reviewing knowledge-base drafts in headless Chromium: a supervisor reads a colleague's draft and
its diff, approves it (callers hear it at once), cannot approve her own, rolls back; roles and CSRF
as on every supervisor page. Screenshots in tests/artifacts."""

from __future__ import annotations

import functools
import json
from pathlib import Path

from callcenter.kb.catalog import KIND
from callcenter.store.audit import audit_entries
from callcenter.store.kb_flags import add_flag
from callcenter.versions import VersionStore
from callcenter.web import keys
from tests.centre import PASSWORD, Centre
from tests.web.browser import Browser
from tests.web.cdp import Chromium
from tests.web.chromium_pages import sign_in

ARTIFACTS = Path(__file__).parent.parent / "artifacts"
OLD = "dans votre compte ameli"
NEW = "dans votre espace ameli"


login = functools.partial(sign_in, landing='/board')


async def drafts(centre: Centre) -> VersionStore:
    """A draft by paul on am.carte_vitale, and one by sarah on caf.rsa."""
    store = VersionStore(centre.client.app[keys.DATABASE])
    vitale = await store.live(KIND, "am.carte_vitale")
    rsa = await store.live(KIND, "caf.rsa")
    assert vitale is not None and rsa is not None and OLD in vitale.content
    await store.save_draft(KIND, "am.carte_vitale", vitale.content.replace(OLD, NEW), by="paul",
                           comment="le nom du site")
    await store.save_draft(KIND, "caf.rsa", rsa.content + "\n", by="sarah", comment="le mien")
    return store


async def test_review_approve_refuse_own_and_rollback(centre: Centre, browser: Chromium) -> None:
    kb = centre.client.app[keys.CORES].kb
    assert kb.versions["am.carte_vitale"] == 1
    await drafts(centre)
    await add_flag(centre.client.app[keys.DATABASE], call_sid="CA" + "f" * 32, kb_id="am.carte_vitale",
                   agent_id=centre.agents["alice"], at=centre.clock(), reason="outdated",
                   comment="le site a changé de nom")
    page = await browser.new_page()
    await login(page, centre.public, "sarah")
    await page.goto(centre.public + "/supervisor/kb")
    await page.wait_for("document.readyState === 'complete'")
    card = "document.getElementById('draft-am.carte_vitale-2')"
    assert await page.eval(f"{card}.dataset.author") == "paul"
    assert await page.eval(f"{card}.querySelector('#diff ins').innerText.includes({json.dumps(NEW)})")
    assert await page.eval(f"{card}.querySelector('#diff del').innerText.includes({json.dumps(OLD)})")
    # The agents' flags of the entry, next to its draft.
    assert "le site a changé de nom" in await page.eval(f"{card}.querySelector('.kb-flags').innerText")
    # Her own draft: no button to approve it, a sentence instead.
    assert await page.eval("document.getElementById('approve-caf.rsa-2') === null")
    assert "une autre personne doit le relire" in await page.eval(
        "document.getElementById('draft-caf.rsa-2').innerText")
    await page.screenshot(ARTIFACTS / "kb_drafts.png")

    await page.eval("document.getElementById('approve-am.carte_vitale-2').click(); true")
    await page.wait_for("location.search === '?done=approved' && document.readyState === 'complete'")
    assert "en service" in await page.eval("document.getElementById('notice').innerText")
    assert await page.eval("document.getElementById('draft-am.carte_vitale-2') === null")
    assert kb.versions["am.carte_vitale"] == 2       # this process follows at once
    call = centre.caller()
    await call.start()
    assert NEW in await call.gather(1, SpeechResult="j'ai perdu ma carte vitale", Confidence="0.9")

    # The entry's history, and a rollback in one action.
    await page.goto(centre.public + "/supervisor/kb/am.carte_vitale")
    await page.wait_for("document.readyState === 'complete'")
    assert await page.eval("document.querySelector('#versions tr[data-live]').dataset.version") == "2"
    assert "sarah" in await page.eval("document.querySelector('#versions tr[data-live]').innerText")
    await page.eval("document.getElementById('rollback-1').click(); true")
    await page.wait_for("location.search === '?done=rolledback' && document.readyState === 'complete'")
    assert await page.eval("document.querySelector('#versions tr[data-live]').dataset.version") == "1"
    await page.screenshot(ARTIFACTS / "kb_entry_rolled_back.png")
    assert kb.versions["am.carte_vitale"] == 1
    again = centre.caller()
    await again.start()
    assert OLD in await again.gather(1, SpeechResult="j'ai perdu ma carte vitale", Confidence="0.9")
    actions = [(e.actor, e.action, e.object) for e in await audit_entries(centre.client.app[keys.DATABASE])]
    assert actions[:2] == [("sarah", "kb_entry.rollback", "kb_entry:am.carte_vitale"),
                           ("sarah", "kb_entry.approve", "kb_entry:am.carte_vitale")]


async def test_review_refuses_the_author_checks_roles_and_csrf(centre: Centre) -> None:
    store = await drafts(centre)
    agent, supervisor = Browser(centre.public), Browser(centre.public)
    try:
        await agent.login("alice", PASSWORD)
        assert (await agent.get("/supervisor/kb/am.carte_vitale")).status == 403
        await supervisor.login("sarah", PASSWORD)
        assert (await supervisor.get("/supervisor/kb/nowhere")).status == 404
        # The server refuses her own draft even without the button.
        own = await supervisor.session.post(centre.public + "/supervisor/kb/caf.rsa/review",
                                            data={"version": "2", "decision": "approve",
                                                  "csrf_token": supervisor.csrf}, allow_redirects=False)
        assert own.status == 409 and "une autre personne doit le relire" in await own.text()
        no_token = await supervisor.session.post(centre.public + "/supervisor/kb/am.carte_vitale/review",
                                                 data={"version": "2", "decision": "approve"},
                                                 allow_redirects=False)
        assert no_token.status == 403
        bad = await supervisor.session.post(centre.public + "/supervisor/kb/am.carte_vitale/review",
                                            data={"version": "2", "decision": "maybe",
                                                  "csrf_token": supervisor.csrf}, allow_redirects=False)
        assert bad.status == 400
        rejected = await supervisor.session.post(centre.public + "/supervisor/kb/am.carte_vitale/review",
                                                 data={"version": "2", "decision": "reject",
                                                       "comment": "source à citer", "csrf_token": supervisor.csrf},
                                                 allow_redirects=False)
        assert rejected.status == 303
        version = await store.get(KIND, "am.carte_vitale", 2)
        assert version is not None and (version.status, version.reviewed_by, version.review_comment) == (
            "rejected", "sarah", "source à citer")
        assert [d.name for d in await store.drafts(KIND)] == ["caf.rsa"]
    finally:
        await agent.close()
        await supervisor.close()
