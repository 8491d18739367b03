"""The start-up heap is frozen out of the garbage collector once every resource has started."""

from __future__ import annotations

import gc
from dataclasses import replace
from typing import Any

from callcenter.config import Settings
from callcenter.web import keys
from callcenter.web.app import init_app
from tests.conftest import server_on


async def test_a_started_server_has_frozen_its_start_up_heap(settings: Settings, aiohttp_client: Any) -> None:
    gc.unfreeze()
    assert gc.get_freeze_count() == 0
    app = init_app(replace(settings, gc_freeze=True))
    try:
        client = await aiohttp_client(app, server_kwargs=server_on(settings))
        # Frozen after the cleanup contexts: the knowledge index and the call service are in it.
        assert keys.SERVICE in client.app and keys.CORES in client.app
        assert gc.get_freeze_count() > 1000
    finally:
        gc.unfreeze()


async def test_test_servers_leave_the_collector_alone(settings: Settings, aiohttp_client: Any) -> None:
    assert settings.gc_freeze is False
    gc.unfreeze()
    await aiohttp_client(init_app(settings), server_kwargs=server_on(settings))
    assert gc.get_freeze_count() == 0


def test_the_setting_is_on_unless_turned_off() -> None:
    env = {"CALLCENTER_SECRET_KEY": "x" * 32, "CALLCENTER_DEV": "true"}
    assert Settings.from_env(env).gc_freeze is True
    assert Settings.from_env({**env, "CALLCENTER_GC_FREEZE": "false"}).gc_freeze is False


async def test_the_young_generation_threshold_is_set_after_the_freeze(settings: Settings, aiohttp_client: Any) -> None:
    before = gc.get_threshold()
    gc.unfreeze()
    try:
        app = init_app(replace(settings, gc_freeze=True, gc_young=7000))
        await aiohttp_client(app, server_kwargs=server_on(settings))
        assert gc.get_threshold() == (7000, *before[1:])
    finally:
        gc.set_threshold(*before)
        gc.unfreeze()


def test_the_young_threshold_is_raised_unless_set() -> None:
    env = {"CALLCENTER_SECRET_KEY": "x" * 32, "CALLCENTER_DEV": "true"}
    assert Settings.from_env(env).gc_young == 50_000
    assert Settings.from_env({**env, "CALLCENTER_GC_YOUNG": "0"}).gc_young == 0  # Python's own
