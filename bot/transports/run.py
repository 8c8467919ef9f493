"""`reintegrate-bot run`: every configured messenger on one HTTP server with one delivery worker.

The server always has /healthz; Telegram adds /telegram/webhook in webhook mode, Viber adds
/viber/webhook and /files/<token>. Telegram without a webhook polls; otherwise the process
serves until SIGINT/SIGTERM.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from typing import Protocol, cast

from aiohttp import web

from bot.config import Settings
from bot.delivery import Platform
from bot.transports.web import serve, until_stopped


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


async def run(
    messengers: Sequence[Transport],
    http: web.Application,
    background: AbstractAsyncContextManager[object],
    settings: Settings,
) -> None:
    """Serve `messengers` on `http` with the `background` work running, until SIGINT/SIGTERM.

    bot/bootstrap.py builds all four; this only runs them in order and closes them.
    """
    async with contextlib.AsyncExitStack() as stack:
        for messenger in messengers:
            stack.push_async_callback(messenger.close)
        for messenger in messengers:
            await messenger.prepare()
        for messenger in messengers:
            messenger.routes(http)
        async with background:
            runner = await serve(http, settings)
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
