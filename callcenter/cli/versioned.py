"""What the CLI commands of versioned documents (flows, knowledge-base entries) share: opening
the version store, who acts, rolling back and exporting the live version."""

from __future__ import annotations

import asyncio
import getpass
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TypeVar

from callcenter.config import Settings
from callcenter.store import Database, upgrade
from callcenter.versions import VersionError, VersionStore

T = TypeVar("T")


@asynccontextmanager
async def open_store() -> AsyncIterator[VersionStore]:
    settings = Settings.from_env()
    await asyncio.to_thread(upgrade, settings.database_url)
    db = Database(settings.database_url)
    try:
        yield VersionStore(db)
    finally:
        await db.close()


def with_store(action: Callable[[VersionStore], Awaitable[T]]) -> T:
    async def go() -> T:
        async with open_store() as store:
            return await action(store)
    return asyncio.run(go())


def who(given: str | None) -> str:
    if given:
        return given
    try:
        return getpass.getuser()
    except (KeyError, OSError):   # no user name for this uid (some containers): still recorded
        return "cli"


def rollback(kind: str, label: str, name: str, version: int, by: str | None) -> int:
    """Make an earlier version of ``kind``/``name`` live again; ``label`` names it in messages."""
    try:
        done = with_store(lambda store: store.rollback(kind, name, version, by=who(by)))
    except VersionError as exc:
        print(exc.message, file=sys.stderr)
        return 1
    print(f"{label} {name}: version {done.version} is live again", file=sys.stderr)
    return 0


def export(kind: str, label: str, name: str, output: Path | None) -> int:
    """Write the live version of ``kind``/``name`` to ``output`` (or standard output)."""
    live = with_store(lambda store: store.live(kind, name))
    if live is None:
        print(f"{label} {name}: no live version", file=sys.stderr)
        return 1
    if output is None:
        sys.stdout.write(live.content)
    else:
        output.write_text(live.content, encoding="utf-8")
        print(f"{label} {name}: version {live.version} written to {output}", file=sys.stderr)
    return 0
