"""What screens show of a call, in French: pure functions from data to words (no I/O).

Node ids become the flow's titles, reason and queue ids their labels, timestamps relative dates
(« il y a 3 jours »), outcomes words. The JSON API adds these to the call context it returns.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from callcenter.flows.languages import LANGUAGE_NAMES
from callcenter.flows.model import Ask, Flow, Menu
from callcenter.web.labels import Labels

# A node without a title is named by its kind: still French, never its id.
KIND_WORDS = {"say": "message", "menu": "menu", "ask": "question", "answer": "réponse",
              "transfer": "transfert vers un conseiller", "goto": "aiguillage", "hangup": "fin de l'appel",
              "appointment": "rendez-vous", "survey": "enquête de satisfaction",
              "online_link": "lien de la démarche en ligne"}
MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
          "octobre", "novembre", "décembre")


def _parse(value: str | datetime | None) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def relative_fr(then: str | datetime | None, now: datetime) -> str:
    """« à l'instant », « il y a 5 min », « il y a 2 h », « hier », « il y a 3 jours », « le 4 mars 2025 »."""
    when = _parse(then)
    if when is None:
        return "date inconnue"
    seconds = (now - when).total_seconds()
    if seconds < 60:
        return "à l'instant"
    if seconds < 3600:
        return f"il y a {int(seconds // 60)} min"
    days = (now.date() - when.date()).days
    if days == 0:
        return f"il y a {int(seconds // 3600)} h"
    if days == 1:
        return "hier"
    if days < 31:
        return f"il y a {days} jours"
    return f"le {when.day} {MONTHS[when.month - 1]} {when.year}"


def node_title(flow: Flow | None, node_id: str) -> str:
    if flow is None or node_id not in flow.nodes:
        return "étape du serveur vocal"
    if node_id in flow.titles:
        return flow.titles[node_id]
    # A menu option leading here names it (« CAF »), else the node's kind does.
    for node in flow.nodes.values():
        if isinstance(node, Menu):
            for option in node.options:
                if option.next == node_id and option.label:
                    return option.label
    return KIND_WORDS.get(flow.nodes[node_id].kind, "étape du serveur vocal")


def variable_label(flow: Flow | None, labels: Labels, variable: str) -> str:
    if flow is not None:
        for node_id, node in flow.nodes.items():
            if isinstance(node, Ask) and node.variable == variable and node_id in flow.titles:
                return flow.titles[node_id]
    return labels.of("variables", variable)


def language_word(code: str) -> str | None:
    """A caller's language in French words ("anglais"); ``None`` for the service's own."""
    if not code or code == "fr":
        return None
    return LANGUAGE_NAMES.get(code, code)


def outcome(item: Mapping[str, Any], labels: Labels) -> str:
    """How a past call ended, in words: its wrap-up code, else where it went, else its end."""
    codes = [n["wrapup_code"] for n in item.get("notes", ()) if n.get("wrapup_code")]
    if codes:
        return labels.of("wrapup_codes", codes[-1])
    if item.get("transfer"):
        return f"{labels.of('outcomes', 'transferred')} ({labels.of('queues', item['transfer'])})"
    return labels.of("outcomes", item.get("end_status") or item.get("status"))


def french_context(ctx: dict[str, Any], flow: Flow | None, labels: Labels, now: datetime,
                   kb_titles: Mapping[str, str]) -> dict[str, Any]:
    """``ctx`` (a call's context) with the words the agent screen shows, under ``"fr"``."""
    queue = ctx.get("queue")
    triage = ctx.get("triage") or {}
    fr: dict[str, Any] = {
        "path": [node_title(flow, n) for n in ctx.get("path", [])],
        "identity": [{"label": variable_label(flow, labels, k), "value": v}
                     for k, v in (ctx.get("identity") or {}).items()],
        "queue": None if queue is None else labels.of("queues", queue["queue"]),
        "callback": callback_fr((queue or {}).get("callback"), now),
        "tier": labels.of("tiers", (queue or {}).get("tier") or
                          ("urgent" if triage.get("urgent") else "fragile" if triage.get("fragile") else "normal")),
        "reasons": [labels.of("reasons", r["id"]) for r in triage.get("reasons", ())],
        "answers": [kb_titles.get(a["kb_id"], "fiche de la base de connaissances") for a in ctx.get("answers", ())],
        "started": relative_fr(ctx.get("started_at"), now),
        # Only said when the caller chose another language than the service's own.
        "language": language_word(ctx.get("language") or ""),
        "notes": [{"text": n.get("text", ""), "code": labels.of("wrapup_codes", n["wrapup_code"])
                   if n.get("wrapup_code") else None} for n in ctx.get("notes", ())],
        "history": [{"when": relative_fr(h.get("started_at"), now), "at": h.get("started_at"),
                     "outcome": outcome(h, labels),
                     "notes": [n.get("text", "") for n in h.get("notes", ()) if n.get("text")]}
                    for h in ctx.get("history", ())],
    }
    return {**ctx, "fr": fr}


def callback_fr(callback: Mapping[str, Any] | None, now: datetime) -> str | None:
    """« Rappel demandé à 14 h 10 », with the tries already made: what an agent reads first."""
    if not callback or not callback.get("requested_at"):
        return None
    from callcenter.web.board_view import clock_fr
    words = f"Rappel demandé à {clock_fr(callback['requested_at'], now)}"
    tries = int(callback.get("tries") or 0)
    if tries and callback.get("stage") is None:
        words += f" ; déjà {tries} essai{'s' if tries > 1 else ''} sans réponse"
    return words + ". À l'acceptation, l'appelant est appelé ; vous êtes mis en relation quand il décroche."
