"""My shifts: the ones ahead (and one under way), each with its state; cancelling one."""

from __future__ import annotations

from dataclasses import dataclass

from handlers.context import Context
from handlers.flows.guards import volunteer
from handlers.flows.lookup import signed_up
from handlers.flows.menu import main_menu, menu_button
from handlers.flows.volunteer import checkin, join
from handlers.flows.volunteer.base import (
    OWN,
    OWN_STEP,
    clock_time,
    flow,
    own,
    shift_label,
    shift_params,
)
from handlers.messages import Button
from handlers.model import Shift, ShiftSignup
from handlers.notices import PRIORITY_DIRECT, Notice
from handlers.payloads import Step
from handlers.router import Reply, Stale
from handlers.rules import shifts as rules
from handlers.texts import N_, T
from handlers.usecases import shifts as cases

MINE = T("vol.mine", "Your shifts. Choose one to see it, check in or cancel:")
MINE_EMPTY = T("vol.mine_empty", "You have no upcoming shifts.")
MY_SHIFT = T("vol.my_shift", "{task}\n{when} to {until}, at {centre}\n{status}")
CANCEL_ASK = T("vol.cancel_ask", "Cancel your shift {task} on {when}?")
REASON_ASK = T(
    "vol.reason_ask",
    "Your shift starts in less than {hours} hours, so the coordinator needs to know why. "
    "Please write a short reason.",
)
BAD_REASON = T("vol.bad_reason", "Please write a short reason (up to 200 characters).")
CANCELLED = T("vol.cancelled", "Cancelled. Thank you for letting us know in time.")
STATUS_IN = T("vol.status_in", "Checked in at {time}.")
STATUS_OUT = T("vol.status_out", "Done: {hours} hours.")
STATUS_CONFIRMED = N_("You said you are coming.")
STATUS_SIGNED = N_("You are signed up.")


@dataclass(frozen=True)
class LateCancel(Step):
    """`vol.reason`: cancelling this sign-up after the cut-off, so a reason comes next."""

    signup: int


@flow.on_button("mine", guard=volunteer)
async def mine(ctx: Context) -> Reply:
    """Upcoming shifts (and one under way), each to open."""
    user = signed_up(ctx)
    ctx.clear_state()
    found = await ctx.uow.shifts.mine(user.id, ctx.clock.now() - rules.OVERTIME)
    home = join.home.link()
    if not found:
        rows = [[ctx.button(N_("Open shifts"), home, icon="📋"), *menu_button(ctx)]]
        return ctx.reply(MINE_EMPTY, rows, replace=True)
    rows = [[Button(shift_label(ctx, sh, places=False), my_shift.link(s.id))] for s, sh in found]
    rows.append([ctx.button(N_("Back"), home, icon="◀️"), *menu_button(ctx)])
    return ctx.reply(MINE, rows, replace=True)


@flow.on_button("m", guard=OWN)
async def my_shift(ctx: Context, signup_id: int) -> Reply:
    """One of my shifts: its state, and check in, check out or cancel as fits the time."""
    signup, shift, centre = await own(ctx, signup_id)
    now = ctx.clock.now()
    opens, closes = rules.window(shift)
    rows: list[list[Button]] = []
    if signup.checked_in_at is None and opens <= now < closes:
        rows.append([ctx.button(N_("Check in"), checkin.check_in.link(signup.id), icon="📍")])
    if signup.checked_in_at is not None and signup.checked_out_at is None:
        rows.append([ctx.button(N_("Check out"), checkin.check_out.link(signup.id), icon="👋")])
    if now < shift.starts_at:
        rows.append([ctx.button(N_("Cancel my shift"), ask_cancel.link(signup.id), icon="❌")])
    rows.append([ctx.button(N_("Back"), mine.link(), icon="◀️"), *menu_button(ctx)])
    return ctx.reply(
        MY_SHIFT,
        rows,
        replace=True,
        **shift_params(ctx, shift, centre),
        status=_status(ctx, signup, shift),
    )


def _status(ctx: Context, signup: ShiftSignup, shift: Shift) -> str:
    if signup.checked_out_at is not None and signup.checked_in_at is not None:
        spent = rules.worked(
            signup.checked_in_at, signup.checked_out_at, shift.starts_at, shift.ends_at
        )
        return ctx.t(STATUS_OUT, hours=rules.hours_text(spent))
    if signup.checked_in_at is not None:
        return ctx.t(STATUS_IN, time=clock_time(ctx, signup.checked_in_at))
    return ctx._(STATUS_CONFIRMED if signup.answer == "yes" else STATUS_SIGNED)


# -- cancelling ----------------------------------------------------------------------------------
@flow.on_button("x", guard=OWN)
async def ask_cancel(ctx: Context, signup_id: int) -> Reply:
    """Before the cut-off: are you sure? After it: a reason, which the coordinator sees."""
    signup, shift, centre = await own(ctx, signup_id)
    now = ctx.clock.now()
    if now >= shift.starts_at:
        raise Stale
    if shift.starts_at - now < ctx.policy.shift_cancel_cutoff:
        ctx.set_state("vol.reason", **LateCancel(signup.id).data())
        hours = int(ctx.policy.shift_cancel_cutoff.total_seconds() // 3600)
        return ctx.reply(REASON_ASK, [menu_button(ctx)], hours=hours)
    return ctx.reply(
        CANCEL_ASK,
        [[ctx.button(N_("Yes, cancel"), cancel.link(signup.id), icon="❌")],
         [ctx.button(N_("No, keep it"), my_shift.link(signup.id), icon="✅")]],
        **shift_params(ctx, shift, centre),
    )  # fmt: skip


@flow.on_button("xx", guard=OWN)
async def cancel(ctx: Context, signup_id: int) -> Reply:
    """Cancel before the cut-off: the place is free again."""
    signup, shift, _ = await own(ctx, signup_id)
    now = ctx.clock.now()
    if shift.starts_at - now < ctx.policy.shift_cancel_cutoff:
        raise Stale  # past the cut-off since the question: a reason is needed now
    await ctx.uow.shifts.cancel(signup.id, now)
    await ctx.uow.outbox.drop_ref(f"shift:{signup.id}", now)
    return main_menu(ctx, CANCELLED, replace=True)


@flow.on_state("vol.reason", guard=OWN_STEP)
async def typed_reason(ctx: Context, step: LateCancel) -> Reply:
    """A late cancellation with its reason; the coordinators are told at once."""
    reason = " ".join(ctx.incoming.text.split())
    if not reason or len(reason) > 200:
        return ctx.reply(BAD_REASON, [menu_button(ctx)])
    signup, shift, centre = await own(ctx, step.signup)
    now = ctx.clock.now()
    if now >= shift.starts_at:
        raise Stale
    await ctx.uow.shifts.cancel(signup.id, now, reason=reason)
    await ctx.uow.outbox.drop_ref(f"shift:{signup.id}", now)
    notice = Notice.of(
        rules.ALERT_LATE_CANCEL,
        volunteer=await cases.volunteer_name(ctx.uow, signup.user_id),
        reason=reason,
        **rules.shift_params(shift, centre),
    )
    await cases.tell_coordinators(
        ctx.uow, centre.id, notice, now, priority=PRIORITY_DIRECT, volunteer=signup.user_id
    )
    ctx.clear_state()
    return main_menu(ctx, CANCELLED)
