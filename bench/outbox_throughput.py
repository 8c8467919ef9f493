"""Benchmark: the delivery worker draining 100,000 queued messages to a sender that answers at once.

    .venv/bin/python -m bench.outbox_throughput [--messages 100000] [--postgres URL]

Limits are lifted, so this measures our own cost per message (claim, render in the recipient's
language, record the outcome); in production the platform's rate limit is the only bound.
PostgreSQL runs in a fresh database on the server given (default: the test server).
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
import uuid
from datetime import UTC, datetime

import asyncpg
from sqlalchemy import insert

from bot.clock import SystemClock
from bot.delivery import DeliveryWorker, Platform, Result, Verdict
from bot.i18n import BabelTranslator
from handlers.messages import Outgoing
from handlers.notices import PRIORITY_BULK, Notice, NoticeButton, name
from handlers.rules.reminders import REMINDER
from storage.db import create_engine, session_factory
from storage.migrate import upgrade
from storage.models import OutboxRow
from storage.uow import SqlUnitOfWorkFactory

PEOPLE = 1_000
LOCALES = ("sr", "sr_Cyrl", "en", "de", "bs", "rom")


class Instant:
    """A sender that accepts everything at once."""

    def __init__(self) -> None:
        self.count = 0

    async def send(self, chat_id: str, out: Outgoing) -> Result:
        self.count += 1
        return Result(Verdict.SENT, message_id=str(self.count))


async def fill(url: str, messages: int) -> None:
    engine = create_engine(url)
    await upgrade(engine)
    uow = SqlUnitOfWorkFactory(session_factory(engine))
    now = datetime.now(UTC)
    ids = []
    async with uow() as u:
        for p in range(PEOPLE):
            user = await u.users.register(
                platform="telegram", external_id=str(10_000 + p), chat_id=str(10_000 + p),
                locale=LOCALES[p % len(LOCALES)], centre_id=None, consent_version="1", now=now,
            )  # fmt: skip
            ids.append(user.id)
        await u.commit()
    notice = Notice.of(
        REMINDER, [[NoticeButton("I'll come", "rem:yes:1", "✅")]],
        what="School support", when="tomorrow", where=name("Novi Pazar"),
    )  # fmt: skip
    rows = [
        {
            "user_id": ids[i % PEOPLE],
            "platform": "telegram",
            "external_id": str(10_000 + i % PEOPLE),
            "chat_id": str(10_000 + i % PEOPLE),
            "key": notice.text.key,
            "params": notice.params,
            "buttons": notice.buttons_json(),
            "priority": PRIORITY_BULK,
            "not_before": now,
            "status": "queued",
            "attempts": 0,
            "created_at": now,
            "updated_at": now,
        }
        for i in range(messages)
    ]
    async with engine.begin() as conn:
        for start in range(0, messages, 5_000):
            await conn.execute(insert(OutboxRow), rows[start : start + 5_000])
    await engine.dispose()


async def drain(url: str, batch: int) -> tuple[int, float]:
    engine = create_engine(url)
    sender = Instant()
    worker = DeliveryWorker(
        SqlUnitOfWorkFactory(session_factory(engine)), SystemClock(),
        BabelTranslator("Europe/Belgrade"), {"telegram": Platform(sender, limiter=None)},
        batch=batch,
    )  # fmt: skip
    started = time.perf_counter()
    await worker.drain()
    elapsed = time.perf_counter() - started
    await engine.dispose()
    return sender.count, elapsed


async def one(label: str, url: str, messages: int, batch: int) -> None:
    await fill(url, messages)
    sent, elapsed = await drain(url, batch)
    print(
        f"{label}: {sent} messages in {elapsed:.1f} s = {sent / elapsed:,.0f} messages/s",
        flush=True,
    )


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        await one("SQLite", f"sqlite+aiosqlite:///{tmp}/bench.db", args.messages, args.batch)
    name_ = f"bench_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(f"{args.postgres}/postgres")
    await admin.execute(f'CREATE DATABASE "{name_}"')
    try:
        url = f"{args.postgres.replace('postgresql://', 'postgresql+asyncpg://')}/{name_}"
        await one("PostgreSQL", url, args.messages, args.batch)
    finally:
        await admin.execute(f'DROP DATABASE "{name_}" WITH (FORCE)')
        await admin.close()


if __name__ == "__main__":
    asyncio.run(main())
