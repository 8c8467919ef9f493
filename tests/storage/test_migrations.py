"""Migrations bring an empty database to the newest schema; models and migrations agree."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from bot.bootstrap import build
from bot.config import load_settings
from storage.migrate import SchemaOutdated, check_current, current_revision, head_revision, upgrade
from storage.models import Base
from tests.support import table_rows


async def test_empty_to_newest(empty_engine):
    assert await current_revision(empty_engine) is None
    await upgrade(empty_engine)
    assert await current_revision(empty_engine) == head_revision()
    tables = await table_rows(empty_engine)
    assert {"users", "identities", "roles", "consents", "conversation_states", "centres"} <= set(
        tables
    )
    await upgrade(empty_engine)  # a second run is a no-op
    await check_current(empty_engine)


async def test_models_and_migrations_agree(empty_engine):
    await upgrade(empty_engine)

    def diff(conn):
        return compare_metadata(
            MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata
        )

    async with empty_engine.connect() as conn:
        assert await conn.run_sync(diff) == []


async def test_the_bot_refuses_an_outdated_schema(db, empty_engine):
    with pytest.raises(SchemaOutdated, match="reintegrate-bot migrate"):
        await build(load_settings(database_url=db[0]), engine=empty_engine)
