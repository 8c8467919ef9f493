"""Sending the core's replies through the Bot API: rendering, edits, retries, blocked users."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from aiogram import Bot
from aiogram.enums import ParseMode
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.methods import (
    EditMessageText,
    SendDocument,
    SendLocation,
    SendMessage,
    SendPhoto,
    SendVenue,
    TelegramMethod,
)
from aiogram.types import BufferedInputFile, Message

from bot.transports.ordering import pause
from bot.transports.telegram.inbound import PLATFORM
from bot.transports.telegram.render import caption_fits, escape, markup, split
from handlers.messages import Outgoing

log = logging.getLogger("reintegrate.telegram")
T = TypeVar("T")
# The calls that put a message in front of a person: counted as sent, failed or rate-limited.
MESSAGES = (SendMessage, SendPhoto, SendDocument, SendLocation, SendVenue, EditMessageText)


class Unreachable(Exception):
    """Telegram says the person blocked the bot or the account is gone."""


class TelegramSender:
    """Delivers replies to one chat, honouring 429s and retrying network and server errors."""

    def __init__(
        self,
        bot: Bot,
        on_unreachable: Callable[[str], Awaitable[None]],
        *,
        attempts: int = 5,
        backoff: float = 0.5,
        # Waits (429s, backoff) give the shared slot back: they delay only this chat.
        sleep: Callable[[float], Awaitable[None]] = pause,
        count: Callable[[str, str], None] | None = None,
    ) -> None:
        self.bot = bot
        self.count = count
        self.on_unreachable = on_unreachable
        self.attempts = attempts
        self.backoff = backoff
        self.sleep = sleep

    async def call(self, method: TelegramMethod[T], chat_id: str) -> T:
        """One Bot API call: wait out 429s, retry network and 5xx errors with backoff."""
        for attempt in range(1, self.attempts + 1):
            try:
                result = await self.bot(method)
            except TelegramRetryAfter as exc:
                self._counted(method, "rate_limited")
                if attempt == self.attempts:
                    raise
                log.warning("telegram rate limited", extra={"retry_after": exc.retry_after})
                await self.sleep(exc.retry_after)
            except (TelegramNetworkError, TelegramServerError) as exc:
                if attempt == self.attempts:
                    self._counted(method, "failed")
                    raise
                delay = min(self.backoff * 2 ** (attempt - 1), 30.0)
                log.warning(
                    "telegram call failed, retrying",
                    extra={"error": type(exc).__name__, "in_s": delay},
                )
                await self.sleep(delay)
            except TelegramForbiddenError:
                self._counted(method, "failed")
                await self.on_unreachable(chat_id)
                raise Unreachable(chat_id) from None
            except TelegramAPIError:
                # A refused edit is no lost message: it already shows, or is sent anew.
                if not isinstance(method, EditMessageText):
                    self._counted(method, "failed")
                raise
            else:
                self._counted(method, "sent")
                return result
        raise TelegramNetworkError(method=method, message="still rate limited after retries")

    def _counted(self, method: TelegramMethod[Any], outcome: str) -> None:
        if self.count is not None and isinstance(method, MESSAGES):
            self.count(PLATFORM, outcome)

    async def deliver(
        self, chat_id: str, replies: list[Outgoing], *, edit: int | None = None
    ) -> None:
        """Send replies in order; the first one that replaces a menu edits message `edit`."""
        for out in replies:
            if out.replace and edit is not None and await self._edit(chat_id, edit, out):
                edit = None  # only the message whose button was pressed is edited
                continue
            await self.send(chat_id, out)

    async def send(self, chat_id: str, out: Outgoing) -> int | None:
        """One Outgoing as Bot API calls (a pin, a photo or a file, then the text split if long).

        A photo carries the text and buttons as its caption when the text fits a caption;
        otherwise the photo goes alone and the text follows as ordinary messages.

        Returns the id of the last message sent.
        """
        if out.location is not None:
            loc = out.location
            pin: TelegramMethod[Message] = (
                SendVenue(chat_id=chat_id, latitude=loc.latitude, longitude=loc.longitude,
                          title=loc.title, address=loc.address)
                if loc.title and loc.address
                else SendLocation(chat_id=chat_id, latitude=loc.latitude, longitude=loc.longitude)
            )  # fmt: skip
            sent = await self.call(pin, chat_id)
            if not out.keyboard:
                return sent.message_id  # the venue shows the name and address already
        if out.photo is not None:
            fits = caption_fits(out.text)
            message = await self.call(
                SendPhoto(
                    chat_id=chat_id,
                    photo=out.photo,
                    caption=escape(out.text) if fits else None,
                    parse_mode=ParseMode.HTML,
                    reply_markup=markup(out.keyboard) if fits else None,
                ),
                chat_id,
            )
            if fits:
                return message.message_id
        if out.document is not None:
            doc = out.document
            message = await self.call(
                SendDocument(
                    chat_id=chat_id,
                    document=BufferedInputFile(doc.content, filename=doc.filename),
                    caption=escape(out.text)[:1024],
                    parse_mode=ParseMode.HTML,
                    reply_markup=markup(out.keyboard),
                ),
                chat_id,
            )
            return message.message_id
        chunks = split(escape(out.text))
        message_id = None
        for i, chunk in enumerate(chunks):
            last = i == len(chunks) - 1
            message = await self.call(
                SendMessage(
                    chat_id=chat_id,
                    text=chunk,
                    parse_mode=ParseMode.HTML,
                    reply_markup=markup(out.keyboard) if last else None,
                ),
                chat_id,
            )
            message_id = message.message_id
        return message_id

    async def _edit(self, chat_id: str, message_id: int, out: Outgoing) -> bool:
        """Replace the pressed message's text and buttons; False if it must be sent instead."""
        text = escape(out.text)
        if (
            out.location is not None
            or out.document is not None
            or out.photo is not None  # a text message cannot become a photo: send it anew
            or len(split(text)) > 1
        ):
            return False
        try:
            await self.call(
                EditMessageText(
                    chat_id=chat_id,
                    message_id=message_id,
                    text=text,
                    parse_mode=ParseMode.HTML,
                    reply_markup=markup(out.keyboard),
                ),
                chat_id,
            )
        except TelegramBadRequest as exc:
            # "message is not modified" means it already shows this; anything else (too old,
            # not ours to edit) means a fresh message is the way.
            return "not modified" in exc.message
        return True
