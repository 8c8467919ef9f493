"""Volunteers: offer to help, sign up for shifts, answer the day-before question, check in, hours.

Payloads carry ids only: `vol:home`, `vol:join`, `vol:jc:<centre>`, `vol:jt:<task>`, `vol:jd`,
`vol:jp:<yes|no>` (the form); `vol:l:<centre>:<page>`, `vol:c`, `vol:s:<shift>`, `vol:su:<shift>`
(shifts); `vol:mine`, `vol:m:<signup>`, `vol:x:<signup>`, `vol:xx:<signup>` (my shifts);
`vol:yes|no:<signup>` (the day-before question); `vol:now`, `vol:ci:<signup>`,
`vol:co:<signup>` (check in and out); `vol:hours`. Everything past the form needs the
volunteer role, checked here on every step.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import Any

from handlers.calendar import session_ics
from handlers.context import Context, rows_of
from handlers.flows.guards import person
from handlers.flows.lookup import first_name, open_centre, parse_id, phone_number, signed_up
from handlers.flows.menu import main_menu, menu_button
from handlers.flows.replies import again
from handlers.flows.typed import zone
from handlers.messages import Button, Kind, Outgoing
from handlers.model import Centre, Role, Shift, ShiftSignup, Task, User, VolunteerStatus
from handlers.notices import PRIORITY_DIRECT, Notice, NoticeButton, name
from handlers.router import Flow, Reply, Stale
from handlers.rules import shifts as rules
from handlers.rules.shifts import TASK_NAMES
from handlers.texts import N_, T, Text
from handlers.usecases import shifts as cases

flow = Flow("vol", guard=person)
PAGE = 5
PHONE_CONSENT_KIND = "phone"
DAYS_AHEAD = 14

INTRO = T(
    "vol.intro",
    "Volunteers help at the centres: school support for children, translation, events, "
    "driving. Would you like to join them? A coordinator will get back to you.",
)
PENDING = T(
    "vol.pending",
    "Thank you! Your request to volunteer is with the coordinators of {centre}. "
    "I will tell you their answer here.",
)
REFUSED = T(
    "vol.refused",
    "Your last request to volunteer was not accepted. You can talk to the coordinators at "
    "the centre, or send a new request.",
)
HOME = T("vol.home", "Thank you for volunteering! What would you like to do?")
ASK_NAME = T("vol.ask_name", "What is your first name? (Only the first name, please.)")
BAD_NAME = T("vol.bad_name", "Please write only your first name, with letters (up to 30).")
ASK_CENTRE = T("vol.ask_centre", "At which centre would you like to help?")
ASK_TASKS = T("vol.ask_tasks", "What can you help with? Choose one or more, then press Done.")
NO_TASKS = T("vol.no_tasks", "Please choose at least one thing you can help with.")
PHONE_CONSENT = T(
    "vol.phone_consent",
    "May the coordinators have your phone number, to call you about shifts? We keep it only "
    "for that, and you can remove it at any time with Settings → Delete my data.",
)
ASK_PHONE = T("vol.ask_phone", "Please write your phone number, for example 064 123 4567.")
BAD_PHONE = T(
    "vol.bad_phone", "That does not look like a phone number. Please write only the number."
)
NEW_REQUEST = T(
    "vol.new_request",
    "{volunteer} would like to volunteer at {centre}. Please open the request and answer it.",
)
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
COMING = T("vol.coming", "Thank you! See you at {centre}, {when}.")
NOT_COMING = T(
    "vol.not_coming",
    "Thank you for telling us. Your place is free again and the coordinator knows.",
)
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
HOURS = T(
    "vol.hours",
    "Your volunteer hours (hours:minutes)\nThis month: {month}\nIn total: {total}\nShifts: {count}",
)
STATUS_IN = T("vol.status_in", "Checked in at {time}.")
STATUS_OUT = T("vol.status_out", "Done: {hours} hours.")
STATUS_CONFIRMED = N_("You said you are coming.")
STATUS_SIGNED = N_("You are signed up.")


def _volunteer(ctx: Context) -> User:
    """The person, if they are an approved volunteer; Stale otherwise (checked every step)."""
    user = signed_up(ctx)
    if not user.has_role(Role.VOLUNTEER):
        raise Stale
    return user


def _clock_time(ctx: Context, at: datetime) -> str:
    return at.astimezone(zone(ctx)).strftime("%H:%M")


# -- home and the request form -------------------------------------------------------------------
@flow.on_button("home")
async def home(ctx: Context) -> Reply:
    """Main menu → Volunteer: the volunteer's menu, or where their request stands."""
    user = signed_up(ctx)
    ctx.clear_state()
    request = await ctx.uow.volunteers.of_user(user.id)
    if user.has_role(Role.VOLUNTEER):
        centre_id = request.centre_id if request else user.centre_id
        shifts = f"vol:l:{centre_id}:0" if centre_id else "vol:c"
        rows = [
            [ctx.button(N_("Open shifts"), shifts, icon="📋"),
             ctx.button(N_("My shifts"), "vol:mine", icon="📌")],
            [ctx.button(N_("Check in or out"), "vol:now", icon="📍"),
             ctx.button(N_("My hours"), "vol:hours", icon="⏱")],
            menu_button(ctx),
        ]  # fmt: skip
        return ctx.reply(HOME, rows, replace=True)
    if request is not None and request.status is VolunteerStatus.PENDING:
        centre = await open_centre(ctx, str(request.centre_id))
        return ctx.reply(PENDING, [menu_button(ctx)], replace=True, centre=ctx.centre_name(centre))
    join = [ctx.button(N_("I want to volunteer"), "vol:join", icon="🤝")]
    if request is not None and request.status is VolunteerStatus.REFUSED:
        return ctx.reply(REFUSED, [join, menu_button(ctx)], replace=True)
    return ctx.reply(INTRO, [join, menu_button(ctx)], replace=True)


