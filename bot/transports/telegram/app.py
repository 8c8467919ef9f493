"""Telegram wiring: the dispatcher bridge to the core, command menus, polling and webhook.

`run` (bot/transports/run.py) puts this beside Viber on one HTTP server and one worker.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.session.base import Response
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import TelegramAPIError, TelegramNetworkError
from aiogram.methods import (
    AnswerCallbackQuery,
    DeleteWebhook,
    EditMessageText,
    GetUpdates,
    SendDocument,
    SendLocation,
    SendMessage,
    SendVenue,
    SetMyCommands,
    SetWebhook,
)
from aiogram.types import BotCommand, BotCommandScopeDefault, Update
from aiogram.webhook.aiohttp_server import SimpleRequestHandler, setup_application
from aiohttp import web
from pydantic import ValidationError

from bot.bootstrap import App
from bot.config import Settings
from bot.delivery import Limiter, Platform
from bot.transports.bodies import BadBody, invalid, json_object, refused
from bot.transports.ordering import FairQueue
from bot.transports.telegram.inbound import PLATFORM, callback_message_id, to_incoming
from bot.transports.telegram.outbox import TelegramOutboxSender
from bot.transports.telegram.sender import TelegramSender, Unreachable
from handlers.flows.common import COMMANDS
from handlers.messages import Incoming
from handlers.usecases.accounts import account_gone

log = logging.getLogger("reintegrate.telegram")
WEBHOOK_PATH = "/telegram/webhook"
ALLOWED_UPDATES = ["message", "callback_query"]
# Telegram's setMyCommands takes two-letter codes only; Romani and Serbian Cyrillic readers
# see the default menu, which is in DEFAULT_LOCALE.
COMMAND_LANGUAGES = ("en", "sr", "bs", "de")

# aiogram builds pydantic's Response[<result type>] on every call, and pydantic keeps such a
# class only while something else refers to it: without these references each call rebuilt
# it, which cost more than the rest of our handling of an update.
_RESPONSE_TYPES = tuple(
    Response[method.__returning__]  # type: ignore[name-defined]
    for method in (AnswerCallbackQuery, DeleteWebhook, EditMessageText, GetUpdates,
                   SendDocument, SendLocation, SendMessage, SendVenue, SetMyCommands, SetWebhook)
)  # fmt: skip


def make_bot(settings: Settings) -> Bot:
    """A Bot talking to TELEGRAM_API_BASE (Telegram, a self-hosted server, or a test server)."""
    assert settings.telegram_bot_token
    session = AiohttpSession(api=TelegramAPIServer.from_base(settings.telegram_api_base))
    return Bot(settings.telegram_bot_token, session=session)


class Bridge:
    """Every update, whatever its type, goes through here into the core and back out.

    Each chat's updates wait in that chat's queue (bot/transports/ordering.py) and are handled
    one at a time, in order, taking one of TELEGRAM_CONCURRENCY slots only while handled.
    With `wait` (webhook) the request answers once its update is handled, unless the chat
    already has updates in hand: then it answers as soon as the update is queued, so one
    person's backlog never holds Telegram's connections. Without `wait` (polling) every update
    is queued and the polling loop goes on at once.
    """

    def __init__(self, app: App, bot: Bot, *, dedupe: bool = True, wait: bool = True) -> None:
        self.app = app
        self.sender = TelegramSender(bot, self._unreachable, count=app.metrics.message)
        self.queue = FairQueue(
            app.settings.telegram_concurrency,
            app.settings.max_pending_per_chat,
            dropped=lambda reason: app.metrics.update_dropped(PLATFORM, reason),
        )
        # Webhook deliveries are retried by Telegram, so their ids are recorded; getUpdates'
        # offset already hands each update out once, so polling skips that write.
        self.dedupe = dedupe
        self.wait = wait
        self._callbacks: set[asyncio.Task[None]] = set()

    async def __call__(
        self,
        handler: Callable[[Update, dict[str, Any]], Awaitable[Any]],
        update: Update,
        data: dict[str, Any],
    ) -> None:
        """aiogram outer middleware: handle the update ourselves; aiogram's routers stay unused."""
        await self.submit(update)

    async def submit(self, update: Update) -> None:
        """Queue one update in its chat's turn (dropped past MAX_PENDING_PER_CHAT)."""
        try:
            incoming = to_incoming(update)
        except Exception:
            log.exception("telegram update failed", extra={"update_id": update.update_id})
            return
        if incoming is None:
            return
        if not self.dedupe:
            incoming = replace(incoming, update_id=None)
        if update.callback_query is not None:
            # Stops the phone's spinner at once, whatever the chat's queue holds.
            answer = self._answer_callback(update.callback_query.id)
            if self.wait:
                await answer
            else:
                task = asyncio.create_task(answer)
                self._callbacks.add(task)
                task.add_done_callback(self._callbacks.discard)
        await self.queue.room()  # many people at once: the rest waits in Telegram, not here
        ticket = self.queue.submit(
            incoming.chat_id,
            lambda: self.handle(update, incoming),
            overflow=lambda: self._slow_down(incoming),
        )
        if ticket is None:
            log.info("telegram update dropped", extra={"update_id": update.update_id})
        elif self.wait and ticket.ahead == 0:
            await ticket.done

    async def handle(self, update: Update, incoming: Incoming) -> None:
        """Answer one update; a failure is logged with the update id and stops nothing else."""
        try:
            replies = await self.app.conversation.handle(incoming)
            await self.sender.deliver(incoming.chat_id, replies, edit=callback_message_id(update))
        except Unreachable:
            log.info("telegram user unreachable", extra={"update_id": update.update_id})
        except Exception:
            log.exception("telegram update failed", extra={"update_id": update.update_id})

    async def _slow_down(self, incoming: Incoming) -> None:
        try:
            out = await self.app.conversation.slow_down(incoming)
            await self.sender.deliver(incoming.chat_id, [out])
        except Unreachable:
            log.info("telegram user unreachable")
        except Exception:
            log.exception("telegram slow-down not sent")

    async def close(self, grace: float = 10.0) -> None:
        """Let the updates in hand finish (up to `grace` seconds), then stop."""
        await self.queue.drain(grace)
        for task in list(self._callbacks):
            task.cancel()

    async def _answer_callback(self, query_id: str) -> None:
        # An old query cannot be answered, which is harmless.
        with contextlib.suppress(TelegramAPIError):
            await self.sender.bot(AnswerCallbackQuery(callback_query_id=query_id))

    async def _unreachable(self, chat_id: str) -> None:
        # In private chats the chat id is the user id.
        await account_gone(self.app.uow, PLATFORM, chat_id, self.app.clock.now())


