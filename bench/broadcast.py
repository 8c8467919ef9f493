"""Benchmark: an announcement to 50,000 people on PostgreSQL, queued in the database, then sent.

    .venv/bin/python -m bench.broadcast [--people 50000] [--seconds 60] [--rate 25]
                                        [--postgres URL]

In a fresh database on the PostgreSQL server given (default: the test server), registers the
people with bulk inserts (six languages, five centres, returnees and locals; one in a hundred
has blocked the bot), then times what a coordinator waits for:

- the preview: counting the audience per platform (everyone, and Pirot + returnees + German);
- Send: `start`, which moves the announcement to `sending` and queues one outbox row per
  recipient in one INSERT … SELECT, committed (target < 5 s for 50,000);
- the delivery report (one GROUP BY over the announcement's rows).

Then the real delivery worker, Telegram sender and aiogram client, wired as `run` wires them
(Settings, Limiter with TELEGRAM_RATE and TELEGRAM_CHAT_RATE, the scheduler's jobs), send the
announcement for `--seconds` to a fake Bot API that answers 429 above 30 messages/s, each
message rendered in its recipient's language. Reports the achieved rate against `--rate`
(target ≥ 95 %) and the 429 answers (target 0). `--rate` defaults to TELEGRAM_RATE's default,
25/s: Telegram's documented ceiling is 30/s, and 25 leaves room for the direct answers the
bot sends beside a broadcast. Quiet hours are off so the run does not depend on the hour.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

import asyncpg
from sqlalchemy import insert, text

from bot.bootstrap import App, build, make_worker
from bot.config import Settings, load_settings
from bot.delivery import Limiter, Platform
from bot.scheduler import background
from bot.transports.telegram.app import make_bot
from bot.transports.telegram.outbox import TelegramOutboxSender
from handlers.model import ResidentStatus, Role, Target
from storage.db import create_engine
from storage.migrate import upgrade
from storage.models import CentreRow, ConsentRow, IdentityRow, UserRow
from storage.repositories import DATA_CONSENT
from storage.seed import seed_demo
from tests.fakes.telegram_api import FakeTelegram

LOCALES = ("sr", "sr_Cyrl", "en", "de", "bs", "rom")
STATUSES = (ResidentStatus.RETURNEE, ResidentStatus.LOCAL, ResidentStatus.UNSAID)
CHUNK = 5_000
T = TypeVar("T")


async def fill(engine: Any, people: int, now: datetime) -> int:
    """Register `people` in bulk (Core inserts); the id of one more, a coordinator."""
    await upgrade(engine)
    await seed_demo(engine, now=now)
    async with engine.begin() as conn:
        centres = [r.id for r in await conn.execute(CentreRow.__table__.select())]
        users = insert(UserRow).returning(UserRow.id, sort_by_parameter_order=True)
        for start in range(0, people + 1, CHUNK):
            numbers = range(start, min(start + CHUNK, people + 1))
            ids = (
                await conn.execute(
                    users,
                    [
                        {
                            "locale": LOCALES[n % len(LOCALES)],
                            "status": STATUSES[n % len(STATUSES)].value,
                            "centre_id": centres[n % len(centres)],
                            "reminders_on": True,
                            "created_at": now,
                        }
                        for n in numbers
                    ],
                )
            ).scalars()
            pairs = list(zip(numbers, ids, strict=True))
            await conn.execute(
                insert(IdentityRow),
                [
                    {
                        "user_id": uid, "platform": "telegram", "external_id": str(10**6 + n),
                        "chat_id": str(10**6 + n), "created_at": now,
                        # One in a hundred blocked the bot: never in an audience.
                        "unreachable_at": now if n % 100 == 99 else None,
                    }
                    for n, uid in pairs
                ],
            )  # fmt: skip
            await conn.execute(
                insert(ConsentRow),
                [{"user_id": uid, "kind": DATA_CONSENT, "version": "1", "given_at": now}
                 for _, uid in pairs],
            )  # fmt: skip
        coordinator = pairs[-1][1]  # the last one registered sends the announcement
        await conn.execute(
            text("INSERT INTO roles (user_id, role, granted_at) VALUES (:u, :r, :t)"),
            {"u": coordinator, "r": Role.COORDINATOR.value, "t": now},
        )
        await conn.execute(text("ANALYZE"))
    return int(coordinator)


async def timed(call: Callable[[], Awaitable[T]]) -> tuple[T, float]:
    started = time.perf_counter()
    result = await call()
    return result, time.perf_counter() - started


async def preview(app: App, target: Target, now: datetime) -> tuple[dict[str, int], list[float]]:
    """The audience counted five times (as the preview does each time it is shown)."""
    timings: list[float] = []
    counted: dict[str, int] = {}
    for _ in range(5):
        async with app.uow() as uow:
            started = time.perf_counter()
            counted = await uow.broadcasts.count(target, now)
            timings.append(time.perf_counter() - started)
    return counted, timings


async def send(app: App, broadcast_id: int, by: int, now: datetime) -> int | None:
    async with app.uow() as uow:
        queued = await uow.broadcasts.start(broadcast_id, by, now)
        await uow.commit()
    return queued


async def report(app: App, broadcast_id: int) -> dict[str, int]:
    async with app.uow() as uow:
        return await uow.broadcasts.report(broadcast_id)


async def deliver(app: App, settings: Settings, seconds: float) -> tuple[int, int]:
    """Run the worker and the scheduler as `run` does for `seconds`; (accepted, 429s)."""
    async with FakeTelegram(rate_limit=30) as tg:
        bot = make_bot(settings.model_copy(update={"telegram_api_base": tg.url}))
        limits = Limiter(settings.telegram_rate, settings.telegram_chat_rate)
        worker = make_worker(app, {"telegram": Platform(TelegramOutboxSender(bot), limits)})
        try:
            async with background(app, worker) as scheduler:
                await asyncio.sleep(seconds)
                accepted, rejected = tg.accepted, tg.rejected
                # Shutting down cancels a job that is running; let one that just began end.
                scheduler.pause()
                await asyncio.sleep(1)
        finally:
            await bot.session.close()
    return accepted, rejected


def ms(seconds: float) -> str:
    return f"{seconds * 1000:,.0f} ms"


async def measure(url: str, args: argparse.Namespace) -> None:
    now = datetime.now(UTC)
    engine = create_engine(url)
    coordinator, filled = await timed(lambda: fill(engine, args.people, now))
    print(f"registered {args.people:,} people in {filled:.1f} s (bulk inserts)", flush=True)
    settings = load_settings(
        database_url=url, telegram_bot_token="1:BROADCAST", telegram_rate=args.rate,
        quiet_hours="off",
    )  # fmt: skip
    app = await build(settings, engine=engine)
    async with app.uow() as uow:
        pirot = await uow.centres.by_slug("pirot")
        assert pirot is not None
        draft = await uow.broadcasts.create(
            created_by=coordinator,
            texts={"sr": "Dan otvorenih vrata u petak u 12 h.", "en": "Open day on Friday at noon.",
                   "de": "Tag der offenen Tür am Freitag um 12 Uhr."},
            default_locale="sr", now=now,
        )  # fmt: skip
        await uow.commit()

    everyone, timings = await preview(app, Target(), now)
    print(
        f"preview, everyone: {everyone} in median {ms(statistics.median(timings))} "
        f"(first {ms(timings[0])}, of 5)",
        flush=True,
    )
    narrow = Target(centres=(pirot.id,), status=ResidentStatus.RETURNEE, locales=("de",))
    few, timings = await preview(app, narrow, now)
    print(
        f"preview, Pirot + returnees + German: {few} in median {ms(statistics.median(timings))}",
        flush=True,
    )

    queued, took = await timed(lambda: send(app, draft.id, coordinator, now))
    assert queued == sum(everyone.values()), (queued, everyone)
    print(
        f"start (audience chosen and {queued:,} outbox rows queued, committed): {took:.2f} s",
        flush=True,
    )
    counts, took = await timed(lambda: report(app, draft.id))
    print(f"report: {counts} in {ms(took)}", flush=True)

    accepted, rejected = await deliver(app, settings, args.seconds)
    achieved = accepted / args.seconds
    print(
        f"delivery at {args.rate:g}/s configured for {args.seconds:g} s: achieved "
        f"{achieved:.2f}/s ({achieved / args.rate:.1%}), 429 answers: {rejected}",
        flush=True,
    )
    print(f"report after: {await report(app, draft.id)}", flush=True)
    await engine.dispose()


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=50_000)
    parser.add_argument("--seconds", type=float, default=60)
    default_rate = Settings.model_fields["telegram_rate"].default  # TELEGRAM_RATE's default
    parser.add_argument("--rate", type=float, default=default_rate)
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432")
    args = parser.parse_args()
    name = f"bench_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(f"{args.postgres}/postgres")
    await admin.execute(f'CREATE DATABASE "{name}"')
    try:
        url = f"{args.postgres.replace('postgresql://', 'postgresql+asyncpg://')}/{name}"
        await measure(url, args)
    finally:
        await admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        await admin.close()


if __name__ == "__main__":
    asyncio.run(main())
