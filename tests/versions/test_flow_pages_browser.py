"""Flow versions in headless Chromium: a supervisor sees a fault appear, publishes an edit with a
comment, reads the diff, rolls back; the server follows each time. Screenshots in tests/artifacts."""

from __future__ import annotations

import functools
import json
from pathlib import Path

from callcenter.config import PROJECT_ROOT
from callcenter.flows import load_flow
from callcenter.store.audit import audit_entries
from callcenter.web import keys
from tests.centre import PASSWORD, Centre
from tests.web.browser import Browser
from tests.web.cdp import Chromium, Page
from tests.web.chromium_pages import sign_in

ARTIFACTS = Path(__file__).parent.parent / "artifacts"


login = functools.partial(sign_in, landing='/board')


async def submit_edit(page: Page, old: str, new: str, comment: str) -> None:
    await page.eval(f"""{{
        const box = document.getElementById('content');
        box.value = box.value.replace({json.dumps(old)}, {json.dumps(new)});
        document.getElementById('comment').value = {json.dumps(comment)};
        document.getElementById('publish').click(); }} true""")


async def test_fault_publish_diff_and_rollback(centre: Centre, browser: Chromium) -> None:
    catalog = centre.client.app[keys.CATALOG]
    assert catalog.current("main").version == 1
    page = await browser.new_page()
    await login(page, centre.public, "sarah")
    await page.eval("document.querySelector('nav a[href=\"/flows\"]').click(); true")
    await page.wait_for("location.pathname === '/flows' && document.readyState === 'complete'")
    assert "version 1" in await page.eval("document.querySelector('table').innerText")
    await page.eval("document.querySelector('a[href=\"/flows/main\"]').click(); true")
    await page.wait_for("location.pathname === '/flows/main' && document.readyState === 'complete'")
    # The diagram of the bundled flow fits the page: readable without scrolling sideways.
    nodes = len(load_flow(PROJECT_ROOT / "ivr_flows" / "main.yaml").nodes)
    assert await page.eval("document.querySelectorAll('#diagram svg [data-node]').length") == nodes
    assert await page.eval("document.querySelector('#diagram svg').getBoundingClientRect().right "
                           "<= document.documentElement.clientWidth")
    await page.screenshot(ARTIFACTS / "flow_diagram.png")

    # Typing a broken edit: the fault appears with its line, before any publish.
    await page.eval("""{
        const box = document.getElementById('content');
        box.value = box.value.replace('next: menu_caf', 'next: menu_cfa');
        box.dispatchEvent(new Event('input')); } true""")
    await page.wait_for("document.getElementById('live-status')?.dataset.faults === '1'")
    lines = (PROJECT_ROOT / "ivr_flows" / "main.yaml").read_text(encoding="utf-8").splitlines()
    line = next(i for i, text in enumerate(lines, 1) if text.strip() == "next: menu_caf")
    assert f"main.yaml:{line}: node 'objet': unknown target 'menu_cfa'" in await page.eval(
        "document.getElementById('live-checks').innerText")
    await page.screenshot(ARTIFACTS / "flow_fault_as_typed.png")
    await page.eval("""{
        const box = document.getElementById('content');
        box.value = box.value.replace('next: menu_cfa', 'next: menu_caf');
        box.dispatchEvent(new Event('input')); } true""")
    await page.wait_for("document.getElementById('live-status')?.dataset.faults === '0'")
    assert "warning: menu 'objet' has 7 options" in await page.eval("document.getElementById('live-checks').innerText")

    # Checking and running the test cases without publishing.
    await page.eval("document.getElementById('run-tests').click(); true")
    await page.wait_for("location.pathname === '/flows/main/publish' && document.readyState === 'complete'")
    checks = await page.eval("document.getElementById('checks').innerText")
    assert "main.tests.yaml: 24 of 24 test cases passed" in checks and "Publication refusée" not in checks
    assert "rien n'a été publié" in await page.eval("document.getElementById('notice').innerText")
    assert catalog.current("main").version == 1

    # Publishing a broken edit: refused, with the fault and its line; nothing changes for callers.
    await page.goto(centre.public + "/flows/main")
    await submit_edit(page, "next: menu_caf", "next: menu_cfa", "essai")
    await page.wait_for("location.pathname === '/flows/main/publish' && document.readyState === 'complete'")
    checks = await page.eval("document.getElementById('checks').innerText")
    assert "Publication refusée" in checks
    assert f"main.yaml:{line}: node 'objet': unknown target 'menu_cfa'" in checks
    assert await page.eval("document.getElementById('comment').value") == "essai"   # the edit is kept
    await page.screenshot(ARTIFACTS / "flow_publish_refused.png")
    assert catalog.current("main").version == 1

    # A real change: published, live at once in this process.
    await page.goto(centre.public + "/flows/main")
    await submit_edit(page, "Pour la CAF.", "Vous avez choisi la CAF.", "formulation plus claire")
    await page.wait_for("location.search === '?done=published' && document.readyState === 'complete'")
    assert await page.eval("document.querySelector('#versions tbody tr').dataset.version") == "2"
    assert await page.eval("document.querySelector('#versions tbody tr').dataset.live") == "true"
    assert "formulation plus claire" in await page.eval("document.getElementById('versions').innerText")
    await page.screenshot(ARTIFACTS / "flow_published.png")
    assert catalog.current("main").version == 2
    call = centre.caller()
    await call.start()
    assert "Vous avez choisi la CAF." in await call.gather(1, Digits="1")

    # The diff of version 2.
    await page.eval("document.querySelector('a[href=\"/flows/main/versions/2\"]').click(); true")
    await page.wait_for("location.pathname === '/flows/main/versions/2' && document.readyState === 'complete'")
    assert await page.eval("document.querySelector('#diff ins').innerText.includes('Vous avez choisi la CAF.')")
    assert await page.eval("document.querySelector('#diff del').innerText.includes('Pour la CAF.')")
    await page.screenshot(ARTIFACTS / "flow_diff.png")

    # Roll back to version 1 in one action.
    await page.goto(centre.public + "/flows/main")
    await page.eval("document.getElementById('rollback-1').click(); true")
    await page.wait_for("location.search === '?done=rolledback' && document.readyState === 'complete'")
    assert await page.eval("document.querySelector('#versions tr[data-live]').dataset.version") == "1"
    await page.screenshot(ARTIFACTS / "flow_rolled_back.png")
    assert catalog.current("main").version == 1
    actions = [(e.actor, e.action) for e in await audit_entries(centre.client.app[keys.DATABASE])]
    assert actions[:2] == [("sarah", "flow.rollback"), ("sarah", "flow.publish")]


