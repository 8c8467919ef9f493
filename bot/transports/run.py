"""`reintegrate-bot run`: every configured messenger on one HTTP server with one delivery worker.

The server always has /healthz; Telegram adds /telegram/webhook in webhook mode, Viber adds
/viber/webhook and /files/<token>. Telegram without a webhook polls; otherwise the process
serves until SIGINT/SIGTERM.
"""

from __future__ import annotations

import contextlib
from typing import Protocol, cast

from aiohttp import web

from bot.bootstrap import App
from bot.delivery import Platform
from bot.scheduler import background, make_worker
from bot.transports.web import serve, until_stopped, web_app


class Transport(Protocol):
    """What `run` needs of a messenger."""

    name: str
    platform: Platform

    @property
    def polls(self) -> bool: ...
    async def prepare(self) -> None: ...
    def routes(self, http: web.Application) -> None: ...
    async def start(self) -> None: ...
    async def close(self) -> None: ...


class Poller(Protocol):
    """A transport whose `polls` is true: it serves by polling until SIGINT/SIGTERM."""

    async def poll(self) -> None: ...


def transports(app: App) -> list[Transport]:
    """The messengers the settings configure (imported only when configured)."""
    found: list[Transport] = []
    if app.settings.telegram_bot_token:
        from bot.transports.telegram.app import TelegramTransport

        found.append(TelegramTransport(app))
    if app.settings.viber_auth_token:
        from bot.transports.viber.app import ViberTransport

        found.append(ViberTransport(app))
    return found


async def run(app: App) -> None:
    """Serve the configured messengers until SIGINT/SIGTERM."""
    async with contextlib.AsyncExitStack() as stack:
        messengers = transports(app)
        for messenger in messengers:
            stack.push_async_callback(messenger.close)
        for messenger in messengers:
            await messenger.prepare()
        http = web_app(app)
        for messenger in messengers:
            messenger.routes(http)
        worker = make_worker(app, {m.name: m.platform for m in messengers})
        async with background(app, worker):
            runner = await serve(http, app.settings)
            try:
                for messenger in messengers:
                    await messenger.start()
                polling = [m for m in messengers if m.polls]
                if polling:
                    await cast(Poller, polling[0]).poll()  # returns on SIGINT/SIGTERM
                else:
                    await until_stopped()
            finally:
                await runner.cleanup()
