#!/usr/bin/env python3
"""Flow analytics and knowledge gaps: how long the reports take on a month of logged calls.

    PYTHONPATH=. .venv/bin/python bench/flow_analytics.py [--calls 5000] [--database sqlite:///tmp/bench.db]

Calls are run through the real engine on the bundled flow and knowledge base (a mix of menu
keys, questions answered, clarified and not understood, silences, hang-ups) and stored as the
service logs them (with the tests' seeding helper, hence PYTHONPATH); then the time to read them
back and to compute each report.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from callcenter.config import PROJECT_ROOT
from callcenter.flows import load_flow
from callcenter.ivr import CallEnded, DigitsReceived, IvrEngine, NoInput, SpeechReceived
from callcenter.kb import KnowledgeIndex, load_knowledge_base
from callcenter.reports.flow_analytics import flow_report
from callcenter.reports.flow_data import flow_versions, flows_of, logged_calls
from callcenter.reports.gaps import gaps_report
from callcenter.store import Database
from callcenter.triage import load_rules
from tests.reports.seeded_calls import T0, Plan, seed

MAIN = PROJECT_ROOT / "ivr_flows" / "main.yaml"
SCRIPTS = [
    [DigitsReceived("1"), DigitsReceived("1")],
    [SpeechReceived("le paiement est en retard", 0.8), DigitsReceived("1")],
    [SpeechReceived("comment renouveler mon passeport", 0.8)],
    [SpeechReceived("des nouvelles du bidule", 0.8), NoInput()],
    [NoInput(), DigitsReceived("5")],
    [DigitsReceived("0")],
]


def plans(count: int, rng: random.Random) -> list[Plan]:
    out = []
    for i in range(count):
        events = [(5.0 * (k + 1), e) for k, e in enumerate(rng.choice(SCRIPTS))]
        events.append((events[-1][0] + 30, CallEnded()))
        out.append(Plan(events, tier=rng.choice(["normal"] * 8 + ["fragile", "urgent"]),
                        caller_hash=f"h{rng.randrange(count // 2)}", start=T0 + timedelta(minutes=9 * i)))
    return out


async def measure(url: str) -> None:
    db = Database(url)
    try:
        t = time.perf_counter()
        calls = await logged_calls(db, flow_id="main")
        read = time.perf_counter() - t
        flows = await flow_versions(db, "main", [1])
        t = time.perf_counter()
        flow_report(calls, flows[1], flows)
        analytics = time.perf_counter() - t
        keyed = await flows_of(db, calls)
        t = time.perf_counter()
        gaps_report(calls, keyed)
        gaps = time.perf_counter() - t
    finally:
        await db.close()
    print(f"{len(calls)} calls: read from the store {read:.2f} s, flow analytics {analytics:.3f} s, "
          f"knowledge gaps {gaps:.3f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=5000)
    parser.add_argument("--database", help="default: a new SQLite file in a temporary directory")
    args = parser.parse_args()
    url = args.database or f"sqlite:///{Path(tempfile.mkdtemp()) / 'bench.db'}"
    kb = KnowledgeIndex.build(load_knowledge_base(PROJECT_ROOT / "knowledge_base"))
    engine = IvrEngine(load_flow(MAIN), kb, load_rules())
    t = time.perf_counter()
    asyncio.run(seed(url, plans(args.calls, random.Random(7)), MAIN.read_text(encoding="utf-8"), engine))
    print(f"seeded {args.calls} calls in {time.perf_counter() - t:.1f} s")
    asyncio.run(measure(url))


if __name__ == "__main__":
    main()
