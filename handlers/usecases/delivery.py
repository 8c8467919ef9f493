"""Delivery decisions: for a claimed outbox row, the message to send, or why it is dropped.

The delivery worker claims rows, loads what deciding on them needs (`load_batch`), asks
`decide` about each, and only paces, sends and records. A row that waited long for its
sending slot is asked about once more (`recheck`): it may have expired, or Viber's free
window closed, meanwhile.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from handlers.messages import Outgoing
from handlers.model import VIBER_FREE_WINDOW, Broadcast, BroadcastStatus, Centre
from handlers.notices import broadcast_of, broadcast_text, render, with_attachment
from handlers.ports import Translator, UnitOfWork

# Messages sent to Viber only inside the person's free window with VIBER_PAID_MESSAGES=
# session-only: reminders and announcements themselves. Other notices (about a person's own
# bookings or shifts, an announcement's report to its sender) always go.
WINDOWED = ("reminder.", "bc.message")


class Reason(StrEnum):
    """Why a queued message is not sent; stored as the row's last error."""

    EXPIRED = "expired"  # its event began, or its answer would come too late
    NO_PERSON = "no such person"  # they deleted their data
    REMINDERS_OFF = "reminders off"
    STOPPED = "stopped"  # the announcement it belongs to was stopped
    OUTSIDE_WINDOW = "outside the free window"  # it would be a paid Viber message
    UNREACHABLE = "unreachable"  # blocked the bot, deactivated, unsubscribed


@dataclass(frozen=True, slots=True)
class Claimed:
    """A row a worker holds while it sends it."""

    id: int
    user_id: int | None
    platform: str
    external_id: str
    chat_id: str
    key: str
    params: dict[str, Any]
    buttons: list[Any]
    priority: int
    attempts: int
    expires_at: datetime | None


@dataclass(frozen=True, slots=True)
class Batch:
    """What deciding on a claimed batch needs: people's languages, announcements, centre pins."""

    people: Mapping[int, tuple[str, bool]]  # user id → (language, reminders on)
    broadcasts: Mapping[int, Broadcast]
    centres: Mapping[int, Centre]
    # When Viber accounts last wrote (external id → time), loaded only for session-only.
    viber_last_incoming: Mapping[str, datetime | None] = field(default_factory=dict)
    session_only: bool = False  # VIBER_PAID_MESSAGES=session-only


@dataclass(frozen=True, slots=True)
class Send:
    """Send this message, rendered in the recipient's language as it is now."""

    out: Outgoing


@dataclass(frozen=True, slots=True)
class Drop:
    """Do not send it, and why."""

    reason: Reason


@dataclass(frozen=True, slots=True)
class Unrenderable:
    """It cannot be made into a message (a broken translation or stored value): it never will."""

    error: str  # the exception's type name

    @property
    def reason(self) -> str:
        """The row's last error."""
        return f"render: {self.error}"


Decision = Send | Drop | Unrenderable


async def load_batch(uow: UnitOfWork, rows: Sequence[Claimed], *, session_only: bool) -> Batch:
    """Everything `decide` needs about these rows, read in the claiming transaction."""
    people = await uow.outbox.locales([r.user_id for r in rows if r.user_id])
    announced = {b for r in rows if (b := broadcast_of(r.params)) is not None}
    broadcasts = await uow.broadcasts.many(sorted(announced))
    pins = {b.pin_centre for b in broadcasts.values() if b.pin_centre}
    centres = {c.id: c for c in await uow.centres.all()} if pins else {}
    windowed = [r.external_id for r in rows if windowed_row(r, session_only)]
    last = await uow.outbox.last_incoming("viber", windowed) if windowed else {}
    return Batch(people, broadcasts, centres, last, session_only)


def decide(tr: Translator, row: Claimed, batch: Batch, now: datetime) -> Decision:
    """Send this row, or drop it and why; checked in a fixed order, the first reason wins."""
    if _expired(row, now):
        return Drop(Reason.EXPIRED)
    locale, reminders_on = batch.people.get(row.user_id or 0, (None, True))
    if locale is None:
        return Drop(Reason.NO_PERSON)
    if row.key.startswith("reminder.") and not reminders_on:
        return Drop(Reason.REMINDERS_OFF)
    params, broadcast = row.params, None
    if (announced := broadcast_of(row.params)) is not None:
        broadcast = batch.broadcasts.get(announced)
        if broadcast is None or broadcast.status is not BroadcastStatus.SENDING:
            return Drop(Reason.STOPPED)
        params = {**row.params, "text": broadcast_text(broadcast, locale)}
    if _paid(row, batch, now):
        return Drop(Reason.OUTSIDE_WINDOW)
    try:
        out = render(tr, locale, row.chat_id, row.key, params, row.buttons)
        if broadcast is not None:
            pin = batch.centres.get(broadcast.pin_centre or 0)
            out = with_attachment(out, broadcast, pin, locale)
    except Exception as exc:  # a broken translation or stored value: it will not improve
        return Unrenderable(type(exc).__name__)
    return Send(out)


def recheck(row: Claimed, batch: Batch, now: datetime) -> Drop | None:
    """A row that waited for its sending slot: dropped if it expired or its free window closed."""
    if _expired(row, now):
        return Drop(Reason.EXPIRED)
    if _paid(row, batch, now):
        return Drop(Reason.OUTSIDE_WINDOW)
    return None


def windowed_row(row: Claimed, session_only: bool) -> bool:
    """True if this row may go to Viber only inside the person's free window."""
    return session_only and row.platform == "viber" and row.key.startswith(WINDOWED)


def _expired(row: Claimed, now: datetime) -> bool:
    return row.expires_at is not None and row.expires_at <= now


def _paid(row: Claimed, batch: Batch, now: datetime) -> bool:
    """True if sending this row now would be a paid Viber message we must not send."""
    if not windowed_row(row, batch.session_only):
        return False
    last = batch.viber_last_incoming.get(row.external_id)
    return last is None or last <= now - VIBER_FREE_WINDOW