@flow.on_button("join")
async def join(ctx: Context) -> Reply:
    """Start the short form: first name first."""
    user = signed_up(ctx)
    request = await ctx.uow.volunteers.of_user(user.id)
    if user.has_role(Role.VOLUNTEER) or (
        request is not None and request.status is VolunteerStatus.PENDING
    ):
        return await home(ctx)
    ctx.set_state("vol.name")
    return ctx.reply(ASK_NAME, [menu_button(ctx)])


@flow.on_state("vol.name")
async def typed_name(ctx: Context) -> Reply:
    """The first name (letters only, short: it is personal data)."""
    typed = first_name(ctx.incoming.text)
    if typed is None:
        return ctx.reply(BAD_NAME, [menu_button(ctx)])
    ctx.set_state("vol.centre", first=typed)
    return await _ask_centre(ctx)


async def _ask_centre(ctx: Context) -> Outgoing:
    return ctx.reply(ASK_CENTRE, await _centre_rows(ctx))


async def _centre_rows(ctx: Context) -> list[list[Button]]:
    buttons = [
        ctx.button(ctx.centre_name(c), f"vol:jc:{c.id}") for c in await ctx.uow.centres.all()
    ]
    return [*rows_of(buttons), menu_button(ctx)]


@flow.on_state("vol.centre")
async def typed_at_centre(ctx: Context) -> Reply:
    """Typed text where a centre button was expected."""
    return again(ctx, ASK_CENTRE, await _centre_rows(ctx))


@flow.on_button("jc")
async def chose_centre(ctx: Context, centre_id: str) -> Reply:
    """The centre; next, what they can help with."""
    signed_up(ctx)
    if ctx.state.name != "vol.centre":
        raise Stale
    centre = await open_centre(ctx, centre_id)
    ctx.set_state("vol.tasks", **ctx.state.data, centre=centre.id, tasks=[])
    return ctx.reply(ASK_TASKS, _task_rows(ctx, []))


def _task_rows(ctx: Context, chosen: list[str]) -> list[list[Button]]:
    buttons = [
        ctx.button(label, f"vol:jt:{task.value}", icon="✅" if task.value in chosen else "▫️")
        for task, label in TASK_NAMES.items()
    ]
    return [*rows_of(buttons), [ctx.button(N_("Done"), "vol:jd", icon="➡️")], menu_button(ctx)]