def make_dispatcher(bridge: Bridge) -> Dispatcher:
    """A dispatcher whose only job is to pass updates to the bridge."""
    dp = Dispatcher()
    dp.update.outer_middleware(bridge)
    return dp


async def set_commands(bot: Bot, app: App) -> None:
    """The command menu in each language Telegram can target, and a default one."""
    tr = app.translator

    def commands(locale: str) -> list[BotCommand]:
        return [BotCommand(command=c, description=tr.gettext(locale, d)) for c, d in COMMANDS]

    await bot.set_my_commands(commands(app.settings.default_locale), scope=BotCommandScopeDefault())
    for code in COMMAND_LANGUAGES:
        await bot.set_my_commands(
            commands(code), scope=BotCommandScopeDefault(), language_code=code
        )


class WebhookHandler(SimpleRequestHandler):
    """aiogram's webhook handler, except that a body Telegram would not send is a 400.

    aiogram parses the body inside its handler, so a body that is not JSON, not an object or
    not an Update became a 500 with a traceback, and Telegram retried it for a day.
    """

    async def handle(self, request: web.Request) -> web.Response:
        """401 without the secret, 400 for a malformed body, else the update handled, 200."""
        bot = await self.resolve_bot(request)
        if not self.verify_secret(request.headers.get("X-Telegram-Bot-Api-Secret-Token", ""), bot):
            return web.Response(body="Unauthorized", status=401)
        try:
            body = json_object(await request.read())  # past client_max_size: aiohttp's 413
            update = Update.model_validate(body, context={"bot": bot})
        except BadBody as exc:
            return refused(log, PLATFORM, exc)
        except ValidationError as exc:
            return refused(log, PLATFORM, invalid(exc))
        except RecursionError:  # pragma: no cover (pydantic stops nesting itself)
            return refused(log, PLATFORM, BadBody("nested too deep"))
        # Handled before answering (handle_in_background is not used); the bridge answers
        # through the Bot API, never in the webhook's response, so that is always empty.
        await self.dispatcher.feed_webhook_update(bot, update, **self.data)
        return web.json_response({})

    __call__ = handle


