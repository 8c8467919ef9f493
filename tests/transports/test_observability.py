"""Operations' view: /metrics counters move with what the bot does; logs hold no personal data."""

from __future__ import annotations

import json
from dataclasses import replace

import aiohttp
import pytest
from aiogram.exceptions import TelegramServerError
from aiohttp.test_utils import TestClient, TestServer
from prometheus_client.parser import text_string_to_metric_families

from bot.bootstrap import http_app
from bot.config import load_settings
from bot.transports.telegram.app import make_bot
from bot.transports.telegram.sender import TelegramSender, Unreachable
from bot.transports.viber.client import ViberClient, ViberError
from handlers.messages import Outgoing
from tests.fakes.telegram_api import FakeTelegram
from tests.fakes.viber_api import TOKEN, FakeViber
from tests.support.journeys import browse, joined, programme, to_times
from tests.support.outbox import MENU_NOTICE, Recorder, enqueue, tick, user_id, worker
from tests.support.processes import bot_command, bot_process, button, sent_texts, telegram_env

TG_USER = 587_213_449  # a Telegram id that must not reach the logs
NAME, PHONE = "Milica", "064 765 4321"


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of a Prometheus text page, by name and labels."""
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def value(page: dict, name: str, **labels: str) -> float:
    return page.get((name, tuple(sorted(labels.items()))), 0.0)


async def scrape(port: int) -> dict:
    async with (
        aiohttp.ClientSession() as http,
        http.get(f"http://127.0.0.1:{port}/metrics") as r,
    ):
        assert r.status == 200
        assert r.headers["Content-Type"].startswith("text/plain")
        return samples(await r.text())


async def test_run_counts_what_it_handles_and_sends_and_logs_no_personal_data(tmp_path):
    async with FakeTelegram() as tg:
        env = telegram_env(
            tg, f"sqlite+aiosqlite:///{tmp_path}/run.db",
            METRICS_ENABLED="true", LOG_FORMAT="json", LOG_LEVEL="INFO",
        )  # fmt: skip
        port = int(env["HTTP_PORT"])
        refused = await bot_command("seed", "--demo", env=env)
        assert refused.code != 0, "seeding needs the schema: `run` is what migrates"
        async with bot_process("run", env=env) as bot:
            await bot.said("http listening")
            await tg.wait_for(lambda calls: any(c.method == "getUpdates" for c in calls))
            before = await scrape(port)
            assert (
                value(before, "reintegrate_updates_total", platform="telegram", outcome="ok") == 0
            )

            async def answered(expect: str) -> None:
                await tg.wait_for(lambda calls: any(expect in t for t in sent_texts(calls)))

            async def tap(label: str, expect: str) -> None:
                tg.button_update(TG_USER, button(tg.calls_with_markup()[-1], label))
                await answered(expect)

            tg.text_update(TG_USER, "/start")
            await answered("choose your language")
            # Telegram says "slow down" once: the reply waits and still arrives.
            tg.fail_next("sendMessage", 429, "Too Many Requests: retry after 1", retry_after=1)
            await tap("English", "Do you agree?")
            await tap("I agree", "Did you come back")
            await tap("I live here", "Which community centre")
            # Typed where no one asked: a name and a phone number in plain text.
            tg.text_update(TG_USER, f"{NAME} Jovanović, {PHONE}")
            await answered("did not understand")
            tg.button_update(TG_USER, "ws:gone:1")  # an old button
            await answered("no longer")
            after = await scrape(port)
    output = bot.output
    assert bot.returncode == 0, output

    ok = value(after, "reintegrate_updates_total", platform="telegram", outcome="ok")
    assert ok == 5  # /start, three buttons, the typed text
    assert value(after, "reintegrate_updates_total", platform="telegram", outcome="stale") == 1
    assert value(after, "reintegrate_update_seconds_count", platform="telegram") == 6
    assert value(after, "reintegrate_messages_sent_total", platform="telegram") >= 6
    assert value(after, "reintegrate_rate_limited_total", platform="telegram") == 1
    assert value(after, "reintegrate_outbox_messages", status="queued") == 0
    assert ("reintegrate_outbox_messages", (("status", "failed"),)) in after

    lines = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    handled = [line for line in lines if line["event"] == "update handled"]
    assert len(handled) == 6
    for line in handled:
        assert {"platform", "user", "flow", "outcome", "duration_ms"} <= line.keys()
        assert line["platform"] == "telegram" and isinstance(line["duration_ms"], float)
    assert {line["flow"] for line in handled} >= {"start"}
    assert isinstance(handled[-1]["user"], int), "the internal id, not the Telegram one"
    for secret in (NAME, "Jovanović", PHONE, PHONE.replace(" ", ""), "765 4321", str(TG_USER)):
        assert secret not in output, f"{secret!r} reached the log"
    assert f"U{TG_USER}" not in output, "the Telegram first name reached the log"


async def test_metrics_answer_only_when_enabled_and_show_the_outbox(app, person):
    async with TestClient(TestServer(http_app(app))) as client:
        r = await client.get("/metrics")
        assert r.status == 404, "off unless METRICS_ENABLED"
    app.settings = app.settings.model_copy(update={"metrics_enabled": True})
    ana = await joined(person)
    await enqueue(app, await user_id(app, ana), MENU_NOTICE)
    async with TestClient(TestServer(http_app(app))) as client:
        r = await client.get("/metrics")
        assert r.status == 200
        page = samples(await r.text())
    assert value(page, "reintegrate_outbox_messages", status="queued") == 1
    assert value(page, "reintegrate_outbox_messages", status="sending") == 0
    assert value(page, "reintegrate_updates_total", platform="telegram", outcome="ok") == 5


async def test_bookings_and_reminders_are_counted_once(app, person, clock):
    metrics = app.metrics
    await programme(app)
    ana = await joined(person)
    await browse(ana)
    await ana.press("Sign me up")
    await browse(ana)
    await ana.press("Sign me up")  # already booked: no second booking
    assert ana.keys == ["ws.already"]
    await to_times(ana, "Tue 01.12.")
    await ana.press("09:30")
    await ana.press("Yes, book it")
    assert ana.keys == ["lg.booked", "lg.pin"]
    assert metrics.bookings.labels("workshop")._value.get() == 1
    assert metrics.bookings.labels("legal")._value.get() == 1

    w = worker(app, Recorder(), on_reminder_sent=metrics.reminder_sent)
    await tick(app, w)
    assert metrics.reminders.labels("telegram")._value.get() == 0
    clock.advance(days=1)  # the workshop's 2 h reminder is due (it starts tomorrow 16:00)
    await tick(app, w)
    assert metrics.reminders.labels("telegram")._value.get() >= 1
    sent = metrics.reminders.labels("telegram")._value.get()
    await tick(app, w)
    assert metrics.reminders.labels("telegram")._value.get() == sent, "each reminder once"


async def test_viber_sends_refusals_and_slow_downs_are_counted():
    counted: list[tuple[str, str]] = []
    async with FakeViber() as vb:
        client = ViberClient(vb.url, TOKEN, sender_name="Bot", count=lambda *c: counted.append(c))
        try:
            await client.send_message("u1", {"type": "text", "text": "hi"})
            vb.fail_next(12)
            with pytest.raises(ViberError):
                await client.send_message("u1", {"type": "text", "text": "hi"})
            vb.fail_next(3)
            with pytest.raises(ViberError):
                await client.send_message("u1", {"type": "text", "text": "hi"})
            vb.http_error_next(429)  # a proxy's 429, without Viber's JSON
            with pytest.raises(ViberError):
                await client.send_message("u1", {"type": "text", "text": "hi"})
        finally:
            await client.close()
    assert counted == [
        ("viber", "sent"), ("viber", "rate_limited"), ("viber", "failed"), ("viber", "rate_limited")
    ]  # fmt: skip


async def test_telegram_counts_each_message_once_by_how_it_ended():
    counted: list[str] = []

    async def no_sleep(_seconds: float) -> None:
        return None

    async def unreachable(_chat_id: str) -> None:
        return None

    async with FakeTelegram() as tg:
        bot = make_bot(load_settings(telegram_bot_token="1:T", telegram_api_base=tg.url))
        sender = TelegramSender(
            bot, unreachable, attempts=2, sleep=no_sleep, count=lambda _p, o: counted.append(o)
        )
        try:
            text = Outgoing("42", "Hello", "menu", ())
            tg.fail_next("sendMessage", 500, "Internal Server Error")  # retried, then sent
            await sender.send("42", text)
            assert counted == ["sent"]
            # Pressing a button that shows the same screen again: Telegram says "not modified".
            tg.fail_next("editMessageText", 400, "Bad Request: message is not modified")
            await sender.deliver("42", [replace(text, replace=True)], edit=7)
            assert counted == ["sent"], "an unchanged screen is no failed message"
            for _ in range(2):
                tg.fail_next("sendMessage", 502, "Bad Gateway")
            with pytest.raises(TelegramServerError):
                await sender.send("42", text)
            assert counted == ["sent", "failed"], "failed once, after the last try"
            tg.fail_next("sendMessage", 403, "Forbidden: bot was blocked by the user")
            with pytest.raises(Unreachable):
                await sender.send("42", text)
            assert counted == ["sent", "failed", "failed"]
        finally:
            await bot.session.close()
