"""Benchmark: the Telegram limit held for 60 s against a fake Bot API that answers 429 above 30/s.

    .venv/bin/python -m bench.outbox_rate_limit [--seconds 60] [--rate 25]

The real delivery worker, Telegram sender and aiogram client send queued messages (one per
chat, so only the overall limit binds) for the given time. Reports the achieved rate against
the configured one (target ≥ 95 %) and the number of 429 answers (target 0).
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
from datetime import UTC, datetime

from bench.outbox_throughput import fill
from bot.clock import SystemClock
from bot.config import load_settings
from bot.delivery import DeliveryWorker, Limiter, Platform
from bot.i18n import BabelTranslator
from bot.transports.telegram.app import make_bot
from bot.transports.telegram.outbox import TelegramOutboxSender
from storage.db import create_engine, session_factory
from storage.uow import SqlUnitOfWorkFactory
from tests.fakes.telegram_api import FakeTelegram


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--rate", type=float, default=25)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite+aiosqlite:///{tmp}/rate.db"
        await fill(url, int(args.rate * args.seconds * 2))
        engine = create_engine(url)
        async with FakeTelegram(rate_limit=30) as tg:
            bot = make_bot(load_settings(telegram_bot_token="1:RATE", telegram_api_base=tg.url))
            worker = DeliveryWorker(
                SqlUnitOfWorkFactory(session_factory(engine)), SystemClock(),
                BabelTranslator("Europe/Belgrade"),
                {"telegram": Platform(TelegramOutboxSender(bot), Limiter(args.rate, 1.0))},
                batch=max(1, int(args.rate * 2)), quiet_hours=None,
            )  # fmt: skip
            stop = asyncio.Event()
            task = asyncio.create_task(worker.run(stop))
            started = datetime.now(UTC)
            await asyncio.sleep(args.seconds)
            accepted, rejected = tg.accepted, tg.rejected
            stop.set()
            await task
            await bot.session.close()
        await engine.dispose()
    elapsed = (datetime.now(UTC) - started).total_seconds()
    achieved = accepted / args.seconds
    print(
        f"configured {args.rate:g}/s for {args.seconds:g} s: achieved {achieved:.2f}/s "
        f"({achieved / args.rate:.1%}), 429 answers: {rejected} (ran {elapsed:.1f} s)"
    )


if __name__ == "__main__":
    asyncio.run(main())
