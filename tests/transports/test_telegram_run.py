"""`reintegrate-bot run` as a subprocess against the fake Bot API: polling and webhook."""

from __future__ import annotations

import aiohttp
import pytest

from tests.fakes.telegram_api import FakeTelegram
from tests.support.processes import bot_command, bot_process, button, sent_texts, telegram_env

ANA = 6001
SECRET = "s3cret-token_OK"


@pytest.fixture
async def environment(tmp_path):
    async with FakeTelegram() as tg:
        env = telegram_env(tg, f"sqlite+aiosqlite:///{tmp_path}/run.db")
        for verb in (("migrate",), ("seed", "--demo")):
            done = await bot_command(*verb, env=env)
            assert done.code == 0, done.output
        yield tg, env


async def test_polling_onboarding_end_to_end(environment):
    tg, env = environment
    async with bot_process("run", env=env) as bot:
        await bot.said("http listening")
        await tg.wait_for(lambda calls: any(c.method == "getUpdates" for c in calls))
        assert tg.of("deleteWebhook"), "polling starts by removing any webhook"
        assert len(tg.of("setMyCommands")) == 5

        tg.text_update(ANA, "/start centre-pirot")
        await tg.wait_for(lambda calls: any("choose your language" in t for t in sent_texts(calls)))
        steps = [
            ("English", "Do you agree?"),
            ("I agree", "Did you come back"),
            ("I live here", "Your centre is Pirot"),
        ]
        for label, expect in steps:
            tg.button_update(ANA, button(tg.calls_with_markup()[-1], label))
            await tg.wait_for(lambda calls, e=expect: any(e in t for t in sent_texts(calls)))
        assert len(tg.of("answerCallbackQuery")) == 3
        health = f"http://127.0.0.1:{env['HTTP_PORT']}/healthz"
        async with aiohttp.ClientSession() as http, http.get(health) as r:
            assert r.status == 200
    assert bot.returncode == 0, bot.output
    assert "Traceback" not in bot.output


async def test_webhook_checks_the_secret_and_dedupes(environment):
    tg, env = environment
    port = env["HTTP_PORT"]
    env = {
        **env,
        "TELEGRAM_WEBHOOK_URL": "https://bot.example.org/telegram/webhook",
        "TELEGRAM_WEBHOOK_SECRET": SECRET,
    }
    url = f"http://127.0.0.1:{port}/telegram/webhook"
    async with bot_process("run", env=env) as bot:
        await bot.said("http listening")
        await tg.wait_for(lambda calls: any(c.method == "setWebhook" for c in calls))
        assert tg.webhook["url"] == "https://bot.example.org/telegram/webhook"
        assert tg.webhook["secret_token"] == SECRET
        start = tg.text_update(ANA, "/start")
        async with aiohttp.ClientSession() as http:
            for headers in ({}, {"X-Telegram-Bot-Api-Secret-Token": "wrong"}):
                async with http.post(url, json=start, headers=headers) as r:
                    assert r.status == 401
            assert not tg.of("sendMessage"), "a rejected update changes nothing"
            good = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
            for bad in (b"{not json", b"[]", b'{"update_id": 1, "message": "x"}'):
                async with http.post(url, data=bad, headers=good) as r:
                    assert r.status == 400, "malformed: not retried, no traceback"
            for _ in range(2):  # Telegram retrying the same update
                async with http.post(url, json=start, headers=good) as r:
                    assert r.status == 200
            async with http.get(f"http://127.0.0.1:{port}/healthz") as r:
                assert r.status == 200
        await tg.wait_for(lambda calls: len(tg.of("sendMessage")) >= 1)
        assert len(tg.of("sendMessage")) == 1, "the redelivered update was answered once"
    output = bot.output
    assert "Traceback" not in output, output
    assert output.count("webhook body refused") == 3, output
