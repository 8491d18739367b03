"""What the supervisors' board shows, in French, from the desk's snapshot: pure, no I/O."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from callcenter.web.labels import Labels
from callcenter.web.views import language_word, relative_fr


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    seconds = int(seconds)
    return f"{seconds} s" if seconds < 60 else f"{seconds // 60} min {seconds % 60:02d} s"


def board_view(snapshot: dict[str, Any], labels: Labels, now: datetime,
               levels: dict[str, Any] | None = None) -> dict[str, Any]:
    """Queues with their calls in progress, waiting callers, callbacks and today's service level;
    agents by name. ``levels`` are ``desk.service_level`` figures (per queue under ``by_queue``)."""
    names = {a["id"]: a["name"] for a in snapshot["agents"]}
    queues: dict[str, dict[str, list[dict[str, Any]]]] = defaultdict(
        lambda: {"connected": [], "waiting": [], "callbacks": []})
    for w in snapshot["waiting"]:
        queues[w["queue"]]["waiting"].append({
            "tier": w["tier"], "tier_word": labels.of("tiers", w["tier"]),
            "reasons": ", ".join(labels.of("reasons", r) for r in w["reasons"]) or "—",
            "waited": _duration(w["waited"]), "score": w["score"],
            "language": language_word(w.get("language") or "") or "—",
            "offered_to": names.get(w["offered_to"], "—") if w["offered_to"] is not None else "—"})
    for c in snapshot["connected"]:
        since = c.get("since")
        queues[c["queue"]]["connected"].append({
            "agent": names.get(c["agent_id"], "conseiller inconnu"),
            "detail": ", ".join(part for part in (
                f"depuis {_duration(since)}" if since is not None else "",
                labels.of("tiers", c["tier"]) if c.get("tier") and c["tier"] != "normal" else "",
                f"en {language_word(c.get('language') or '')}" if language_word(c.get("language") or "") else "")
                if part)})
    for cb in snapshot["callbacks"]:
        queues[cb["queue"]]["callbacks"].append({
            "tier": cb["tier"], "tier_word": labels.of("tiers", cb["tier"]),
            "since": relative_fr(cb["requested_place_at"], now), "at": cb["requested_place_at"]})
    by_queue = (levels or {}).get("by_queue", {})
    for q in by_queue:
        _ = queues[q]  # a queue that had callers today is shown, even with nobody in it now
    ordered = sorted(queues.items(), key=lambda kv: labels.of("queues", kv[0]).casefold())
    agents = sorted(({"name": a["name"], "state": a["state"], "state_word": labels.of("states", a["state"]),
                      "since": _duration(a["since"]),
                      "languages": ", ".join(language_word(x) or "français" for x in a.get("languages", ("fr",))),
                      "skills": ", ".join(f"{labels.of('queues', k)} (niveau {v})" for k, v in
                                          sorted(a["skills"].items(), key=lambda kv: -int(kv[1]))) or "—"}
                     for a in snapshot["agents"]), key=lambda a: a["name"].casefold())
    return {"queues": [{"name": labels.of("queues", q), **content,
                        "service_level": service_level_words(by_queue[q])
                        if by_queue.get(q, {}).get("needed_a_person") else None}
                       for q, content in ordered],
            "agents": agents,
            "totals": {"connected": len(snapshot["connected"]), "waiting": len(snapshot["waiting"]),
                       "callbacks": len(snapshot["callbacks"])}}


def service_level_words(sl: dict[str, Any]) -> str:
    if not sl.get("needed_a_person"):
        return "Aucun appel transféré à un conseiller aujourd'hui."
    plural = "s" if sl["answered"] > 1 else ""
    return (f"{sl['answered']} appel{plural} pris par un conseiller sur {sl['needed_a_person']} "
            f"({round(100 * sl['answer_rate'])} %), {sl['answered_in_time']} en moins de "
            f"{int(sl['threshold_seconds'])} s, {sl['abandoned']} abandon{'s' if sl['abandoned'] > 1 else ''}.")
