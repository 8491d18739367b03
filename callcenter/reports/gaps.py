"""Knowledge gaps, pure: what callers asked that the knowledge base could not answer with
confidence, grouped by similarity, and the entries whose answer did not settle the question.

- **Unanswered**: an utterance (already redacted in the log) after which a node asked again with
  its no-match prompt, or after which the caller was asked a clarifying question.
- **Groups**: single-link clustering of the utterances' search terms (``callcenter.kb.normalise``,
  stemmed, stop words out) with rapidfuzz's token-set ratio at ``threshold``; deterministic (the
  texts are taken in sorted order), largest group first; the example is the group's most frequent
  text (the first in alphabetical order on a tie).
- **Followed by a person**: the answer after which the caller asked for a person ("un conseiller",
  the human key) straight from the answer's node; transfers the triage decided do not count.
- **Followed by a repeat call**: the last answer of a call when the same caller (their keyed hash)
  called again within 7 days.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from rapidfuzz import fuzz

from callcenter.flows.model import Flow
from callcenter.kb.normalise import analyse, fold
from callcenter.reports.flow_analytics import LoggedCall, no_match_at, no_match_prompts

THRESHOLD = 70.0
REPEAT_WINDOW = timedelta(days=7)


@dataclass(frozen=True)
class Unanswered:
    text: str
    node: str
    why: str   # "no_match" or "clarify"
    call_sid: str


@dataclass(frozen=True)
class GapGroup:
    count: int
    example: str
    texts: tuple[str, ...]   # distinct texts, sorted

    def to_dict(self) -> dict[str, Any]:
        return {"count": self.count, "example": self.example, "texts": list(self.texts)}


@dataclass(frozen=True)
class GapsReport:
    since: str | None
    groups: tuple[GapGroup, ...]
    followed_by_person: tuple[tuple[str, int], ...]
    followed_by_repeat: tuple[tuple[str, int], ...]

    def to_dict(self) -> dict[str, Any]:
        return {"since": self.since, "groups": [g.to_dict() for g in self.groups],
                "followed_by_person": dict(self.followed_by_person),
                "followed_by_repeat": dict(self.followed_by_repeat)}


def _at(raw: str | None) -> datetime | None:
    return datetime.fromisoformat(raw) if raw else None


def unanswered(call: LoggedCall, retry_prompts: Mapping[str, tuple[str, ...]]) -> list[Unanswered]:
    """What the caller said that was met by a clarifying question or a "not understood"."""
    clarified = {_at(c.get("at")): str(c.get("node", "")) for c in call.state.get("clarifications", ())}
    out = []
    for step in call.steps:
        if step.event != "speech" or not step.text:
            continue
        missed = no_match_at(step, retry_prompts)
        if step.at in clarified:
            out.append(Unanswered(step.text, clarified[step.at], "clarify", call.call_sid))
        elif missed is not None:
            out.append(Unanswered(step.text, missed, "no_match", call.call_sid))
    return out


def _key(text: str) -> str:
    return " ".join(analyse(text)) or fold(text).strip()


def group(texts: Sequence[str], threshold: float = THRESHOLD) -> tuple[GapGroup, ...]:
    """Single-link groups of ``texts`` (repeats counted), largest first."""
    counts = Counter(texts)
    distinct = sorted(counts)
    keys = [_key(t) for t in distinct]
    parent = list(range(len(distinct)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i in range(len(distinct)):
        for j in range(i + 1, len(distinct)):
            if root(i) != root(j) and (keys[i] == keys[j] or fuzz.token_set_ratio(keys[i], keys[j]) >= threshold):
                parent[max(root(i), root(j))] = min(root(i), root(j))
    members: dict[int, list[str]] = {}
    for i, text in enumerate(distinct):
        members.setdefault(root(i), []).append(text)
    groups = [GapGroup(sum(counts[t] for t in m), min(m, key=lambda t: (-counts[t], t)), tuple(m))
              for m in members.values()]
    return tuple(sorted(groups, key=lambda g: (-g.count, g.example)))


def _last_answer(call: LoggedCall, before: datetime | None = None) -> str | None:
    answers = sorted(call.state.get("answers", ()), key=lambda a: a["at"])
    if before is not None:
        answers = [a for a in answers if datetime.fromisoformat(a["at"]) <= before]
    return str(answers[-1]["kb_id"]) if answers else None


def _asked_for_person_after(call: LoggedCall) -> str | None:
    """The entry answered just before the caller asked for a person: from the answer's node
    straight to the person (not a transfer decided by the triage, nor one after other steps)."""
    if not call.state.get("asked_for_person"):
        return None
    transfer = call.state.get("transfer")
    answers = sorted(call.state.get("answers", ()), key=lambda a: a["at"])
    if transfer is not None:
        answers = [a for a in answers if datetime.fromisoformat(a["at"]) <= datetime.fromisoformat(transfer["at"])]
        if not answers or call.path[-2:-1] != (answers[-1]["node"],):
            return None
    return str(answers[-1]["kb_id"]) if answers else None


def _ranked(counter: Counter[str]) -> tuple[tuple[str, int], ...]:
    return tuple(sorted(counter.items(), key=lambda kv: (-kv[1], kv[0])))


def gaps_report(calls: Iterable[LoggedCall], flows: Mapping[tuple[str, int], Flow], *,
                since: str | None = None, threshold: float = THRESHOLD) -> GapsReport:
    """``flows`` maps (flow id, version) to the flow each call ran, for its no-match prompts."""
    rows = sorted(calls, key=lambda c: (c.created_at, c.call_sid))
    prompts = {key: no_match_prompts(flow) for key, flow in flows.items()}
    texts: list[str] = []
    person: Counter[str] = Counter()
    repeat: Counter[str] = Counter()
    for call in rows:
        flow_id = str(call.state.get("flow_id", ""))
        texts += [u.text for u in unanswered(call, prompts.get((flow_id, call.flow_version), {}))]
        kb_id = _asked_for_person_after(call)
        if kb_id is not None:
            person[kb_id] += 1
    by_caller: dict[str, list[LoggedCall]] = {}
    for call in rows:
        if call.caller_hash:
            by_caller.setdefault(call.caller_hash, []).append(call)
    for calls_of_one in by_caller.values():
        for first, again in zip(calls_of_one, calls_of_one[1:], strict=False):
            kb_id = _last_answer(first)
            if kb_id is not None and again.created_at - first.created_at <= REPEAT_WINDOW:
                repeat[kb_id] += 1
    return GapsReport(since, group(texts, threshold), _ranked(person), _ranked(repeat))


def as_json(report: GapsReport) -> str:
    return json.dumps(report.to_dict(), ensure_ascii=False, indent=2) + "\n"


def as_text(report: GapsReport) -> str:
    lines = [f"Lacunes de la base de connaissances{' depuis ' + report.since if report.since else ''}", "",
             "Questions sans réponse sûre, regroupées :"]
    lines += [f"  {g.count:>4}  « {g.example} »" + (f" (+{len(g.texts) - 1} formulations)" if len(g.texts) > 1 else "")
              for g in report.groups] or ["  aucune"]
    lines += ["", "Réponses suivies d'une demande de conseiller :"]
    lines += [f"  {n:>4}  {kb}" for kb, n in report.followed_by_person] or ["  aucune"]
    lines += ["", "Réponses suivies d'un nouvel appel sous 7 jours :"]
    lines += [f"  {n:>4}  {kb}" for kb, n in report.followed_by_repeat] or ["  aucune"]
    return "\n".join(lines) + "\n"
