"""What the bot sends on its own: the outbox and the planned reminders."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from handlers.messages import Notice
from handlers.model import Reminder


class Outbox(Protocol):
    """Messages the bot sends on its own; written in the transaction that caused them."""

    async def enqueue(
        self,
        user_id: int,
        notice: Notice,
        *,
        not_before: datetime,
        now: datetime,
        priority: int = 0,
        ref: str | None = None,
        expires_at: datetime | None = None,
        platform: str | None = None,
    ) -> int | None: ...

    async def drop_ref(
        self, ref: str, now: datetime, *, user_id: int | None = None, key: str | None = None
    ) -> int: ...

    async def drop_for_account(self, platform: str, external_id: str, now: datetime) -> int: ...

    async def locales(self, user_ids: Sequence[int]) -> dict[int, tuple[str, bool]]: ...

    async def last_incoming(
        self, platform: str, external_ids: Sequence[str]
    ) -> dict[str, datetime | None]: ...


class ReminderRepository(Protocol):
    """Planned reminders of events."""

    async def plan(
        self,
        user_id: int,
        ref: str,
        starts_at: datetime,
        remind_at: Sequence[datetime],
        params: dict[str, object],
        now: datetime,
    ) -> None: ...

    async def cancel(self, ref: str, *, user_id: int | None = None) -> int: ...

    async def due(self, now: datetime, limit: int) -> Sequence[Reminder]: ...

    async def take(self, reminder_id: int, status: str) -> bool: ...

    async def get(self, reminder_id: int) -> Reminder | None: ...

    async def answer(self, reminder_id: int, answer: str) -> None: ...
