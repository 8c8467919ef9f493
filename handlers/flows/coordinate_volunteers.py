"""Volunteers for coordinators: requests, shifts, today's coverage and no-shows, check-in code.

Payloads carry ids only: `cv:home`, `cv:h:<centre>` (a centre's page), `cv:c` (another centre);
`cv:rq:<centre>`, `cv:r:<request>`, `cv:ok|no:<request>` (requests); `cv:l:<centre>:<page>`,
`cv:s:<shift>`, `cv:x|xx:<shift>` (shifts, calling one off); `cv:n:<centre>`,
`cv:nt:<centre>:<task>`, `cv:nk` (no note), `cv:np` (publish) with the typed steps `cv.day`,
`cv.time`, `cv.places`, `cv.note` and `cv.preview` (a new shift); `cv:t:<centre>`,
`cv:ns:<signup>` (today, no-shows); `cv:code:<centre>`, `cv:sc:<centre>` with the step `cv.code`
(the daily check-in code). Every handler checks on the server that the person may coordinate the
centre of what it touches (`lookup.coordinator_of`, from the request's, shift's or draft's own
centre, never their Settings centre), so an old or forged button from someone who is not, or no
longer, a coordinator bound to that centre (or an admin) is refused.
"""

from __future__ import annotations

import re
import secrets
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from typing import Any

from handlers.context import Context, rows_of
from handlers.flows.guards import staff
from handlers.flows.lookup import (
    coordinated_centre,
    coordinated_centres,
    coordinator,
    coordinator_of,
    open_centre,
    parse_id,
)
from handlers.flows.menu import menu_button
from handlers.flows.typed import local, real_time, typed_day, typed_time, zone
from handlers.flows.typed import today as local_today
from handlers.messages import Button, Document, Outgoing
from handlers.model import Centre, Role, Shift, ShiftSignup, Task, Volunteer, VolunteerStatus
from handlers.notices import PRIORITY_DIRECT, Notice, NoticeButton, name
from handlers.qr import qr_png
from handlers.router import Flow, Reply, Stale
from handlers.rules.shifts import SHIFT_CALLED_OFF, TASK_NAMES, shift_params
from handlers.texts import N_, T, Text

flow = Flow("cv", guard=staff)
PAGE = 5
MAX_PLACES = 50
MAX_NOTE = 200
CODE = re.compile(r"[0-9]{6}")  # six digits: with five tries a day, one in 200,000 to guess

