"""`reintegrate-bot run` as a subprocess with Viber, alone and beside Telegram in one process."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import html
import json
import os
from collections.abc import Callable

import aiohttp
import pytest

from tests.fakes.telegram_api import FakeTelegram
from tests.fakes.viber_api import TOKEN, FakeViber
from tests.transports.test_telegram_run import ANA, cli, free_port, sent_texts, stop

VERA = "VeraViberId000000000001=="
WEBHOOK_URL = "https://bot.example.org/viber/webhook"


@pytest.fixture
async def environment(tmp_path):
    async with FakeViber() as vb:
        env = {
            **os.environ,
            "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/run.db",
            "DEFAULT_LOCALE": "en",
            "VIBER_AUTH_TOKEN": TOKEN,
            "VIBER_API_BASE": vb.url,
            "VIBER_WEBHOOK_URL": WEBHOOK_URL,
            "HTTP_HOST": "127.0.0.1",
            "HTTP_PORT": str(free_port()),
        }
        env.pop("TELEGRAM_BOT_TOKEN", None)
        for verb in (("migrate",), ("seed", "--demo")):
            proc = await cli(*verb, env=env)
            assert await proc.wait() == 0
        yield vb, env


async def until(check: Callable[[], bool], seconds: float = 20.0) -> None:
    """Look every 50 ms (the fake Viber API records calls but signals nothing)."""
    for _ in range(int(seconds / 0.05)):
        if check():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("timed out")


async def callback(http: aiohttp.ClientSession, port: str, body: dict) -> tuple[int, bytes]:
    """POST a signed callback (retrying while the server still binds its port)."""
    raw = json.dumps(body).encode()
    sig = hmac.new(TOKEN.encode(), raw, hashlib.sha256).hexdigest()
    url = f"http://127.0.0.1:{port}/viber/webhook"
    for _ in range(50):
        try:
            async with http.post(url, data=raw, headers={"X-Viber-Content-Signature": sig}) as r:
                return r.status, await r.read()
        except aiohttp.ClientConnectorError:
            await asyncio.sleep(0.1)
    raise AssertionError("the server never listened")


def message(token: int, text: str) -> dict:
    return {
        "event": "message", "timestamp": 1_790_000_000_000, "message_token": token,
        "sender": {"id": VERA, "name": "Vera", "language": "en"},
        "message": {"type": "text", "text": text},
    }  # fmt: skip


async def onboard_on_viber(vb: FakeViber, port: str) -> None:
    started = {
        "event": "conversation_started", "timestamp": 1_790_000_000_000, "message_token": 1,
        "type": "open", "context": "centre-pirot", "subscribed": False,
        "user": {"id": VERA, "name": "Vera", "language": "en"},
    }  # fmt: skip
    async with aiohttp.ClientSession() as http:
        status, body = await callback(http, port, started)
        assert status == 200
        welcome = json.loads(body)
        assert "choose your language" in welcome["text"]
        english = next(
            b["ActionBody"] for b in welcome["keyboard"]["Buttons"] if b["Text"] == "English"
        )
        assert (await callback(http, port, message(2, english)))[0] == 200
        assert "Do you agree?" in vb.sent()[-1]["text"]
        agree = next(
            b["ActionBody"]
            for b in vb.sent()[-1]["keyboard"]["Buttons"]
            if html.unescape(b["Text"]).endswith("I agree")
        )
        assert (await callback(http, port, message(3, agree)))[0] == 200
        assert "Did you come back" in vb.sent()[-1]["text"]
        async with http.get(f"http://127.0.0.1:{port}/healthz") as health:
            assert health.status == 200
        url = f"http://127.0.0.1:{port}/viber/webhook"
        async with http.post(url, data=json.dumps(started).encode()) as unsigned:
            assert unsigned.status == 403


async def test_viber_alone_registers_its_webhook_and_answers(environment):
    vb, env = environment
    proc = await cli("run", env=env)
    try:
        await until(lambda: bool(vb.of("set_webhook")))
        assert vb.webhook["url"] == WEBHOOK_URL
        assert set(vb.webhook["event_types"]) == {
            "delivered", "seen", "failed", "subscribed", "unsubscribed", "conversation_started"
        }  # fmt: skip
        await onboard_on_viber(vb, env["HTTP_PORT"])
    finally:
        output = await stop(proc)
    assert proc.returncode == 0, output
    assert "Traceback" not in output, output


async def test_telegram_and_viber_in_one_process(environment):
    vb, env = environment
    async with FakeTelegram() as tg:
        env = {**env, "TELEGRAM_BOT_TOKEN": "123456:TEST", "TELEGRAM_API_BASE": tg.url}
        proc = await cli("run", env=env)
        try:
            await tg.wait_for(lambda calls: any(c.method == "getUpdates" for c in calls))
            await until(lambda: bool(vb.of("set_webhook")))
            await onboard_on_viber(vb, env["HTTP_PORT"])
            tg.text_update(ANA, "/start")
            await tg.wait_for(
                lambda calls: any("choose your language" in t for t in sent_texts(calls))
            )
        finally:
            output = await stop(proc)
    assert proc.returncode == 0, output
    assert "Traceback" not in output, output


async def test_viber_without_a_webhook_address_does_not_start(environment):
    _, env = environment
    env = {k: v for k, v in env.items() if k != "VIBER_WEBHOOK_URL"}
    proc = await cli("run", env=env)
    output, _ = await asyncio.wait_for(proc.communicate(), 30)
    assert proc.returncode == 2
    assert "VIBER_WEBHOOK_URL" in output.decode()


@pytest.mark.parametrize("db", ["sqlite"], indirect=True)
async def test_one_worker_delivers_to_both_platforms(app, person):
    from bot.scheduler import make_worker
    from bot.transports.run import transports
    from handlers.flows.menu import MENU
    from handlers.notices import Notice
    from tests.outbox.helpers import onboard, user_id

    tele, vibe = person("5001"), person(VERA, platform="viber")
    for who in (tele, vibe):
        await onboard(app, who)
    async with FakeTelegram() as tg, FakeViber() as vb:
        app.settings.telegram_bot_token = "123456:TEST"
        app.settings.telegram_api_base = tg.url
        app.settings.viber_auth_token = TOKEN
        app.settings.viber_api_base = vb.url
        app.settings.viber_webhook_url = WEBHOOK_URL
        messengers = transports(app)
        try:
            assert [m.name for m in messengers] == ["telegram", "viber"]
            uids = [await user_id(app, who) for who in (tele, vibe)]
            async with app.uow() as uow:
                now = app.clock.now()
                for uid in uids:
                    await uow.outbox.enqueue(uid, Notice.of(MENU), not_before=now, now=now)
                await uow.commit()
            worker = make_worker(app, {m.name: m.platform for m in messengers})
            assert await worker.drain() == 2
        finally:
            for m in messengers:
                await m.close()
        assert [str(c.params["chat_id"]) for c in tg.of("sendMessage")] == ["5001"]
        assert [m["receiver"] for m in vb.sent()] == [VERA]
