"""The versioned document store: immutable versions, one live pointer, audit entries."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from callcenter.store import Database, upgrade
from callcenter.store.audit import audit_entries
from callcenter.versions import VersionError, VersionStore
from callcenter.versions.model import AlreadyLive


class Ticking:
    def __init__(self) -> None:
        self.now = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        self.now += timedelta(minutes=1)
        return self.now


@pytest.fixture
async def store(database_url: str) -> AsyncIterator[VersionStore]:
    upgrade(database_url)
    db = Database(database_url)
    yield VersionStore(db, Ticking())
    await db.close()


async def test_publish_makes_a_new_live_version_with_its_diff(store: VersionStore) -> None:
    first = await store.publish("flow", "main", "a: 1\nb: 2\n", by="sarah", comment="first")
    second = await store.publish("flow", "main", "a: 1\nb: 3\n", by="paul", comment="b is 3")
    assert (first.version, second.version) == (1, 2)
    assert first.diff == "" and first.diff_from is None and second.diff_from == 1
    assert "-b: 2\n+b: 3\n" in second.diff and "--- main v1" in second.diff
    assert await store.live_versions("flow") == {"main": 2}
    history = await store.history("flow", "main")
    assert [(v.version, v.live, v.by, v.comment) for v in history] == [
        (1, False, "sarah", "first"), (2, True, "paul", "b is 3")]
    assert history[0].summary() == {"version": 1, "live": False, "published_at": "2026-12-01T09:01:00+00:00",
                                    "by": "sarah", "comment": "first"}


async def test_publishing_what_is_live_adds_nothing(store: VersionStore) -> None:
    await store.publish("flow", "main", "a: 1\n", by="sarah")
    with pytest.raises(AlreadyLive, match="already live as version 1"):
        await store.publish("flow", "main", "a: 1\n", by="sarah")
    assert [v.version for v in await store.history("flow", "main")] == [1]


async def test_rollback_moves_the_pointer_back_and_versions_stay(store: VersionStore) -> None:
    await store.publish("flow", "main", "a: 1\n", by="sarah")
    await store.publish("flow", "main", "a: 2\n", by="sarah")
    back = await store.rollback("flow", "main", 1, by="paul")
    assert back.version == 1 and back.content == "a: 1\n" and back.live
    assert await store.live_versions("flow") == {"main": 1}
    assert [v.version for v in await store.history("flow", "main")] == [1, 2]
    with pytest.raises(AlreadyLive):
        await store.rollback("flow", "main", 1, by="paul")
    with pytest.raises(VersionError, match="no version 7"):
        await store.rollback("flow", "main", 7, by="paul")
    # Publishing the content of an older version is a new version (history is never rewritten).
    again = await store.publish("flow", "main", "a: 2\n", by="sarah", comment="again")
    assert again.version == 3 and await store.live_versions("flow") == {"main": 3}
    # Its diff is against what callers heard until then (version 1), not the latest (2).
    assert again.diff_from == 1 and "-a: 1\n+a: 2\n" in again.diff


async def test_a_draft_is_kept_but_never_live(store: VersionStore) -> None:
    await store.publish("kb", "caf-rsa", "v1", by="sarah")
    draft = await store.save_draft("kb", "caf-rsa", "v2", by="paul", comment="to review")
    assert draft.status == "draft" and not draft.live
    assert await store.live_versions("kb") == {"caf-rsa": 1}
    with pytest.raises(VersionError, match="is a draft"):
        await store.rollback("kb", "caf-rsa", 2, by="paul")
    assert await store.live_versions("flow") == {}   # kinds are separate


async def test_first_import_happens_once(store: VersionStore) -> None:
    imported = await store.import_first("flow", "main", "a: 1\n", comment="imported from ivr_flows/main.yaml")
    assert imported is not None and imported.by == "system" and imported.live
    assert await store.import_first("flow", "main", "a: 2\n", comment="again") is None
    assert [v.content for v in await store.history("flow", "main")] == ["a: 1\n"]


async def test_importing_many_at_once_stores_what_importing_each_stores(store: VersionStore) -> None:
    documents = [("main", "a: 1\n", "imported from ivr_flows/main.yaml"), ("caf", "b: 2\n", "imported from caf")]
    await store.publish("kb", "known", "c: 3\n", by="sarah", comment="before")
    one_by_one = [await store.import_first("flow", *d[:2], comment=d[2]) for d in documents]
    at_once = await store.import_first_many("kb", [*documents, ("known", "c: 4\n", "again")])
    assert [v.name for v in at_once] == ["main", "caf"]   # "known" has a version: left as it is

    def seen(v):  # type: ignore[no-untyped-def]
        return (v.name, v.version, v.status, v.content, v.sha256, v.by, v.comment, v.diff, v.diff_from, v.live)

    assert [seen(v) for v in at_once] == [seen(v) for v in one_by_one]
    for name, _, _ in documents:
        kb, flow = await store.history("kb", name), await store.history("flow", name)
        assert [seen(v) for v in kb] == [seen(v) for v in flow]
    assert await store.live_versions("kb") == {"main": 1, "caf": 1, "known": 1}
    assert [v.content for v in await store.history("kb", "known")] == ["c: 3\n"]
    entries = {(e.action.split(".")[0], e.object.split(":")[1]): e for e in await audit_entries(store.db)
               if e.action.endswith(".import")}
    for name, _, _ in documents:
        assert entries[("kb", name)].detail == entries[("flow", name)].detail
        assert entries[("kb", name)].actor == entries[("flow", name)].actor == "system"
    assert await store.import_first_many("kb", documents) == []


async def test_every_change_is_audited(store: VersionStore) -> None:
    await store.import_first("flow", "main", "a: 1\n", comment="imported")
    await store.publish("flow", "main", "a: 2\n", by="sarah", comment="new wording")
    await store.rollback("flow", "main", 1, by="paul")
    entries = list(reversed(await audit_entries(store.db)))
    assert [(e.actor, e.action, e.object) for e in entries] == [
        ("system", "flow.import", "flow:main"), ("sarah", "flow.publish", "flow:main"),
        ("paul", "flow.rollback", "flow:main")]
    assert entries[1].detail["version"] == 2 and entries[1].detail["from"] == 1
    assert entries[1].detail["comment"] == "new wording"
    assert entries[2].detail == {"version": 1, "from": 2}
    assert entries[0].at < entries[1].at < entries[2].at
    assert len(await audit_entries(store.db, since=entries[1].at)) == 2
