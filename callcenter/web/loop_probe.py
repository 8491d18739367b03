"""How long the event loop was kept from running: a timer that should fire every ``INTERVAL``
seconds, and how late it fires.

Anything that holds the loop (a blocking call, a long pure computation, a burst of callbacks)
delays every call's webhooks and audio frames at once; this measures it where it happens, in the
server, whatever caused it. Lateness is counted in cumulative buckets (as a Prometheus histogram),
so a benchmark reads ``/healthz`` before and after a run and takes the difference: the share of
wake-ups late by more than 50 ms, the 99th percentile (as a bucket bound) and the worst.
"""

from __future__ import annotations

import asyncio
import bisect
import contextlib
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from aiohttp import web

INTERVAL = 0.02
#: Upper bounds of the buckets, in ms (the last bucket has no bound).
BOUNDS_MS = (1, 2, 5, 10, 20, 30, 50, 75, 100, 200, 500, 1000)


@dataclass
class LoopLag:
    counts: list[int] = field(default_factory=lambda: [0] * (len(BOUNDS_MS) + 1))
    max_ms: float = 0.0

    def record(self, lag_ms: float) -> None:
        self.counts[bisect.bisect_left(BOUNDS_MS, lag_ms)] += 1
        self.max_ms = max(self.max_ms, lag_ms)

    def snapshot(self) -> dict[str, object]:
        return {"interval_ms": INTERVAL * 1000, "bounds_ms": list(BOUNDS_MS), "counts": list(self.counts),
                "max_ms": round(self.max_ms, 1)}


def window(before: dict[str, object], after: dict[str, object]) -> dict[str, float | int | None]:
    """Between two snapshots: wake-ups, the 99th percentile's bucket bound (ms, ``None`` above the
    last bound), the bound of the worst non-empty bucket, and how many were late > 50 ms."""
    bounds = list(after["bounds_ms"])  # type: ignore[call-overload]
    counts = [a - b for a, b in zip(after["counts"], before["counts"], strict=True)]  # type: ignore[call-overload]
    total = sum(counts)
    limit: list[float | None] = [*bounds, None]
    p99: float | None = 0.0
    seen = 0
    for bound, count in zip(limit, counts, strict=True):
        seen += count
        if total and seen >= 0.99 * total:
            p99 = bound
            break
    worst = next((limit[i] for i in range(len(counts) - 1, -1, -1) if counts[i]), 0.0)
    over_50 = sum(c for b, c in zip(limit, counts, strict=True) if b is None or b > 50)
    return {"samples": total, "p99_ms": p99, "worst_bucket_ms": worst, "late_over_50ms": over_50}


LOOP_LAG = web.AppKey("loop_lag", LoopLag)


async def _probe(lag: LoopLag) -> None:
    while True:
        expected = time.monotonic() + INTERVAL
        await asyncio.sleep(INTERVAL)
        lag.record(max(0.0, (time.monotonic() - expected) * 1000))


async def _context(app: web.Application) -> AsyncIterator[None]:
    task = asyncio.create_task(_probe(app[LOOP_LAG]), name="loop-lag-probe")
    yield
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


def setup(app: web.Application) -> None:
    app[LOOP_LAG] = LoopLag()
    app.cleanup_ctx.append(_context)
