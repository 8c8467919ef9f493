"""Volunteer shift rules: check-in window and place, hours, the day-before question, alerts.

Pure rules and the use cases both the volunteers' flow and the scheduler call, so a "No" typed
at noon and a silence noticed by the scheduler at night reach the coordinators the same way.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from handlers.model import Centre, Policy, Shift, ShiftSignup, Task
from handlers.notices import (
    PRIORITY_BULK,
    PRIORITY_DIRECT,
    Notice,
    NoticeButton,
    about,
    name,
    when,
    word,
)
from handlers.ports import UnitOfWork
from handlers.texts import N_, T

CHECK_IN_EARLY = timedelta(minutes=30)  # the earliest check-in before a shift starts
OVERTIME = timedelta(
    minutes=30
)  # counted beyond a shift's length, and how long check-out stays open

CODE_TRIES = 5  # wrong check-in codes a volunteer may type in one local day
CHECKIN_SCOPE = "checkin"  # the try-limit scope; its subject is the volunteer's user id

TASK_NAMES = {
    Task.SCHOOL: N_("children's school support"),
    Task.TRANSLATION: N_("translation"),
    Task.EVENTS: N_("events"),
    Task.DRIVING: N_("driving"),
    Task.OTHER: N_("other help"),
}

STILL_COMING = T(
    "vol.still_coming",
    "Are you still coming? Your volunteer shift: {task}, {when}, at {centre}.",
)
ALERT_NO = T(
    "vol.alert_no",
    "{volunteer} cannot come to the shift {task}, {when}, at {centre}. Their place is free again.",
)
ALERT_SILENT = T(
    "vol.alert_silent",
    "{volunteer} has not confirmed the shift {task}, {when}, at {centre}. "
    "You may want to call them or find someone else.",
)
ALERT_LATE_CANCEL = T(
    "vol.alert_late_cancel",
    "{volunteer} cancelled the shift {task}, {when}, at {centre} at short notice. Reason: {reason}",
)
ALERT_CODE_LOCKED = T(
    "vol.alert_code_locked",
    "{volunteer} typed a wrong check-in code {tries} times for the shift {task}, {when}, at "
    "{centre}, so check-in by code is locked for them for today. They can still check in by "
    "sharing their location, or ask you at the centre.",
)
SHIFT_CALLED_OFF = T(
    "vol.shift_called_off",
    "The volunteer shift {task}, {when}, at {centre} has been called off. "
    "Thank you for signing up. Have a look at the other shifts.",
)


# -- pure rules ----------------------------------------------------------------------------------
def window(shift: Shift) -> tuple[datetime, datetime]:
    """When check-in is accepted: from 30 minutes before the start until the end."""
    return shift.starts_at - CHECK_IN_EARLY, shift.ends_at


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres (haversine; plenty for a 200 m radius)."""
    earth = 6_371_000.0
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * earth * math.asin(math.sqrt(a))


def on_earth(latitude: object, longitude: object) -> bool:
    """A real point: two finite numbers with |latitude| <= 90 and |longitude| <= 180.

    NaN compares False with everything, so without this a NaN location would pass any
    distance check (`nan > 200` is False).
    """
    if isinstance(latitude, bool) or not isinstance(latitude, int | float):
        return False
    if isinstance(longitude, bool) or not isinstance(longitude, int | float):
        return False
    try:
        lat, lon = float(latitude), float(longitude)
    except OverflowError:  # an integer too large for a float is off the map too
        return False
    return math.isfinite(lat) and math.isfinite(lon) and abs(lat) <= 90 and abs(lon) <= 180


def day_start(now: datetime, zone: ZoneInfo) -> datetime:
    """Midnight where the centres are, on the local day `now` falls on (try limits reset then)."""
    return datetime.combine(now.astimezone(zone).date(), time(0), zone)


def radius_m(centre: Centre, policy: Policy) -> int:
    """How close a shared location must be: the centre's own radius, else the default."""
    return centre.checkin_radius_m or policy.checkin_radius_m


def worked(check_in: datetime, check_out: datetime, starts: datetime, ends: datetime) -> timedelta:
    """Time counted for one shift: check-in to check-out, at most its length plus 30 minutes."""
    spent = check_out - check_in
    return max(timedelta(0), min(spent, ends - starts + OVERTIME))


def total(rows: Iterable[tuple[datetime, datetime, datetime, datetime]]) -> timedelta:
    """Hours over many shifts (check-in, check-out, start, end)."""
    return sum((worked(*row) for row in rows), timedelta(0))


def hours_text(value: timedelta) -> str:
    """`3:30` for three and a half hours (hours and minutes, no seconds)."""
    minutes = int(value.total_seconds() // 60)
    return f"{minutes // 60}:{minutes % 60:02d}"


def shift_params(shift: Shift, centre: Centre) -> dict[str, Any]:
    """A shift's task, start and centre, as notice parameters written out when sent."""
    return {"task": word(TASK_NAMES[shift.task]), "when": when(shift.starts_at),
            "centre": name(centre.name)}  # fmt: skip


# -- use cases -----------------------------------------------------------------------------------
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
    await uow.attempts.failed(CHECKIN_SCOPE, str(user_id), now)
    used = await code_tries_used(uow, user_id, since)
    if used == CODE_TRIES:
        notice = Notice.of(
            ALERT_CODE_LOCKED,
            [[NoticeButton(N_("Today"), f"cv:t:{centre.id}", "📋")]],
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
            [[NoticeButton(N_("Yes, I'm coming"), f"vol:yes:{signup.id}", "✅")],
             [NoticeButton(N_("No, I can't come"), f"vol:no:{signup.id}", "❌")]],
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