@flow.on_button("jt")
async def toggle_task(ctx: Context, task: str) -> Reply:
    """Choose or un-choose one thing they can help with."""
    signed_up(ctx)
    if ctx.state.name != "vol.tasks" or task not in {t.value for t in Task}:
        raise Stale
    chosen = [t for t in ctx.state.data.get("tasks", []) if t != task]
    if task not in ctx.state.data.get("tasks", []):
        chosen.append(task)
    ctx.set_state("vol.tasks", **{**ctx.state.data, "tasks": chosen})
    return ctx.reply(ASK_TASKS, _task_rows(ctx, chosen), replace=True)


@flow.on_state("vol.tasks")
async def typed_at_tasks(ctx: Context) -> Reply:
    """Typed text where the task buttons were expected."""
    return again(ctx, ASK_TASKS, _task_rows(ctx, list(ctx.state.data.get("tasks", []))))


@flow.on_button("jd")
async def tasks_done(ctx: Context) -> Reply:
    """At least one task; then the phone number, only with its own consent."""
    signed_up(ctx)
    if ctx.state.name != "vol.tasks":
        raise Stale
    chosen = list(ctx.state.data.get("tasks", []))
    if not chosen:
        return ctx.reply(NO_TASKS, _task_rows(ctx, chosen))
    ctx.set_state("vol.phone_q", **ctx.state.data)
    return ctx.reply(PHONE_CONSENT, _phone_rows(ctx))


def _phone_rows(ctx: Context) -> list[list[Button]]:
    return [
        [ctx.button(N_("Yes, add my number"), "vol:jp:yes", icon="📞")],
        [ctx.button(N_("No, only messages here"), "vol:jp:no", icon="💬")],
    ]


@flow.on_state("vol.phone_q")
async def typed_at_phone_question(ctx: Context) -> Reply:
    """Typed text at the phone question: never taken as a yes."""
    return again(ctx, PHONE_CONSENT, _phone_rows(ctx))


@flow.on_button("jp")
async def phone_answer(ctx: Context, answer: str) -> Reply:
    """Yes: ask for the number. No: send the request without one."""
    signed_up(ctx)
    if ctx.state.name != "vol.phone_q" or answer not in ("yes", "no"):
        raise Stale
    if answer == "yes":
        ctx.set_state("vol.phone", **ctx.state.data)
        return ctx.reply(ASK_PHONE, [menu_button(ctx)])
    return await _send_request(ctx, None)


@flow.on_state("vol.phone")
async def typed_phone(ctx: Context) -> Reply:
    """The number, checked for shape only; stored with the phone consent."""
    number = phone_number(ctx.incoming.text)
    if number is None:
        return ctx.reply(BAD_PHONE, [menu_button(ctx)])
    await ctx.uow.users.add_consent(
        signed_up(ctx).id, PHONE_CONSENT_KIND, ctx.consent_version, ctx.clock.now()
    )
    return await _send_request(ctx, number)


async def _send_request(ctx: Context, phone: str | None) -> Reply:
    """Store the request and tell the centre's coordinators, who open it to answer."""
    user = signed_up(ctx)
    data = ctx.state.data
    centre = await open_centre(ctx, str(data.get("centre", "")))
    tasks = [Task(t) for t in data.get("tasks", []) if t in {x.value for x in Task}]
    volunteer_name = str(data.get("first", ""))
    if not tasks or first_name(volunteer_name) is None:
        raise Stale
    now = ctx.clock.now()
    request = await ctx.uow.volunteers.apply(
        user_id=user.id, centre_id=centre.id, first_name=volunteer_name, tasks=tasks,
        phone=phone, now=now,
    )  # fmt: skip
    notice = Notice.of(
        NEW_REQUEST,
        [[NoticeButton(N_("See the request"), f"cv:r:{request.id}", "📝")]],
        volunteer=volunteer_name,
        centre=name(centre.name),
    )
    await cases.tell_coordinators(
        ctx.uow, centre.id, notice, now, priority=PRIORITY_DIRECT, volunteer=user.id
    )
    ctx.clear_state()
    return main_menu(ctx, PENDING, centre=ctx.centre_name(centre))