HOME = T("cv.home", "Volunteers at {centre}.\nRequests waiting: {count}")
ASK_CENTRE = T("cv.ask_centre", "Which centre?")
NOT_BOUND = T(
    "cv.not_bound",
    "No centre has been assigned to you as a coordinator yet. Please ask an admin to assign you "
    "to your centre.",
)
# -- requests
REQUESTS = T("cv.requests", "Requests waiting at {centre}. Press one to answer it:")
NO_REQUESTS = T("cv.no_requests", "No requests waiting at {centre}.")
REQUEST = T(
    "cv.request",
    "{name} would like to volunteer at {centre}.\nCan help with: {tasks}\nPhone: {phone}\n"
    "Sent: {when}",
)
ANSWERED = T(
    "cv.answered", "The request from {name} has already been answered: {decision}. All is done."
)
APPROVED = T(
    "cv.approved",
    "{name} is now a volunteer at {centre}. They are told and can sign up for shifts.",
)
REFUSED = T(
    "cv.refused",
    "{name} is told kindly that we cannot take them on now. Their phone number is deleted.",
)
YOU_APPROVED = T(
    "cv.you_approved",
    "Good news: you are now a volunteer at {centre}. Thank you! You can sign up for shifts now.",
)
YOU_REFUSED = T(
    "cv.you_refused",
    "Thank you for offering to volunteer at {centre}. We cannot take you on right now. "
    "If you like, talk to the team at the centre.",
)
# -- shifts
SHIFTS = T("cv.shifts", "Shifts at {centre} in the next two weeks:")
NO_SHIFTS = T("cv.no_shifts", "No shifts at {centre} in the next two weeks.")
SHIFT = T(
    "cv.shift",
    "{task}, {centre}\n{when} until {until}\nPlaces taken: {taken} of {places}\nNote: {note}\n"
    "Signed up: {people}",
)
CALL_OFF_ASK = T("cv.call_off_ask", "Call off this shift? {count} volunteers will be told.")
CALLED_OFF = T("cv.called_off", "Called off. {count} volunteers are being told.")
# -- a new shift
ASK_TASK = T("cv.ask_task", "New shift at {centre}. What is it for?")
ASK_DAY = T("cv.ask_day", "Which day? Write it like 24.11.2026")
ASK_TIME = T("cv.ask_time", "From when to when? Write it like 10:00-13:00")
ASK_PLACES = T("cv.ask_places", "How many volunteers are needed? Write a number.")
ASK_NOTE = T(
    "cv.ask_note", "Anything volunteers should know? Write a short note, or press No note."
)
PREVIEW = T(
    "cv.preview",
    "Please check:\n\n{task}, {centre}\n{when} until {until}\nVolunteers needed: {places}\n"
    "Note: {note}",
)
PUBLISHED = T("cv.published", "Published. Volunteers at {centre} can sign up now.")
BAD_DAY = T("cv.bad_day", "Please write today or a later day, like 24.11.2026.")
BAD_TIME = T("cv.bad_time", "Please write when it starts and ends, like 10:00-13:00.")
BAD_PAST = T("cv.bad_past", "That time has already begun. Please write a later time.")
BAD_PLACES = T("cv.bad_places", "Please write a number from 1 to 50.")
BAD_NOTE = T("cv.bad_note", "Please write a note of up to 200 characters, or press No note.")
# -- today
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
# -- check-in code
CODE_PAGE = T(
    "cv.code",
    "Check-in code at {centre} for {day}:\n\n🔑 {code}\n\nVolunteers write this code when they "
    "arrive. It changes every day. You can print the QR code and put it up at the door.",
)
ASK_CODE = T("cv.ask_code", "Write your own code for today: exactly 6 digits, like 480913.")
BAD_CODE = T(
    "cv.bad_code", "The code must be exactly 6 digits (0 to 9), like 480913. Please write it again."
)
WEAK_CODE = T(
    "cv.weak_code",
    "That code is too easy to guess, or it was yesterday's. Please choose 6 other digits.",
)


# -- a centre's page ---------------------------------------------------------------------------
@flow.on_button("home")
async def home(ctx: Context) -> Reply:
    """The coordinator's own centre if they are bound to it, else the first one they are."""
    user = coordinator(ctx)
    centres = await coordinated_centres(ctx)
    mine = [c for c in centres if c.id == user.centre_id] or centres
    if not mine:
        ctx.clear_state()
        return ctx.reply(NOT_BOUND, [menu_button(ctx)], replace=True)
    return await _home(ctx, mine[0])


@flow.on_button("h")
async def centre_home(ctx: Context, centre_id: str) -> Reply:
    """One centre's volunteering: requests, today, shifts, a new shift, the check-in code."""
    return await _home(ctx, await coordinated_centre(ctx, centre_id))


async def _home(ctx: Context, centre: Centre) -> Outgoing:
    ctx.clear_state()
    c = centre.id
    waiting = await ctx.uow.volunteers.pending(c)
    rows = [
        [ctx.button(N_("Requests"), f"cv:rq:{c}", icon="🙋"),
         ctx.button(N_("Today"), f"cv:t:{c}", icon="📋")],
        [ctx.button(N_("Shifts"), f"cv:l:{c}:0", icon="📅"),
         ctx.button(N_("New shift"), f"cv:n:{c}", icon="➕")],
        [ctx.button(N_("Check-in code"), f"cv:code:{c}", icon="🔑"),
         ctx.button(N_("Another centre"), "cv:c", icon="📍")],
        menu_button(ctx),
    ]  # fmt: skip
    return ctx.reply(HOME, rows, replace=True, centre=ctx.centre_name(centre), count=len(waiting))


