#!/usr/bin/env python3
"""The work of one webhook, counted: the four webhooks of bench/load.py replayed against the
application run in this process, with the server's Python function calls, SQL statements and
event-loop CPU time per webhook (none of which depends on how busy the machine is).

    .venv/bin/python bench/replay.py [--calls 100] [--concurrency 20] [--profile var/replay.prof]
        [--top 30] [--statements]

The server runs on an event loop thread of this process, the client (bench/load.py's) in a process of
its own (sharing the interpreter lock, it would stretch the server's every release of it), so the
profile and the CPU time are the server's alone. SQL statements are counted where SQLite runs them
(its trace callback on every connection the server opens: BEGIN and COMMIT included, each row of
an executemany), whichever layer issued them. Without ``--profile`` the CPU time is measured
without the profiler's overhead.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import cProfile
import json
import logging
import os
import pstats
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

from aiohttp import web

sys.path.insert(0, str(Path(__file__).resolve().parent))
import load  # noqa: E402 - bench/load.py: the same client, settings and opening hours

from callcenter.config import Settings  # noqa: E402
from callcenter.store import sqlite_inline  # noqa: E402
from callcenter.web.app import init_app  # noqa: E402

# SQLite traces statements with their values bound: counted by their text without them.
_LITERALS = re.compile(r"'(?:[^']|'')*'|\b\d+(?:\.\d+)?\b|\bNULL\b")


class Statements:
    """Every statement SQLite starts on the server's connections, by its text."""

    def __init__(self) -> None:
        self.counting = False
        self.seen: collections.Counter[str] = collections.Counter()

    def trace(self, sql: str) -> None:
        # Lines starting with "--" are a trigger's statements, reported by SQLite as comments.
        if self.counting and not sql.startswith("--"):
            self.seen[sql] += 1  # grouped by their text only when printed: this runs in the profile

    def by_text(self) -> collections.Counter[str]:
        grouped: collections.Counter[str] = collections.Counter()
        for sql, count in self.seen.items():
            grouped[_LITERALS.sub("?", " ".join(sql.split()))[:150]] += count
        return grouped

    def connect_with_trace(self, connect: Callable[..., sqlite3.Connection]) -> Callable[..., sqlite3.Connection]:
        def traced(*args: Any, **kwargs: Any) -> sqlite3.Connection:
            connection = connect(*args, **kwargs)
            connection.set_trace_callback(self.trace)
            return connection
        return traced


