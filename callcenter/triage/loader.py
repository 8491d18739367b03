"""Read, check and compile a fragility rules file; keep the last good one when a reload fails.

This is the only part of the triage that touches the file system. A file with any fault is
refused whole, with every fault reported as ``file:line: reason`` (lines come from the YAML node
marks), so a broken file can never reach a call.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator

from callcenter.errors import CallCenterError, FileFault
from callcenter.triage.phrases import PhraseError, Vocabulary, compile_phrase
from callcenter.triage.rules import (
    Combination,
    Composition,
    Cue,
    Entry,
    Mask,
    Scopes,
    Signal,
    TriageRules,
)
from callcenter.triage.text import TextSettings, fold, normalise_words
from callcenter.yamlfile import YamlSyntaxError, load_with_lines

DEFAULT_RULES_PATH = Path(__file__).with_name("fragility.yaml")
SCHEMA_PATH = Path(__file__).with_name("fragility.schema.json")

_Path = tuple[str | int, ...]


RulesProblem = FileFault  # one fault type for every data file


class RulesError(CallCenterError):
    """A rules file is refused; ``problems`` lists every fault found."""

    code = "triage_rules"

    def __init__(self, problems: list[RulesProblem]) -> None:
        super().__init__("fragility rules refused:\n" + "\n".join(str(p) for p in problems))
        self.problems = problems


def load_rules(path: str | Path | None = None) -> TriageRules:
    """Load and compile a rules file (the bundled one by default); raise :class:`RulesError`."""
    file = Path(path) if path is not None else DEFAULT_RULES_PATH
    try:
        raw = file.read_bytes()
    except OSError as exc:
        raise RulesError([RulesProblem(str(file), 1, f"cannot read: {exc.strerror or exc}")]) from None
    return parse_rules(raw, str(file))


def parse_rules(raw: bytes, name: str) -> TriageRules:
    """Check and compile the bytes of a rules file; ``name`` is used in error messages."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise RulesError([RulesProblem(name, 1, f"not UTF-8: {exc.reason}")]) from None
    data, lines = _load_with_lines(text, name)

    def line_of(path: _Path) -> int:
        while path and path not in lines:
            path = path[:-1]
        return lines.get(path, 1)

    problems = _schema_problems(data, name, line_of)
    if problems:
        raise RulesError(problems)
    builder = _Builder(data, name, line_of, hashlib.sha256(raw).hexdigest()[:12])
    rules = builder.build()
    if builder.problems:
        raise RulesError(sorted(builder.problems, key=lambda p: p.line))
    return rules


class RulesHolder:
    """The rules in force for a running server, swapped only for a file that loads cleanly."""

    def __init__(self, path: str | Path | None = None,
                 loader: Callable[[str | Path | None], TriageRules] = load_rules) -> None:
        self._path = path
        self._loader = loader
        self._lock = threading.Lock()
        self._rules = loader(path)

    @property
    def rules(self) -> TriageRules:
        return self._rules

    def reload(self, path: str | Path | None = None) -> RulesError | None:
        """Load ``path`` (default: the current file); on failure keep the old rules and return
        the error instead of raising, so a bad edit never takes the triage down."""
        with self._lock:
            target = self._path if path is None else path
            try:
                rules = self._loader(target)
            except RulesError as exc:
                return exc
            self._rules = rules
            self._path = target
            return None


# --- YAML with line numbers -------------------------------------------------------------------

def _load_with_lines(text: str, name: str) -> tuple[Any, dict[_Path, int]]:
    try:
        doc = load_with_lines(text)
    except YamlSyntaxError as exc:
        raise RulesError([RulesProblem(name, exc.line, exc.reason)]) from None
    if doc.data is None:
        raise RulesError([RulesProblem(name, 1, "the file is empty")])
    return doc.data, doc.lines


@cache
def _validator() -> Draft202012Validator:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def _schema_problems(data: Any, name: str, line_of: Callable[[_Path], int]) -> list[RulesProblem]:
    problems = []
    for err in _validator().iter_errors(data):
        path = tuple(err.absolute_path)
        where = ".".join(str(p) for p in path) or "(top level)"
        if err.validator == "additionalProperties" and isinstance(err.instance, dict):
            extra = [k for k in err.instance if k not in err.schema.get("properties", {})]
            if extra:
                path = (*path, str(extra[0]))
        problems.append(RulesProblem(name, line_of(path), f"{where}: {err.message}"))
    return sorted(problems, key=lambda p: p.line)


# --- from checked data to compiled rules ------------------------------------------------------