# -- open shifts ---------------------------------------------------------------------------------
@flow.on_button("c")
async def centres(ctx: Context) -> Reply:
    """Shifts at which centre?"""
    _volunteer(ctx)
    buttons = [
        ctx.button(ctx.centre_name(c), f"vol:l:{c.id}:0") for c in await ctx.uow.centres.all()
    ]
    return ctx.reply(PICK_CENTRE, [*rows_of(buttons), menu_button(ctx)], replace=True)


@flow.on_button("l")
async def listing(ctx: Context, centre_id: str, page: str) -> Reply:
    """The next two weeks' shifts at a centre, with places left."""
    _volunteer(ctx)
    centre = await open_centre(ctx, centre_id)
    number = parse_id(page)
    if number is None:
        raise Stale
    now = ctx.clock.now()
    found, count = await ctx.uow.shifts.listing(
        centre.id, now, now + timedelta(days=DAYS_AHEAD), limit=PAGE, offset=number * PAGE
    )
    other = [ctx.button(N_("Another centre"), "vol:c", icon="📍"), *menu_button(ctx)]
    if not found:
        return ctx.reply(NO_SHIFTS, [other], replace=True, centre=ctx.centre_name(centre))
    rows = [[Button(_shift_label(ctx, s), f"vol:s:{s.id}")] for s in found]
    more = []
    if number > 0:
        more.append(ctx.button(N_("Earlier"), f"vol:l:{centre.id}:{number - 1}"))
    if (number + 1) * PAGE < count:
        more.append(ctx.button(N_("More"), f"vol:l:{centre.id}:{number + 1}"))
    return ctx.reply(SHIFTS, [*rows, more, other], replace=True, centre=ctx.centre_name(centre))


def _shift_label(ctx: Context, shift: Shift, *, places: bool = True) -> str:
    """`Tue 24.11. 10:00–13:00 · translation · 2 free`."""
    start, end = shift.starts_at.astimezone(zone(ctx)), shift.ends_at.astimezone(zone(ctx))
    day = ctx.tr.weekday_name(ctx.locale, start.weekday())[:3]
    label = f"{day} {start:%d.%m.} {start:%H:%M}–{end:%H:%M} · {ctx._(TASK_NAMES[shift.task])}"
    if places:
        free = ctx._(N_("full")) if shift.free == 0 else f"{shift.free} {ctx._(N_('free'))}"
        label += f" · {free}"
    return label[:120]


async def _shift(ctx: Context, shift_id: str) -> Shift:
    number = parse_id(shift_id)
    shift = await ctx.uow.shifts.get(number) if number is not None else None
    if shift is None:
        raise Stale
    return shift


def _params(ctx: Context, shift: Shift, centre: Centre) -> dict[str, Any]:
    return {
        "task": ctx._(TASK_NAMES[shift.task]),
        "when": ctx.tr.format_datetime(ctx.locale, shift.starts_at),
        "until": _clock_time(ctx, shift.ends_at),
        "centre": ctx.centre_name(centre),
        "address": ctx.local_name(centre.address),
        "free": shift.free,
        "places": shift.places,
    }


@flow.on_button("s")
async def details(ctx: Context, shift_id: str) -> Reply:
    """One shift, and signing up for it."""
    user = _volunteer(ctx)
    shift = await _shift(ctx, shift_id)
    centre = await open_centre(ctx, str(shift.centre_id))
    mine = await _my_signup(ctx, user, shift.id)
    rows: list[list[Button]] = []
    if mine is not None:
        rows.append([ctx.button(N_("My shifts"), "vol:mine", icon="📌")])
    elif shift.free and shift.status == "scheduled" and shift.starts_at > ctx.clock.now():
        rows.append([ctx.button(N_("Sign me up"), f"vol:su:{shift.id}", icon="✅")])
    rows.append([ctx.button(N_("Back"), f"vol:l:{centre.id}:0", icon="◀️"), *menu_button(ctx)])
    out = ctx.reply(SHIFT, rows, replace=True, **_params(ctx, shift, centre))
    if shift.note:
        return replace(out, text=out.text + "\n" + ctx.t(NOTE, note=shift.note))
    return out


