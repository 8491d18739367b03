"""The flow analytics and knowledge-gap pages in headless Chromium, for supervisors only; the
counts drawn on the diagram; the CSV export parsed back. Screenshots in tests/artifacts."""

from __future__ import annotations

import csv
import functools
import io
import json
from pathlib import Path

from callcenter.config import PROJECT_ROOT
from tests.centre import PASSWORD, Centre
from tests.reports.seeded_calls import seed
from tests.reports.test_gaps import PLANS, engine  # noqa: F401  (the module-scoped engine fixture)
from tests.web.browser import Browser
from tests.web.cdp import Chromium, Page
from tests.web.chromium_pages import sign_in

ARTIFACTS = Path(__file__).parent.parent / "artifacts"
MAIN = PROJECT_ROOT / "ivr_flows" / "main.yaml"


login = functools.partial(sign_in, landing='/board')


async def click_nav(page: Page, href: str, lands_on: str) -> None:
    await page.eval(f"document.querySelector('nav a[href={json.dumps(href)}]').click(); true")
    await page.wait_for(f"location.pathname === {json.dumps(lands_on)} && document.readyState === 'complete'")


async def test_pages_for_supervisors(centre: Centre, browser: Chromium, engine) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    await seed(centre.desk.db.url, PLANS, MAIN.read_text(encoding="utf-8"), engine)
    page = await browser.new_page()
    await login(page, centre.public, "sarah")

    await click_nav(page, "/reports/flow", "/reports/flow/main")
    # Seven calls entered the greeting and the menu; two hung up at the menu (h3, and h4 the second time).
    badges = json.loads(await page.eval("""JSON.stringify(Object.fromEntries([...document.querySelectorAll(
        'svg [data-badge]')].map(g => [g.dataset.badge, g.textContent])))"""))
    assert badges["accueil"] == "7" and badges["objet"] == "7 · 2 raccr."
    first = await page.eval("document.querySelector('details[open] tbody tr').innerText")
    assert first.split("\t")[:4] == ["accueil", "annonce", "7", "7"]
    assert await page.eval("document.querySelector('svg').getBoundingClientRect().right "
                           "<= document.documentElement.clientWidth")
    await page.screenshot(ARTIFACTS / "flow_analytics.png")
    await page.goto(centre.public + "/reports/flow/main?since=2026-11-20&until=2026-11-30&version=1")
    assert await page.eval("document.querySelector('a[href$=\".csv?since=2026-11-20&until=2026-11-30&version=1\"]')"
                           " !== null")

    await click_nav(page, "/reports/gaps", "/reports/gaps")
    rows = await page.eval("[...document.querySelectorAll('table')[0].querySelectorAll('tbody tr')]"
                           ".map(r => r.innerText).join('\\n')")
    assert rows.splitlines()[0].startswith("3\tle paiement a du retard")
    assert "caf.prime_activite" in await page.eval("document.querySelectorAll('table')[2].innerText")
    await page.screenshot(ARTIFACTS / "knowledge_gaps.png")

    sarah, alice = Browser(centre.public), Browser(centre.public)
    try:
        await sarah.login("sarah", PASSWORD)
        await alice.login("alice", PASSWORD)
        exported = await sarah.get("/reports/flow/main.csv?since=2026-11-20")
        assert exported.status == 200 and exported.content_type == "text/csv"
        rows = list(csv.DictReader(io.StringIO(await exported.text())))
        objet = next(r for r in rows if r["tier"] == "all" and r["node"] == "objet")
        assert objet["entries"] == "7" and objet["hangups"] == "2" and objet["no_match"] == "3"
        for path in ("/reports/flow/main", "/reports/flow/main.csv", "/reports/gaps", "/reports/flow"):
            assert (await alice.get(path)).status == 403, path
        assert (await sarah.get("/reports/flow/main?since=nope")).status == 400
        assert (await sarah.get("/reports/flow/main?version=x")).status == 400
        assert (await sarah.get("/reports/flow/nope")).status == 404
    finally:
        await sarah.close()
        await alice.close()
