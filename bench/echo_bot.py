"""A bare aiogram 3 echo bot: the yardstick for the full stack's Telegram throughput."""

from __future__ import annotations

import asyncio
import os

from aiogram import Bot, Dispatcher
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.types import Message


async def main() -> None:
    """Echo every text back, polling the server at TELEGRAM_API_BASE."""
    session = AiohttpSession(api=TelegramAPIServer.from_base(os.environ["TELEGRAM_API_BASE"]))
    bot = Bot(os.environ["TELEGRAM_BOT_TOKEN"], session=session)
    dp = Dispatcher()

    @dp.message()
    async def echo(message: Message) -> None:
        await message.answer(message.text or "")

    await dp.start_polling(bot, handle_as_tasks=True, tasks_concurrency_limit=32)


if __name__ == "__main__":
    asyncio.run(main())
