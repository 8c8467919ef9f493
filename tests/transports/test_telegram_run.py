"""`reintegrate-bot run` as a subprocess against the fake Bot API: polling and webhook."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
from pathlib import Path

import aiohttp
import pytest

from tests.fakes.telegram_api import FakeTelegram

ROOT = Path(__file__).resolve().parents[2]
ANA = 6001
SECRET = "s3cret-token_OK"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def cli(*args: str, env: dict[str, str]) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", *args, cwd=ROOT, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip


def telegram_env(tg: FakeTelegram, database_url: str, **more: str) -> dict[str, str]:
    """The environment of a `run` process talking to the fake Telegram on a free port."""
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "DEFAULT_LOCALE": "en",
        "TELEGRAM_BOT_TOKEN": "123456:TEST",
        "TELEGRAM_API_BASE": tg.url,
        "HTTP_HOST": "127.0.0.1",
        "HTTP_PORT": str(free_port()),
        **more,
    }


@pytest.fixture
async def environment(tmp_path):
    async with FakeTelegram() as tg:
        env = telegram_env(tg, f"sqlite+aiosqlite:///{tmp_path}/run.db")
        for verb in (("migrate",), ("seed", "--demo")):
            proc = await cli(*verb, env=env)
            assert await proc.wait() == 0
        yield tg, env


async def stop(proc: asyncio.subprocess.Process) -> str:
    if proc.returncode is None:
        proc.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(proc.wait(), 15)
        except TimeoutError:
            proc.kill()
    out = await proc.stdout.read() if proc.stdout else b""
    return out.decode()


def sent_texts(calls):
    return [
        c.params.get("text", "") for c in calls if c.method in ("sendMessage", "editMessageText")
    ]


def button(call, label):
    rows = call.params["reply_markup"]["inline_keyboard"]
    return next(b["callback_data"] for row in rows for b in row if b["text"].endswith(label))


async def test_polling_onboarding_end_to_end(environment):
    tg, env = environment
    proc = await cli("run", env=env)
    try:
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
    finally:
        output = await stop(proc)
    assert proc.returncode == 0, output
    assert "Traceback" not in output


async def test_webhook_checks_the_secret_and_dedupes(environment):
    tg, env = environment
    port = env["HTTP_PORT"]
    env = {
        **env,
        "TELEGRAM_WEBHOOK_URL": "https://bot.example.org/telegram/webhook",
        "TELEGRAM_WEBHOOK_SECRET": SECRET,
    }
    proc = await cli("run", env=env)
    url = f"http://127.0.0.1:{port}/telegram/webhook"
    try:
        await tg.wait_for(lambda calls: any(c.method == "setWebhook" for c in calls))
        assert tg.webhook["url"] == "https://bot.example.org/telegram/webhook"
        assert tg.webhook["secret_token"] == SECRET
        start = tg.text_update(ANA, "/start")
        async with aiohttp.ClientSession() as http:
            for headers in ({}, {"X-Telegram-Bot-Api-Secret-Token": "wrong"}):
                for _ in range(50):  # the server may still be binding its port
                    try:
                        async with http.post(url, json=start, headers=headers) as r:
                            assert r.status == 401
                        break
                    except aiohttp.ClientConnectorError:
                        await asyncio.sleep(0.1)
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
    finally:
        output = await stop(proc)
    assert "Traceback" not in output, output
    assert output.count("webhook body refused") == 3, output
