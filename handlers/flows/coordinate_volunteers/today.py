"""Today at a centre: each shift and where each volunteer is; marking one who did not come.

Routes: `t` (today at a centre; the day's coverage notice opens it too) and `ns` (a volunteer
late and not checked in did not come). Each is for who may coordinate the shift's centre.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from handlers.context import Context
from handlers.flows.coordinate_volunteers import centre_page
from handlers.flows.coordinate_volunteers.base import (
    clock,
    flow,
    midnight,
    scheduled_shift,
    signup_centre,
)
from handlers.flows.guards import coordinator_of
from handlers.flows.lookup import open_centre
from handlers.flows.menu import menu_button
from handlers.flows.typed import today as local_today
from handlers.messages import Button, Outgoing
from handlers.model import Centre, Shift, ShiftSignup
from handlers.payloads import CentreId
from handlers.router import Reply, Stale
from handlers.rules.shifts import TASK_NAMES
from handlers.texts import N_, T, Text

TODAY = T("cv.today", "Today at {centre}:\n\n{shifts}")
NO_TODAY = T("cv.no_today", "No volunteer shifts today at {centre}.")
TODAY_SHIFT = T("cv.today_shift", "{start}–{end} {task} ({taken} of {places})")
NOBODY_TODAY = T("cv.nobody", "nobody signed up")
CHECKED_OUT = T("cv.st_out", "✅ {name}: left at {time}")
CHECKED_OUT_AUTO = T("cv.st_out_auto", "✅ {name}: left at {time} (closed automatically)")
CHECKED_IN = T("cv.st_in", "🟢 {name}: here since {time}")
NO_SHOW = T("cv.st_no_show", "❌ {name}: did not come")
LATE = T("cv.st_late", "⏰ {name}: late, not checked in")
CONFIRMED = T("cv.st_yes", "👍 {name}: said they are coming")
UNCONFIRMED = T("cv.st_unknown", "❔ {name}: not confirmed yet")


@flow.on_button("t", guard=coordinator_of("centre"))
async def coverage(ctx: Context, centre: CentreId) -> Reply:
    """Today's shifts at a centre and where each volunteer is."""
    here = await open_centre(ctx, centre)
    ctx.clear_state()
    return await _today_page(ctx, here)


@flow.on_button("ns", guard=coordinator_of("signup_id", via=signup_centre))
async def no_show(ctx: Context, signup_id: int) -> Reply:
    """Mark a volunteer who did not come (once the shift has begun and they have not checked in)."""
    signup = await ctx.uow.shifts.signup(signup_id)
    if signup is None or signup.status != "signed" or signup.checked_in_at is not None:
        raise Stale
    shift = await scheduled_shift(ctx, signup.shift_id)
    centre = await open_centre(ctx, shift.centre_id)
    if shift.starts_at > ctx.clock.now():
        raise Stale
    await ctx.uow.shifts.mark_no_show(signup.id, True)
    return await _today_page(ctx, centre)


async def _today_page(ctx: Context, centre: Centre) -> Outgoing:
    now = ctx.clock.now()
    start = midnight(ctx, local_today(ctx))
    end = midnight(ctx, local_today(ctx) + timedelta(days=1))
    found, _ = await ctx.uow.shifts.listing(centre.id, start, end, limit=50)
    c = CentreId(centre.id)
    rows: list[list[Button]] = []
    blocks = []
    for shift in found:
        lines = [
            ctx.t(TODAY_SHIFT, start=clock(ctx, shift.starts_at), end=clock(ctx, shift.ends_at),
                  task=ctx._(TASK_NAMES[shift.task]), taken=shift.taken, places=shift.places)
        ]  # fmt: skip
        for signup in await ctx.uow.shifts.people(shift.id):
            text = _status(shift, signup, now)
            when = signup.checked_out_at or signup.checked_in_at
            lines.append(ctx.t(text, name=signup.first_name, time=clock(ctx, when) if when else ""))
            if text is LATE:
                label = ctx._(N_("No-show: {name}")).format(name=signup.first_name)
                rows.append([Button(f"❌ {label}", no_show.link(signup.id))])
        if len(lines) == 1:
            lines.append(ctx.t(NOBODY_TODAY))
        blocks.append("\n".join(lines))
    rows.append([ctx.button(N_("Refresh"), coverage.link(c), icon="🔄")])
    rows.append([centre_page.back_home(ctx, c), *menu_button(ctx)])
    if not found:
        return ctx.reply(NO_TODAY, rows, replace=True, centre=ctx.centre_name(centre))
    return ctx.reply(
        TODAY, rows, replace=True, centre=ctx.centre_name(centre), shifts="\n\n".join(blocks)
    )


def _status(shift: Shift, signup: ShiftSignup, now: datetime) -> Text:
    """Where a volunteer is: left, here, did not come, late, coming, or not confirmed."""
    if signup.checked_out_at is not None:
        return CHECKED_OUT_AUTO if signup.auto_checkout else CHECKED_OUT
    if signup.checked_in_at is not None:
        return CHECKED_IN
    if signup.no_show:
        return NO_SHOW
    if shift.starts_at <= now:
        return LATE
    return CONFIRMED if signup.answer == "yes" else UNCONFIRMED
