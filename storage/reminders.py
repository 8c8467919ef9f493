"""Planned reminders: written with the event's sign-up, released into the outbox when due."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.model import Reminder
from storage.models import ReminderRow, UserRow

PENDING = "pending"


class SqlReminders:
    """Implements handlers.ports.ReminderRepository."""

    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def plan(
        self,
        user_id: int,
        ref: str,
        starts_at: datetime,
        remind_at: Sequence[datetime],
        params: dict[str, object],
        now: datetime,
    ) -> None:
        """One pending reminder per time in `remind_at`."""
        self._s.add_all(
            ReminderRow(
                user_id=user_id,
                ref=ref,
                starts_at=starts_at,
                remind_at=at,
                params=dict(params),
                status=PENDING,
                created_at=now,
            )
            for at in remind_at
        )
        await self._s.flush()

    async def cancel(self, ref: str, *, user_id: int | None = None) -> int:
        """Remove the pending reminders of an event (for one person, or for everyone)."""
        stmt = delete(ReminderRow).where(ReminderRow.ref == ref, ReminderRow.status == PENDING)
        if user_id is not None:
            stmt = stmt.where(ReminderRow.user_id == user_id)
        result = await self._s.execute(stmt)
        return int(getattr(result, "rowcount", 0))

    async def due(self, now: datetime, limit: int) -> Sequence[Reminder]:
        """Pending reminders whose time has come, oldest first (index-backed)."""
        rows = await self._s.execute(
            select(ReminderRow, UserRow.reminders_on)
            .join(UserRow, UserRow.id == ReminderRow.user_id)
            .where(ReminderRow.status == PENDING, ReminderRow.remind_at <= now)
            .order_by(ReminderRow.remind_at)
            .limit(limit)
        )
        return [_reminder(row, on) for row, on in rows.all()]

    async def take(self, reminder_id: int, status: str) -> bool:
        """Move a pending reminder to `status`; False if another process took it first."""
        result = await self._s.execute(
            update(ReminderRow)
            .where(ReminderRow.id == reminder_id, ReminderRow.status == PENDING)
            .values(status=status)
        )
        return bool(getattr(result, "rowcount", 0))

    async def get(self, reminder_id: int) -> Reminder | None:
        """A reminder by id."""
        row = await self._s.get(ReminderRow, reminder_id)
        return _reminder(row) if row else None

    async def answer(self, reminder_id: int, answer: str) -> None:
        """Store the person's "I'll come" / "I can't come"."""
        await self._s.execute(
            update(ReminderRow).where(ReminderRow.id == reminder_id).values(answer=answer)
        )


def _reminder(row: ReminderRow, reminders_on: bool = True) -> Reminder:
    return Reminder(
        id=row.id,
        user_id=row.user_id,
        ref=row.ref,
        starts_at=row.starts_at,
        remind_at=row.remind_at,
        params=dict(row.params),
        status=row.status,
        answer=row.answer,
        reminders_on=reminders_on,
    )
