#!/usr/bin/env python3
"""Load on the call path: many simulated calls, every webhook signed as Twilio signs it, against
real ``callcenter serve`` processes, next to a bare aiohttp handler measured in the same run.

Each call posts four webhooks in order, following the TwiML it is given: the incoming call, key 1
(the CAF menu), key 0 (a person: the caller is queued for an agent in their conference), then the
final status callback. The bare handler answers the same four requests with fixed TwiML from the
same kind of process, so the ratio shows what our call path costs over aiohttp itself (same
client, same machine, same run).

    .venv/bin/python bench/load.py [--calls 1000] [--concurrency 100] [--runs 5] [--pin-cpus]
        [--database-url postgresql://root@127.0.0.1:5432/bench] [--processes 2]
        [--profile var/load-profile.svg] [--cpu-per-process 0.4]

With ``--database-url`` on PostgreSQL the database is emptied (its tables dropped) before each run.
``--processes 2`` starts two servers on the same database and alternates calls between them.
``--cpu-per-process F`` caps each server at F of one core (a cgroup-v1 CPU group of its own, as root),
so that one and two processes are compared with the same CPU each, as on a machine with more cores
than server processes (on 2 cores, PostgreSQL, the client and two uncapped servers share them).
Prints, per run, throughput (webhooks/s), p50 and p99 latency and the servers' CPU time per webhook
(from /proc: the work a webhook costs, which a busy machine inflates far less than latencies);
then the median over runs with the spread (min-max), and our throughput as a share of the bare
handler's.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import os
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import sqlalchemy as sa
from aiohttp import web

from callcenter.store.urls import sync_url
from callcenter.telephony.signature import sign

ROOT = Path(__file__).resolve().parent.parent
CLI = str(Path(sys.executable).parent / "callcenter")
ACCOUNT_SID = "AC" + "b2" * 16
AUTH_TOKEN = "load-bench-auth-token-0123456789"
GATHER_ACTION = re.compile(r'<Gather[^>]*action="([^"]+)"')
ALWAYS_OPEN = """timezone: Europe/Paris
holidays:
  france: false
queues:
  default:
    week:
      monday-sunday: 0:00-24:00