async def _my_signup(ctx: Context, user: User, shift_id: int) -> ShiftSignup | None:
    for signup, _ in await ctx.uow.shifts.mine(user.id, ctx.clock.now() - rules.OVERTIME):
        if signup.shift_id == shift_id:
            return signup
    return None


@flow.on_button("su")
async def sign_up(ctx: Context, shift_id: str) -> Reply:
    """A place, if one is free and the volunteer has no other shift then."""
    user = _volunteer(ctx)
    shift = await _shift(ctx, shift_id)
    centre = await open_centre(ctx, str(shift.centre_id))
    now = ctx.clock.now()
    back = [[ctx.button(N_("Other shifts"), f"vol:l:{centre.id}:0", icon="📋"), *menu_button(ctx)]]
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
        SIGNED, [[ctx.button(N_("My shifts"), "vol:mine", icon="📌"), *menu_button(ctx)]],
        document=calendar, **_params(ctx, shift, centre),
    )  # fmt: skip


def _overlap(ctx: Context, clash: Shift, back: list[list[Button]]) -> Outgoing:
    return ctx.reply(
        OVERLAP, back, task=ctx._(TASK_NAMES[clash.task]),
        when=ctx.tr.format_datetime(ctx.locale, clash.starts_at),
    )  # fmt: skip


# -- my shifts, cancelling ----------------------------------------------------------------------
@flow.on_button("mine")
async def mine(ctx: Context) -> Reply:
    """Upcoming shifts (and one under way), each to open."""
    user = _volunteer(ctx)
    ctx.clear_state()
    found = await ctx.uow.shifts.mine(user.id, ctx.clock.now() - rules.OVERTIME)
    if not found:
        rows = [[ctx.button(N_("Open shifts"), "vol:home", icon="📋"), *menu_button(ctx)]]
        return ctx.reply(MINE_EMPTY, rows, replace=True)
    rows = [[Button(_shift_label(ctx, sh, places=False), f"vol:m:{s.id}")] for s, sh in found]
    rows.append([ctx.button(N_("Back"), "vol:home", icon="◀️"), *menu_button(ctx)])
    return ctx.reply(MINE, rows, replace=True)


async def _own(ctx: Context, signup_id: str) -> tuple[ShiftSignup, Shift, Centre]:
    """A live sign-up of this volunteer, its shift and centre; Stale otherwise."""
    user = _volunteer(ctx)
    number = parse_id(signup_id)
    signup = await ctx.uow.shifts.signup(number) if number is not None else None
    if signup is None or signup.user_id != user.id or signup.status != "signed":
        raise Stale
    shift = await _shift(ctx, str(signup.shift_id))
    if shift.status != "scheduled":
        raise Stale
    return signup, shift, await open_centre(ctx, str(shift.centre_id))


@flow.on_button("m")
async def my_shift(ctx: Context, signup_id: str) -> Reply:
    """One of my shifts: its state, and check in, check out or cancel as fits the time."""
    signup, shift, centre = await _own(ctx, signup_id)
    now = ctx.clock.now()
    opens, closes = rules.window(shift)
    rows: list[list[Button]] = []
    if signup.checked_in_at is None and opens <= now < closes:
        rows.append([ctx.button(N_("Check in"), f"vol:ci:{signup.id}", icon="📍")])
    if signup.checked_in_at is not None and signup.checked_out_at is None:
        rows.append([ctx.button(N_("Check out"), f"vol:co:{signup.id}", icon="👋")])
    if now < shift.starts_at:
        rows.append([ctx.button(N_("Cancel my shift"), f"vol:x:{signup.id}", icon="❌")])
    rows.append([ctx.button(N_("Back"), "vol:mine", icon="◀️"), *menu_button(ctx)])
    return ctx.reply(
        MY_SHIFT,
        rows,
        replace=True,
        **_params(ctx, shift, centre),
        status=_status(ctx, signup, shift),
    )


