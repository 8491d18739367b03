"""Live flows: versions recorded, broken edits refused with the old flow kept, calls keep theirs."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from callcenter.config import Settings, SettingsError
from callcenter.web import keys
from callcenter.web.app import init_app
from tests.conftest import TwilioCall, make_env


def said(twiml: str) -> str:
    return " ".join(el.text or "" for el in ET.fromstring(twiml).iter("Say"))


async def test_broken_edit_is_refused_and_the_running_flow_stays(new_call: Any, flows_dir: Path,
                                                                caplog: Any) -> None:
    call: TwilioCall = new_call()
    catalog = call.client.app[keys.CATALOG]
    before = catalog.current("main")
    main = flows_dir / "main.yaml"
    main.write_text(main.read_text(encoding="utf-8").replace("next: menu_caf", "next: menu_cfa"),
                    encoding="utf-8")
    problems = await catalog.reload()
    assert [p.reason for p in problems] == ["node 'objet': unknown target 'menu_cfa'"]
    assert f"{main}:" in caplog.text and "unknown target 'menu_cfa'" in caplog.text
    assert catalog.current("main") is before
    assert "objet de votre appel" in said(await call.start())
    health = await (await call.client.get("/healthz")).json()
    # Calls still run on the previous version, but /healthz says a file was refused, and why.
    assert health["status"] == "degraded" and health["flow_problems"] and health["degraded"] == ["flows"]
    assert any("unknown target 'menu_cfa'" in r and "flow file refused" in r for r in health["reasons"])


async def test_a_valid_edit_is_a_draft_until_published_and_calls_keep_theirs(
        new_call: Any, flows_dir: Path, caplog: Any) -> None:
    old_call: TwilioCall = new_call()
    await old_call.start()
    catalog = old_call.client.app[keys.CATALOG]
    assert catalog.current("main").version == 1
    main = flows_dir / "main.yaml"
    main.write_text(main.read_text(encoding="utf-8").replace("Pour la CAF.", "Vous avez choisi la CAF."),
                    encoding="utf-8")
    assert catalog.changed()
    assert await catalog.reload() == []
    # The store is the truth: an edited file is a draft, said in the log and by /healthz.
    assert catalog.current("main").version == 1
    assert "differs from live version 1" in caplog.text and "main" in catalog.drafts
    published = await catalog.store.publish("flow", "main", main.read_text(encoding="utf-8"), by="sarah",
                                            comment="wording")
    assert published.version == 2
    assert await catalog.refresh()
    assert catalog.current("main").version == 2 and catalog.drafts == {}
    assert "Pour la CAF." in said(await old_call.gather(1, Digits="1"))
    new: TwilioCall = new_call()
    await new.start()
    assert "Vous avez choisi la CAF." in said(await new.gather(1, Digits="1"))


async def test_a_live_version_that_cannot_run_is_refused_and_the_running_one_stays(
        new_call: Any, caplog: Any) -> None:
    call: TwilioCall = new_call()
    catalog = call.client.app[keys.CATALOG]
    # Only a publish that skipped the checks (or a schema change) could make this live.
    await catalog.store.publish("flow", "main", "flow: main\nstart: x\nnodes: {}\n", by="sarah")
    assert not await catalog.refresh()
    assert not await catalog.refresh()
    assert catalog.current("main").version == 1
    assert caplog.text.count("flow main version 2 cannot run, keeping 1") == 1
    assert "objet de votre appel" in said(await call.start())


async def test_same_content_keeps_its_version_across_restarts(tmp_path: Path, database_url: str,
                                                             flows_dir: Path, aiohttp_client: Any) -> None:
    settings = Settings.from_env(make_env(tmp_path, database_url, flows_dir))
    first = await aiohttp_client(init_app(settings))
    v1 = first.app[keys.CATALOG].current("main").version
    await first.close()
    second = await aiohttp_client(init_app(settings))
    assert second.app[keys.CATALOG].current("main").version == v1


async def test_server_refuses_to_start_on_a_broken_configured_flow(tmp_path: Path, database_url: str,
                                                                  flows_dir: Path, aiohttp_client: Any) -> None:
    (flows_dir / "main.yaml").write_text("flow: main\nstart: x\nnodes: {}\n", encoding="utf-8")
    settings = Settings.from_env(make_env(tmp_path, database_url, flows_dir))
    with pytest.raises(SettingsError, match="main.yaml:3: nodes: {} should be non-empty"):
        await aiohttp_client(init_app(settings))
