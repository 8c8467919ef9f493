"""Migrations bring an empty database to the newest schema; models and migrations agree."""

from __future__ import annotations

from datetime import UTC, datetime

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


async def test_the_bot_refuses_an_outdated_schema(empty_db, empty_engine):
    with pytest.raises(SchemaOutdated, match="reintegrate-bot migrate"):
        await build(load_settings(database_url=empty_db), engine=empty_engine)


async def test_existing_staff_are_bound_to_their_centres_by_the_upgrade(empty_engine):
    from sqlalchemy import text

    from storage.seed import seed_demo

    await upgrade(empty_engine, "0009")
    await seed_demo(empty_engine)
    now = datetime(2026, 12, 1, 10, tzinfo=UTC)
    async with empty_engine.begin() as conn:
        pirot = (await conn.execute(text("SELECT id FROM centres WHERE slug = 'pirot'"))).scalar()
        for uid, centre in ((901, pirot), (902, None)):
            await conn.execute(
                text(
                    "INSERT INTO users (id, locale, centre_id, reminders_on, created_at) "
                    "VALUES (:id, 'en', :c, true, :now)"
                ),
                {"id": uid, "c": centre, "now": now},
            )
            await conn.execute(
                text(
                    "INSERT INTO roles (user_id, role, granted_at) "
                    "VALUES (:id, 'coordinator', :now)"
                ),
                {"id": uid, "now": now},
            )
        await conn.execute(
            text(
                "INSERT INTO link_codes (code, user_id, created_at, expires_at) "
                "VALUES ('123456', 901, :now, :now)"
            ),
            {"now": now},
        )
    await upgrade(empty_engine)
    async with empty_engine.connect() as conn:
        bound = (
            await conn.execute(
                text("SELECT user_id, role, centre_id FROM staff_centres ORDER BY user_id")
            )
        ).all()
        codes = (await conn.execute(text("SELECT count(*) FROM link_codes"))).scalar()
    assert [tuple(r) for r in bound] == [(901, "coordinator", pirot)]  # 902 had no centre
    assert codes == 0  # old guessable codes do not survive