class _Builder:
    """Compiles schema-valid data, collecting every semantic fault instead of stopping at one."""

    def __init__(self, data: dict[str, Any], name: str, line_of: Callable[[_Path], int],
                 digest: str) -> None:
        self.data = data
        self.name = name
        self.line_of = line_of
        self.digest = digest
        self.problems: list[RulesProblem] = []
        self.ids: dict[str, _Path] = {}
        self.numbers = tuple(str(e["number"]) for e in data["emergency_numbers"])

    def fail(self, path: _Path, reason: str) -> None:
        self.problems.append(RulesProblem(self.name, self.line_of(path), reason))

    def claim(self, ident: str, path: _Path) -> None:
        if ident in self.ids:
            first = self.line_of(self.ids[ident])
            self.fail(path, f"id {ident!r} is already used at line {first}")
        else:
            self.ids[ident] = path

    def build(self) -> TriageRules:
        d = self.data
        text = self.text_settings()
        cues = frozenset(fold(c) for c in d["negation"]["cues"])
        vocab = Vocabulary(text=text, lists=self.lists(text), negation_cues=cues)
        self.vocab = vocab
        profile_facts = {str(k): str(v) for k, v in d.get("profile_facts", {}).items()}
        reasons = tuple(r["id"] for r in d["reasons"])
        self.check_unique_reasons()
        for n in d.get("default_emergency", ()):
            self.check_number(n, ("default_emergency",))
        entries = tuple(self.entries(reasons))
        cue_items = []
        for i, c in enumerate(d.get("cues", ())):
            self.claim(c["id"], ("cues", i, "id"))
            cue_items.append(Cue(c["id"], self.pattern(c["phrases"], ("cues", i, "phrases")),
                                 literal=bool(c.get("literal", False))))
        masks = []
        for i, m in enumerate(d.get("masks", ())):
            self.claim(m["id"], ("masks", i, "id"))
            masks.append(Mask(m["id"], m["kind"], self.pattern(m["phrases"], ("masks", i, "phrases"))))
        return TriageRules(
            version=str(d["version"]),
            digest=self.digest,
            source=self.name,
            reasons=reasons,
            fragile_threshold=float(d["threshold"]["fragile"]),
            text=text,
            scopes=self.scopes(cues),
            entries=entries,
            cues=tuple(cue_items),
            masks=tuple(masks),
            signals=tuple(self.signals(profile_facts, reasons)),
            combinations=tuple(self.combinations({e.id for e in entries} | {c.id for c in cue_items})),
            emergency_numbers=tuple((str(e["number"]), str(e["label"])) for e in d["emergency_numbers"]),
            default_emergency=tuple(str(n) for n in d.get("default_emergency", ())),
            profile_facts=profile_facts,
            compositions=tuple(self.compositions({c.id for c in cue_items})),
        )

    def text_settings(self) -> TextSettings:
        raw = self.data["text"]
        elisions = {fold(k): fold(v) for k, v in raw.get("elisions", {}).items()}
        dropped = frozenset(fold(w) for w in raw.get("dropped", ()))
        base = TextSettings(elisions=elisions, dropped=dropped, rewrites={})
        by_first: dict[str, list[tuple[tuple[str, ...], tuple[str, ...]]]] = {}
        for i, rw in enumerate(raw.get("rewrites", ())):
            source = normalise_words(rw["from"], base)
            target = normalise_words(rw["to"], base)
            if not source or not target:
                self.fail(("text", "rewrites", i), "a rewrite needs words on both sides after normalisation")
                continue
            by_first.setdefault(source[0], []).append((source, target))
        # Longest first, so "m d p h" wins over any shorter rewrite starting with "m".
        rewrites = {first: tuple(sorted(rws, key=lambda r: len(r[0]), reverse=True))
                    for first, rws in by_first.items()}
        return TextSettings(elisions=elisions, dropped=dropped, rewrites=rewrites)

    def lists(self, text: TextSettings) -> dict[str, tuple[tuple[str, ...], ...]]:
        out = {}
        for name, words in self.data.get("lists", {}).items():
            items = []
            for i, w in enumerate(words):
                norm = normalise_words(w, text)
                if not norm:
                    self.fail(("lists", name, i), f"list {name}: {w!r} is empty once normalised")
                else:
                    items.append(norm)
            out[name] = tuple(items)
        return out

    def pattern(self, phrases: list[str], path: _Path) -> tuple[re.Pattern[str], ...]:
        compiled = []
        for i, phrase in enumerate(phrases):
            try:
                compiled.append(compile_phrase(phrase, self.vocab))
            except PhraseError as exc:
                self.fail((*path, i), str(exc))
        return tuple(compiled)

    def check_number(self, number: str, path: _Path) -> None:
        if str(number) not in self.numbers:
            self.fail(path, f"emergency number {number!r} is not declared in emergency_numbers")

    def check_unique_reasons(self) -> None:
        seen: set[str] = set()
        for i, r in enumerate(self.data["reasons"]):
            if r["id"] in seen:
                self.fail(("reasons", i, "id"), f"reason {r['id']!r} is declared twice")
            seen.add(r["id"])

    def entries(self, reasons: tuple[str, ...]) -> list[Entry]:
        out = []
        for ri, reason in enumerate(self.data["reasons"]):
            for ei, e in enumerate(reason["entries"]):
                path: _Path = ("reasons", ri, "entries", ei)
                self.claim(e["id"], (*path, "id"))
                for other in e.get("also", ()):
                    if other not in reasons:
                        self.fail((*path, "also"), f"entry {e['id']!r}: reason {other!r} is not declared")
                for n in e.get("emergency", ()):
                    self.check_number(n, (*path, "emergency"))
                if e.get("emergency") and not (e.get("urgent") or e.get("ask")):
                    self.fail((*path, "emergency"),
                              f"entry {e['id']!r}: emergency numbers need urgent: true or ask: true")
                if e.get("urgent") and e.get("ask"):
                    self.fail((*path, "ask"), f"entry {e['id']!r}: urgent and ask exclude each other")
                out.append(Entry(
                    id=e["id"],
                    reason=reason["id"],
                    also=tuple(e.get("also", ())),
                    weight=float(e.get("weight", reason["weight"])),
                    urgent=bool(e.get("urgent", False)),
                    emergency=tuple(str(n) for n in e.get("emergency", ())),
                    subject=e.get("subject", "self"),
                    literal=bool(e.get("literal", False)),
                    patterns=self.pattern(e["phrases"], (*path, "phrases")),
                    ask=bool(e.get("ask", False)),
                ))
        return out

    def signals(self, profile_facts: dict[str, str], reasons: tuple[str, ...]) -> list[Signal]:
        out = []
        for i, s in enumerate(self.data.get("signals", ())):
            path: _Path = ("signals", i)
            self.claim(s["id"], (*path, "id"))
            if s["reason"] not in reasons:
                self.fail((*path, "reason"), f"signal {s['id']!r}: reason {s['reason']!r} is not declared")
            if "profile" in s and s["profile"] not in profile_facts:
                self.fail((*path, "profile"), f"signal {s['id']!r}: profile fact {s['profile']!r} "
                                              "is not declared in profile_facts")
            out.append(Signal(
                id=s["id"], reason=s["reason"], weight=float(s["weight"]), label=s["label"],
                inputs=tuple(s.get("sum", ())), at_least=float(s.get("at_least", 0)),
                profile=s.get("profile"),
            ))
        return out

    def combinations(self, known: set[str]) -> list[Combination]:
        out = []
        for i, c in enumerate(self.data.get("urgent_combinations", ())):
            path: _Path = ("urgent_combinations", i)
            self.claim(c["id"], (*path, "id"))
            for part in c["all"]:
                if part not in known:
                    self.fail((*path, "all"), f"combination {c['id']!r}: no entry or cue {part!r}")
            for n in c.get("emergency", ()):
                self.check_number(n, (*path, "emergency"))
            out.append(Combination(c["id"], tuple(c["all"]), tuple(str(n) for n in c.get("emergency", ()))))
        return out

    def compositions(self, cues: set[str]) -> list[Composition]:
        out = []
        reasons = {r["id"]: r for r in self.data["reasons"]}
        for i, c in enumerate(self.data.get("compositions", ())):
            path: _Path = ("compositions", i)
            self.claim(c["id"], (*path, "id"))
            parts = tuple(tuple([p] if isinstance(p, str) else p) for p in c["parts"])
            for part in (*(p for ps in parts for p in ps), *c.get("unless", ())):
                if part not in cues:
                    self.fail((*path, "parts"), f"composition {c['id']!r}: no cue {part!r}")
            for other in c.get("also", ()):
                if other not in reasons:
                    self.fail((*path, "also"), f"composition {c['id']!r}: reason {other!r} is not declared")
            for n in c.get("emergency", ()):
                self.check_number(n, (*path, "emergency"))
            reason = reasons.get(c["reason"], {})
            entry = Entry(
                id=c["id"], reason=c["reason"], also=tuple(c.get("also", ())),
                weight=float(c.get("weight", reason.get("weight", 1.0))),
                urgent=c["decides"] == "urgent", emergency=tuple(str(n) for n in c.get("emergency", ())),
                subject="any", literal=False, patterns=(), ask=c["decides"] == "ask",
            )
            out.append(Composition(c["id"], parts, tuple(c.get("unless", ())), entry))
        return out

    def scopes(self, cues: frozenset[str]) -> Scopes:
        d = self.data
        neg, hyp, subj = d["negation"], d["hypothetical"], d["subjects"]
        return Scopes(
            negation_cues=cues,
            not_negation=self.pattern(neg.get("not_negation", []), ("negation", "not_negation")),
            negation_stops=frozenset(w for s in neg.get("stops", ())
                                     for w in normalise_words(s, self.vocab.text)),
            negation_window=int(neg["window"]),
            hypothetical=self.pattern(hyp["phrases"], ("hypothetical", "phrases")),
            hypothetical_window=int(hyp["window"]),
            first_person=self.pattern(subj["first_person"], ("subjects", "first_person")),
            third_person=self.pattern(subj["third_person"], ("subjects", "third_person")),
            subject_window=int(subj["window"]),
        )
