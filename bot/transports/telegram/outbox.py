"""The delivery worker's Telegram sender: one attempt per message, the answer as a Result."""

from __future__ import annotations

import logging
from collections.abc import Callable

from aiogram import Bot
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramConflictError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
    TelegramUnauthorizedError,
)

from bot.delivery import Result, Verdict
from bot.transports.telegram.sender import TelegramSender, Unreachable
from handlers.messages import Outgoing

log = logging.getLogger("reintegrate.telegram")


async def _nothing(_chat_id: str) -> None:
    """The worker marks unreachable accounts itself, in the transaction with the outcome."""


class TelegramOutboxSender:
    """Sends outbox messages; retries and pacing are the delivery worker's business."""

    def __init__(self, bot: Bot, count: Callable[[str, str], None] | None = None) -> None:
        self._sender = TelegramSender(bot, _nothing, attempts=1, count=count)

    async def send(self, chat_id: str, out: Outgoing) -> Result:
        """Send once and say how it went."""
        try:
            message_id = await self._sender.send(chat_id, out)
        except TelegramRetryAfter as exc:
            return Result(Verdict.RATE_LIMITED, retry_after=float(exc.retry_after))
        except Unreachable:
            return Result(Verdict.GONE)
        except (TelegramNetworkError, TelegramServerError, TimeoutError) as exc:
            return Result(Verdict.RETRY, error=type(exc).__name__)
        except (TelegramUnauthorizedError, TelegramConflictError) as exc:
            # Our token or setup is wrong, not this message: keep the queue for when it is fixed.
            log.error("telegram refuses the bot itself", extra={"error": type(exc).__name__})
            return Result(Verdict.RETRY, error=type(exc).__name__)
        except TelegramAPIError as exc:
            return Result(Verdict.FAILED, error=exc.message[:200])
        return Result(Verdict.SENT, message_id=str(message_id) if message_id else None)
