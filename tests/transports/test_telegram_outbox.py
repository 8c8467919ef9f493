"""The worker's Telegram sender against the fake Bot API: each answer becomes a verdict."""

from __future__ import annotations

from bot.config import load_settings
from bot.delivery import Verdict
from bot.transports.telegram.app import make_bot
from bot.transports.telegram.outbox import TelegramOutboxSender
from handlers.messages import Button, Outgoing
from tests.fakes.telegram_api import FakeTelegram

OUT = Outgoing("42", "Reminder <b>tomorrow</b>", "reminder.event", ((Button("Yes", "rem:yes:1"),),))


async def test_each_bot_api_answer_becomes_a_verdict():
    async with FakeTelegram() as tg:
        bot = make_bot(load_settings(telegram_bot_token="1:T", telegram_api_base=tg.url))
        sender = TelegramOutboxSender(bot)
        try:
            ok = await sender.send("42", OUT)
            assert ok.verdict is Verdict.SENT and ok.message_id
            assert tg.of("sendMessage")[0].params["text"] == "Reminder &lt;b&gt;tomorrow&lt;/b&gt;"

            tg.fail_next("sendMessage", 429, "Too Many Requests: retry after 9", retry_after=9)
            limited = await sender.send("42", OUT)
            assert (limited.verdict, limited.retry_after) == (Verdict.RATE_LIMITED, 9)

            tg.fail_next("sendMessage", 403, "Forbidden: bot was blocked by the user")
            assert (await sender.send("42", OUT)).verdict is Verdict.GONE
            tg.fail_next("sendMessage", 403, "Forbidden: user is deactivated")
            assert (await sender.send("42", OUT)).verdict is Verdict.GONE

            tg.fail_next("sendMessage", 502, "Bad Gateway")
            assert (await sender.send("42", OUT)).verdict is Verdict.RETRY

            tg.fail_next("sendMessage", 400, "Bad Request: chat not found")
            failed = await sender.send("42", OUT)
            assert failed.verdict is Verdict.FAILED and "chat not found" in (failed.error or "")
        finally:
            await bot.session.close()

    # The server is gone: a network error, to be retried later.
    try:
        down = await sender.send("42", OUT)
    finally:
        await bot.session.close()
    assert down.verdict is Verdict.RETRY
