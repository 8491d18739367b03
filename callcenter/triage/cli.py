"""callcenter triage: run the fragility triage on text typed or piped in.

callcenter triage "TEXT" ["TEXT" ...] assesses the utterances as one call and prints the
decision with its evidence; --jsonl reads one utterance per line on stdin and writes one JSON
object per line (for evaluation tools).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, TextIO

from callcenter.errors import CallCenterError
from callcenter.triage.assess import assess
from callcenter.triage.loader import load_rules
from callcenter.triage.model import TriageDecision, TriageInput
from callcenter.triage.rules import TriageRules
from callcenter.triage.semantic import SemanticModel, SemanticUnavailable, load_semantic


class TriageUsageError(CallCenterError):
    """The command line asks for something the triage cannot do."""

    code = "triage_usage"


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "triage",
        help="assess the fragility of a caller from what they said",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("text", nargs="*", help="caller utterances, oldest first (one call)")
    parser.add_argument("--jsonl", action="store_true",
                        help="read one utterance per line on stdin, write one JSON object per line")
    parser.add_argument("--json", action="store_true", help="print the whole decision as JSON")
    parser.add_argument("--rules", metavar="PATH", help="rules file (default: the bundled one)")
    parser.add_argument("--rules-only", action="store_true",
                        help="without the semantic detector (what the server does when its model is missing)")
    parser.add_argument("--semantic-model", metavar="PATH", type=Path,
                        help="semantic model file (default: the bundled one)")
    group = parser.add_argument_group("call facts (optional)")
    group.add_argument("--no-input", type=int, default=0, metavar="N", help="no-input turns")
    group.add_argument("--no-match", type=int, default=0, metavar="N", help="no-match turns")
    group.add_argument("--asked-for-person", action="store_true", help="the caller asked for a person")
    group.add_argument("--seconds-in-ivr", type=float, default=0.0, metavar="S",
                       help="seconds already spent in the voice menu")
    group.add_argument("--calls-7d", type=int, default=0, metavar="N", help="calls from this number in 7 days")
    group.add_argument("--calls-30d", type=int, default=0, metavar="N", help="calls from this number in 30 days")
    group.add_argument("--unresolved", type=int, default=0, metavar="N",
                       help="previous calls left unresolved")
    group.add_argument("--missed-callbacks", type=int, default=0, metavar="N",
                       help="callbacks promised and not made")
    group.add_argument("--profile", action="append", default=[], metavar="FACT",
                       help="a profile fact declared in the rules file (repeatable)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    rules = load_rules(args.rules)
    semantic = None
    if not args.rules_only:
        try:
            semantic = load_semantic(args.semantic_model)
        except SemanticUnavailable as exc:
            print(f"callcenter: semantic triage unavailable, rules only: {exc}", file=sys.stderr)
    unknown = sorted(set(args.profile) - set(rules.profile_facts))
    if unknown:
        known = ", ".join(sorted(rules.profile_facts)) or "none"
        raise TriageUsageError(f"unknown profile fact {unknown[0]!r} (known: {known})")
    if args.jsonl:
        if args.text:
            raise TriageUsageError("--jsonl reads stdin; give no TEXT argument")
        return _jsonl(rules, semantic, args, sys.stdin, sys.stdout)
    if not args.text:
        raise TriageUsageError("give the caller's words as TEXT, or use --jsonl")
    decision = assess(rules, _input(args, tuple(args.text)), semantic)
    if args.json:
        print(json.dumps(decision.to_dict(), ensure_ascii=False, indent=2))
    else:
        print(render(rules, decision))
    return 0


def _input(args: argparse.Namespace, utterances: tuple[str, ...]) -> TriageInput:
    return TriageInput(
        utterances=utterances,
        no_input_count=args.no_input,
        no_match_count=args.no_match,
        asked_for_person=args.asked_for_person,
        seconds_in_ivr=args.seconds_in_ivr,
        calls_last_7_days=args.calls_7d,
        calls_last_30_days=args.calls_30d,
        unresolved_previous_calls=args.unresolved,
        missed_callbacks=args.missed_callbacks,
        profile=frozenset(args.profile),
    )


def _jsonl(rules: TriageRules, semantic: SemanticModel | None, args: argparse.Namespace, stdin: TextIO,
           stdout: TextIO) -> int:
    for stream in (stdin, stdout):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(encoding="utf-8")
    # One answer per input line, blank lines included, so answers stay aligned with the input.
    texts = [line.rstrip("\r\n") for line in stdin]
    if semantic is not None:
        for start in range(0, len(texts), 64):
            semantic.read(texts[start:start + 64])  # encoded in batches: much faster than one by one
    for text in texts:
        decision = assess(rules, _input(args, (text,)), semantic)
        row = {
            "text": text,
            "fragile": decision.fragile,
            "urgent": decision.urgent,
            "reasons": list(decision.reason_ids),
            "score": decision.score,
            "check_danger": decision.check_danger,
        }
        stdout.write(json.dumps(row, ensure_ascii=False) + "\n")
    stdout.flush()
    return 0


def render(rules: TriageRules, decision: TriageDecision) -> str:
    """A decision as an agent or a reviewer reads it."""
    lines = [
        f"fragile: {'yes' if decision.fragile else 'no'}   urgent: {'YES' if decision.urgent else 'no'}"
        f"   score: {decision.score:.2f}   rules: {decision.rules_version} ({decision.rules_digest})"
    ]
    if decision.urgent:
        lines.append("emergency numbers:")
        lines.extend(f"  {n}  {rules.emergency_label(n)}" for n in decision.emergency_numbers)
        lines.append(f"urgent because: {', '.join(decision.urgent_triggers)}")
    if decision.check_danger:
        lines.append("doubt: the IVR asks the caller whether they are in danger now")
    for title, reasons in (("reasons", decision.reasons), ("weak signs (not enough alone)", decision.hints)):
        if reasons:
            lines.append(f"{title}:")
            for reason in reasons:
                lines.append(f"  {reason.id}")
                lines.extend(f"    « {e} »" for e in reason.evidence)
    if decision.set_aside:
        lines.append("set aside:")
        lines.extend(f"  {s.reason}: « {s.evidence} » ({s.why})" for s in decision.set_aside)
    sem = decision.semantic
    if sem is not None and (sem["decided"] != "none" or decision.fragile):
        lines.append(f"semantic ({sem['version']}): urgent {sem['urgent']:.2f}, fragile {sem['fragile']:.2f}, "
                     f"decided {sem['decided']}")
        lines.append(f"  read in « {sem['window']} »; nearest written situations:")
        lines.extend(f"    {n['similarity']:.2f} [{n['family']}] « {n['text']} »" for n in sem["neighbours"])
    if not (decision.reasons or decision.hints or decision.set_aside):
        lines.append("no sign of fragility found")
    return "\n".join(lines)
