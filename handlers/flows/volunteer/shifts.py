"""Open shifts: a centre's next two weeks, one shift in detail, and signing up for it."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from handlers.calendar import session_ics
from handlers.context import Context, rows_of
from handlers.flows.guards import volunteer
from handlers.flows.lookup import open_centre, signed_up
from handlers.flows.menu import menu_button
from handlers.flows.volunteer import my_shifts as my
from handlers.flows.volunteer.base import flow, shift_label, shift_of, shift_params
from handlers.messages import Button, Outgoing
from handlers.model import Shift, ShiftSignup, User
from handlers.payloads import CentreId
from handlers.router import Reply
from handlers.rules import shifts as rules
from handlers.rules.shifts import TASK_NAMES
from handlers.texts import N_, T

PAGE = 5
DAYS_AHEAD = 14

SHIFTS = T("vol.shifts", "Open volunteer shifts at {centre}. Choose one to see more:")
NO_SHIFTS = T(
    "vol.no_shifts",
    "There are no open shifts at {centre} in the next two weeks. Please look again later.",
)
PICK_CENTRE = T("vol.pick_centre", "Shifts at which centre?")
SHIFT = T(
    "vol.shift",
    "Volunteer shift: {task}\nWhen: {when} to {until}\nWhere: {centre}, {address}\n"
    "Places left: {free} of {places}",
)
NOTE = T("vol.note", "Note: {note}")
SIGNED = T(
    "vol.signed",
    "You are signed up: {task}, {when}, at {centre}. The day before, I will ask if you are "
    "still coming. Add it to your calendar with the file below.",
)
FULL = T("vol.full", "Sorry, this shift has just filled up. Have a look at the other shifts.")
CLOSED = T("vol.closed", "Sorry, this shift is no longer open. Have a look at the other shifts.")
OVERLAP = T(
    "vol.overlap",
    "You already have a shift at that time: {task}, {when}. You cannot hold two at once.",
)
ALREADY = T("vol.already", "You are already signed up for this shift.")


@flow.on_button("c", guard=volunteer)
async def centres(ctx: Context) -> Reply:
    """Shifts at which centre?"""
    buttons = [
        ctx.button(ctx.centre_name(c), listing.link(CentreId(c.id), 0))
        for c in await ctx.uow.centres.all()
    ]
    return ctx.reply(PICK_CENTRE, [*rows_of(buttons), menu_button(ctx)], replace=True)


@flow.on_button("l", guard=volunteer)
async def listing(ctx: Context, centre: CentreId, page: int) -> Reply:
    """The next two weeks' shifts at a centre, with places left."""
    where = await open_centre(ctx, centre)
    now = ctx.clock.now()
    found, count = await ctx.uow.shifts.listing(
        where.id, now, now + timedelta(days=DAYS_AHEAD), limit=PAGE, offset=page * PAGE
    )
    other = [ctx.button(N_("Another centre"), centres.link(), icon="📍"), *menu_button(ctx)]
    if not found:
        return ctx.reply(NO_SHIFTS, [other], replace=True, centre=ctx.centre_name(where))
    rows = [[Button(shift_label(ctx, s), details.link(s.id))] for s in found]
    more = []
    if page > 0:
        more.append(ctx.button(N_("Earlier"), listing.link(centre, page - 1)))
    if (page + 1) * PAGE < count:
        more.append(ctx.button(N_("More"), listing.link(centre, page + 1)))
    return ctx.reply(SHIFTS, [*rows, more, other], replace=True, centre=ctx.centre_name(where))


@flow.on_button("s", guard=volunteer)
async def details(ctx: Context, shift_id: int) -> Reply:
    """One shift, and signing up for it."""
    shift = await shift_of(ctx, shift_id)
    centre = await open_centre(ctx, shift.centre_id)
    mine = await _my_signup(ctx, signed_up(ctx), shift.id)
    rows: list[list[Button]] = []
    if mine is not None:
        rows.append([ctx.button(N_("My shifts"), my.mine.link(), icon="📌")])
    elif shift.free and shift.status == "scheduled" and shift.starts_at > ctx.clock.now():
        rows.append([ctx.button(N_("Sign me up"), sign_up.link(shift.id), icon="✅")])
    back = listing.link(CentreId(centre.id), 0)
    rows.append([ctx.button(N_("Back"), back, icon="◀️"), *menu_button(ctx)])
    out = ctx.reply(SHIFT, rows, replace=True, **shift_params(ctx, shift, centre))
    if shift.note:
        return replace(out, text=out.text + "\n" + ctx.t(NOTE, note=shift.note))
    return out


async def _my_signup(ctx: Context, user: User, shift_id: int) -> ShiftSignup | None:
    for signup, _ in await ctx.uow.shifts.mine(user.id, ctx.clock.now() - rules.OVERTIME):
        if signup.shift_id == shift_id:
            return signup
    return None


@flow.on_button("su", guard=volunteer)
async def sign_up(ctx: Context, shift_id: int) -> Reply:
    """A place, if one is free and the volunteer has no other shift then."""
    user = signed_up(ctx)
    shift = await shift_of(ctx, shift_id)
    centre = await open_centre(ctx, shift.centre_id)
    now = ctx.clock.now()
    others = listing.link(CentreId(centre.id), 0)
    back = [[ctx.button(N_("Other shifts"), others, icon="📋"), *menu_button(ctx)]]
    if await _my_signup(ctx, user, shift.id) is not None:
        return ctx.reply(ALREADY, back)
    if shift.status != "scheduled" or shift.starts_at <= now:
        return ctx.reply(CLOSED, back)
    clash = await ctx.uow.shifts.overlapping(user.id, shift.starts_at, shift.ends_at)
    if clash is not None:
        return _overlap(ctx, clash, back)
    signup = await ctx.uow.shifts.sign_up(shift.id, user.id, now)
    if signup is None:
        # Refused by the statement that decides: tell which rule a concurrent change hit.
        clash = await ctx.uow.shifts.overlapping(user.id, shift.starts_at, shift.ends_at)
        if clash is not None:
            return _overlap(ctx, clash, back)
        fresh = await ctx.uow.shifts.get(shift.id)
        return ctx.reply(FULL if fresh is not None and fresh.free == 0 else CLOSED, back)
    if shift.starts_at - now <= ctx.policy.shift_confirm_before:
        # Signed up the day before or later: that is the answer the question would ask for.
        await ctx.uow.shifts.answer(signup.id, "yes", now)
    calendar = session_ics(
        uid=f"shift-{signup.id}@reintegrate", title=ctx._(TASK_NAMES[shift.task]),
        starts_at=shift.starts_at, ends_at=shift.ends_at,
        location=f"{centre.name}, {centre.address}", timezone=ctx.policy.timezone, now=now,
    )  # fmt: skip
    return ctx.reply(
        SIGNED, [[ctx.button(N_("My shifts"), my.mine.link(), icon="📌"), *menu_button(ctx)]],
        document=calendar, **shift_params(ctx, shift, centre),
    )  # fmt: skip


def _overlap(ctx: Context, clash: Shift, back: list[list[Button]]) -> Outgoing:
    return ctx.reply(
        OVERLAP, back, task=ctx._(TASK_NAMES[clash.task]),
        when=ctx.tr.format_datetime(ctx.locale, clash.starts_at),
    )  # fmt: skip
