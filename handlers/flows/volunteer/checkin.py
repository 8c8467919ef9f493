"""Check in (today's code or a location near the centre, inside the shift's window) and out."""

from __future__ import annotations

from dataclasses import dataclass, replace

from handlers.context import Context
from handlers.flows.guards import volunteer
from handlers.flows.lookup import signed_up
from handlers.flows.menu import main_menu, menu_button
from handlers.flows.typed import zone
from handlers.flows.volunteer import my_shifts as my
from handlers.flows.volunteer.base import OWN, OWN_STEP, clock_time, flow, own, shift_params
from handlers.messages import Kind, Outgoing
from handlers.model import Centre, Shift, ShiftSignup
from handlers.payloads import Step
from handlers.router import Reply, Stale
from handlers.rules import shifts as rules
from handlers.rules.shifts import TASK_NAMES
from handlers.texts import N_, T, Text
from handlers.usecases import shifts as cases

CHECK_IN_HOW = T(
    "vol.check_in_how",
    "Check in to {task} at {centre}: type today's check-in code (it is on the sheet at the "
    "centre), or send your location (📎 → Location).",
)
NO_SHIFT_NOW = T(
    "vol.no_shift_now",
    "You have no shift to check in to right now. Check-in opens 30 minutes before a shift "
    "starts and closes when it ends.",
)
NEXT_SHIFT = T("vol.next_shift", "Your next shift: {task}, {when}.")
TOO_EARLY = T(
    "vol.too_early", "It is too early: check-in opens at {time}, 30 minutes before the shift."
)
TOO_LATE = T("vol.too_late", "This shift is over, so check-in is closed.")
WRONG_CODE = T(
    "vol.wrong_code",
    "That is not today's check-in code for {centre}. Please check the sheet at the centre "
    "and try again.",
)
OLD_CODE = T("vol.old_code", "That is an older code. Please use today's code, shown at the centre.")
TRIES_LEFT = T("vol.tries_left", "Tries left today: {left}.")
CODE_LOCKED = T(
    "vol.code_locked",
    "A wrong check-in code was typed {tries} times today, so check-in by code is closed for "
    "you until tomorrow. Don't worry: you can still send your location (📎 → Location), or "
    "ask the coordinator at the centre for help. The coordinators have been told.",
)
BAD_LOCATION = T(
    "vol.bad_location",
    "Sorry, I could not read a place from that location. Please send your location again "
    "(📎 → Location), or type today's code.",
)
LIVE_LOCATION = T(
    "vol.live_location",
    "A live location works best: 📎 → Location → Share My Live Location.",
)
TOO_FAR = T(
    "vol.too_far",
    "You seem to be {distance} m from {centre}. Check-in by location works within {radius} m. "
    "Try again at the centre, or type the code.",
)
CHECKED_IN = T(
    "vol.checked_in",
    "Checked in at {time}. Have a good shift! Press Check out when you leave.",
)
ALREADY_IN = T("vol.already_in", "You are already checked in for this shift.")
CHECKED_OUT = T(
    "vol.checked_out", "Checked out at {time}. This shift counts {hours} hours. Thank you!"
)


@dataclass(frozen=True)
class CheckingIn(Step):
    """`vol.check_in`: waiting for today's code or a location, for this sign-up."""

    signup: int


@flow.on_button("now", guard=volunteer)
async def check_in_now(ctx: Context) -> Reply:
    """The shift to check in to (or out of) right now, found by time."""
    user = signed_up(ctx)
    now = ctx.clock.now()
    found = await ctx.uow.shifts.mine(user.id, now - rules.OVERTIME)
    # These are the person's own sign-ups, so the screens are called without their guard.
    for signup, _shift_now in found:
        if signup.checked_in_at is not None and signup.checked_out_at is None:
            return await my.my_shift(ctx, signup.id)
    for signup, shift in found:
        opens, closes = rules.window(shift)
        if signup.checked_in_at is None and opens <= now < closes:
            return await check_in(ctx, signup.id)
    rows = [menu_button(ctx)]
    upcoming = [(s, sh) for s, sh in found if sh.starts_at > now]
    out = ctx.reply(NO_SHIFT_NOW, rows)
    if upcoming:
        shift = upcoming[0][1]
        text = ctx.t(NEXT_SHIFT, task=ctx._(TASK_NAMES[shift.task]),
                     when=ctx.tr.format_datetime(ctx.locale, shift.starts_at))  # fmt: skip
        return replace(out, text=f"{out.text}\n\n{text}")
    return out


@flow.on_button("ci", guard=OWN)
async def check_in(ctx: Context, signup_id: int) -> Reply:
    """Ask for today's code or the location (only the location once codes are locked)."""
    signup, shift, centre = await own(ctx, signup_id)
    if signup.checked_in_at is not None:
        return ctx.reply(ALREADY_IN, [menu_button(ctx)])
    refusal = _outside_window(ctx, shift)
    if refusal is not None:
        return refusal
    ctx.set_state("vol.check_in", **CheckingIn(signup.id).data())
    if await _tries_used(ctx, signup.user_id) >= rules.CODE_TRIES:
        return _locked(ctx)
    out = ctx.reply(CHECK_IN_HOW, [menu_button(ctx)], **shift_params(ctx, shift, centre))
    return _live_hint(ctx, out)