"""
# What the bare handler answers: a document of the size and shape of a real IVR question.
BARE_TWIML = ('<?xml version="1.0" encoding="UTF-8"?><Response><Gather action="/twilio/gather?turn=1" '
              'actionOnEmptyResult="true" input="dtmf speech" language="fr-FR" method="POST" '
              'speechTimeout="auto" timeout="6"><Say language="fr-FR" voice="Polly.Lea">'
              + "Dites en quelques mots l'objet de votre appel. " * 4
              + '</Say></Gather><Redirect method="POST">/twilio/gather?turn=1</Redirect></Response>')


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# -- the bare handler ------------------------------------------------------------------------------

def bare_server(port: int, gc_young: int = 0) -> None:
    async def answer(request: web.Request) -> web.Response:
        await request.post()  # read the form as ours does, no more
        if request.path == "/twilio/status":
            return web.Response(status=204)
        return web.Response(text=BARE_TWIML, content_type="text/xml", charset="utf-8")

    async def ready(_request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    app = web.Application()
    app.router.add_post("/twilio/{tail:.*}", answer)
    app.router.add_get("/healthz", ready)
    if gc_young:
        # --bare-gc-young: what ``callcenter serve`` does to the collector, for a comparison only
        # (the baseline of the figures is the plain handler, without it).
        async def collector(_app: web.Application) -> None:
            gc.collect()
            gc.freeze()
            gc.set_threshold(gc_young, *gc.get_threshold()[1:])

        app.on_startup.append(collector)
    web.run_app(app, host="127.0.0.1", port=port, print=None, access_log=None)


# -- CPU caps (cgroup v1) -------------------------------------------------------------------------

CPU_CGROUPS = Path("/sys/fs/cgroup/cpu")


def cpu_quota_us(fraction: float, period_us: int) -> int:
    """The CFS quota that gives a group ``fraction`` of one core per period (the kernel refuses a
    quota under 1 ms)."""
    if not 0 < fraction <= 64:
        raise ValueError(f"CPU per process must be a positive share of a core, not {fraction}")
    return max(1000, round(fraction * period_us))


@dataclass
class CpuGroup:
    """One server's CPU group: ``root/<name>`` with its quota, the server's process moved in."""

    path: Path

    @classmethod
    def create(cls, root: Path, name: str, fraction: float) -> CpuGroup:
        if not (root / "cpu.cfs_period_us").exists():
            raise SystemExit(f"--cpu-per-process: no cgroup-v1 CPU controller mounted at {root}")
        path = root / name
        try:
            path.mkdir()
            period = int((path / "cpu.cfs_period_us").read_text())
            (path / "cpu.cfs_quota_us").write_text(str(cpu_quota_us(fraction, period)))
        except OSError as exc:
            cls(path).remove()
            raise SystemExit(f"--cpu-per-process: cannot set up the CPU group {path} ({exc}); root is needed"
                             ) from exc
        return cls(path)

    def add(self, pid: int) -> None:
        # cgroup.procs moves every thread of the process; what it starts later is born inside.
        (self.path / "cgroup.procs").write_text(str(pid))

    def remove(self) -> None:
        """Remove the group once its processes have exited (the kernel refuses while any remain:
        they are moved back to the parent first)."""
        if not self.path.exists():
            return
        try:
            left = (self.path / "cgroup.procs").read_text().split()
        except OSError:
            left = []
        for pid in left:
            with contextlib.suppress(OSError):
                (self.path.parent / "cgroup.procs").write_text(pid)
        with contextlib.suppress(OSError):
            self.path.rmdir()


# -- processes -------------------------------------------------------------------------------------

@dataclass
class Server:
    process: subprocess.Popen[bytes]
    url: str


def start(argv: list[str], env: dict[str, str], port: int, log: Path, cpu: int | None = None) -> Server:
    """``cpu``: the process and all its threads run on that CPU alone (``taskset``, ``--pin-cpus``)."""
    with log.open("ab") as out:
        process = subprocess.Popen((["taskset", "-c", str(cpu)] if cpu is not None else []) + argv, env=env,
                                   stdout=out, stderr=subprocess.STDOUT, cwd=ROOT, start_new_session=True)
    return Server(process, f"http://127.0.0.1:{port}")


def pinned_cpus(processes: int) -> tuple[list[int], set[int]]:
    """``--pin-cpus``: a CPU of its own for each server (the last ones), the rest for this process
    (the client) and the fake Twilio. On a machine with as many CPUs as processes there is none
    left for the client: refused."""
    cpus = sorted(os.sched_getaffinity(0))
    if len(cpus) <= processes:
        raise SystemExit(f"--pin-cpus: {len(cpus)} CPUs for {processes} server(s) and the client")
    return cpus[-processes:], set(cpus[:-processes])


def warm(health: dict[str, object]) -> bool:
    """Start-up work done: the knowledge base's entries are embedded on a thread after the server
    answers (the search is lexical until then); measured during it, that thread's CPU and its share
    of the interpreter lock would be counted against the webhooks."""
    knowledge = health.get("knowledge")
    return not (isinstance(knowledge, dict) and knowledge.get("semantic") == "loading")


async def wait_ready(servers: list[Server], seconds: float = 120.0) -> None:
    """Each server answers /healthz and has finished its start-up work."""
    deadline = time.monotonic() + seconds
    async with aiohttp.ClientSession() as session:
        for server in servers:
            while True:
                if server.process.poll() is not None:
                    raise SystemExit(f"server {server.url} exited with {server.process.returncode}")
                try:
                    async with session.get(server.url + "/healthz") as resp:
                        if resp.status == 200 and warm(await resp.json()):
                            break
                except aiohttp.ClientError:
                    pass
                if time.monotonic() > deadline:
                    raise SystemExit(f"server {server.url} not ready after {seconds:.0f} s")
                await asyncio.sleep(0.2)


def stop(servers: list[Server]) -> None:
    for server in servers:
        if server.process.poll() is None:
            server.process.send_signal(signal.SIGINT)
    for server in servers:
        try:
            server.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.process.kill()
            server.process.wait()


def cpu_seconds(servers: list[Server]) -> float:
    """CPU time used so far by the server processes (user + system, all their threads): the work
    a webhook costs, which a busy shared machine does not inflate the way it does latencies."""
    total = 0
    for server in servers:
        fields = Path(f"/proc/{server.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of stat)
    return total / os.sysconf("SC_CLK_TCK")


def start_profiler(pid: int, out: str, fmt: str) -> subprocess.Popen[bytes]:
    """py-spy sampling the server at 200 Hz, idle threads too (waits are what we look for)."""
    py_spy = str(Path(sys.executable).parent / "py-spy")
    return subprocess.Popen([py_spy, "record", "-o", out, "-r", "200", "-p", str(pid), "--idle", "-f", fmt],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def reset_postgres(url: str) -> None:
    engine = sa.create_engine(sync_url(url))
    with engine.begin() as conn:
        conn.execute(sa.text("DROP SCHEMA public CASCADE"))
        conn.execute(sa.text("CREATE SCHEMA public"))
    engine.dispose()


def our_env(work: Path, database_url: str | None, fake_twilio: str, extra: Sequence[str] = ()) -> dict[str, str]:
    hours = work / "hours.yaml"
    hours.write_text(ALWAYS_OPEN, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("CALLCENTER_")}
    env.update({
        "CALLCENTER_DATA_DIR": str(work / "var"),
        "CALLCENTER_DATABASE_URL": database_url or f"sqlite:///{work / 'callcenter.db'}",
        "CALLCENTER_TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "CALLCENTER_TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "CALLCENTER_SECRET_KEY": "load-bench-secret",
        "CALLCENTER_HOURS_FILE": str(hours),
        "CALLCENTER_TWILIO_API_URL": fake_twilio,
        "CALLCENTER_TWILIO_PHONE_NUMBER": "+33900000000",
        "CALLCENTER_LOG_LEVEL": "WARNING",
        # Real-looking credentials on loopback without a public URL: a development server.
        "CALLCENTER_DEV": "true",
    })
    # --server-env NAME=VALUE: a setting to compare (CALLCENTER_GC_YOUNG=10000).
    env.update(dict(item.split("=", 1) for item in extra))
    return env


# -- the client ------------------------------------------------------------------------------------

@dataclass
class Result:
    latencies: list[float]
    seconds: float
    errors: int
    apologies: int
    cpu: float = 0.0  # the servers' CPU seconds during the run


async def one_call(session: aiohttp.ClientSession, base: str, latencies: list[float],
                   counts: dict[str, int]) -> None:
    sid = "CA" + secrets.token_hex(16)
    caller = "+336" + "".join(secrets.choice("0123456789") for _ in range(8))

    async def post(path: str, extra: dict[str, str], status: str = "in-progress") -> str:
        params = {"CallSid": sid, "AccountSid": ACCOUNT_SID, "From": caller, "To": "+33900000000",
                  "CallStatus": status, "Direction": "inbound", "ApiVersion": "2010-04-01", **extra}
        headers = {"X-Twilio-Signature": sign(AUTH_TOKEN, base + path, params)}
        began = time.perf_counter()
        async with session.post(base + path, data=params, headers=headers) as resp:
            body = await resp.text()
            latencies.append(time.perf_counter() - began)
            if resp.status not in (200, 204):
                counts["errors"] += 1
            if "incident technique" in body:
                counts["apologies"] += 1
            return body

    document = await post("/twilio/voice", {}, "ringing")
    for keys in ("1", "0"):
        found = GATHER_ACTION.search(document)
        if found is None:
            counts["errors"] += 1
            break
        document = await post(found.group(1).replace("&amp;", "&"), {"Digits": keys})
    await post("/twilio/status", {"CallDuration": "30"}, "completed")


async def drive(bases: list[str], calls: int, concurrency: int) -> Result:
    latencies: list[float] = []
    counts = {"errors": 0, "apologies": 0}
    gate = asyncio.Semaphore(concurrency)
    connector = aiohttp.TCPConnector(limit=concurrency * 2)
    timeout = aiohttp.ClientTimeout(total=60)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        async def guarded(i: int) -> None:
            async with gate:
                try:
                    await one_call(session, bases[i % len(bases)], latencies, counts)
                except (TimeoutError, aiohttp.ClientError):
                    counts["errors"] += 1

        began = time.perf_counter()
        await asyncio.gather(*(guarded(i) for i in range(calls)))
        seconds = time.perf_counter() - began
    return Result(latencies, seconds, counts["errors"], counts["apologies"])


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def measured(servers: list[Server], calls: int, concurrency: int) -> Result:
    before = cpu_seconds(servers)
    result = await drive([s.url for s in servers], calls, concurrency)
    result.cpu = cpu_seconds(servers) - before
    return result


def summary(name: str, result: Result) -> dict[str, float]:
    row = {"rps": len(result.latencies) / result.seconds, "p50": 1000 * pct(result.latencies, 0.50),
           "p99": 1000 * pct(result.latencies, 0.99), "cpu": 1000 * result.cpu / max(1, len(result.latencies))}
    print(f"  {name:<6} {row['rps']:8.1f} webhooks/s  p50 {row['p50']:7.1f} ms  p99 {row['p99']:7.1f} ms"
          f"  server CPU {row['cpu']:5.2f} ms/webhook"
          f"  ({len(result.latencies)} requests, {result.errors} errors, {result.apologies} apologies)",
          flush=True)
    return row


def spread(rows: list[dict[str, float]], key: str) -> str:
    values = [r[key] for r in rows]
    return f"{statistics.median(values):8.1f} ({min(values):.1f}-{max(values):.1f})"


async def main_async(args: argparse.Namespace) -> int:
    python = sys.executable
    bare_rows: list[dict[str, float]] = []
    our_rows: list[dict[str, float]] = []
    ratios: list[float] = []
    failures = 0
    server_cpus: list[int | None] = [None] * args.processes
    if args.pin_cpus:
        pinned, rest = pinned_cpus(args.processes)
        server_cpus = list(pinned)
        os.sched_setaffinity(0, rest)  # the client; the fake Twilio started from here inherits it
        print(f"servers on CPU {', '.join(map(str, pinned))}, the client on {', '.join(map(str, sorted(rest)))}",
              flush=True)
    for run in range(1, args.runs + 1):
        work = Path(tempfile.mkdtemp(prefix="cc-load-"))
        log = work / "servers.log"
        print(f"run {run}/{args.runs}", flush=True)
        started: list[Server] = []  # stopped whatever happens, so no run leaves a server behind
        groups: list[CpuGroup] = []  # removed whatever happens, once their servers are stopped
        try:
            port = free_port()
            bare = start([python, __file__, "--bare-server", str(port), "--bare-gc-young", str(args.bare_gc_young)],
                         dict(os.environ), port, log, server_cpus[0])
            started.append(bare)
            await wait_ready([bare])
            await drive([bare.url], min(args.calls, 20), args.concurrency)  # warm-up
            bare_rows.append(summary("bare", await measured([bare], args.calls, args.concurrency)))
            stop([bare])

            if args.database_url and args.database_url.startswith("postgres"):
                reset_postgres(args.database_url)
            fake_port = free_port()
            fake = start([CLI, "fake-twilio", "--port", str(fake_port)],
                         {**os.environ, "PYTHONUNBUFFERED": "1"}, fake_port, log)
            started.append(fake)
            env = our_env(work, args.database_url, f"http://127.0.0.1:{fake_port}", args.server_env)
            servers = []
            for index in range(args.processes):
                port = free_port()
                servers.append(start([CLI, "serve", "--port", str(port)],
                                     env, port, log, server_cpus[index]))
                started.append(servers[-1])
                if args.cpu_per_process:
                    groups.append(CpuGroup.create(CPU_CGROUPS, f"cc-load-{os.getpid()}-{run}-{index}",
                                                  args.cpu_per_process))
                    groups[-1].add(servers[-1].process.pid)
                await wait_ready(servers[-1:])  # one at a time: the first applies the migrations
            await drive([s.url for s in servers], min(args.calls, 20), args.concurrency)  # warm-up
            profiler = None
            if args.profile and run == args.runs:
                profiler = start_profiler(servers[0].process.pid, args.profile, args.profile_format)
                await asyncio.sleep(1.0)
            ours = await measured(servers, args.calls, args.concurrency)
            if profiler is not None:
                profiler.send_signal(signal.SIGINT)
                profiler.wait(timeout=60)
                print(f"  profile of the server written to {args.profile}", flush=True)
            our_rows.append(summary("ours", ours))
            failures += ours.errors + ours.apologies
            ratios.append(our_rows[-1]["rps"] / bare_rows[-1]["rps"])
            stop([*servers, fake])
        finally:
            stop(started)
            for group in groups:
                group.remove()
            if not args.keep:
                shutil.rmtree(work, ignore_errors=True)
            else:
                print(f"  kept {work}")
    print(f"\n{args.calls} calls x 4 webhooks, concurrency {args.concurrency}, {args.processes} process(es), "
          f"{'PostgreSQL' if args.database_url else 'SQLite'}"
          f"{f', {args.cpu_per_process:g} core per server' if args.cpu_per_process else ''}"
          f"{', each server on a CPU of its own' if args.pin_cpus else ''};"
          f" median (min-max) over {args.runs} runs")
    for name, rows in (("bare", bare_rows), ("ours", our_rows)):
        print(f"  {name:<6} webhooks/s {spread(rows, 'rps')}   p50 ms {spread(rows, 'p50')}"
              f"   p99 ms {spread(rows, 'p99')}   CPU ms/webhook {spread(rows, 'cpu')}")
    print(f"  ours / bare throughput: {100 * statistics.median(ratios):.1f} % "
          f"({100 * min(ratios):.1f}-{100 * max(ratios):.1f})")
    if failures:
        print(f"  {failures} failed requests or apologies: the figures are not valid", file=sys.stderr)
        return 1
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    # 1,000 calls: the bare handler answers 4,000 webhooks in about a second; with 200 its measure
    # lasted a quarter of a second and one scheduling hiccup moved the share by points (session 10).
    parser.add_argument("--calls", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=100)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--processes", type=int, default=1)
    parser.add_argument("--database-url", help="PostgreSQL URL (emptied before each run); default SQLite")
    parser.add_argument("--profile", help="py-spy flame graph of the (first) server, last run")
    parser.add_argument("--profile-format", default="flamegraph", help="py-spy format: flamegraph, raw, speedscope")
    parser.add_argument("--cpu-per-process", type=float,
                        help="cap each server at this share of one core (cgroup v1, as root)")
    parser.add_argument("--pin-cpus", action="store_true",
                        help="each server (bare and ours) on a CPU of its own, the client and the fake "
                             "Twilio on the others (taskset): the client never takes a server's CPU")
    parser.add_argument("--keep", action="store_true", help="keep the working folder (logs, database)")
    parser.add_argument("--server-env", action="append", default=[], metavar="NAME=VALUE",
                        help="a setting given to our servers (repeatable), e.g. CALLCENTER_GC_YOUNG=10000")
    parser.add_argument("--bare-gc-young", type=int, default=0, metavar="N",
                        help="freeze the bare handler's heap and set its young generation's threshold to N, as "
                             "CALLCENTER_GC_YOUNG does ours (a comparison; the baseline is the plain handler)")
    parser.add_argument("--bare-server", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.bare_server:
        bare_server(args.bare_server, args.bare_gc_young)
        return 0
    return asyncio.run(main_async(args))


if __name__ == "__main__":
    sys.exit(main())
