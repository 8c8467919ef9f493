"""`reintegrate-bot run` as a subprocess with Viber, alone and beside Telegram in one process."""

from __future__ import annotations

import hashlib
import hmac
import html
import json
import os

import aiohttp
import pytest

from tests.fakes.telegram_api import FakeTelegram
from tests.fakes.viber_api import TOKEN, FakeViber
from tests.support.processes import bot_command, bot_process, button, free_port, sent_texts

ANA = 6001  # on Telegram
VERA = "VeraViberId000000000001=="  # on Viber
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
            done = await bot_command(*verb, env=env)
            assert done.code == 0, done.output
        yield vb, env


async def callback(http: aiohttp.ClientSession, port: str, body: dict) -> tuple[int, bytes]:
    """POST a signed callback to the process (once it has said "http listening")."""
    raw = json.dumps(body).encode()
    sig = hmac.new(TOKEN.encode(), raw, hashlib.sha256).hexdigest()
    url = f"http://127.0.0.1:{port}/viber/webhook"
    async with http.post(url, data=raw, headers={"X-Viber-Content-Signature": sig}) as r:
        return r.status, await r.read()


def message(token: int, text: str, sender: str = VERA) -> dict:
    return {
        "event": "message", "timestamp": 1_790_000_000_000, "message_token": token,
        "sender": {"id": sender, "name": "Vera", "language": "en"},
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
    async with bot_process("run", env=env) as bot:
        await bot.said("http listening")
        await vb.wait_for(lambda fake: bool(fake.of("set_webhook")))
        assert vb.webhook["url"] == WEBHOOK_URL
        assert set(vb.webhook["event_types"]) == {
            "delivered", "seen", "failed", "subscribed", "unsubscribed", "conversation_started"
        }  # fmt: skip
        await onboard_on_viber(vb, env["HTTP_PORT"])
    assert bot.returncode == 0, bot.output
    assert "Traceback" not in bot.output, bot.output


async def test_telegram_and_viber_in_one_process(environment):
    vb, env = environment
    async with FakeTelegram() as tg:
        env = {**env, "TELEGRAM_BOT_TOKEN": "123456:TEST", "TELEGRAM_API_BASE": tg.url}
        async with bot_process("run", env=env) as bot:
            await bot.said("http listening")
            await tg.wait_for(lambda calls: any(c.method == "getUpdates" for c in calls))
            await vb.wait_for(lambda fake: bool(fake.of("set_webhook")))
            await onboard_on_viber(vb, env["HTTP_PORT"])
            tg.text_update(ANA, "/start")
            await tg.wait_for(
                lambda calls: any("choose your language" in t for t in sent_texts(calls))
            )
    assert bot.returncode == 0, bot.output
    assert "Traceback" not in bot.output, bot.output


async def test_a_code_made_on_telegram_typed_on_viber_links_only_on_yes_and_guesses_lock(
    environment,
):
    """The attack over real HTTP: guesses from a Viber account lock it; the owner's Yes links."""
    vb, env = environment
    mallory = "MalloryViberId0000000001=="
    port = env["HTTP_PORT"]

    def viber_texts(receiver: str) -> list[str]:
        return [m.get("text", "") for m in vb.sent() if m.get("receiver") == receiver]

    async with FakeTelegram() as tg, aiohttp.ClientSession() as http:
        env = {**env, "TELEGRAM_BOT_TOKEN": "123456:TEST", "TELEGRAM_API_BASE": tg.url}
        async with bot_process("run", env=env) as bot:
            await bot.said("http listening")
            await vb.wait_for(lambda fake: bool(fake.of("set_webhook")))
            tg.text_update(ANA, "/start centre-pirot")
            await tg.wait_for(
                lambda calls: any("choose your language" in t for t in sent_texts(calls))
            )
            for label in (
                "English",
                "I agree",
                "I live here",
                "Settings",
                "Link Telegram and Viber",
            ):
                before = len(tg.calls_with_markup())
                tg.button_update(ANA, button(tg.calls_with_markup()[-1], label))
                await tg.wait_for(lambda calls, n=before: len(tg.calls_with_markup()) > n)
            code = sent_texts(tg.calls)[-1].split("/link ", 1)[1].split()[0]
            assert len(code) == 9 and code[4] == "-", code

            wrong = [g for g in ("ABCD-EFGH", "ZZZZ-ZZZZ", "2345-6789", "HJKM-NPQR", "STUV-WXYZ",
                                 "WXYZ-STUV") if g != code][:5]  # fmt: skip
            for token, guess in enumerate([*wrong, code], start=101):  # the right one last
                body = message(token, f"/link {guess}", mallory)
                assert (await callback(http, port, body))[0] == 200
            token = 200
            answers = viber_texts(mallory)
            assert len(answers) == 6
            assert all("does not work" in a for a in answers[:4]), answers
            assert all("Too many wrong codes" in a for a in answers[4:]), answers

            token += 1
            assert (await callback(http, port, message(token, f"/link {code.lower()}")))[0] == 200
            assert "Please confirm in your other app (Telegram)" in viber_texts(VERA)[-1]
            await tg.wait_for(
                lambda calls: any(
                    "Link your Viber account to this one?" in t for t in sent_texts(calls)
                )
            )
            asked = [t for t in sent_texts(tg.calls) if "Link your Viber account" in t]
            assert len(asked) == 1, "asked once, about Vera only (Mallory never got this far)"
            yes = button(tg.calls_with_markup()[-1], "Yes")
            tg.button_update(ANA, yes)
            await tg.wait_for(
                lambda calls: any(
                    "Done: your Viber account is linked" in t for t in sent_texts(calls)
                )
            )
            await vb.wait_for(
                lambda _: any("linked to your Telegram one" in t for t in viber_texts(VERA))
            )
            token += 1
            assert (await callback(http, port, message(token, "/menu")))[0] == 200
            assert "Main menu" in viber_texts(VERA)[-1], "Vera is now Ana's other account"
            token += 1
            assert (await callback(http, port, message(token, "/menu", mallory)))[0] == 200
            assert "choose your language" in viber_texts(mallory)[-1], "Mallory is still nobody"
    assert bot.returncode == 0, bot.output
    assert "Traceback" not in bot.output, bot.output


async def test_viber_without_a_webhook_address_does_not_start(environment):
    _, env = environment
    env = {k: v for k, v in env.items() if k != "VIBER_WEBHOOK_URL"}
    done = await bot_command("run", env=env)
    assert done.code == 2
    assert "VIBER_WEBHOOK_URL" in done.output


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
async def test_one_worker_delivers_to_both_platforms(app, person):
    from bot.bootstrap import make_worker
    from bot.bootstrap import messengers as transports
    from handlers.flows.menu import MENU
    from handlers.notices import Notice
    from tests.support.outbox import onboard, user_id

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