@flow.on_button("c")
async def pick_centre(ctx: Context) -> Reply:
    """Volunteers at which centre?"""
    buttons = [
        ctx.button(ctx.centre_name(c), f"cv:h:{c.id}") for c in await coordinated_centres(ctx)
    ]
    return ctx.reply(ASK_CENTRE, [*rows_of(buttons), menu_button(ctx)], replace=True)


# -- requests ------------------------------------------------------------------------------------
@flow.on_button("rq")
async def requests(ctx: Context, centre_id: str) -> Reply:
    """Requests waiting at a centre, oldest first."""
    centre = await coordinated_centre(ctx, centre_id)
    ctx.clear_state()
    waiting = await ctx.uow.volunteers.pending(centre.id)
    rows = [
        [Button(f"🙋 {v.first_name} · {v.created_at.astimezone(zone(ctx)):%d.%m.}", f"cv:r:{v.id}")]
        for v in waiting
    ]
    rows.append([_back(ctx, f"cv:h:{centre.id}"), *menu_button(ctx)])
    text = REQUESTS if waiting else NO_REQUESTS
    return ctx.reply(text, rows, replace=True, centre=ctx.centre_name(centre))


@flow.on_button("r")
async def request(ctx: Context, volunteer_id: str) -> Reply:
    """One request: who, what they can do, their phone; approve or refuse."""
    volunteer = await _request(ctx, volunteer_id)
    centre = await coordinated_centre(ctx, str(volunteer.centre_id))
    ctx.clear_state()
    if volunteer.status is not VolunteerStatus.PENDING:
        return _answered(ctx, volunteer)
    vid = volunteer.id
    return ctx.reply(
        REQUEST,
        [[ctx.button(N_("Approve"), f"cv:ok:{vid}", icon="✅"),
          ctx.button(N_("Refuse"), f"cv:no:{vid}", icon="❌")],
         [_back(ctx, f"cv:rq:{centre.id}"), *menu_button(ctx)]],
        replace=True, name=volunteer.first_name, centre=ctx.centre_name(centre),
        tasks=", ".join(ctx._(TASK_NAMES[t]) for t in volunteer.tasks),
        phone=volunteer.phone or ctx._(N_("no phone given")),
        when=ctx.tr.format_datetime(ctx.locale, volunteer.created_at),
    )  # fmt: skip


@flow.on_button("ok")
async def approve(ctx: Context, volunteer_id: str) -> Reply:
    """Take the person on: they get the volunteer role and are told."""
    return await _decide(ctx, volunteer_id, approved=True)


@flow.on_button("no")
async def refuse(ctx: Context, volunteer_id: str) -> Reply:
    """Say no kindly; the phone number is erased."""
    return await _decide(ctx, volunteer_id, approved=False)


async def _decide(ctx: Context, volunteer_id: str, *, approved: bool) -> Reply:
    volunteer = await _request(ctx, volunteer_id)
    user = coordinator_of(ctx, volunteer.centre_id)
    centre = await open_centre(ctx, str(volunteer.centre_id))
    now = ctx.clock.now()
    decided = await ctx.uow.volunteers.decide(volunteer.id, approved=approved, by=user.id, now=now)
    if decided is None:  # another coordinator was quicker
        return _answered(ctx, await ctx.uow.volunteers.get(volunteer.id) or volunteer)
    if approved:
        await ctx.uow.users.grant(decided.user_id, Role.VOLUNTEER, now)
        notice = Notice.of(YOU_APPROVED, [[_shifts_button()]], centre=name(centre.name))
    else:
        notice = Notice.of(YOU_REFUSED, centre=name(centre.name))
    await ctx.uow.outbox.enqueue(
        decided.user_id, notice, not_before=now, now=now, priority=PRIORITY_DIRECT
    )
    return ctx.reply(
        APPROVED if approved else REFUSED,
        [[ctx.button(N_("Requests"), f"cv:rq:{centre.id}", icon="🙋")],
         [_back(ctx, f"cv:h:{centre.id}"), *menu_button(ctx)]],
        replace=True, name=decided.first_name, centre=ctx.centre_name(centre),
    )  # fmt: skip


