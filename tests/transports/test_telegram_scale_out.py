"""Two `reintegrate-bot run` processes behind one webhook, on one PostgreSQL database."""

from __future__ import annotations

import asyncio
import os

import aiohttp

from tests.fakes.telegram_api import FakeTelegram
from tests.support.processes import (
    WEBHOOK_SECRET,
    WEBHOOK_URL,
    bot_command,
    bot_processes,
    button,
    free_port,
    sent_texts,
)


async def post(http: aiohttp.ClientSession, port: int, update: dict) -> int:
    """Deliver one update to one process, as a load balancer would."""
    url = f"http://127.0.0.1:{port}/telegram/webhook"
    async with http.post(
        url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET}
    ) as r:
        return r.status


async def test_two_processes_share_conversations_and_handle_each_update_once(database):
    async with FakeTelegram() as tg:
        env = {
            **os.environ,
            "DATABASE_URL": database,
            "DEFAULT_LOCALE": "en",
            "TELEGRAM_BOT_TOKEN": "123456:TEST",
            "TELEGRAM_API_BASE": tg.url,
            "TELEGRAM_WEBHOOK_URL": WEBHOOK_URL,
            "TELEGRAM_WEBHOOK_SECRET": WEBHOOK_SECRET,
            "HTTP_HOST": "127.0.0.1",
        }
        for verb in (("migrate",), ("seed", "--demo")):
            done = await bot_command(*verb, env=env)
            assert done.code == 0, done.output
        ports = [free_port(), free_port()]
        envs = [{**env, "HTTP_PORT": str(p)} for p in ports]
        async with bot_processes("run", envs=envs) as procs:
            await asyncio.gather(*(p.said("http listening") for p in procs))
            await tg.wait_for(
                lambda calls: len([c for c in calls if c.method == "setWebhook"]) == 2
            )
            async with aiohttp.ClientSession() as http:
                # One person's steps land on alternate processes: the conversation lives in
                # the database, so each process carries on where the other left off.
                ana = 7001
                assert await post(http, ports[0], tg.text_update(ana, "/start")) == 200
                steps = [
                    ("English", "Do you agree?"),
                    ("I agree", "Did you come back"),
                    ("I came back from abroad", "Which community centre"),
                ]
                for i, (label, expect) in enumerate(steps, start=1):
                    update = tg.button_update(ana, button(tg.calls_with_markup()[-1], label))
                    assert await post(http, ports[i % 2], update) == 200
                    await tg.wait_for(
                        lambda calls, e=expect: any(e in t for t in sent_texts(calls))
                    )

                # Forty people write at once; the load balancer hands every update to both
                # processes (a retry that overtook the first delivery): each is answered once.
                before = len(tg.of("sendMessage"))
                updates = [tg.text_update(8000 + n, "/start") for n in range(40)]
                statuses = await asyncio.gather(
                    *(post(http, port, u) for u in updates for port in ports)
                )
                assert set(statuses) == {200}
            # The webhook answers after the reply is sent, so every answer is in by now.
            answered = [c.params["chat_id"] for c in tg.of("sendMessage")[before:]]
            assert sorted(answered) == sorted(8000 + n for n in range(40))
        for proc in procs:
            assert "Traceback" not in proc.output, proc.output
