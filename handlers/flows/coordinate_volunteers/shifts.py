"""A centre's shifts of the next two weeks: one shift's page, calling a shift off.

Routes: `l` (a centre's shifts, a page at a time), `s` (one shift), `x` and `xx` (call it off?
and calling it off, while it has not begun). Each is for who may coordinate the shift's centre.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from handlers.context import Context
from handlers.flows.coordinate_volunteers import centre_page, new_shift
from handlers.flows.coordinate_volunteers.base import (
    back,
    clock,
    flow,
    midnight,
    scheduled_shift,
    shift_centre,
    shifts_button,
)
from handlers.flows.guards import coordinator_of
from handlers.flows.lookup import open_centre
from handlers.flows.menu import menu_button
from handlers.flows.typed import today as local_today
from handlers.flows.typed import zone
from handlers.messages import Button
from handlers.model import Centre, Shift
from handlers.notices import PRIORITY_DIRECT, Notice
from handlers.payloads import CentreId
from handlers.router import Reply
from handlers.rules.shifts import SHIFT_CALLED_OFF, TASK_NAMES, shift_params
from handlers.texts import N_, T

PAGE = 5

SHIFTS = T("cv.shifts", "Shifts at {centre} in the next two weeks:")
NO_SHIFTS = T("cv.no_shifts", "No shifts at {centre} in the next two weeks.")
SHIFT = T(
    "cv.shift",
    "{task}, {centre}\n{when} until {until}\nPlaces taken: {taken} of {places}\nNote: {note}\n"
    "Signed up: {people}",
)
CALL_OFF_ASK = T("cv.call_off_ask", "Call off this shift? {count} volunteers will be told.")
CALLED_OFF = T("cv.called_off", "Called off. {count} volunteers are being told.")

of_the_shift = coordinator_of("shift_id", via=shift_centre)


@flow.on_button("l", guard=coordinator_of("centre"))
async def upcoming(ctx: Context, centre: CentreId, page: int) -> Reply:
    """The shifts of the next two weeks at a centre (from this morning: today's too)."""
    here = await open_centre(ctx, centre)
    ctx.clear_state()
    c = CentreId(here.id)
    start = midnight(ctx, local_today(ctx))
    found, total = await ctx.uow.shifts.listing(
        c, start, start + timedelta(days=15), limit=PAGE, offset=page * PAGE
    )
    rows = [[Button(_shift_label(ctx, s), shift_page.link(s.id))] for s in found]
    if (page + 1) * PAGE < total:
        rows.append([ctx.button(N_("More"), upcoming.link(c, page + 1), icon="▶️")])
    rows.append([ctx.button(N_("New shift"), new_shift.start.link(c), icon="➕")])
    rows.append([centre_page.back_home(ctx, c), *menu_button(ctx)])
    text = SHIFTS if found else NO_SHIFTS
    return ctx.reply(text, rows, replace=True, centre=ctx.centre_name(here))


@flow.on_button("s", guard=of_the_shift)
async def shift_page(ctx: Context, shift_id: int) -> Reply:
    """One shift: when, places, note and who signed up; call it off while it has not begun."""
    shift = await scheduled_shift(ctx, shift_id)
    centre = await open_centre(ctx, shift.centre_id)
    ctx.clear_state()
    people = await ctx.uow.shifts.people(shift.id)
    rows = []
    if shift.starts_at > ctx.clock.now():
        rows.append([ctx.button(N_("Call off"), ask_call_off.link(shift.id), icon="❌")])
    rows.append([back_to_shifts(ctx, centre.id), *menu_button(ctx)])
    return ctx.reply(
        SHIFT, rows, replace=True, **_shift_params(ctx, shift, centre),
        taken=shift.taken, people=", ".join(p.first_name for p in people) or "–",
    )  # fmt: skip


@flow.on_button("x", guard=of_the_shift)
async def ask_call_off(ctx: Context, shift_id: int) -> Reply:
    """Call the shift off? Says how many volunteers will be told."""
    shift = await scheduled_shift(ctx, shift_id, not_begun=True)
    return ctx.reply(
        CALL_OFF_ASK,
        [[ctx.button(N_("Yes, call it off"), call_off.link(shift.id), icon="❌")],
         [ctx.button(N_("No"), shift_page.link(shift.id), icon="◀️")]],
        replace=True, count=shift.taken,
    )  # fmt: skip


@flow.on_button("xx", guard=of_the_shift)
async def call_off(ctx: Context, shift_id: int) -> Reply:
    """Call it off: each volunteer signed up is told (and no longer asked if they are coming)."""
    shift = await scheduled_shift(ctx, shift_id, not_begun=True)
    centre = await open_centre(ctx, shift.centre_id)
    now = ctx.clock.now()
    told = await ctx.uow.shifts.cancel_shift(shift.id, now)
    notice = Notice.of(SHIFT_CALLED_OFF, [[shifts_button()]], **shift_params(shift, centre))
    for signup in told:
        ref = f"shift:{signup.id}"
        await ctx.uow.outbox.drop_ref(ref, now)  # a queued "Are you still coming?" goes
        await ctx.uow.outbox.enqueue(
            signup.user_id, notice, not_before=now, now=now, priority=PRIORITY_DIRECT, ref=ref
        )
    return ctx.reply(
        CALLED_OFF, [[back_to_shifts(ctx, centre.id), *menu_button(ctx)]],
        replace=True, count=len(told),
    )  # fmt: skip


def back_to_shifts(ctx: Context, centre_id: int) -> Button:
    """A "Back" button to the first page of a centre's shifts."""
    return back(ctx, upcoming.link(CentreId(centre_id), 0))


def _shift_params(ctx: Context, shift: Shift, centre: Centre) -> dict[str, Any]:
    return {
        "task": ctx._(TASK_NAMES[shift.task]), "centre": ctx.centre_name(centre),
        "when": ctx.tr.format_datetime(ctx.locale, shift.starts_at),
        "until": clock(ctx, shift.ends_at), "places": shift.places, "note": shift.note or "–",
    }  # fmt: skip


def _shift_label(ctx: Context, shift: Shift) -> str:
    """`Tue 24.11 10:00 · translation · 2/3`."""
    local = shift.starts_at.astimezone(zone(ctx))
    day = ctx.tr.weekday_name(ctx.locale, local.weekday())[:3]
    task = ctx._(TASK_NAMES[shift.task])
    return f"📅 {day} {local:%d.%m %H:%M} · {task} · {shift.taken}/{shift.places}"
