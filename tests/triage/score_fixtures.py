"""Score the triage rules on labelled fixture sentences and report precision and recall.

    .venv/bin/python -m tests.triage.score_fixtures tests/triage/fixtures/generalisation_batch1.jsonl [--errors]

Each line of a fixture file is ``{"text", "fragile", "urgent", "reasons"}``. The figures are
those of ``shared/eval/score.py`` (fragile P/R/F1, urgent P/R, reasons micro-F1), plus the
recall of each reason, so that a new batch of sentences can be scored *before* the rules are
tuned on it (see docs/triage.md, "Quality").
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from callcenter.triage import TriageInput, TriageRules, assess, load_rules


def load_cases(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    p = tp / (tp + fp) if tp + fp else 1.0
    r = tp / (tp + fn) if tp + fn else 1.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f


@dataclass
class Score:
    n: int = 0
    fragile: Counter = field(default_factory=Counter)
    urgent: Counter = field(default_factory=Counter)
    reasons: Counter = field(default_factory=Counter)
    per_reason: dict[str, Counter] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)

    def fragile_prf(self) -> tuple[float, float, float]:
        return _prf(self.fragile["tp"], self.fragile["fp"], self.fragile["fn"])

    def urgent_prf(self) -> tuple[float, float, float]:
        return _prf(self.urgent["tp"], self.urgent["fp"], self.urgent["fn"])

    def reasons_f1(self) -> float:
        return _prf(self.reasons["tp"], self.reasons["fp"], self.reasons["fn"])[2]

    def summary(self) -> str:
        fp, fr, ff = self.fragile_prf()
        up, ur, _ = self.urgent_prf()
        return (f"n {self.n}: fragile P {fp:.3f} R {fr:.3f} F1 {ff:.3f}; "
                f"urgent P {up:.3f} R {ur:.3f}; reasons micro-F1 {self.reasons_f1():.3f}")

    def reason_recalls(self) -> str:
        parts = []
        for rid in sorted(self.per_reason):
            c = self.per_reason[rid]
            parts.append(f"{rid} {c['hit']}/{c['hit'] + c['miss']}")
        return "reason recall: " + ", ".join(parts)


def _count(c: Counter, expected: bool, got: bool) -> None:
    c["tp" if expected and got else "fp" if got else "fn" if expected else "tn"] += 1


def score(rules: TriageRules, cases: list[dict]) -> Score:
    s = Score()
    for case in cases:
        d = assess(rules, TriageInput(utterances=(case["text"],)))
        s.n += 1
        _count(s.fragile, case["fragile"], d.fragile)
        _count(s.urgent, case["urgent"], d.urgent)
        got = set(d.reason_ids)
        want = set(case["reasons"])
        s.reasons["tp"] += len(got & want)
        s.reasons["fp"] += len(got - want)
        s.reasons["fn"] += len(want - got)
        for rid in want:
            s.per_reason.setdefault(rid, Counter())["hit" if rid in got else "miss"] += 1
        if (d.fragile, d.urgent) != (case["fragile"], case["urgent"]):
            s.errors.append(f"want F={case['fragile']:d} U={case['urgent']:d} got F={d.fragile:d} "
                            f"U={d.urgent:d} {sorted(got)} {d.score:.1f} | {case['text']}")
    return s


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("files", nargs="+", type=Path)
    ap.add_argument("--rules", type=Path, help="another rules file")
    ap.add_argument("--errors", action="store_true", help="list the wrong decisions")
    args = ap.parse_args(argv)
    rules = load_rules(args.rules) if args.rules else load_rules()
    for path in args.files:
        s = score(rules, load_cases(path))
        print(f"{path.name}: {s.summary()}")
        print("  " + s.reason_recalls())
        if args.errors:
            for e in s.errors:
                print("  " + e)


if __name__ == "__main__":
    main()