def _outside_window(ctx: Context, shift: Shift) -> Outgoing | None:
    """The reason a check-in now is refused, if it is."""
    opens, closes = rules.window(shift)
    now = ctx.clock.now()
    if now < opens:
        return ctx.reply(TOO_EARLY, [menu_button(ctx)], time=clock_time(ctx, opens))
    if now >= closes:
        ctx.clear_state()
        return ctx.reply(TOO_LATE, [menu_button(ctx)])
    return None


@flow.on_state("vol.check_in", guard=OWN_STEP)
async def check_in_proof(ctx: Context, step: CheckingIn) -> Reply:
    """Today's code, or a location within the centre's radius, inside the window."""
    signup, shift, centre = await own(ctx, step.signup)
    refusal = _outside_window(ctx, shift)
    if refusal is not None:
        return refusal
    now = ctx.clock.now()
    if ctx.incoming.kind is Kind.LOCATION:
        here = ctx.incoming.location
        if here is None or not rules.on_earth(here.latitude, here.longitude):
            # NaN, infinity or a point off the map: no distance can be trusted from it.
            return _live_hint(ctx, ctx.reply(BAD_LOCATION, [menu_button(ctx)]))
        distance = rules.distance_m(
            here.latitude, here.longitude, centre.latitude, centre.longitude
        )
        radius = rules.radius_m(centre, ctx.policy)
        if distance > radius:
            return ctx.reply(
                TOO_FAR, [menu_button(ctx)], distance=round(distance),
                centre=ctx.centre_name(centre), radius=radius,
            )  # fmt: skip
        method = "location"
    else:
        refused = await _code_refused(ctx, signup, shift, centre)
        if refused is not None:
            return refused
        method = "code"
    ctx.clear_state()
    if not await ctx.uow.shifts.check_in(signup.id, now, method):
        return ctx.reply(ALREADY_IN, [menu_button(ctx)])
    rows = [[ctx.button(N_("Check out"), check_out.link(signup.id), icon="👋")], menu_button(ctx)]
    return ctx.reply(CHECKED_IN, rows, time=clock_time(ctx, now))


async def _code_refused(
    ctx: Context, signup: ShiftSignup, shift: Shift, centre: Centre
) -> Outgoing | None:
    """Why a typed code does not check in (None: it is today's, and tries are left).

    At most CODE_TRIES wrong codes a local day: after that even the right code is refused,
    so guessing 000000, 000001, … gets nowhere.
    """
    # One person's codes take turns even across processes, so the count below is exact.
    await ctx.uow.shifts.take_turn(signup.user_id)
    if await _tries_used(ctx, signup.user_id) >= rules.CODE_TRIES:
        return _locked(ctx)
    problem = await _code_problem(ctx, centre, ctx.incoming.text)
    if problem is None:
        return None
    if not ctx.incoming.text.strip():
        # A sticker or a photo is not a guess: explain again without counting it.
        return ctx.reply(problem, [menu_button(ctx)], centre=ctx.centre_name(centre))
    now = ctx.clock.now()
    since = rules.day_start(now, zone(ctx))
    used = await cases.wrong_code(ctx.uow, shift, centre, signup.user_id, now, since)
    if used >= rules.CODE_TRIES:
        return _locked(ctx)
    out = ctx.reply(problem, [menu_button(ctx)], centre=ctx.centre_name(centre))
    left = ctx.t(TRIES_LEFT, left=rules.CODE_TRIES - used)
    return replace(out, text=f"{out.text}\n{left}")


async def _tries_used(ctx: Context, user_id: int) -> int:
    return await cases.code_tries_used(
        ctx.uow, user_id, rules.day_start(ctx.clock.now(), zone(ctx))
    )


def _locked(ctx: Context) -> Outgoing:
    """Code check-in is closed for today: the location still works, or the coordinator."""
    return _live_hint(ctx, ctx.reply(CODE_LOCKED, [menu_button(ctx)], tries=rules.CODE_TRIES))


def _live_hint(ctx: Context, out: Outgoing) -> Outgoing:
    """On Telegram, add that a live location is best (a plain one can be any point picked)."""
    if ctx.incoming.platform != "telegram":
        return out
    return replace(out, text=f"{out.text}\n{ctx.t(LIVE_LOCATION)}")


async def _code_problem(ctx: Context, centre: Centre, typed: str) -> Text | None:
    """Why a typed code does not check in (None: it is today's)."""
    code = "".join(typed.split()).upper()
    today = ctx.clock.now().astimezone(zone(ctx)).date()
    expected = await ctx.uow.shifts.code(centre.id, today)
    if code and expected is not None and code == expected.upper():
        return None
    if code and any(day < today for day in await ctx.uow.shifts.code_days(centre.id, code)):
        return OLD_CODE
    return WRONG_CODE


# -- checking out --------------------------------------------------------------------------------
@flow.on_button("co", guard=OWN)
async def check_out(ctx: Context, signup_id: int) -> Reply:
    """Leaving: the time is kept and the shift's hours shown."""
    signup, shift, _ = await own(ctx, signup_id)
    now = ctx.clock.now()
    if signup.checked_in_at is None or signup.checked_out_at is not None:
        raise Stale
    # After the grace time the scheduler checks out at the shift's end; so does a late press.
    at = min(now, shift.ends_at) if now > shift.ends_at + rules.OVERTIME else now
    if not await ctx.uow.shifts.check_out(signup.id, at, auto=at != now):
        raise Stale
    spent = rules.worked(signup.checked_in_at, at, shift.starts_at, shift.ends_at)
    return main_menu(ctx, CHECKED_OUT, time=clock_time(ctx, at), hours=rules.hours_text(spent))
