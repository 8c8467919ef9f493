"""Two `reintegrate-bot run` processes behind one webhook, on one PostgreSQL database."""

from __future__ import annotations

import asyncio
import os

import aiohttp
import pytest

from tests.fakes.telegram_api import FakeTelegram
from tests.support.postgres import fresh_pg_database
from tests.transports.test_telegram_run import button, cli, free_port, sent_texts, stop

SECRET = "scale-out-secret"
WEBHOOK = "https://bot.example.org/telegram/webhook"


@pytest.fixture
async def database(postgres_available):
    """A fresh PostgreSQL database for the processes (each process opens its own pool)."""
    if not postgres_available:
        pytest.skip("PostgreSQL is not reachable")
    async with fresh_pg_database("scale") as url:
        yield url


async def post(http: aiohttp.ClientSession, port: int, update: dict) -> int:
    """Deliver one update to one process, as a load balancer would; retries while it binds."""
    url = f"http://127.0.0.1:{port}/telegram/webhook"
    for _ in range(100):
        try:
            async with http.post(
                url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": SECRET}
            ) as r:
                return r.status
        except aiohttp.ClientConnectorError:
            await asyncio.sleep(0.1)
    raise AssertionError(f"nothing listens on {port}")


async def test_two_processes_share_conversations_and_handle_each_update_once(database):
    async with FakeTelegram() as tg:
        env = {
            **os.environ,
            "DATABASE_URL": database,
            "DEFAULT_LOCALE": "en",
            "TELEGRAM_BOT_TOKEN": "123456:TEST",
            "TELEGRAM_API_BASE": tg.url,
            "TELEGRAM_WEBHOOK_URL": WEBHOOK,
            "TELEGRAM_WEBHOOK_SECRET": SECRET,
            "HTTP_HOST": "127.0.0.1",
        }
        for verb in (("migrate",), ("seed", "--demo")):
            proc = await cli(*verb, env=env)
            assert await proc.wait() == 0, (await proc.stdout.read()).decode()
        ports = [free_port(), free_port()]
        procs = [await cli("run", env={**env, "HTTP_PORT": str(p)}) for p in ports]
        try:
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
        finally:
            outputs = [await stop(p) for p in procs]
        for output in outputs:
            assert "Traceback" not in output, output
