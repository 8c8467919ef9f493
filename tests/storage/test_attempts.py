"""Wrong guesses are counted per scope and subject within a window, and never name the guesser."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from storage.db import session_factory
from storage.uow import SqlUnitOfWork
from tests.support import table_rows

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)


def uow(engine):
    return SqlUnitOfWork(session_factory(engine))


async def test_guesses_count_per_subject_in_the_window(engine):
    async with uow(engine) as u:
        for minutes in (0, 10, 70):
            await u.attempts.failed("link", "telegram:42", NOW - timedelta(minutes=minutes))
        await u.attempts.failed("link", "telegram:43", NOW)
        await u.attempts.failed("checkin", "telegram:42", NOW)
        await u.commit()
    hour_ago = NOW - timedelta(hours=1)
    async with uow(engine) as u:
        assert await u.attempts.count("link", "telegram:42", hour_ago) == 2
        assert await u.attempts.count("link", "telegram:43", hour_ago) == 1
        assert await u.attempts.count("link", "viber:42", hour_ago) == 0
        assert await u.attempts.oldest("link", "telegram:42", hour_ago) == NOW - timedelta(
            minutes=10
        )
        await u.attempts.forget("link", "telegram:42")
        assert await u.attempts.prune(hour_ago) == 0
        await u.commit()
    async with uow(engine) as u:
        assert await u.attempts.count("link", "telegram:42", hour_ago - timedelta(days=1)) == 0
        assert await u.attempts.prune(NOW + timedelta(seconds=1)) == 2
        await u.commit()


async def test_the_table_holds_no_account_id(engine):
    async with uow(engine) as u:
        await u.attempts.failed("link", "telegram:987654321", NOW)
        await u.commit()
    rows = (await table_rows(engine))["failed_attempts"]
    assert rows and "987654321" not in repr(rows)
