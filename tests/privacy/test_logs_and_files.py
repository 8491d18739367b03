"""Personal data stays out of logs and error texts, and the SQLite files are private."""

from __future__ import annotations

import logging
import stat
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from callcenter import logs
from callcenter.privacy.logfilter import RedactingFilter
from callcenter.store import Call, Database, upgrade

NUMBER = "+33612345678"


@pytest.fixture
def restore_logging() -> Iterator[None]:
    names = ("", "sqlalchemy.engine", "sqlalchemy.pool", "aiosqlite", "aiohttp.access")
    levels = {n: logging.getLogger(n).level for n in names}
    handlers = list(logging.getLogger().handlers)
    filters = {h: list(h.filters) for h in handlers}
    yield
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)
    for handler in logging.getLogger().handlers:
        if handler not in handlers:
            logging.getLogger().removeHandler(handler)
    for handler, kept in filters.items():
        handler.filters = kept


def _call(sid: str) -> Call:
    now = datetime.now(UTC)
    return Call(call_sid=sid, flow_id="main", flow_version=1, caller=NUMBER, called=None, status="new",
                state={}, next_seq=0, created_at=now, updated_at=now)


async def test_sql_errors_do_not_quote_caller_numbers(database_url: str) -> None:
    upgrade(database_url)
    db = Database(database_url)
    try:
        async with db.sessions() as session, session.begin():
            session.add(_call("CA1"))
        with pytest.raises(IntegrityError) as caught:
            async with db.sessions() as session, session.begin():
                session.add(_call("CA1"))
        assert "12345678" not in str(caught.value)
        assert "parameters hidden" in str(caught.value)
    finally:
        await db.close()


async def test_debug_logging_never_prints_sql_parameters(database_url: str, restore_logging: None,
                                                         caplog: pytest.LogCaptureFixture) -> None:
    logs.configure("DEBUG")
    caplog.set_level(logging.DEBUG)
    upgrade(database_url)
    db = Database(database_url)
    try:
        async with db.engine.connect() as conn:
            await conn.execute(text("SELECT :n"), {"n": "0612345678"})
    finally:
        await db.close()
    assert "0612345678" not in caplog.text


def test_log_filter_redacts_messages_arguments_and_tracebacks(restore_logging: None) -> None:
    records: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(self.format(record))

    handler = Keep()
    handler.addFilter(RedactingFilter())
    logger = logging.getLogger("test.privacy.filter")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        logger.warning("caller %s typed %s", "06 12 34 56 78", "1 85 05 78 006 084 36")
        try:
            raise ValueError("bad value 'jean.dupont@example.fr' for 0033 6 12 34 56 78")
        except ValueError:
            logger.exception("failed for call %s", "CA123")
    finally:
        logger.removeHandler(handler)
        logger.propagate = True
    joined = "\n".join(records)
    assert "[téléphone]" in records[0] and "[NIR]" in records[0]
    for secret in ("12 34 56 78", "006 084", "dupont@example", "0033"):
        assert secret not in joined
    assert "CA123" in joined and "ValueError" in joined


def test_configure_puts_the_filter_on_the_root_handlers(restore_logging: None) -> None:
    logs.configure("INFO")
    handlers = logging.getLogger().handlers
    assert handlers and all(any(isinstance(f, RedactingFilter) for f in h.filters) for h in handlers)


def test_sqlite_files_are_private(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    url = f"sqlite:///{folder / 'callcenter.db'}"
    upgrade(url)
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    for path in folder.iterdir():
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path.name


def test_an_existing_readable_sqlite_file_is_made_private(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    path.touch(mode=0o644)
    path.chmod(0o644)
    upgrade(f"sqlite:///{path}")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
