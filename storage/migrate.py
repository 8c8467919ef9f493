"""Alembic, driven from code: upgrade to the newest schema, and tell if a database is behind."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

MIGRATIONS = Path(__file__).with_name("migrations")

# The key of PostgreSQL's advisory lock around migrations: any number no other program on the
# database uses ("RENT" in ASCII).
MIGRATION_LOCK_KEY = 0x52454E54


class SchemaOutdated(RuntimeError):
    """The database is not at the newest schema revision."""


class SchemaNewer(SchemaOutdated):
    """The database's schema comes from a newer version of the bot (one rolled back)."""


def _newer(current: str | None) -> SchemaNewer | None:
    """A SchemaNewer if this code does not know `current`, else None."""
    if current is None:
        return None
    try:
        ScriptDirectory.from_config(alembic_config()).get_revision(current)
    except CommandError:
        return SchemaNewer(
            f"the database schema is at {current}, which a newer version of the bot made; "
            f"this version knows up to {head_revision()}: run the newer version again, or "
            "restore a backup made with this one"
        )
    return None


def alembic_config(connection: Connection | None = None) -> Config:
    """An Alembic config pointing at our migrations, optionally bound to a connection."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def head_revision() -> str:
    """The newest revision in the migrations folder."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


async def upgrade(engine: AsyncEngine, revision: str = "head") -> tuple[str | None, str | None]:
    """Bring the database to `revision` (default: the newest); returns (before, after).

    On PostgreSQL the migrations run under an advisory lock held until they commit, so
    replicas that start together take turns: the first migrates, the others then find the
    schema current and change nothing.
    """

    def run(conn: Connection) -> tuple[str | None, str | None]:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
        before = MigrationContext.configure(conn).get_current_revision()
        if (newer := _newer(before)) is not None:
            raise newer
        command.upgrade(alembic_config(conn), revision)
        return before, MigrationContext.configure(conn).get_current_revision()

    async with engine.begin() as conn:
        return await conn.run_sync(run)


async def current_revision(engine: AsyncEngine) -> str | None:
    """The revision the database is at, or None for an empty database."""

    def read(conn: Connection) -> str | None:
        return MigrationContext.configure(conn).get_current_revision()

    async with engine.connect() as conn:
        return await conn.run_sync(read)


async def check_current(engine: AsyncEngine) -> None:
    """Raise SchemaOutdated unless the database is at the newest revision."""
    current, head = await current_revision(engine), head_revision()
    if (newer := _newer(current)) is not None:
        raise newer
    if current != head:
        raise SchemaOutdated(
            f"the database schema is at {current or 'nothing'}, the code needs {head}: "
            "run `reintegrate-bot migrate`"
        )
