"""The volunteers flow for coordinators and what its sections share: the flow, small helpers.

The locators find the centre a request, shift or sign-up belongs to, for the routes' guards
(`coordinator_of("shift_id", via=shift_centre)`): the centre of the thing itself, never the
person's Settings centre.
"""

from __future__ import annotations

from datetime import date, datetime, time

from handlers.context import Context
from handlers.flows.guards import staff
from handlers.flows.typed import local, zone
from handlers.messages import Button
from handlers.model import Shift, Volunteer
from handlers.notices import NoticeButton
from handlers.router import Flow, Stale
from handlers.texts import N_

flow = Flow("cv", guard=staff)


async def request_centre(ctx: Context, volunteer_id: int) -> int | None:
    """The centre a request to volunteer was sent to."""
    found = await ctx.uow.volunteers.get(volunteer_id)
    return found.centre_id if found is not None else None


async def shift_centre(ctx: Context, shift_id: int) -> int | None:
    """The centre of a shift."""
    found = await ctx.uow.shifts.get(shift_id)
    return found.centre_id if found is not None else None


async def signup_centre(ctx: Context, signup_id: int) -> int | None:
    """The centre of the shift a sign-up is for."""
    signup = await ctx.uow.shifts.signup(signup_id)
    return await shift_centre(ctx, signup.shift_id) if signup is not None else None


async def load_request(ctx: Context, volunteer_id: int) -> Volunteer:
    """A request to volunteer; Stale if there is none."""
    found = await ctx.uow.volunteers.get(volunteer_id)
    if found is None:
        raise Stale
    return found


async def scheduled_shift(ctx: Context, shift_id: int, *, not_begun: bool = False) -> Shift:
    """A scheduled shift (one that has not begun, if asked); Stale otherwise."""
    found = await ctx.uow.shifts.get(shift_id)
    if found is None or found.status != "scheduled":
        raise Stale
    if not_begun and found.starts_at <= ctx.clock.now():
        raise Stale
    return found


def shifts_button() -> NoticeButton:
    """The volunteer's "Open shifts" button in a notice sent to them."""
    from handlers.flows.volunteer import join  # here: the volunteers' flow links to this one

    return NoticeButton(N_("Open shifts"), join.home.link(), "🤝")


def back(ctx: Context, payload: str) -> Button:
    """A "Back" button to the page `payload` opens."""
    return ctx.button(N_("Back"), payload, icon="◀️")


def midnight(ctx: Context, day: date) -> datetime:
    """The start of a day where the centres are."""
    return local(ctx, day, time(0))


def clock(ctx: Context, moment: datetime) -> str:
    """`14:30`, where the centres are."""
    return f"{moment.astimezone(zone(ctx)):%H:%M}"
