#!/usr/bin/env python3
"""The scorer's knowledge-base figures for every labelled set, in one table.

Each set is given to ``../shared/eval/score.py`` exactly as the lead scores it: the two
development sets as they are, and the YAML batches of ``tests/kb/fixtures`` (``typical``,
``corrections``, ``misheard``: the topic; ``out_of_scope``: no topic) written out as the scorer's
JSONL first. One row per set: match accuracy, wrong answers, resolved within one question.

    .venv/bin/python bench/kb_batches.py [--kb '.venv/bin/callcenter kb search --jsonl']
                                         [--set NAME]... [--show-errors]

``--kb`` is the command under test (an environment variable before it selects a setting, e.g.
``--kb 'env CALLCENTER_KB_SEMANTIC=off .venv/bin/callcenter kb search --jsonl'``).
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

PROJECT = Path(__file__).resolve().parent.parent
SHARED_EVAL = PROJECT.parent / "shared" / "eval"
if not SHARED_EVAL.is_dir():  # a worktree beside the main checkout: /work/wt-x next to /work/shared
    SHARED_EVAL = Path("/work/shared/eval")
FIXTURES = PROJECT / "tests" / "kb" / "fixtures"
SETS: dict[str, Path] = {
    "dev set 1": SHARED_EVAL / "dev_eval.jsonl",
    "dev set 2": SHARED_EVAL / "dev_eval_2.jsonl",
    "own sentences": FIXTURES / "queries.yaml",
    "blind batch 2": FIXTURES / "blind_batch2.yaml",
    "blind batch 3": FIXTURES / "blind_batch3.yaml",
    "blind batch 4": FIXTURES / "blind_batch4.yaml",
    "blind batch 5": FIXTURES / "blind_batch5.yaml",
    "blind batch 6": FIXTURES / "blind_batch6.jsonl",
    "blind batch 7": FIXTURES / "blind_batch7.jsonl",
    "blind batch 8": FIXTURES / "blind_batch8.jsonl",
    "blind batch 9": FIXTURES / "blind_batch9.jsonl",
    "blind batch 10": FIXTURES / "blind_batch10.jsonl",
}
SECTIONS = ("typical", "corrections", "misheard")
_SUMMARY = re.compile(r"match accuracy ([\d.]+) \((\d+)/(\d+)\).*wrong answers ([\d.]+), "
                      r"resolved within one question ([\d.]+)")


def yaml_to_rows(path: Path) -> list[dict[str, object]]:
    """A fixture batch as the scorer's lines (the same reading as tests/kb/test_kb_blind.py)."""
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    rows: list[dict[str, object]] = [
        {"text": text, "topic": topic, "fragile": False, "reasons": [], "urgent": False}
        for section in SECTIONS for topic, texts in (doc.get(section) or {}).items() for text in texts
    ]
    rows += [{"text": text, "topic": None, "fragile": False, "reasons": [], "urgent": False}
             for text in doc.get("out_of_scope") or []]
    return rows


def score(path: Path, kb_cmd: str, show_errors: bool, tmp: Path) -> tuple[str, str]:
    """(summary line, error lines) of score.py on one set."""
    if path.suffix in (".yaml", ".yml"):
        data = tmp / (path.stem + ".jsonl")
        data.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in yaml_to_rows(path)),
                        encoding="utf-8")
    else:
        data = path
    cmd = [sys.executable, str(SHARED_EVAL / "score.py"), str(data), "--skip-triage", "--kb", kb_cmd]
    if show_errors:
        cmd.append("--show-errors")
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=PROJECT, check=False)
    if proc.returncode != 0:
        sys.exit(f"score.py failed on {path}: {proc.stderr.strip()[-2000:]}")
    lines = proc.stdout.strip().splitlines()
    return lines[-1], "\n".join(lines[:-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--kb", default=f"{PROJECT / '.venv' / 'bin' / 'callcenter'} kb search --jsonl")
    ap.add_argument("--set", action="append", choices=sorted(SETS), help="only these sets (repeatable)")
    ap.add_argument("--show-errors", action="store_true")
    args = ap.parse_args()
    print(f"kb command: {args.kb}")
    print(f"{'set':<15} {'n':>4} {'accuracy':>8} {'wrong':>7} {'resolved':>8}")
    totals = [0, 0.0, 0.0]
    with tempfile.TemporaryDirectory() as tmp:
        for name, path in SETS.items():
            if args.set and name not in args.set:
                continue
            if not path.is_file():
                print(f"{name:<15} missing: {path}")
                continue
            summary, errors = score(path, args.kb, args.show_errors, Path(tmp))
            found = _SUMMARY.search(summary)
            if found is None:
                sys.exit(f"unexpected scorer output: {summary}")
            acc, _, n, wrong, resolved = found.groups()
            print(f"{name:<15} {int(n):>4} {float(acc):>8.3f} {float(wrong):>7.3f} {float(resolved):>8.3f}")
            if errors:
                print("    " + errors.replace("\n", "\n    "))
            totals[0] += int(n)
            totals[1] += float(wrong) * int(n)
            totals[2] += float(resolved) * int(n)
    if totals[0]:
        print(f"{'all':<15} {int(totals[0]):>4} {'':>8} {totals[1] / totals[0]:>7.3f} "
              f"{totals[2] / totals[0]:>8.3f}")


if __name__ == "__main__":
    main()