class TelegramTransport:
    """Telegram's part of `run`: the bot, its dispatcher, its webhook route or polling loop."""

    name = PLATFORM

    def __init__(self, app: App) -> None:
        settings = app.settings
        self.app = app
        self.bot = make_bot(settings)
        self.webhook = bool(settings.telegram_webhook_url)
        self.bridge = Bridge(app, self.bot, dedupe=self.webhook, wait=self.webhook)
        self.dp = make_dispatcher(self.bridge)
        limits = Limiter(settings.telegram_rate, settings.telegram_chat_rate)
        self.platform = Platform(TelegramOutboxSender(self.bot, app.metrics.message), limits)

    @property
    def polls(self) -> bool:
        """True without a webhook: `poll` then serves until SIGINT/SIGTERM."""
        return not self.webhook

    async def prepare(self) -> None:
        """Before anything is served: the command menus."""
        await _with_retries(lambda: set_commands(self.bot, self.app))

    def routes(self, http: web.Application) -> None:
        """In webhook mode, /telegram/webhook on the shared server."""
        if not self.webhook:
            return
        # Handled before answering: if we crash, Telegram redelivers, and the update log dedupes.
        WebhookHandler(
            dispatcher=self.dp,
            bot=self.bot,
            secret_token=self.app.settings.telegram_webhook_secret,
            handle_in_background=False,
        ).register(http, path=WEBHOOK_PATH)
        setup_application(http, self.dp, bot=self.bot)

    async def start(self) -> None:
        """Once the server listens: register the webhook, or remove one before polling."""
        settings = self.app.settings
        if self.webhook:
            await _with_retries(
                lambda: self.bot.set_webhook(
                    url=str(settings.telegram_webhook_url),
                    secret_token=settings.telegram_webhook_secret,
                    allowed_updates=ALLOWED_UPDATES,
                    max_connections=settings.telegram_concurrency,
                )
            )
        else:
            await _with_retries(lambda: self.bot.delete_webhook(drop_pending_updates=False))

    async def poll(self) -> None:
        """Long polling until SIGINT/SIGTERM."""
        await self.dp.start_polling(
            self.bot,
            # The bridge only queues each update in its chat's turn: taken one by one, in order.
            # Memory stays bounded: at most MAX_PENDING_PER_CHAT per chat, the surplus dropped.
            handle_as_tasks=False,
            allowed_updates=ALLOWED_UPDATES,
            close_bot_session=False,
        )

    async def close(self) -> None:
        """Finish the updates in hand, then release the Bot API session."""
        await self.bridge.close()
        await self.bot.session.close()


async def _with_retries(call: Callable[[], Awaitable[Any]], attempts: int = 5) -> None:
    for attempt in range(1, attempts + 1):
        try:
            await call()
            return
        except TelegramNetworkError:
            if attempt == attempts:
                raise
            await asyncio.sleep(min(2**attempt, 30))