def _status(ctx: Context, signup: ShiftSignup, shift: Shift) -> str:
    if signup.checked_out_at is not None and signup.checked_in_at is not None:
        spent = rules.worked(
            signup.checked_in_at, signup.checked_out_at, shift.starts_at, shift.ends_at
        )
        return ctx.t(STATUS_OUT, hours=rules.hours_text(spent))
    if signup.checked_in_at is not None:
        return ctx.t(STATUS_IN, time=_clock_time(ctx, signup.checked_in_at))
    return ctx._(STATUS_CONFIRMED if signup.answer == "yes" else STATUS_SIGNED)


@flow.on_button("x")
async def ask_cancel(ctx: Context, signup_id: str) -> Reply:
    """Before the cut-off: are you sure? After it: a reason, which the coordinator sees."""
    signup, shift, centre = await _own(ctx, signup_id)
    now = ctx.clock.now()
    if now >= shift.starts_at:
        raise Stale
    if shift.starts_at - now < ctx.policy.shift_cancel_cutoff:
        ctx.set_state("vol.reason", signup=signup.id)
        hours = int(ctx.policy.shift_cancel_cutoff.total_seconds() // 3600)
        return ctx.reply(REASON_ASK, [menu_button(ctx)], hours=hours)
    return ctx.reply(
        CANCEL_ASK,
        [[ctx.button(N_("Yes, cancel"), f"vol:xx:{signup.id}", icon="❌")],
         [ctx.button(N_("No, keep it"), f"vol:m:{signup.id}", icon="✅")]],
        **_params(ctx, shift, centre),
    )  # fmt: skip


@flow.on_button("xx")
async def cancel(ctx: Context, signup_id: str) -> Reply:
    """Cancel before the cut-off: the place is free again."""
    signup, shift, _ = await _own(ctx, signup_id)
    now = ctx.clock.now()
    if shift.starts_at - now < ctx.policy.shift_cancel_cutoff:
        raise Stale  # past the cut-off since the question: a reason is needed now
    await ctx.uow.shifts.cancel(signup.id, now)
    await ctx.uow.outbox.drop_ref(f"shift:{signup.id}", now)
    return main_menu(ctx, CANCELLED, replace=True)


@flow.on_state("vol.reason")
async def typed_reason(ctx: Context) -> Reply:
    """A late cancellation with its reason; the coordinators are told at once."""
    reason = " ".join(ctx.incoming.text.split())
    if not reason or len(reason) > 200:
        return ctx.reply(BAD_REASON, [menu_button(ctx)])
    signup, shift, centre = await _own(ctx, str(ctx.state.data.get("signup", "")))
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


# -- the day-before question ---------------------------------------------------------------------
@flow.on_button("yes")
async def still_coming(ctx: Context, signup_id: str) -> Reply:
    """Yes, I'm coming."""
    signup, shift, centre = await _own(ctx, signup_id)
    await ctx.uow.shifts.answer(signup.id, "yes", ctx.clock.now())
    return main_menu(ctx, COMING, **_params(ctx, shift, centre))


@flow.on_button("no")
async def not_coming(ctx: Context, signup_id: str) -> Reply:
    """No: the place is freed and the coordinators are told."""
    signup, shift, centre = await _own(ctx, signup_id)
    now = ctx.clock.now()
    if now >= shift.starts_at:
        raise Stale
    await cases.say_no(ctx.uow, signup, shift, centre, now)
    return main_menu(ctx, NOT_COMING)


# -- check in and out ----------------------------------------------------------------------------
@flow.on_button("now")
async def check_in_now(ctx: Context) -> Reply:
    """The shift to check in to (or out of) right now, found by time."""
    user = _volunteer(ctx)
    now = ctx.clock.now()
    found = await ctx.uow.shifts.mine(user.id, now - rules.OVERTIME)
    for signup, _shift_now in found:
        if signup.checked_in_at is not None and signup.checked_out_at is None:
            return await my_shift(ctx, str(signup.id))
    for signup, shift in found:
        opens, closes = rules.window(shift)
        if signup.checked_in_at is None and opens <= now < closes:
            return await check_in(ctx, str(signup.id))
    rows = [menu_button(ctx)]
    upcoming = [(s, sh) for s, sh in found if sh.starts_at > now]
    out = ctx.reply(NO_SHIFT_NOW, rows)
    if upcoming:
        shift = upcoming[0][1]
        text = ctx.t(NEXT_SHIFT, task=ctx._(TASK_NAMES[shift.task]),
                     when=ctx.tr.format_datetime(ctx.locale, shift.starts_at))  # fmt: skip
        return replace(out, text=f"{out.text}\n\n{text}")
    return out


@flow.on_button("ci")
async def check_in(ctx: Context, signup_id: str) -> Reply:
    """Ask for today's code or the location (only the location once codes are locked)."""
    signup, shift, centre = await _own(ctx, signup_id)
    if signup.checked_in_at is not None:
        return ctx.reply(ALREADY_IN, [menu_button(ctx)])
    refusal = _outside_window(ctx, shift)
    if refusal is not None:
        return refusal
    ctx.set_state("vol.check_in", signup=signup.id)
    if await _tries_used(ctx, signup.user_id) >= rules.CODE_TRIES:
        return _locked(ctx)
    out = ctx.reply(CHECK_IN_HOW, [menu_button(ctx)], **_params(ctx, shift, centre))
    return _live_hint(ctx, out)


def _outside_window(ctx: Context, shift: Shift) -> Outgoing | None:
    """The reason a check-in now is refused, if it is."""
    opens, closes = rules.window(shift)
    now = ctx.clock.now()
    if now < opens:
        return ctx.reply(TOO_EARLY, [menu_button(ctx)], time=_clock_time(ctx, opens))
    if now >= closes:
        ctx.clear_state()
        return ctx.reply(TOO_LATE, [menu_button(ctx)])
    return None


@flow.on_state("vol.check_in")
async def check_in_proof(ctx: Context) -> Reply:
    """Today's code, or a location within the centre's radius, inside the window."""
    signup, shift, centre = await _own(ctx, str(ctx.state.data.get("signup", "")))
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
    rows = [[ctx.button(N_("Check out"), f"vol:co:{signup.id}", icon="👋")], menu_button(ctx)]
    return ctx.reply(CHECKED_IN, rows, time=_clock_time(ctx, now))


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


@flow.on_button("co")
async def check_out(ctx: Context, signup_id: str) -> Reply:
    """Leaving: the time is kept and the shift's hours shown."""
    signup, shift, _ = await _own(ctx, signup_id)
    now = ctx.clock.now()
    if signup.checked_in_at is None or signup.checked_out_at is not None:
        raise Stale
    # After the grace time the scheduler checks out at the shift's end; so does a late press.
    at = min(now, shift.ends_at) if now > shift.ends_at + rules.OVERTIME else now
    if not await ctx.uow.shifts.check_out(signup.id, at, auto=at != now):
        raise Stale
    spent = rules.worked(signup.checked_in_at, at, shift.starts_at, shift.ends_at)
    return main_menu(ctx, CHECKED_OUT, time=_clock_time(ctx, at), hours=rules.hours_text(spent))


# -- hours ---------------------------------------------------------------------------------------
@flow.on_button("hours")
async def hours(ctx: Context) -> Reply:
    """This month's hours and all of them, from check-in and check-out times."""
    user = _volunteer(ctx)
    rows = await ctx.uow.shifts.worked(user.id)
    month_start = _month_start(ctx.clock.now().astimezone(zone(ctx)).date())
    this_month = [r for r in rows if r[0].astimezone(zone(ctx)).date() >= month_start]
    return ctx.reply(
        HOURS, [[ctx.button(N_("Back"), "vol:home", icon="◀️"), *menu_button(ctx)]],
        replace=True, month=rules.hours_text(rules.total(this_month)),
        total=rules.hours_text(rules.total(rows)), count=len(rows),
    )  # fmt: skip


def _month_start(day: date) -> date:
    return day.replace(day=1)
