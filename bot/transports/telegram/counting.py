"""Counting the messages Telegram accepts, refuses or throttles, with an aiogram middleware.

A request middleware sees every Bot API call, so replies and the outbox are counted alike.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aiogram import Bot
from aiogram.client.session.middlewares.base import (
    BaseRequestMiddleware,
    NextRequestMiddlewareType,
)
from aiogram.exceptions import TelegramRetryAfter
from aiogram.methods import Response, TelegramMethod

from bot.transports.telegram.inbound import PLATFORM


class MessageCounter(BaseRequestMiddleware):
    """Reports each message sent or edited as sent, failed or rate_limited.

    An edit counts: a pressed menu is answered by editing its message. Other calls (webhook,
    commands, callback answers) are not messages to a person and are not counted.
    """

    def __init__(self, count: Callable[[str, str], None]) -> None:
        self.count = count

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[Any],
        bot: Bot,
        method: TelegramMethod[Any],
    ) -> Response[Any]:
        """Pass the call on and count how it went."""
        if not type(method).__name__.startswith(("Send", "EditMessage")):
            return await make_request(bot, method)
        try:
            response = await make_request(bot, method)
        except TelegramRetryAfter:
            self.count(PLATFORM, "rate_limited")
            raise
        except Exception:
            self.count(PLATFORM, "failed")
            raise
        self.count(PLATFORM, "sent")
        return response
