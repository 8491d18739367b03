"""The French words of the screens: every internal name has one, dates read as people say them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml

from callcenter.auth import ROLES
from callcenter.cli.users import known_skills
from callcenter.config import PROJECT_ROOT
from callcenter.flows import load_flow
from callcenter.triage import load_rules
from callcenter.web.api import WRAPUP_CODES
from callcenter.web.labels import LabelsError, load_labels, parse_labels
from callcenter.web.views import node_title, outcome, relative_fr
from callcenter.web.wait_chart import Wait, bars, render_svg

SPEC = PROJECT_ROOT.parent / "shared" / "spec" / "kb_topics.yaml"
NOW = datetime(2026, 12, 5, 10, 0, tzinfo=UTC)


def test_every_internal_name_has_a_french_label() -> None:
    labels = load_labels()
    assert set(load_rules().reasons) <= set(labels.kind("reasons"))
    assert known_skills(PROJECT_ROOT / "ivr_flows") <= set(labels.kind("queues"))
    assert set(WRAPUP_CODES) <= set(labels.kind("wrapup_codes"))
    assert set(ROLES) <= set(labels.kind("roles"))
    assert {"available", "busy", "wrapup", "offline"} <= set(labels.kind("states"))
    assert {"idle", "waiting", "offered", "connected", "ended", "abandoned", "callback"} <= \
        set(labels.kind("entry_statuses"))
    assert labels.of("reasons", "no_such_reason") == "autre fragilité"     # a fallback, never the id


@pytest.mark.skipif(not SPEC.exists(), reason="the project's spec is beside the repository")
def test_reason_labels_cover_the_spec() -> None:
    spec = yaml.safe_load(SPEC.read_text(encoding="utf-8"))
    assert {r["id"] for r in spec["fragility_reasons"]} == set(load_labels().kind("reasons"))


def test_a_broken_labels_file_is_refused() -> None:
    with pytest.raises(LabelsError, match="reasons: a mapping"):
        parse_labels("reasons: [danger]\n", "labels.fr.yaml")


@pytest.mark.parametrize(("ago", "words"), [
    (timedelta(seconds=20), "à l'instant"), (timedelta(minutes=5), "il y a 5 min"),
    (timedelta(hours=2), "il y a 2 h"), (timedelta(days=1), "hier"), (timedelta(days=3), "il y a 3 jours"),
    (timedelta(days=400), "le 31 octobre 2025"),
])
def test_relative_french_dates(ago: timedelta, words: str) -> None:
    assert relative_fr((NOW - ago).isoformat(), NOW) == words


def test_node_titles_and_outcomes(flows_dir: Path) -> None:
    flow = load_flow(flows_dir / "main.yaml")
    assert node_title(flow, "menu_caf") == "Menu CAF"
    assert node_title(None, "menu_caf") == "étape du serveur vocal"
    labels = load_labels()
    assert outcome({"notes": [{"wrapup_code": "rendez_vous"}]}, labels) == "rendez-vous pris"
    assert outcome({"transfer": "caf", "notes": []}, labels) == "transféré à un conseiller (CAF)"
    assert outcome({"end_status": "ivr_hangup"}, labels) == "terminé par le serveur vocal"


def test_wait_chart_is_svg_with_words_for_every_bar() -> None:
    day = bars([Wait(9, "urgent", 10), Wait(9, "urgent", 30), Wait(11, "normal", 240)])
    assert [(b.hour, b.tier, b.calls, b.mean_seconds) for b in day] == [(9, "urgent", 2, 20), (11, "normal", 1, 240)]
    svg = render_svg(day, load_labels().kind("tiers"))
    assert svg.startswith("<svg") and svg.count("<rect") == 2 and "10 h" in svg
    assert "9 h, Urgent : 2 appels, attente moyenne 20 s" in svg
    assert render_svg([], {}) == ""
