"""Fixtures of the transport tests: the fake Telegram and the bridge on it, our Viber webhook on
the fake Viber API, and a PostgreSQL database of its own for bot processes."""

from __future__ import annotations

import pytest

from bot.bootstrap import viber as viber_transport
from bot.transports.telegram.app import make_bot, make_dispatcher
from tests.fakes.telegram_api import FakeTelegram
from tests.fakes.viber_api import TOKEN, FakeViber
from tests.support import serving, telegram_bridge
from tests.support.messengers import VIBER_WEBHOOK, Viber
from tests.support.postgres import fresh_pg_database


@pytest.fixture
async def tg():
    """The fake Telegram Bot API, running."""
    async with FakeTelegram() as fake:
        yield fake


@pytest.fixture
async def wired(app, tg):
    """The real aiogram Bot and Dispatcher of `app` on the fake API: (bot, dp, retry waits)."""
    app.settings.telegram_bot_token = "123456:TEST"
    app.settings.telegram_api_base = tg.url
    bot = make_bot(app.settings)
    bridge = telegram_bridge(app, bot)
    dp = make_dispatcher(bridge)
    waits: list[float] = []

    async def no_sleep(seconds: float) -> None:
        waits.append(seconds)

    bridge.sender.sleep = no_sleep  # retries are counted, not waited for
    yield bot, dp, waits
    await bot.session.close()


@pytest.fixture
async def viber(app):
    """Our HTTP server with the Viber routes of `app`, replying to the fake Viber API."""
    async with FakeViber() as fake:
        app.settings.viber_auth_token = TOKEN
        app.settings.viber_api_base = fake.url
        app.settings.viber_webhook_url = VIBER_WEBHOOK
        transport = viber_transport(app)
        async with serving(app, transport) as url:
            vb = Viber(app, fake, transport, url)
            try:
                yield vb
            finally:
                await vb.http.close()


@pytest.fixture
async def database(postgres_available):
    """A fresh PostgreSQL database for the processes (each process opens its own pool)."""
    if not postgres_available:
        pytest.skip("PostgreSQL is not reachable")
    async with fresh_pg_database("scale") as url:
        yield url