def _answered(ctx: Context, volunteer: Volunteer) -> Outgoing:
    decision = N_("approved") if volunteer.status is VolunteerStatus.APPROVED else N_("refused")
    return ctx.reply(
        ANSWERED,
        [[_back(ctx, f"cv:rq:{volunteer.centre_id}"), *menu_button(ctx)]],
        replace=True, name=volunteer.first_name, decision=ctx._(decision),
    )  # fmt: skip


# -- shifts --------------------------------------------------------------------------------------
@flow.on_button("l")
async def shifts(ctx: Context, centre_id: str, page: str) -> Reply:
    """The shifts of the next two weeks at a centre (from this morning: today's too)."""
    centre = await coordinated_centre(ctx, centre_id)
    ctx.clear_state()
    number = parse_id(page)
    if number is None:
        raise Stale
    start = _midnight(ctx, local_today(ctx))
    found, total = await ctx.uow.shifts.listing(
        centre.id, start, start + timedelta(days=15), limit=PAGE, offset=number * PAGE
    )
    rows = [[Button(_shift_label(ctx, s), f"cv:s:{s.id}")] for s in found]
    if (number + 1) * PAGE < total:
        rows.append([ctx.button(N_("More"), f"cv:l:{centre.id}:{number + 1}", icon="▶️")])
    rows.append([ctx.button(N_("New shift"), f"cv:n:{centre.id}", icon="➕")])
    rows.append([_back(ctx, f"cv:h:{centre.id}"), *menu_button(ctx)])
    text = SHIFTS if found else NO_SHIFTS
    return ctx.reply(text, rows, replace=True, centre=ctx.centre_name(centre))


@flow.on_button("s")
async def shift_page(ctx: Context, shift_id: str) -> Reply:
    """One shift: when, places, note and who signed up; call it off while it has not begun."""
    shift = await _shift(ctx, shift_id)
    centre = await coordinated_centre(ctx, str(shift.centre_id))
    ctx.clear_state()
    people = await ctx.uow.shifts.people(shift.id)
    rows = []
    if shift.starts_at > ctx.clock.now():
        rows.append([ctx.button(N_("Call off"), f"cv:x:{shift.id}", icon="❌")])
    rows.append([_back(ctx, f"cv:l:{centre.id}:0"), *menu_button(ctx)])
    return ctx.reply(
        SHIFT, rows, replace=True, **_shift_params(ctx, shift, centre),
        taken=shift.taken, people=", ".join(p.first_name for p in people) or "–",
    )  # fmt: skip


@flow.on_button("x")
async def ask_call_off(ctx: Context, shift_id: str) -> Reply:
    """Call the shift off? Says how many volunteers will be told."""
    shift = await _shift(ctx, shift_id, not_begun=True)
    coordinator_of(ctx, shift.centre_id)
    return ctx.reply(
        CALL_OFF_ASK,
        [[ctx.button(N_("Yes, call it off"), f"cv:xx:{shift.id}", icon="❌")],
         [ctx.button(N_("No"), f"cv:s:{shift.id}", icon="◀️")]],
        replace=True, count=shift.taken,
    )  # fmt: skip


