"""Apply the Alembic migrations; the server does this on start, before taking calls."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from callcenter.store.database import advisory_key
from callcenter.store.urls import prepare_sqlite_file, sync_url

MIGRATIONS = Path(__file__).with_name("migrations")


def _config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def upgrade(database_url: str, revision: str = "head") -> None:
    """Bring the database at ``database_url`` to ``revision`` (creating a SQLite file's folder)."""
    url = make_url(sync_url(database_url))
    prepare_sqlite_file(database_url)
    # Never print bound values in errors: they are caller numbers and keys typed.
    engine = create_engine(url, hide_parameters=True)
    try:
        with engine.begin() as connection:
            if url.get_backend_name() == "postgresql":
                # Several server processes start at once: one migrates, the others wait and find
                # the schema at head (the lock ends with this transaction).
                connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": advisory_key("migrations")})
            config = _config()
            config.attributes["connection"] = connection
            command.upgrade(config, revision)
    finally:
        engine.dispose()


def downgrade(database_url: str, revision: str = "base") -> None:
    engine = create_engine(sync_url(database_url), hide_parameters=True)
    try:
        with engine.begin() as connection:
            config = _config()
            config.attributes["connection"] = connection
            command.downgrade(config, revision)
    finally:
        engine.dispose()