async def test_flow_pages_check_roles_and_csrf(centre: Centre) -> None:
    agent, supervisor = Browser(centre.public), Browser(centre.public)
    try:
        await agent.login("alice", PASSWORD)
        assert (await agent.get("/flows")).status == 403
        assert (await agent.get("/flows/main")).status == 403
        await supervisor.login("sarah", PASSWORD)
        assert (await supervisor.get("/flows/nowhere")).status == 404
        assert (await supervisor.get("/flows/main/versions/9")).status == 404
        no_token = await supervisor.session.post(centre.public + "/flows/main/rollback", data={"version": "1"},
                                                 allow_redirects=False)
        assert no_token.status == 403
        bad = await supervisor.session.post(centre.public + "/flows/main/rollback",
                                            data={"version": "x", "csrf_token": supervisor.csrf},
                                            allow_redirects=False)
        assert bad.status == 400
        checked = await supervisor.post("/flows/main/check", {"content": "flow: main\nstart: x\nnodes: {}\n"})
        assert checked.status == 200
        assert (await checked.json())["faults"] == ["main.yaml:3: nodes: {} should be non-empty"]
        assert (await supervisor.post("/flows/main/check", {"text": 1})).status == 400
        assert (await supervisor.post("/flows/main/check", {"content": "x"}, csrf=False)).status == 403
        same = await supervisor.session.post(centre.public + "/flows/main/rollback",
                                             data={"version": "1", "csrf_token": supervisor.csrf},
                                             allow_redirects=False)
        assert same.status == 409 and "already live" in await same.text()
    finally:
        await agent.close()
        await supervisor.close()


async def test_compare_any_two_versions(centre: Centre) -> None:
    store = centre.client.app[keys.CATALOG].store
    first = (await store.live("flow", "main")).content
    await store.publish("flow", "main", first.replace("Pour la CAF.", "Pour la CAF, version 2."), by="sarah")
    await store.publish("flow", "main", first.replace("Pour la CAF.", "Pour la CAF, version 3."), by="sarah")
    supervisor = Browser(centre.public)
    try:
        await supervisor.login("sarah", PASSWORD)
        page = await (await supervisor.get("/flows/main")).text()
        assert 'id="compare-form"' in page
        html = await (await supervisor.get("/flows/main/compare?from=1&to=3")).text()
        assert "<del>-        Pour la CAF. Tapez 1" in html and "<ins>+        Pour la CAF, version 3. Tapez 1" in html
        assert "version 2" not in html.split('id="diff"')[1]
        same = await (await supervisor.get("/flows/main/compare?from=2&to=2")).text()
        assert "Aucune différence." in same
        assert (await supervisor.get("/flows/main/compare?from=1&to=9")).status == 400
        assert (await supervisor.get("/flows/main/compare?from=x")).status == 400
    finally:
        await supervisor.close()


async def test_a_draft_is_saved_resumed_and_never_live(centre: Centre) -> None:
    catalog = centre.client.app[keys.CATALOG]
    supervisor = Browser(centre.public)
    try:
        await supervisor.login("sarah", PASSWORD)
        saved = await supervisor.session.post(centre.public + "/flows/main/publish", allow_redirects=False, data={
            "content": "flow: main\nà finir\n", "comment": "à relire", "action": "draft",
            "csrf_token": supervisor.csrf})
        assert saved.status == 303 and saved.headers["Location"] == "/flows/main?done=draft&edit=2"
        page = await (await supervisor.get(saved.headers["Location"])).text()
        assert "Brouillon enregistré" in page and "flow: main\nà finir\n</textarea>" in page
        assert 'value="à relire"' in page and "brouillon" in page and 'href="/flows/main?edit=2"' in page
        assert await catalog.store.live_versions("flow") == {"main": 1}
        assert not await catalog.refresh() and catalog.current("main").version == 1
        refused = await supervisor.session.post(centre.public + "/flows/main/rollback", allow_redirects=False,
                                                data={"version": "2", "csrf_token": supervisor.csrf})
        assert refused.status == 409 and "is a draft" in await refused.text()
    finally:
        await supervisor.close()