@flow.on_button("xx")
async def call_off(ctx: Context, shift_id: str) -> Reply:
    """Call it off: each volunteer signed up is told (and no longer asked if they are coming)."""
    shift = await _shift(ctx, shift_id, not_begun=True)
    centre = await coordinated_centre(ctx, str(shift.centre_id))
    now = ctx.clock.now()
    told = await ctx.uow.shifts.cancel_shift(shift.id, now)
    notice = Notice.of(SHIFT_CALLED_OFF, [[_shifts_button()]], **shift_params(shift, centre))
    for signup in told:
        ref = f"shift:{signup.id}"
        await ctx.uow.outbox.drop_ref(ref, now)  # a queued "Are you still coming?" goes
        await ctx.uow.outbox.enqueue(
            signup.user_id, notice, not_before=now, now=now, priority=PRIORITY_DIRECT, ref=ref
        )
    return ctx.reply(
        CALLED_OFF, [[_back(ctx, f"cv:l:{centre.id}:0"), *menu_button(ctx)]],
        replace=True, count=len(told),
    )  # fmt: skip


# -- a new shift, step by step -------------------------------------------------------------------
@flow.on_button("n")
async def new_shift(ctx: Context, centre_id: str) -> Reply:
    """Start: what the shift is for."""
    centre = await coordinated_centre(ctx, centre_id)
    ctx.clear_state()
    buttons = [
        ctx.button(label, f"cv:nt:{centre.id}:{task.value}") for task, label in TASK_NAMES.items()
    ]
    return ctx.reply(
        ASK_TASK, [*rows_of(buttons), _cancel(ctx, centre.id)], replace=True,
        centre=ctx.centre_name(centre),
    )  # fmt: skip


@flow.on_button("nt")
async def new_task(ctx: Context, centre_id: str, task: str) -> Reply:
    """The task; then the day."""
    centre = await coordinated_centre(ctx, centre_id)
    if task not in set(Task):
        raise Stale
    ctx.set_state("cv.day", centre=centre.id, task=task)
    return ctx.reply(ASK_DAY, [_cancel(ctx, centre.id)])


@flow.on_state("cv.day")
async def new_day(ctx: Context) -> Reply:
    """The day: today or later."""
    data = _draft(ctx)
    day = typed_day(ctx, ctx.incoming.text.strip())
    if day is None or day < local_today(ctx):
        return ctx.reply(BAD_DAY, [_cancel(ctx, data["centre"])])
    ctx.set_state("cv.time", **{**data, "day": day.isoformat()})
    return ctx.reply(ASK_TIME, [_cancel(ctx, data["centre"])])


@flow.on_state("cv.time")
async def new_time(ctx: Context) -> Reply:
    """From when to when, on that day; it must start in the future."""
    data = _draft(ctx)
    day = date.fromisoformat(data["day"])
    hours = _hours(ctx.incoming.text)
    if hours is None or not all(real_time(ctx, day, t) for t in hours):
        return ctx.reply(BAD_TIME, [_cancel(ctx, data["centre"])])
    if local(ctx, day, hours[0]) <= ctx.clock.now():
        return ctx.reply(BAD_PAST, [_cancel(ctx, data["centre"])])
    start, end = (t.strftime("%H:%M") for t in hours)
    ctx.set_state("cv.places", **{**data, "start": start, "end": end})
    return ctx.reply(ASK_PLACES, [_cancel(ctx, data["centre"])])


@flow.on_state("cv.places")
async def new_places(ctx: Context) -> Reply:
    """How many volunteers are needed."""
    data = _draft(ctx)
    number = parse_id(ctx.incoming.text.strip())
    if number is None or not 1 <= number <= MAX_PLACES:
        return ctx.reply(BAD_PLACES, [_cancel(ctx, data["centre"])])
    ctx.set_state("cv.note", **{**data, "places": number})
    return ctx.reply(ASK_NOTE, _note_keyboard(ctx, data["centre"]))


@flow.on_state("cv.note")
async def new_note(ctx: Context) -> Reply:
    """A short note for the volunteers (what to bring, whom to ask for)."""
    data = _draft(ctx)
    note = " ".join(ctx.incoming.text.split())
    if not note or len(note) > MAX_NOTE:
        return ctx.reply(BAD_NOTE, _note_keyboard(ctx, data["centre"]))
    return await _preview(ctx, {**data, "note": note})


