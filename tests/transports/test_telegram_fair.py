"""One person's flood never slows the others: per-chat queues, a cap, 429s that delay one chat."""

from __future__ import annotations

import asyncio
import re
import time

import aiohttp
import pytest
from aiogram.types import Update

from bot.transports.telegram.app import make_bot, make_dispatcher
from tests.fakes.telegram_api import FakeTelegram
from tests.support import telegram_bridge
from tests.support.processes import bot_command, bot_process, telegram_env

FLOODER, OTHER = 9101, 9102
SLOW_DOWN = "faster than I can answer"


def to(calls, chat: int) -> list[str]:
    """Texts of the messages Telegram accepted for `chat`, in order."""
    return [c.params.get("text", "") for c in calls if str(c.params.get("chat_id")) == str(chat)]


async def dropped(port: str, platform: str) -> float:
    async with aiohttp.ClientSession() as http, http.get(f"http://127.0.0.1:{port}/metrics") as r:
        text = await r.text()
    line = rf'^reintegrate_updates_dropped_total{{platform="{platform}",reason="backlog"}} (\S+)$'
    found = re.search(line, text, re.M)
    return float(found.group(1)) if found else 0.0


async def test_a_flood_with_the_per_chat_limit_does_not_hold_up_anyone_else(tmp_path):
    async with FakeTelegram() as tg:
        env = telegram_env(
            tg, f"sqlite+aiosqlite:///{tmp_path}/fair.db", METRICS_ENABLED="true",
            # Two slots only: a flood that held one per waiting update would stall everyone.
            TELEGRAM_CONCURRENCY="2", MAX_PENDING_PER_CHAT="5",
        )  # fmt: skip
        done = await bot_command("migrate", env=env)
        assert done.code == 0, done.output
        tg.chat_rate_limit = 1  # Telegram's own limit: one message a second to one chat
        for n in range(100):
            tg.text_update(FLOODER, f"hello {n}")
        tg.text_update(OTHER, "/menu")  # after the whole flood, in the next getUpdates
        async with bot_process("run", env=env) as bot:
            await bot.said("http listening")
            await tg.wait_for(lambda calls: any(c.method == "getUpdates" for c in calls))
            started = time.monotonic()
            await tg.wait_for(lambda _: to(tg.delivered, OTHER))
            waited = time.monotonic() - started
            # Every flood update was taken before the /menu: the drop count is final.
            lost = await dropped(env["HTTP_PORT"], "telegram")
            assert 0 < lost < 100
            kept = 100 - lost
            await tg.wait_for(
                lambda _: len([t for t in to(tg.delivered, FLOODER) if SLOW_DOWN not in t]) == kept
            )
        assert "Traceback" not in bot.output, bot.output
    flooder = to(tg.delivered, FLOODER)
    assert len([t for t in flooder if SLOW_DOWN in t]) == 1, "one slow-down for the burst"
    assert tg.rejected > 0, "the flooder did meet Telegram's per-chat limit"
    answered = [str(c.params["chat_id"]) for c in tg.delivered]
    last_flooder = len(answered) - 1 - answered[::-1].index(str(FLOODER))
    assert answered.index(str(OTHER)) < last_flooder, (
        f"the other person waited for the flood's backlog ({waited:.1f} s)"
    )


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
async def test_a_429_delays_only_its_chat(app):
    async with FakeTelegram() as tg:
        app.settings.telegram_bot_token = "123456:TEST"
        app.settings.telegram_api_base = tg.url
        app.settings.telegram_concurrency = 1  # one slot: a wait held inside it would stall all
        bot = make_bot(app.settings)
        bridge = telegram_bridge(app, bot, dedupe=False, wait=False)  # as polling runs it
        dp = make_dispatcher(bridge)
        try:
            tg.fail_next(
                "sendMessage", 429, "Too Many Requests: retry after 3600", retry_after=3600
            )
            for chat in (FLOODER, OTHER):
                raw = tg.text_update(chat, "/menu")
                await dp.feed_update(bot, Update.model_validate(raw, context={"bot": bot}))
            await tg.wait_for(lambda _: to(tg.delivered, OTHER))
            assert to(tg.delivered, FLOODER) == [], "the flooder's reply waits out its 429"
            assert bridge.queue.pending(str(FLOODER)) == 1
        finally:
            await bridge.close(grace=0)
            await bot.session.close()


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
async def test_one_chats_updates_keep_their_order_and_the_surplus_is_dropped(app):
    async with FakeTelegram() as tg:
        app.settings.telegram_bot_token = "123456:TEST"
        app.settings.telegram_api_base = tg.url
        app.settings.max_pending_per_chat = 3
        bot = make_bot(app.settings)
        bridge = telegram_bridge(app, bot, dedupe=False, wait=False)
        dp = make_dispatcher(bridge)
        tg.send_delay = 0.05  # replies take a while: the updates pile up in the chat's queue
        try:
            for text in ["/help", "/menu", "/language", "/cancel", "/help", "/menu"]:
                raw = tg.text_update(FLOODER, text)
                await dp.feed_update(bot, Update.model_validate(raw, context={"bot": bot}))
            await bridge.queue.drain()
        finally:
            await bot.session.close()
    texts = to(tg.delivered, FLOODER)
    assert len([t for t in texts if SLOW_DOWN in t]) == 1, "said once for the burst"
    answers = [t for t in texts if SLOW_DOWN not in t]
    assert len(answers) == 3, "the first three are answered, the other three dropped"
    assert "I work with buttons" in answers[0], "in the order they came"
    assert all("Hello! I am" in t for t in answers[1:])
    sample = app.metrics.registry.get_sample_value(
        "reintegrate_updates_dropped_total", {"platform": "telegram", "reason": "backlog"}
    )
    assert sample == 3


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
async def test_a_webhook_request_never_waits_for_its_chats_backlog(app):
    async with FakeTelegram() as tg:
        app.settings.telegram_bot_token = "123456:TEST"
        app.settings.telegram_api_base = tg.url
        bot = make_bot(app.settings)
        bridge = telegram_bridge(app, bot)  # as the webhook runs it: answer once handled
        dp = make_dispatcher(bridge)

        def feed(chat: int, text: str):
            raw = tg.text_update(chat, text)
            return dp.feed_update(bot, Update.model_validate(raw, context={"bot": bot}))

        try:
            tg.fail_next(
                "sendMessage", 429, "Too Many Requests: retry after 3600", retry_after=3600
            )
            first = asyncio.create_task(feed(FLOODER, "/menu"))  # its reply waits out the 429
            await tg.wait_for(lambda calls: any(c.method == "sendMessage" for c in calls))
            # Behind it in the same chat: answered as soon as queued, holding no connection.
            await asyncio.wait_for(feed(FLOODER, "/help"), 60)  # not the 429's hour
            assert not first.done(), "the first is handled before its request is answered"
            await asyncio.wait_for(feed(OTHER, "/menu"), 60)
            assert to(tg.delivered, OTHER), "another chat's request is answered with its reply"
            assert to(tg.delivered, FLOODER) == []
        finally:
            await bridge.close(grace=0)
            await bot.session.close()
