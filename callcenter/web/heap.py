"""The start-up heap is frozen out of the garbage collector's reach.

A started server holds a large, long-lived heap (knowledge index, triage model, flows, routes):
every full collection of Python's cyclic garbage collector walked all of it on the event loop,
about 70 ms on an idle 2-core machine and 100-200 ms under load, at unpredictable moments of a
call (seen as event-loop stalls in the speech benchmark, issue 16). Once start-up is over, one
collection clears what start-up left behind, and ``gc.freeze`` moves the survivors to a
permanent generation the collector no longer scans; objects made by calls are collected as
before. Reference counting still frees frozen objects that are dropped (a replaced index
without reference cycles is freed at once).
"""

from __future__ import annotations

import gc
import logging

from aiohttp import web

_LOGGER = logging.getLogger(__name__)


async def _freeze(app: web.Application) -> None:
    gc.collect()
    gc.freeze()
    _LOGGER.info("start-up heap frozen out of garbage collection (%d objects)", gc.get_freeze_count())


def setup(app: web.Application, young: int = 0) -> None:
    """Freeze after every resource of ``app`` has started (call after the cleanup contexts);
    ``young``: the young generation's threshold from then on (0: Python's own)."""
    app.on_startup.append(_freeze)
    if young > 0:
        async def _young(_app: web.Application) -> None:
            _, middle, old = gc.get_threshold()
            gc.set_threshold(young, middle, old)

        app.on_startup.append(_young)
