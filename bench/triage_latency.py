#!/usr/bin/env python3
"""Latency of the triage in the call path: the IVR step that hears a new utterance, with the rules
alone (the baseline, same run) and with the semantic detector.

What is timed is ``IvrEngine.step(state, SpeechReceived(text), now)`` on the bundled main flow,
the knowledge base and the triage the server runs, for utterances the process never saw (the
semantic reading of a new utterance is not cached; every earlier utterance of the call is). Each
call has up to three utterances, so the triage re-reads the whole call as the server does.

    .venv/bin/python bench/triage_latency.py [--runs 7] [--data ../shared/eval/dev_eval_2.jsonl]

Prints, per configuration, the median over runs of the per-utterance median and 95th percentile,
with the spread (min-max over runs), and the ratio to the rules-only baseline.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from callcenter.config import PROJECT_ROOT
from callcenter.flows import load_flow
from callcenter.ivr import CallStarted, IvrEngine, SpeechReceived
from callcenter.kb import KnowledgeIndex, load_knowledge_base
from callcenter.triage import load_rules
from callcenter.triage.semantic import DEFAULT_MODEL_PATH, Head, SemanticModel, default_encoder

T0 = datetime(2026, 12, 5, 9, 0, tzinfo=UTC)


def utterances(path: Path) -> list[str]:
    return [json.loads(line)["text"] for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def one_run(engine: IvrEngine, texts: list[str], run: int) -> list[float]:
    """Milliseconds per step, calls of up to three utterances (tagged so no text repeats a run)."""
    out: list[float] = []
    for start in range(0, len(texts), 3):
        state = engine.new_call(f"CA{run:02d}{start:030d}")
        state, _ = engine.step(state, CallStarted("+33611111111", "+33900000000"), T0)
        for i, text in enumerate(texts[start:start + 3]):
            if state.status != "in_ivr":
                break
            said = SpeechReceived(f"{text} {'euh ' * run}".strip(), 0.8)
            began = time.perf_counter()
            state, _ = engine.step(state, said, T0 + timedelta(seconds=10 * (i + 1)))
            out.append(1000 * (time.perf_counter() - began))
    return out


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--data", type=Path, default=PROJECT_ROOT.parent / "shared" / "eval" / "dev_eval_2.jsonl")
    args = ap.parse_args()
    if not args.data.exists():
        sys.exit(f"no data file {args.data}")
    texts = utterances(args.data)
    flow = load_flow(PROJECT_ROOT / "ivr_flows" / "main.yaml")
    knowledge = KnowledgeIndex.build(load_knowledge_base(PROJECT_ROOT / "knowledge_base"))
    rules = load_rules()
    began = time.perf_counter()
    semantic = SemanticModel(default_encoder(), Head.load(DEFAULT_MODEL_PATH))
    semantic.read(["chargement du modèle"])
    load_ms = 1000 * (time.perf_counter() - began)
    configs = {"rules only (baseline)": IvrEngine(flow, knowledge, rules),
               "rules + semantic": IvrEngine(flow, knowledge, rules, semantic=semantic)}
    results: dict[str, list[tuple[float, float]]] = {name: [] for name in configs}
    for run in range(args.runs):
        for name, engine in configs.items():  # interleaved, so load on the machine hits both alike
            times = one_run(engine, texts, run + 1)
            results[name].append((statistics.median(times), pct(times, 0.95)))
    print(f"{len(texts)} utterances from {args.data.name}, {args.runs} runs; semantic model "
          f"{semantic.version} loaded in {load_ms:.0f} ms")
    base_median = statistics.median(m for m, _ in results["rules only (baseline)"])
    for name, rows in results.items():
        medians, p95s = [m for m, _ in rows], [p for _, p in rows]
        print(f"{name:24} per utterance: median {statistics.median(medians):6.2f} ms "
              f"(runs {min(medians):.2f}-{max(medians):.2f}), p95 {statistics.median(p95s):6.2f} ms "
              f"(runs {min(p95s):.2f}-{max(p95s):.2f}); x{statistics.median(medians) / base_median:.1f} baseline")
    return 0


if __name__ == "__main__":
    sys.exit(main())