@flow.on_button("nk")
async def no_note(ctx: Context) -> Reply:
    """No note."""
    return await _preview(ctx, {**_draft(ctx, "cv.note"), "note": ""})


@flow.on_state("cv.preview")
async def preview_again(ctx: Context) -> Reply:
    """Text typed at the preview: show it again rather than lose the draft."""
    return await _preview(ctx, _draft(ctx))


@flow.on_button("np")
async def publish(ctx: Context) -> Reply:
    """Publish the shift (checked again: the binding, the draft, a start still ahead)."""
    data = _draft(ctx, "cv.preview")
    if not set(data) >= REQUIRED:
        raise Stale
    centre = await coordinated_centre(ctx, str(data["centre"]))
    starts, ends = _span(ctx, data)
    now = ctx.clock.now()
    if starts <= now:
        ctx.set_state("cv.time", **data)
        return ctx.reply(BAD_PAST, [_cancel(ctx, centre.id)])
    await ctx.uow.shifts.create(
        centre_id=centre.id, task=Task(data["task"]), starts_at=starts.astimezone(UTC),
        ends_at=ends.astimezone(UTC), places=int(data["places"]), note=str(data["note"]), now=now,
    )  # fmt: skip
    ctx.clear_state()
    return ctx.reply(
        PUBLISHED,
        [[ctx.button(N_("Shifts"), f"cv:l:{centre.id}:0", icon="📅")],
         [_back(ctx, f"cv:h:{centre.id}"), *menu_button(ctx)]],
        replace=True, centre=ctx.centre_name(centre),
    )  # fmt: skip


async def _preview(ctx: Context, data: dict[str, Any]) -> Outgoing:
    ctx.set_state("cv.preview", **data)
    centre = await coordinated_centre(ctx, str(data["centre"]))
    starts, ends = _span(ctx, data)
    return ctx.reply(
        PREVIEW,
        [[ctx.button(N_("Publish"), "cv:np", icon="✅")], _cancel(ctx, centre.id)],
        task=ctx._(TASK_NAMES[Task(data["task"])]), centre=ctx.centre_name(centre),
        when=ctx.tr.format_datetime(ctx.locale, starts), until=f"{ends:%H:%M}",
        places=data["places"], note=data["note"] or "–",
    )  # fmt: skip


# -- today ---------------------------------------------------------------------------------------
@flow.on_button("t")
async def today(ctx: Context, centre_id: str) -> Reply:
    """Today's shifts at a centre and where each volunteer is."""
    centre = await coordinated_centre(ctx, centre_id)
    ctx.clear_state()
    return await _today_page(ctx, centre)


@flow.on_button("ns")
async def no_show(ctx: Context, signup_id: str) -> Reply:
    """Mark a volunteer who did not come (once the shift has begun and they have not checked in)."""
    coordinator(ctx)
    number = parse_id(signup_id)
    signup = await ctx.uow.shifts.signup(number) if number is not None else None
    if signup is None or signup.status != "signed" or signup.checked_in_at is not None:
        raise Stale
    shift = await _shift(ctx, str(signup.shift_id))
    centre = await coordinated_centre(ctx, str(shift.centre_id))
    if shift.starts_at > ctx.clock.now():
        raise Stale
    await ctx.uow.shifts.mark_no_show(signup.id, True)
    return await _today_page(ctx, centre)


