"""What follows from a workshop place changing hands: reminders, and notices through the outbox."""

from __future__ import annotations

from datetime import datetime

from handlers.model import Booking, Policy, Session
from handlers.notices import PRIORITY_DIRECT, Notice, NoticeButton, name, titles, when
from handlers.ports import UnitOfWork
from handlers.rules.reminders import REMINDER
from handlers.rules.workshops import (
    PLACE_FREED,
    SESSION_CANCELLED,
    SESSION_MOVED,
    SESSION_MOVED_WAITING,
    ref,
)
from handlers.texts import N_
from handlers.usecases import reminders


async def plan_reminders(
    uow: UnitOfWork, policy: Policy, booking: Booking, session: Session, centre: str, now: datetime
) -> None:
    """Reminders before the session for a confirmed place."""
    await reminders.plan(
        uow, user_id=booking.user_id, ref=ref(booking), starts_at=session.starts_at,
        offsets=policy.reminder_offsets, now=now,
        what=titles(session.titles), where=name(centre),
    )  # fmt: skip


async def released(
    uow: UnitOfWork, policy: Policy, booking: Booking, session: Session, centre: str, now: datetime
) -> None:
    """A place was given back: its reminders go; the person promoted from the list is told."""
    await reminders.cancel(uow, ref=ref(booking), now=now)


async def promoted(
    uow: UnitOfWork, policy: Policy, booking: Booking, session: Session, centre: str, now: datetime
) -> None:
    """Someone on the waiting list got the place: reminders, and a notice they can answer."""
    from handlers.flows import workshops  # here: the flow imports these use cases

    await plan_reminders(uow, policy, booking, session, centre, now)
    notice = Notice.of(
        PLACE_FREED,
        [[NoticeButton(N_("Give the place back"), workshops.ask_cancel.link(booking.id), "↩️")]],
        what=titles(session.titles), when=when(session.starts_at),
    )  # fmt: skip
    await uow.outbox.enqueue(
        booking.user_id, notice, not_before=now, now=now, priority=PRIORITY_DIRECT,
        ref=ref(booking), expires_at=session.starts_at,
    )  # fmt: skip


async def cancel_booking(
    uow: UnitOfWork, policy: Policy, booking: Booking, session: Session, centre: str, now: datetime
) -> None:
    """Give a place back through the one path that also moves the waiting list on."""
    next_in_line = await uow.workshops.cancel(booking.id, now)
    await released(uow, policy, booking, session, centre, now)
    if next_in_line is not None:
        await promoted(uow, policy, next_in_line, session, centre, now)


async def cancel_session(uow: UnitOfWork, session: Session, centre: str, now: datetime) -> int:
    """Call a session off and tell everyone who had a place or waited, in their language."""
    people = await uow.workshops.cancel_session(session.id, now)
    for booking in people:
        await reminders.cancel(uow, ref=ref(booking), now=now)
        notice = Notice.of(
            SESSION_CANCELLED,
            what=titles(session.titles), when=when(session.starts_at), where=name(centre),
        )  # fmt: skip
        await uow.outbox.enqueue(
            booking.user_id, notice, not_before=now, now=now, priority=PRIORITY_DIRECT
        )
    return len(people)


async def session_moved(
    uow: UnitOfWork, policy: Policy, session: Session, centre: str, now: datetime
) -> int:
    """A session has a new time: reminders follow it; everyone with a place or waiting is told."""
    people = await uow.workshops.people(session.id)
    waiting = await uow.workshops.people(session.id, "waiting")
    for booking in people:
        # Only the reminders go: a "place freed up" notice on its way stays true.
        await uow.reminders.cancel(ref(booking), user_id=booking.user_id)
        await uow.outbox.drop_ref(ref(booking), now, key=REMINDER.key)
        await plan_reminders(uow, policy, booking, session, centre, now)
    for booking in [*people, *waiting]:
        notice = Notice.of(
            SESSION_MOVED if booking.status == "confirmed" else SESSION_MOVED_WAITING,
            what=titles(session.titles), when=when(session.starts_at), where=name(centre),
        )  # fmt: skip
        await uow.outbox.enqueue(
            booking.user_id, notice, not_before=now, now=now, priority=PRIORITY_DIRECT
        )
    return len(people) + len(waiting)
