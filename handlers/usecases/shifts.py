"""Volunteer shift use cases both the volunteers' flow and the scheduler call.

So a "No" typed at noon and a silence noticed by the scheduler at night reach the coordinators
the same way.
"""

from __future__ import annotations

from datetime import datetime

from handlers.model import Centre, Policy, Shift, ShiftSignup
from handlers.notices import PRIORITY_BULK, PRIORITY_DIRECT, Notice, NoticeButton, about
from handlers.ports import UnitOfWork
from handlers.rules.shifts import (
    ALERT_CODE_LOCKED,
    ALERT_NO,
    ALERT_SILENT,
    CHECKIN_SCOPE,
    CODE_TRIES,
    OVERTIME,
    STILL_COMING,
    shift_params,
)
from handlers.texts import N_


async def tell_coordinators(
    uow: UnitOfWork,
    centre_id: int,
    notice: Notice,
    now: datetime,
    *,
    priority: int,
    volunteer: int | None = None,
) -> int:
    """Queue a notice to each coordinator of the centre (else to the admins); how many.

    A notice naming a volunteer carries their reference, so it goes with their data.
    """
    people = await uow.volunteers.coordinators_at(centre_id)
    ref = about(volunteer) if volunteer is not None else None
    for user_id in people:
        await uow.outbox.enqueue(
            user_id, notice, not_before=now, now=now, priority=priority, ref=ref
        )
    return len(people)


async def volunteer_name(uow: UnitOfWork, user_id: int) -> str:
    """The first name a volunteer gave (what coordinators call them)."""
    found = await uow.volunteers.of_user(user_id)
    return found.first_name if found else "?"


async def code_tries_used(uow: UnitOfWork, user_id: int, since: datetime) -> int:
    """Wrong check-in codes the volunteer typed since `since` (the start of the local day)."""
    return await uow.attempts.count(CHECKIN_SCOPE, str(user_id), since)


async def wrong_code(
    uow: UnitOfWork, shift: Shift, centre: Centre, user_id: int, now: datetime, since: datetime
) -> int:
    """Count one wrong check-in code; how many today. The last allowed one tells coordinators.

    The caller holds the person's turn (`uow.shifts.take_turn`), and a locked person's codes
    are not counted any more, so the count reaches the limit once: the coordinators are told
    once a day.
    """
    from handlers.flows.coordinate_volunteers import today  # here: the flow imports these use cases
    from handlers.payloads import CentreId

    await uow.attempts.failed(CHECKIN_SCOPE, str(user_id), now)
    used = await code_tries_used(uow, user_id, since)
    if used == CODE_TRIES:
        notice = Notice.of(
            ALERT_CODE_LOCKED,
            [[NoticeButton(N_("Today"), today.coverage.link(CentreId(centre.id)), "📋")]],
            volunteer=await volunteer_name(uow, user_id),
            tries=CODE_TRIES,
            **shift_params(shift, centre),
        )
        await tell_coordinators(
            uow, centre.id, notice, now, priority=PRIORITY_DIRECT, volunteer=user_id
        )
    return used


async def say_no(
    uow: UnitOfWork, signup: ShiftSignup, shift: Shift, centre: Centre, now: datetime
) -> bool:
    """The volunteer cannot come: the place is freed and the coordinators told at once."""
    await uow.shifts.answer(signup.id, "no", now)
    if await uow.shifts.cancel(signup.id, now) is None:
        return False
    await uow.outbox.drop_ref(f"shift:{signup.id}", now)
    notice = Notice.of(
        ALERT_NO, volunteer=await volunteer_name(uow, signup.user_id), **shift_params(shift, centre)
    )
    await tell_coordinators(
        uow, centre.id, notice, now, priority=PRIORITY_DIRECT, volunteer=signup.user_id
    )
    return True


async def release_due(uow: UnitOfWork, policy: Policy, now: datetime, *, limit: int = 200) -> int:
    """The scheduler's shift work: ask the day before, alert on silence, close open check-ins.

    Each sign-up is flagged before its message is queued, so of two processes doing this at
    once only one queues it. Returns how many sign-ups were handled.
    """
    from handlers.flows.volunteer import question  # here: the flow imports these use cases

    handled = 0
    for signup, shift in await uow.shifts.to_ask(now + policy.shift_confirm_before, limit):
        handled += 1
        if not await uow.shifts.flag(signup.id, "asked", now) or shift.starts_at <= now:
            continue
        centre = await uow.centres.get(shift.centre_id)
        if centre is None:
            continue
        notice = Notice.of(
            STILL_COMING,
            [[NoticeButton(N_("Yes, I'm coming"), question.still_coming.link(signup.id), "✅")],
             [NoticeButton(N_("No, I can't come"), question.not_coming.link(signup.id), "❌")]],
            **shift_params(shift, centre),
        )  # fmt: skip
        await uow.outbox.enqueue(
            signup.user_id, notice, not_before=now, now=now, priority=PRIORITY_DIRECT,
            ref=f"shift:{signup.id}", expires_at=shift.starts_at,
        )  # fmt: skip
    for signup, shift in await uow.shifts.unanswered(now + policy.shift_confirm_deadline, limit):
        handled += 1
        if not await uow.shifts.flag(signup.id, "alerted", now) or shift.starts_at <= now:
            continue
        centre = await uow.centres.get(shift.centre_id)
        if centre is None:
            continue
        notice = Notice.of(
            ALERT_SILENT,
            volunteer=await volunteer_name(uow, signup.user_id),
            **shift_params(shift, centre),
        )
        # Bulk priority: a silence noticed at night waits for the morning (quiet hours).
        await tell_coordinators(
            uow, centre.id, notice, now, priority=PRIORITY_BULK, volunteer=signup.user_id
        )
    for signup, shift in await uow.shifts.open_check_ins(now - OVERTIME, limit):
        handled += 1
        await uow.shifts.check_out(signup.id, shift.ends_at, auto=True)
    return handled
