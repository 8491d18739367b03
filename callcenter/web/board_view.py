"""What the supervisors' board shows, in French, from the desk's snapshot: pure, no I/O."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

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
    callbacks = []
    for cb in snapshot["callbacks"]:
        line = callback_words(cb, names, now)
        line.update(tier=cb["tier"], tier_word=labels.of("tiers", cb["tier"]), queue=labels.of("queues", cb["queue"]),
                    since=relative_fr(cb.get("requested_at") or cb["requested_place_at"], now),
                    at=cb.get("requested_at") or cb["requested_place_at"])
        callbacks.append(line)
        if cb.get("state", "pending") != "failed":
            queues[cb["queue"]]["callbacks"].append(line)
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
            # « Rappels »: pending first (by due time), then being placed, then failed.
            "callbacks": sorted(callbacks, key=lambda c: (c["order"], c["due_at"] or "")),
            "totals": {"connected": len(snapshot["connected"]), "waiting": len(snapshot["waiting"]),
                       "callbacks": sum(1 for c in callbacks if c["state"] != "failed"),
                       "callbacks_failed": sum(1 for c in callbacks if c["state"] == "failed")}}


PARIS = ZoneInfo("Europe/Paris")


def clock_fr(iso: str | None, now: datetime) -> str:
    """« 14 h 10 », with the day when it is not today (« 27/11 à 8 h 30 »)."""
    if not iso:
        return "—"
    when = datetime.fromisoformat(iso).astimezone(PARIS)
    at = f"{when.hour} h {when.minute:02d}"
    return at if when.date() == now.astimezone(PARIS).date() else f"{when:%d/%m} à {at}"


def callback_words(cb: dict[str, Any], names: dict[int, str], now: datetime) -> dict[str, Any]:
    """One callback as the « Rappels » section says it: its state and times in words."""
    state = cb.get("state", "pending")
    tries = int(cb.get("tries") or 0)
    due = cb.get("due_at")
    match state:
        case "pending" if due and datetime.fromisoformat(due) > now:
            words, order = f"à rappeler à partir de {clock_fr(due, now)}", 0
        case "pending":
            words, order = "à rappeler dès qu'un conseiller est libre", 0
        case "calling" if cb.get("status") == "connected":
            words, order = f"appel en cours par {names.get(cb.get('agent_id') or -1, 'un conseiller')}", 1
        case "calling":
            words, order = "proposé aux conseillers", 1
        case _:
            words, order = f"échec après {tries} essai{'s' if tries > 1 else ''} : SMS envoyé", 2
    if tries and state == "pending":
        words += f" (déjà {tries} essai{'s' if tries > 1 else ''} sans réponse)"
    return {"state": state, "state_words": words, "order": order, "due_at": due, "tries": tries,
            "requested": clock_fr(cb.get("requested_at") or cb.get("requested_place_at"), now)}


def service_level_words(sl: dict[str, Any]) -> str:
    if not sl.get("needed_a_person"):
        return "Aucun appel transféré à un conseiller aujourd'hui."
    plural = "s" if sl["answered"] > 1 else ""
    return (f"{sl['answered']} appel{plural} pris par un conseiller sur {sl['needed_a_person']} "
            f"({round(100 * sl['answer_rate'])} %), {sl['answered_in_time']} en moins de "
            f"{int(sl['threshold_seconds'])} s, {sl['abandoned']} abandon{'s' if sl['abandoned'] > 1 else ''}.")
