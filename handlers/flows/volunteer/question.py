"""The day-before question ("are you still coming?"): yes keeps the place, no frees it."""

from __future__ import annotations

from handlers.context import Context
from handlers.flows.menu import main_menu
from handlers.flows.volunteer.base import OWN, flow, own, shift_params
from handlers.router import Reply, Stale
from handlers.texts import T
from handlers.usecases import shifts as cases

COMING = T("vol.coming", "Thank you! See you at {centre}, {when}.")
NOT_COMING = T(
    "vol.not_coming",
    "Thank you for telling us. Your place is free again and the coordinator knows.",
)


@flow.on_button("yes", guard=OWN)
async def still_coming(ctx: Context, signup_id: int) -> Reply:
    """Yes, I'm coming."""
    signup, shift, centre = await own(ctx, signup_id)
    await ctx.uow.shifts.answer(signup.id, "yes", ctx.clock.now())
    return main_menu(ctx, COMING, **shift_params(ctx, shift, centre))


@flow.on_button("no", guard=OWN)
async def not_coming(ctx: Context, signup_id: int) -> Reply:
    """No: the place is freed and the coordinators are told."""
    signup, shift, centre = await own(ctx, signup_id)
    now = ctx.clock.now()
    if now >= shift.starts_at:
        raise Stale
    await cases.say_no(ctx.uow, signup, shift, centre, now)
    return main_menu(ctx, NOT_COMING)
