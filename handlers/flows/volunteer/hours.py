"""My hours: this month's and all of them, from the check-in and check-out times."""

from __future__ import annotations

from datetime import date

from handlers.context import Context
from handlers.flows.guards import volunteer
from handlers.flows.lookup import signed_up
from handlers.flows.menu import menu_button
from handlers.flows.typed import zone
from handlers.flows.volunteer import join
from handlers.flows.volunteer.base import flow
from handlers.router import Reply
from handlers.rules import shifts as rules
from handlers.texts import N_, T

HOURS = T(
    "vol.hours",
    "Your volunteer hours (hours:minutes)\nThis month: {month}\nIn total: {total}\nShifts: {count}",
)


@flow.on_button("hours", guard=volunteer)
async def hours(ctx: Context) -> Reply:
    """This month's hours and all of them, from check-in and check-out times."""
    user = signed_up(ctx)
    rows = await ctx.uow.shifts.worked(user.id)
    month_start = _month_start(ctx.clock.now().astimezone(zone(ctx)).date())
    this_month = [r for r in rows if r[0].astimezone(zone(ctx)).date() >= month_start]
    return ctx.reply(
        HOURS, [[ctx.button(N_("Back"), join.home.link(), icon="◀️"), *menu_button(ctx)]],
        replace=True, month=rules.hours_text(rules.total(this_month)),
        total=rules.hours_text(rules.total(rows)), count=len(rows),
    )  # fmt: skip


def _month_start(day: date) -> date:
    return day.replace(day=1)
