"""In headless Chromium: an agent flags an answer from the agent screen; the supervisor sees it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from callcenter.ivr import SpeechReceived
from tests.centre import Centre, make_centre
from tests.conftest import FakeClock
from tests.web.cdp import Chromium, chromium_path
from tests.web.chromium_pages import sign_in

FIXTURES = Path(__file__).parent.parent / "kb" / "fixtures"
ARTIFACTS = Path(__file__).parent.parent / "artifacts"

pytestmark = pytest.mark.skipif(chromium_path() is None,
                                reason="needs Debian's chromium: sh scripts/install-system-deps.sh")


@pytest.fixture
async def kb_centre(tmp_path: Path, database_url: str, flows_dir: Path, aiohttp_server: Any,
                    aiohttp_client: Any, clock: FakeClock) -> Centre:
    return await make_centre(tmp_path, database_url, flows_dir, aiohttp_server, aiohttp_client, clock,
                             kb_dir=str(FIXTURES / "kb_claims"), kb_feed=str(FIXTURES / "feed"))


login = sign_in


async def test_agent_flags_an_answer_and_the_supervisor_sees_it(kb_centre: Centre, browser: Chromium) -> None:
    agent = await browser.new_page()
    await login(agent, kb_centre.public, "alice", "/agent")
    # No call: nothing to flag, the section stays hidden.
    assert await agent.eval("document.getElementById('kb-flags').hidden") is True
    call = await kb_centre.connected("alice")
    await kb_centre.dispatcher.call_event(
        call.call_sid, SpeechReceived("le rsa c'est combien", 0.9), render=lambda _c, _s: "",
        request_key=None, source="media")
    await agent.wait_for("!document.getElementById('kb-flags').hidden && "
                         "document.querySelector('#kb-flags-answers li[data-kb-id=\"caf.rsa\"]') !== null")
    await agent.eval("document.querySelector('#kb-flags-answers li[data-kb-id=\"caf.rsa\"] button').click(); true")
    await agent.wait_for("!document.getElementById('kb-flag-form').hidden")
    assert await agent.eval("document.activeElement.id") == "kb-flag-reason"   # keyboard: focus moves in
    # Every field has its label.
    assert await agent.eval("Array.from(document.querySelectorAll('#kb-flag-form select, #kb-flag-form "
                            "textarea')).every(e => document.querySelector(`label[for=\"${e.id}\"]`))")
    await agent.eval("""
        document.getElementById('kb-flag-reason').value = 'outdated';
        document.getElementById('kb-flag-comment').value = 'Au moins 15 heures, pas jusqu\\'à 15 heures';
        document.getElementById('kb-flag-send').click(); true""")
    await agent.wait_for("document.getElementById('kb-flag-status').textContent.includes('Signalement envoyé')")
    await agent.wait_for("document.querySelector('#kb-flags-answers li[data-kb-id=\"caf.rsa\"]')"
                         ".innerText.includes('signalée')")
    await agent.screenshot(ARTIFACTS / "agent_kb_flag.png")
    # The caller hangs up: the answers can still be flagged during the wrap-up.
    await kb_centre.fake.hangup(call.call_sid)
    await kb_centre.settle()
    await agent.wait_for("document.getElementById('kb-flags-title').textContent.includes('appel terminé')")
    assert await agent.eval("document.getElementById('kb-flags').hidden") is False

    supervisor = await browser.new_page()
    await login(supervisor, kb_centre.public, "sarah", "/board")
    await supervisor.eval("document.querySelector('nav a[href=\"/supervisor/kb\"]').click(); true")
    await supervisor.wait_for("location.pathname === '/supervisor/kb' && document.readyState === 'complete'")
    row = await supervisor.eval("document.getElementById('kb-caf.rsa').innerText")
    assert "Réponse périmée (la règle a changé) — alice" in row and "Au moins 15 heures" in row
    assert await supervisor.eval("document.getElementById('kb-am.arret_maladie').dataset.stale") == "1"
    shot = await supervisor.screenshot(ARTIFACTS / "supervisor_kb.png")
    assert shot.stat().st_size > 10_000
