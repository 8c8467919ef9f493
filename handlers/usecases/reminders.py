"""Reminders: planned with an event's sign-up, re-planned or removed with it, released when due."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from handlers.notices import PRIORITY_DIRECT
from handlers.ports import UnitOfWork
from handlers.rules import reminders as rules
from handlers.rules.reminders import REMINDER

__all__ = ["REMINDER", "cancel", "plan", "release_due", "replan"]
QUEUED, DROPPED = "queued", "dropped"


async def plan(
    uow: UnitOfWork,
    *,
    user_id: int,
    ref: str,
    starts_at: datetime,
    offsets: Sequence[timedelta],
    now: datetime,
    **params: Any,
) -> int:
    """Plan one reminder per offset before `starts_at`; times already past are skipped.

    `params` fill REMINDER: `what` (use notices.word or a plain title), `when` is added on
    release, `where` (use notices.name for a centre).
    """
    found = rules.times(starts_at, offsets, now)
    if found:
        await uow.reminders.plan(user_id, ref, starts_at, found, params, now)
    return len(found)


async def cancel(uow: UnitOfWork, *, ref: str, now: datetime, user_id: int | None = None) -> None:
    """The event is off (for one person, or for everyone): no reminder of it goes out."""
    await uow.reminders.cancel(ref, user_id=user_id)
    await uow.outbox.drop_ref(ref, now, user_id=user_id)


async def replan(
    uow: UnitOfWork,
    *,
    user_id: int,
    ref: str,
    starts_at: datetime,
    offsets: Sequence[timedelta],
    now: datetime,
    **params: Any,
) -> int:
    """The event moved: the old reminders go, new ones are planned."""
    await cancel(uow, ref=ref, now=now, user_id=user_id)
    return await plan(
        uow, user_id=user_id, ref=ref, starts_at=starts_at, offsets=offsets, now=now, **params
    )


async def release_due(uow: UnitOfWork, now: datetime, *, limit: int = 500) -> int:
    """Hand due reminders to the outbox; drop those whose event began or whose person opted out.

    Returns how many were handled, so a caller can repeat while a backlog remains.
    """
    from handlers.flows import reminders as answers  # here: the flow imports these use cases

    due = await uow.reminders.due(now, limit)
    for reminder in due:
        if rules.stale(reminder, now):
            await uow.reminders.take(reminder.id, DROPPED)
            continue
        # Taken before it is queued: of two processes releasing at once, one queues it.
        if not await uow.reminders.take(reminder.id, QUEUED):
            continue
        await uow.outbox.enqueue(
            reminder.user_id,
            rules.notice(
                reminder,
                answers.coming.link(reminder.id),
                answers.not_coming.link(reminder.id),
            ),
            not_before=now,
            now=now,
            priority=PRIORITY_DIRECT,
            ref=reminder.ref,
            expires_at=reminder.starts_at,
        )
    return len(due)
