"""Today's service level, for the centre and per queue, and how the board words it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from callcenter.desk.service_level import Handover, service_levels
from callcenter.web.board_view import board_view
from callcenter.web.labels import load_labels

T0 = datetime(2026, 12, 5, 9, 0, tzinfo=UTC)


def _h(queue: str, status: str, waited: float | None) -> Handover:
    return Handover(queue, status, T0, None if waited is None else T0 + timedelta(seconds=waited))


ROWS = [
    _h("caf", "ended", 20), _h("caf", "ended", 90), _h("caf", "abandoned", None), _h("caf", "waiting", None),
    _h("impots", "connected", 59), _h("impots", "callback", None),
]


def test_figures_for_the_centre_and_each_queue() -> None:
    levels = service_levels(ROWS, threshold_seconds=60)
    # Still waiting: not counted yet (the figure never moves backwards during a wait).
    assert {k: levels[k] for k in ("needed_a_person", "answered", "answered_in_time", "abandoned")} == \
        {"needed_a_person": 5, "answered": 3, "answered_in_time": 2, "abandoned": 1}
    assert levels["service_level"] == 0.4 and levels["answer_rate"] == 0.6
    caf, impots = levels["by_queue"]["caf"], levels["by_queue"]["impots"]
    assert (caf["needed_a_person"], caf["answered"], caf["answered_in_time"], caf["abandoned"]) == (3, 2, 1, 1)
    assert (impots["needed_a_person"], impots["answered"], impots["answered_in_time"]) == (2, 1, 1)
    assert service_levels([])["service_level"] is None and service_levels([])["by_queue"] == {}


def test_the_board_shows_each_queue_level_in_french_even_with_nobody_in_it_now() -> None:
    snapshot = {"waiting": [], "connected": [], "callbacks": [], "agents": []}
    view = board_view(snapshot, load_labels(), T0, service_levels(ROWS, 60))
    lines = {q["name"]: q["service_level"] for q in view["queues"]}
    assert len(lines) == 2
    caf = next(text for name, text in lines.items() if "CAF" in name.upper())
    assert caf == "2 appels pris par un conseiller sur 3 (67 %), 1 en moins de 60 s, 1 abandon."
    # A queue whose callers are all still waiting has no figure yet, rather than a misleading one.
    only_waiting = service_levels([_h("retraite", "waiting", None)], 60)
    view = board_view(snapshot, load_labels(), T0, only_waiting)
    assert [q["service_level"] for q in view["queues"]] == [None]


def test_the_board_says_who_is_with_a_caller_since_when() -> None:
    snapshot = {"waiting": [], "callbacks": [], "agents": [{"id": 7, "name": "Alice Martin", "state": "busy",
                                                            "skills": {}, "since": 30}],
                "connected": [{"call_sid": "CA1", "agent_id": 7, "queue": "caf", "tier": "fragile", "since": 125}]}
    [queue] = board_view(snapshot, load_labels(), T0)["queues"]
    [call] = queue["connected"]
    assert call["agent"] == "Alice Martin" and call["detail"].startswith("depuis 2 min 05 s, ")
    assert "fragile" not in call["detail"]   # the tier in words, never its id


def test_the_board_lists_callbacks_pending_placed_and_failed_in_french() -> None:
    at = T0.isoformat()
    snapshot = {"waiting": [], "connected": [], "agents": [{"id": 1, "name": "Alice", "state": "busy",
                                                            "skills": {}, "since": 5}],
                "callbacks": [
                    {"call_sid": "CA1", "queue": "caf", "tier": "fragile", "state": "failed",
                     "status": "callback_failed", "requested_place_at": at, "requested_at": at, "due_at": at,
                     "tries": 3, "agent_id": None},
                    {"call_sid": "CA2", "queue": "caf", "tier": "normal", "state": "pending", "status": "callback",
                     "requested_place_at": at, "requested_at": at,
                     "due_at": (T0 + timedelta(hours=4, minutes=10)).isoformat(), "tries": 1, "agent_id": None},
                    {"call_sid": "CA3", "queue": "caf", "tier": "normal", "state": "calling", "status": "connected",
                     "requested_place_at": at, "requested_at": at, "due_at": at, "tries": 1, "agent_id": 1},
                ]}
    view = board_view(snapshot, load_labels(), T0)
    assert [c["state_words"] for c in view["callbacks"]] == [
        "à rappeler à partir de 14 h 10 (déjà 1 essai sans réponse)",   # 13:10 UTC, in Paris
        "appel en cours par Alice",
        "échec après 3 essais : SMS envoyé"]
    assert [c["requested"] for c in view["callbacks"]] == ["10 h 00"] * 3
    assert view["totals"]["callbacks"] == 2 and view["totals"]["callbacks_failed"] == 1
    [queue] = view["queues"]
    assert len(queue["callbacks"]) == 2          # the queue's own list: what is still to do
