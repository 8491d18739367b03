#!/usr/bin/env python3
"""Redaction: recall and precision on the test set, and the time it takes per text.

    .venv/bin/python bench/redaction.py [--set tests/privacy/fixtures/redaction.jsonl] [--repeat 50]

Recall: personal items (keyed and spoken) replaced exactly by their label, nothing else touched.
Precision: those items over everything redacted (ordinary sentences touched count against it).
Time: every text of the set, ``--repeat`` times, then one text made of them all (a long note).
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

from callcenter.privacy import LABELS, redact

DEFAULT_SET = Path(__file__).resolve().parent.parent / "tests" / "privacy" / "fixtures" / "redaction.jsonl"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--set", type=Path, default=DEFAULT_SET)
    parser.add_argument("--repeat", type=int, default=50)
    args = parser.parse_args()
    rows = [json.loads(line) for line in args.set.read_text(encoding="utf-8").splitlines() if line.strip()]
    found = {"keyed": [0, 0], "spoken": [0, 0]}
    touched = 0
    for row in rows:
        out = redact(row["text"])
        if row["kind"] == "none":
            touched += out != row["text"]
            continue
        found[row["form"]][1] += 1
        found[row["form"]][0] += out == row["text"].replace(row["secret"], LABELS[row["kind"]])
    positives = sum(total for _, total in found.values())
    hits = sum(hit for hit, _ in found.values())
    for form, (hit, total) in found.items():
        print(f"recall {form:7} {hit / total:.3f} ({hit}/{total})")
    print(f"recall          {hits / positives:.3f}; ordinary sentences touched {touched}/"
          f"{sum(r['kind'] == 'none' for r in rows)}; precision {hits / (hits + touched):.3f}")
    times = []
    for _ in range(args.repeat):
        for row in rows:
            start = time.perf_counter()
            redact(row["text"])
            times.append(time.perf_counter() - start)
    times.sort()
    print(f"per text ({len(times)}): median {statistics.median(times) * 1e6:.0f} us, "
          f"p99 {times[int(len(times) * 0.99)] * 1e6:.0f} us")
    long = " ".join(r["text"] for r in rows)
    start = time.perf_counter()
    redact(long)
    print(f"one text of {len(long)} characters: {(time.perf_counter() - start) * 1000:.1f} ms")


if __name__ == "__main__":
    main()