class ServerThread(threading.Thread):
    """The application on its own loop; ``call(f)`` runs ``f`` on that loop's thread."""

    def __init__(self, settings: Settings) -> None:
        super().__init__(daemon=True)
        self.settings = settings
        self.loop = asyncio.new_event_loop()
        self.ready = threading.Event()
        self.runner: web.AppRunner | None = None

    def run(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.run_until_complete(self._start())
        self.ready.set()
        self.loop.run_forever()

    async def _start(self) -> None:
        self.runner = web.AppRunner(init_app(self.settings), access_log=None)
        await self.runner.setup()
        await web.TCPSite(self.runner, "127.0.0.1", self.settings.port).start()

    def call(self, function: Callable[[], Any]) -> Any:
        return asyncio.run_coroutine_threadsafe(self._call(function), self.loop).result()

    @staticmethod
    async def _call(function: Callable[[], Any]) -> Any:
        return function()

    def stop(self) -> None:
        assert self.runner is not None
        asyncio.run_coroutine_threadsafe(self.runner.cleanup(), self.loop).result(timeout=30)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.join(timeout=10)


def client(base: str, calls: int, concurrency: int) -> load.Result:
    """bench/load.py's calls, played from another process."""
    out = subprocess.run([sys.executable, __file__, "--client", base, "--calls", str(calls),
                          "--concurrency", str(concurrency)], check=True, capture_output=True, text=True)
    latencies, errors, apologies = out.stdout.split("\n")[:3]
    return load.Result([float(v) for v in latencies.split()], 0.0, int(errors), int(apologies))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=100)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--profile", help="write the server's cProfile statistics there")
    parser.add_argument("--top", type=int, default=0, help="print the N functions with most own time")
    parser.add_argument("--statements", action="store_true", help="print each SQL statement's count")
    parser.add_argument("--client", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.client:
        result = asyncio.run(load.drive([args.client], args.calls, args.concurrency))
        print(" ".join(f"{v:.6f}" for v in result.latencies), result.errors, result.apologies, sep="\n")
        return 0
    logging.basicConfig(level=logging.WARNING)

    work = Path(tempfile.mkdtemp(prefix="cc-replay-"))
    statements = Statements()
    sqlite_inline.sqlite3 = type(sys)("sqlite3_traced")  # type: ignore[assignment]
    sqlite_inline.sqlite3.__dict__.update(sqlite3.__dict__)
    sqlite_inline.sqlite3.connect = statements.connect_with_trace(sqlite3.connect)  # type: ignore[attr-defined]

    fake_port, port = load.free_port(), load.free_port()
    fake = subprocess.Popen([load.CLI, "fake-twilio", "--port", str(fake_port)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        env = load.our_env(work, None, f"http://127.0.0.1:{fake_port}")
        env["CALLCENTER_PORT"] = str(port)
        server = ServerThread(Settings.from_env(env))
        server.start()
        if not server.ready.wait(120):
            raise SystemExit("server not ready")
        base = f"http://127.0.0.1:{port}"
        while not load.warm(json.loads(urllib.request.urlopen(base + "/healthz", timeout=30).read())):
            time.sleep(0.2)  # the start-up embedding's thread would be counted (bench/load.py)
        client(base, min(args.calls, 20), args.concurrency)  # warm-up

        profiler = cProfile.Profile() if args.profile or args.top else None
        statements.counting = True
        began_cpu, began_process = server.call(time.thread_time), time.process_time()
        if profiler is not None:
            server.call(profiler.enable)
        began_wall = time.perf_counter()
        result = client(base, args.calls, args.concurrency)
        wall = time.perf_counter() - began_wall
        if profiler is not None:
            server.call(profiler.disable)
        cpu = server.call(time.thread_time) - began_cpu
        process_cpu = time.process_time() - began_process
        statements.counting = False
        server.stop()
    finally:
        fake.terminate()
        fake.wait(timeout=10)
        shutil.rmtree(work, ignore_errors=True)

    webhooks = len(result.latencies)
    print(f"{args.calls} calls x 4 webhooks at concurrency {args.concurrency}: {webhooks} webhooks, "
          f"{result.errors} errors, {result.apologies} apologies")
    print(f"  server CPU {1000 * process_cpu / webhooks:.2f} ms/webhook (all threads), "
          f"{1000 * cpu / webhooks:.2f} on the event loop's" + (" (under cProfile)" if profiler is not None else ""))
    print(f"  {webhooks / wall:.1f} webhooks/s, the event loop busy {100 * cpu / wall:.0f} % of the time "
          f"(client start-up included)")
    print(f"  SQL statements {sum(statements.seen.values()) / webhooks:.2f}/webhook")
    if profiler is not None:
        stats = pstats.Stats(profiler)
        print(f"  Python function calls {stats.total_calls / webhooks:.0f}/webhook")  # type: ignore[attr-defined]
        if args.profile:
            os.makedirs(Path(args.profile).parent, exist_ok=True)
            stats.dump_stats(args.profile)
        if args.top:
            stats.sort_stats("tottime").print_stats(args.top)
    if args.statements:
        for sql, count in statements.by_text().most_common():
            print(f"  {count / webhooks:6.2f}  {sql}")
    return 1 if result.errors or result.apologies else 0


if __name__ == "__main__":
    sys.exit(main())