async def _today_page(ctx: Context, centre: Centre) -> Outgoing:
    now = ctx.clock.now()
    start = _midnight(ctx, local_today(ctx))
    end = _midnight(ctx, local_today(ctx) + timedelta(days=1))
    found, _ = await ctx.uow.shifts.listing(centre.id, start, end, limit=50)
    c = centre.id
    rows: list[list[Button]] = []
    blocks = []
    for shift in found:
        lines = [
            ctx.t(TODAY_SHIFT, start=_clock(ctx, shift.starts_at), end=_clock(ctx, shift.ends_at),
                  task=ctx._(TASK_NAMES[shift.task]), taken=shift.taken, places=shift.places)
        ]  # fmt: skip
        for signup in await ctx.uow.shifts.people(shift.id):
            text = _status(shift, signup, now)
            when = signup.checked_out_at or signup.checked_in_at
            lines.append(
                ctx.t(text, name=signup.first_name, time=_clock(ctx, when) if when else "")
            )
            if text is LATE:
                label = ctx._(N_("No-show: {name}")).format(name=signup.first_name)
                rows.append([Button(f"❌ {label}", f"cv:ns:{signup.id}")])
        if len(lines) == 1:
            lines.append(ctx.t(NOBODY_TODAY))
        blocks.append("\n".join(lines))
    rows.append([ctx.button(N_("Refresh"), f"cv:t:{c}", icon="🔄")])
    rows.append([_back(ctx, f"cv:h:{c}"), *menu_button(ctx)])
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


# -- check-in code -------------------------------------------------------------------------------
@flow.on_button("code")
async def code(ctx: Context, centre_id: str) -> Reply:
    """Today's check-in code at a centre (made now if there is none), with a QR code to print."""
    centre = await coordinated_centre(ctx, centre_id)
    ctx.clear_state()
    return await _code_page(ctx, centre)


@flow.on_button("sc")
async def ask_code(ctx: Context, centre_id: str) -> Reply:
    """Set my own code for today: ask for it."""
    centre = await coordinated_centre(ctx, centre_id)
    ctx.set_state("cv.code", centre=centre.id)
    return ctx.reply(ASK_CODE, [[_back(ctx, f"cv:code:{centre.id}"), *menu_button(ctx)]])


@flow.on_state("cv.code")
async def own_code(ctx: Context) -> Reply:
    """The typed code: exactly 6 digits (spaces left out), not an easy or yesterday's one."""
    centre = await coordinated_centre(ctx, str(ctx.state.data.get("centre", "")))
    typed = "".join(ctx.incoming.text.split())
    rows = [[_back(ctx, f"cv:code:{centre.id}"), *menu_button(ctx)]]
    if not CODE.fullmatch(typed):
        return ctx.reply(BAD_CODE, rows)
    day = local_today(ctx)
    if _easy(typed) or typed == await ctx.uow.shifts.code(centre.id, day - timedelta(days=1)):
        return ctx.reply(WEAK_CODE, rows)
    await ctx.uow.shifts.set_code(centre.id, day, typed, ctx.clock.now())
    ctx.clear_state()
    return await _code_page(ctx, centre, replace=False)


async def _code_page(ctx: Context, centre: Centre, *, replace: bool = True) -> Outgoing:
    day = local_today(ctx)
    found = await ctx.uow.shifts.code(centre.id, day)
    if found is None:
        made = await _new_code(ctx, centre.id, day)
        found = await ctx.uow.shifts.keep_code(centre.id, day, made, ctx.clock.now())
    picture = Document(
        filename=f"checkin-{centre.slug}-{day.isoformat()}.png", content=qr_png(found),
        mime_type="image/png",
    )  # fmt: skip
    return ctx.reply(
        CODE_PAGE,
        [[ctx.button(N_("Set my own code"), f"cv:sc:{centre.id}", icon="✏️")],
         [_back(ctx, f"cv:h:{centre.id}"), *menu_button(ctx)]],
        replace=replace, document=picture, centre=ctx.centre_name(centre),
        day=ctx.tr.format_date(ctx.locale, day), code=found,
    )  # fmt: skip


async def _new_code(ctx: Context, centre_id: int, day: date) -> str:
    """Six random digits, never yesterday's (its printed sheet may still hang at the door)."""
    yesterday = await ctx.uow.shifts.code(centre_id, day - timedelta(days=1))
    while True:
        made = f"{secrets.randbelow(1_000_000):06d}"
        if made != yesterday:
            return made


def _easy(code: str) -> bool:
    """One digit repeated (111111) or a run up or down (123456, 987654): guessed first."""
    steps = {int(b) - int(a) for a, b in pairwise(code)}
    return len(steps) == 1 and steps <= {-1, 0, 1}


