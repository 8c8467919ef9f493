"""Reminders: when they are due before an event, and the message they become.

An event is named by a reference `<kind>:<id>` (`ws:12`, `legal:7`, `shift:3`); the reminder
rows and the outbox rows they become carry it, so cancelling the event finds them all. The use
cases that store and release reminders are in `handlers.usecases.reminders`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from handlers.model import Reminder
from handlers.notices import Notice, NoticeButton, when
from handlers.texts import N_, T

REMINDER = T("reminder.event", "Reminder: {what}, {when}, at {where}. Will you come?")


def times(starts_at: datetime, offsets: Sequence[timedelta], now: datetime) -> list[datetime]:
    """One reminder per offset before `starts_at`, earliest first; times already past skipped."""
    return sorted({starts_at - off for off in offsets if starts_at - off > now})


def stale(reminder: Reminder, now: datetime) -> bool:
    """True if a due reminder must not go: its event began, or its person opted out."""
    return reminder.starts_at <= now or not reminder.reminders_on


def notice(reminder: Reminder, coming: str, not_coming: str) -> Notice:
    """The message a due reminder becomes, with its "I'll come" / "I can't come" buttons
    (their payloads given by the flow that answers them)."""
    return Notice.of(
        REMINDER,
        [
            [NoticeButton(N_("I'll come"), coming, "✅")],
            [NoticeButton(N_("I can't come"), not_coming, "❌")],
        ],
        **{**reminder.params, "when": when(reminder.starts_at)},
    )
