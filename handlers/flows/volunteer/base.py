"""The volunteers' flow and what its sections share: a shift as shown, and a person's sign-up."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from handlers.context import Context
from handlers.flows.guards import own_signup, person
from handlers.flows.lookup import open_centre
from handlers.flows.typed import zone
from handlers.model import Centre, Shift, ShiftSignup
from handlers.router import Flow, Guard, Stale
from handlers.rules.shifts import TASK_NAMES
from handlers.texts import N_

flow = Flow("vol", guard=person)

OWN: Guard = own_signup("signup_id")
"""A button about one sign-up: an approved volunteer's own."""
OWN_STEP: Guard = own_signup("signup")
"""A step about one sign-up (stored as `signup`): an approved volunteer's own."""


def clock_time(ctx: Context, at: datetime) -> str:
    """`14:20`, in the programme's timezone."""
    return at.astimezone(zone(ctx)).strftime("%H:%M")


def shift_label(ctx: Context, shift: Shift, *, places: bool = True) -> str:
    """`Tue 24.11. 10:00–13:00 · translation · 2 free`."""
    start, end = shift.starts_at.astimezone(zone(ctx)), shift.ends_at.astimezone(zone(ctx))
    day = ctx.tr.weekday_name(ctx.locale, start.weekday())[:3]
    label = f"{day} {start:%d.%m.} {start:%H:%M}–{end:%H:%M} · {ctx._(TASK_NAMES[shift.task])}"
    if places:
        free = ctx._(N_("full")) if shift.free == 0 else f"{shift.free} {ctx._(N_('free'))}"
        label += f" · {free}"
    return label[:120]


def shift_params(ctx: Context, shift: Shift, centre: Centre) -> dict[str, Any]:
    """The placeholders the shift texts share: task, when, until, centre, address, places."""
    return {
        "task": ctx._(TASK_NAMES[shift.task]),
        "when": ctx.tr.format_datetime(ctx.locale, shift.starts_at),
        "until": clock_time(ctx, shift.ends_at),
        "centre": ctx.centre_name(centre),
        "address": ctx.local_name(centre.address),
        "free": shift.free,
        "places": shift.places,
    }


async def shift_of(ctx: Context, shift_id: int) -> Shift:
    """The shift with this id; Stale if there is none."""
    shift = await ctx.uow.shifts.get(shift_id)
    if shift is None:
        raise Stale
    return shift


async def own(ctx: Context, signup_id: int) -> tuple[ShiftSignup, Shift, Centre]:
    """A sign-up still live, its shift and centre; Stale otherwise.

    Whose it is was checked before (the route's guard `OWN`, or it was found among the
    person's own), so only what may have changed since the button was sent is checked here.
    """
    signup = await ctx.uow.shifts.signup(signup_id)
    if signup is None or signup.status != "signed":
        raise Stale
    shift = await shift_of(ctx, signup.shift_id)
    if shift.status != "scheduled":
        raise Stale
    return signup, shift, await open_centre(ctx, shift.centre_id)
