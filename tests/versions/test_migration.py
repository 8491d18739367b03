"""Migration 0009: the flow versions recorded from files become published versions, the latest live."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from callcenter.store import downgrade, upgrade
from callcenter.store.urls import sync_url


def test_recorded_flow_versions_become_published_versions(database_url: str) -> None:
    upgrade(database_url)
    downgrade(database_url, "0005")
    engine = sa.create_engine(sync_url(database_url))
    at = datetime(2026, 11, 1, 9, 0)
    try:
        with engine.begin() as conn:
            for version, source in ((1, "flow: main\n"), (2, "flow: main\ntitle: x\n")):
                conn.execute(sa.text("INSERT INTO flow_versions (flow_id, version, sha256, source, path, created_at)"
                                     " VALUES ('main', :v, :sha, :src, '/srv/ivr_flows/main.yaml', :at)"),
                             {"v": version, "sha": f"{version:064d}", "src": source, "at": at})
        upgrade(database_url)
        with engine.connect() as conn:
            rows = conn.execute(sa.text("SELECT name, version, status, created_by, comment, diff, diff_from "
                                        "FROM document_versions ORDER BY version")).all()
            live = conn.execute(sa.text("SELECT name, version FROM document_live")).all()
            assert "flow_versions" not in sa.inspect(conn).get_table_names()
    finally:
        engine.dispose()
    assert [(r.name, r.version, r.status, r.created_by) for r in rows] == [
        ("main", 1, "published", "system"), ("main", 2, "published", "system")]
    assert rows[0].comment == "loaded from /srv/ivr_flows/main.yaml" and rows[0].diff == ""
    assert "+title: x" in rows[1].diff and (rows[0].diff_from, rows[1].diff_from) == (None, 1)
    assert [tuple(r) for r in live] == [("main", 2)]