# -- helpers -------------------------------------------------------------------------------------
REQUIRED = {"centre", "task", "day", "start", "end", "places", "note"}


def _draft(ctx: Context, step: str | None = None) -> dict[str, Any]:
    """The shift being written, if the person may still coordinate its centre; else Stale."""
    data = dict(ctx.state.data)
    if not ctx.state.name.startswith("cv.") or "centre" not in data or "task" not in data:
        raise Stale
    if step is not None and ctx.state.name != step:
        raise Stale
    centre = parse_id(str(data["centre"]))
    if centre is None:
        raise Stale
    coordinator_of(ctx, centre)  # re-checked at every step: they may have been unbound meanwhile
    return data


async def _request(ctx: Context, volunteer_id: str) -> Volunteer:
    number = parse_id(volunteer_id)
    found = await ctx.uow.volunteers.get(number) if number is not None else None
    if found is None:
        raise Stale
    return found


async def _shift(ctx: Context, shift_id: str, *, not_begun: bool = False) -> Shift:
    """A scheduled shift (one that has not begun, if asked); Stale otherwise."""
    number = parse_id(shift_id)
    found = await ctx.uow.shifts.get(number) if number is not None else None
    if found is None or found.status != "scheduled":
        raise Stale
    if not_begun and found.starts_at <= ctx.clock.now():
        raise Stale
    return found


def _shift_params(ctx: Context, shift: Shift, centre: Centre) -> dict[str, Any]:
    return {
        "task": ctx._(TASK_NAMES[shift.task]), "centre": ctx.centre_name(centre),
        "when": ctx.tr.format_datetime(ctx.locale, shift.starts_at),
        "until": _clock(ctx, shift.ends_at), "places": shift.places, "note": shift.note or "–",
    }  # fmt: skip


def _shift_label(ctx: Context, shift: Shift) -> str:
    """`Tue 24.11 10:00 · translation · 2/3`."""
    local = shift.starts_at.astimezone(zone(ctx))
    day = ctx.tr.weekday_name(ctx.locale, local.weekday())[:3]
    task = ctx._(TASK_NAMES[shift.task])
    return f"📅 {day} {local:%d.%m %H:%M} · {task} · {shift.taken}/{shift.places}"


def _shifts_button() -> NoticeButton:
    return NoticeButton(N_("Open shifts"), "vol:home", "🤝")


def _back(ctx: Context, payload: str) -> Button:
    return ctx.button(N_("Back"), payload, icon="◀️")


def _cancel(ctx: Context, centre_id: int) -> list[Button]:
    return [ctx.button(N_("Cancel"), f"cv:h:{centre_id}", icon="✖️"), *menu_button(ctx)]


def _note_keyboard(ctx: Context, centre_id: int) -> list[list[Button]]:
    return [[ctx.button(N_("No note"), "cv:nk", icon="➡️")], _cancel(ctx, centre_id)]


def _hours(text: str) -> tuple[time, time] | None:
    """`10:00-13:00` (or `10.00 – 13.00`, `10:00 13:00`): a start before an end."""
    parts = [p for p in re.split(r"\s*[-–—]\s*|\s+", text.strip()) if p]
    if len(parts) != 2:
        return None
    start, end = typed_time(parts[0]), typed_time(parts[1])
    if start is None or end is None or end <= start:
        return None
    return start, end


def _span(ctx: Context, data: dict[str, Any]) -> tuple[datetime, datetime]:
    day = date.fromisoformat(data["day"])
    return (local(ctx, day, time.fromisoformat(data["start"])),
            local(ctx, day, time.fromisoformat(data["end"])))  # fmt: skip


def _midnight(ctx: Context, day: date) -> datetime:
    return local(ctx, day, time(0))


def _clock(ctx: Context, moment: datetime) -> str:
    return f"{moment.astimezone(zone(ctx)):%H:%M}"
