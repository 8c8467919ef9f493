"""Viber's part of `run`: the webhook and file routes on the shared server, the outbox sender,
and the webhook registered with Viber once the server listens."""

from __future__ import annotations

import asyncio
from urllib.parse import urlsplit

from aiohttp import web

from bot.config import Settings
from bot.delivery import Limiter, Platform, Result
from bot.metrics import Metrics
from bot.transports.core import AccountGone, Core
from bot.transports.viber.client import ViberClient, ViberUnavailable
from bot.transports.viber.files import FILES_PATH, FileLinks
from bot.transports.viber.outbox import ViberOutboxSender
from bot.transports.viber.webhook import EVENT_TYPES, PLATFORM, SENDER, ViberWebhook
from handlers.messages import Outgoing
from handlers.ports import Clock
from storage.uow import SqlUnitOfWorkFactory


def public_origin(url: str) -> str:
    """`https://bot.example.org/viber/webhook` -> `https://bot.example.org`."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


class FileStoringSender:
    """The outbox sender, with any file stored first (the renderer's file_url is synchronous)."""

    def __init__(self, files: FileLinks, sender: ViberOutboxSender) -> None:
        self.files = files
        self.sender = sender

    async def send(self, chat_id: str, out: Outgoing) -> Result:
        """Store the file (if any), then send as the Viber outbox sender does."""
        if out.document is not None:
            await self.files.store(out.document)
        return await self.sender.send(chat_id, out)


class ViberTransport:
    """The Viber client, webhook, file links and delivery platform of one process."""

    name = PLATFORM
    polls = False

    def __init__(
        self,
        core: Core,
        settings: Settings,
        *,
        uow: SqlUnitOfWorkFactory,
        clock: Clock,
        metrics: Metrics,
        account_gone: AccountGone,
    ) -> None:
        assert settings.viber_auth_token and settings.viber_webhook_url
        self.webhook_url = settings.viber_webhook_url
        self.client = ViberClient(
            settings.viber_api_base, settings.viber_auth_token, sender_name=SENDER["name"],
            count=metrics.message,
        )  # fmt: skip
        origin = public_origin(self.webhook_url)
        self.files = FileLinks(uow, clock, settings.viber_auth_token, origin)
        self.webhook = ViberWebhook(
            core, self.client, self.files, settings,
            uow=uow, clock=clock, metrics=metrics, account_gone=account_gone,
        )  # fmt: skip
        sender = FileStoringSender(self.files, ViberOutboxSender(self.client, self.files.url))
        self.platform = Platform(sender, Limiter(settings.viber_rate, settings.viber_chat_rate))

    async def prepare(self) -> None:
        """Nothing to do before the server listens."""

    def routes(self, http: web.Application) -> None:
        """POST /viber/webhook and GET /files/<token>."""
        self.webhook.register(http)
        http.router.add_get(FILES_PATH, self.files.handle)

    async def start(self, attempts: int = 5) -> None:
        """Register the webhook (Viber calls it at once, so the server must listen already)."""
        for attempt in range(1, attempts + 1):
            try:
                await self.client.set_webhook(self.webhook_url, EVENT_TYPES)
                return
            except ViberUnavailable:
                if attempt == attempts:
                    raise
                await asyncio.sleep(min(2**attempt, 30))

    async def close(self) -> None:
        """Finish the messages in hand, then close the client's HTTP session."""
        await self.webhook.close()
        await self.client.close()
