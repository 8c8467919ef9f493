"""Benchmark: finding due reminders among 1,000,000 pending ones.

    .venv/bin/python -m bench.reminders_query [--pending 1000000] [--postgres URL]

Fills the reminders table (one month of pending reminders, 500 of them due), then times the
scheduler's query (`SqlReminders.due`, 500 at a time) and shows the database's plan for it.
Target: < 20 ms per query, served by the (status, remind_at) index.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
import uuid
from datetime import UTC, datetime

import asyncpg
from sqlalchemy import select, text

from storage.db import create_engine, session_factory
from storage.migrate import upgrade
from storage.models import ReminderRow, UserRow
from storage.reminders import SqlReminders

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
DUE = 500


async def fill(url: str, pending: int) -> None:
    engine = create_engine(url)
    await upgrade(engine)
    async with engine.begin() as conn:
        await conn.execute(
            UserRow.__table__.insert(),
            [{"id": 1, "locale": "sr", "reminders_on": True, "created_at": NOW}],
        )
        # The database makes the rows itself (a million round trips would time the driver).
        # `remind_at` spreads over the month after NOW; DUE of them lie just before NOW.
        series = (
            "WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < :total) "
            "SELECT n FROM s"
            if engine.dialect.name == "sqlite"
            else "SELECT generate_series(1, :total) AS n"
        )
        at = (
            "strftime('%Y-%m-%d %H:%M:%f', :now, '+' || (n * 2) || ' seconds')"
            if engine.dialect.name == "sqlite"
            else "CAST(:now AS timestamptz) + n * interval '2 seconds'"
        )
        due_at = (
            "strftime('%Y-%m-%d %H:%M:%f', :now, '-' || n || ' seconds')"
            if engine.dialect.name == "sqlite"
            else "CAST(:now AS timestamptz) - n * interval '1 second'"
        )
        insert = (
            "INSERT INTO reminders"
            " (user_id, ref, starts_at, remind_at, params, status, created_at) "
            "SELECT 1, 'ws:' || n, {at}, {at}, '{{}}', 'pending', :now FROM ({series}) AS t"
        )
        now = NOW.strftime("%Y-%m-%d %H:%M:%S.%f") if engine.dialect.name == "sqlite" else NOW
        await conn.execute(
            text(insert.format(at=at, series=series)), {"total": pending - DUE, "now": now}
        )
        await conn.execute(
            text(insert.format(at=due_at, series=series)), {"total": DUE, "now": now}
        )
        if engine.dialect.name == "postgresql":
            await conn.execute(text("ANALYZE reminders"))
    await engine.dispose()


async def measure(label: str, url: str, pending: int) -> None:
    await fill(url, pending)
    engine = create_engine(url)
    timings = []
    async with session_factory(engine)() as s:
        reminders = SqlReminders(s)
        for _ in range(50):
            started = time.perf_counter()
            found = await reminders.due(NOW, DUE)
            timings.append((time.perf_counter() - started) * 1000)
        assert len(found) == DUE, len(found)
        query = (
            select(ReminderRow.id)
            .where(ReminderRow.status == "pending", ReminderRow.remind_at <= NOW)
            .order_by(ReminderRow.remind_at)
            .limit(DUE)
        )
        compiled = query.compile(engine.sync_engine, compile_kwargs={"literal_binds": True})
        explain = "EXPLAIN QUERY PLAN " if engine.dialect.name == "sqlite" else "EXPLAIN "
        plan = (await s.execute(text(explain + str(compiled)))).all()
    await engine.dispose()
    print(
        f"{label}: {pending:,} pending, {DUE} due: median {statistics.median(timings):.1f} ms, "
        f"max {max(timings):.1f} ms per query",
        flush=True,
    )
    for row in plan:
        print("   ", row[-1])


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pending", type=int, default=1_000_000)
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        await measure("SQLite", f"sqlite+aiosqlite:///{tmp}/r.db", args.pending)
    name = f"bench_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(f"{args.postgres}/postgres")
    await admin.execute(f'CREATE DATABASE "{name}"')
    try:
        url = f"{args.postgres.replace('postgresql://', 'postgresql+asyncpg://')}/{name}"
        await measure("PostgreSQL", url, args.pending)
    finally:
        await admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        await admin.close()


if __name__ == "__main__":
    asyncio.run(main())
