"""The volunteer's menu, and the short form that asks to become one (name, centre, tasks, phone)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal, TypeVar

from handlers.context import Context, rows_of
from handlers.flows.coordinate_volunteers import requests as cv_requests
from handlers.flows.lookup import first_name, open_centre, phone_number, signed_up
from handlers.flows.menu import main_menu, menu_button
from handlers.flows.replies import again
from handlers.flows.volunteer import checkin, hours, shifts
from handlers.flows.volunteer import my_shifts as my
from handlers.flows.volunteer.base import flow
from handlers.messages import Button, Outgoing
from handlers.model import Role, Task, VolunteerStatus
from handlers.notices import PRIORITY_DIRECT, Notice, NoticeButton, name
from handlers.payloads import CentreId, PayloadError, Step
from handlers.router import Reply, Stale
from handlers.rules.shifts import TASK_NAMES
from handlers.texts import N_, T
from handlers.usecases import shifts as cases

PHONE_CONSENT_KIND = "phone"

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


@dataclass(frozen=True)
class Named(Step):
    """`vol.centre`: the first name is typed; the centre comes next."""

    first: str


@dataclass(frozen=True)
class Form(Step):
    """`vol.tasks`, `vol.phone_q`, `vol.phone`: the request so far, sent at the end."""

    first: str
    centre: CentreId
    tasks: tuple[Task, ...] = ()


S = TypeVar("S", bound=Step)


def _at(ctx: Context, state: str, kind: type[S]) -> S:
    """The form as stored at this step; Stale if the person is at another one (an old button)."""
    if ctx.state.name != state:
        raise Stale
    try:
        return kind.from_data(ctx.state.data)
    except PayloadError:
        raise Stale from None


@flow.on_button("home")
async def home(ctx: Context) -> Reply:
    """Main menu → Volunteer: the volunteer's menu, or where their request stands."""
    user = signed_up(ctx)
    ctx.clear_state()
    request = await ctx.uow.volunteers.of_user(user.id)
    if user.has_role(Role.VOLUNTEER):
        centre_id = request.centre_id if request else user.centre_id
        listing = (
            shifts.listing.link(CentreId(centre_id), 0) if centre_id else shifts.centres.link()
        )
        rows = [
            [ctx.button(N_("Open shifts"), listing, icon="📋"),
             ctx.button(N_("My shifts"), my.mine.link(), icon="📌")],
            [ctx.button(N_("Check in or out"), checkin.check_in_now.link(), icon="📍"),
             ctx.button(N_("My hours"), hours.hours.link(), icon="⏱")],
            menu_button(ctx),
        ]  # fmt: skip
        return ctx.reply(HOME, rows, replace=True)
    if request is not None and request.status is VolunteerStatus.PENDING:
        centre = await open_centre(ctx, request.centre_id)
        return ctx.reply(PENDING, [menu_button(ctx)], replace=True, centre=ctx.centre_name(centre))
    offer = [ctx.button(N_("I want to volunteer"), join.link(), icon="🤝")]
    if request is not None and request.status is VolunteerStatus.REFUSED:
        return ctx.reply(REFUSED, [offer, menu_button(ctx)], replace=True)
    return ctx.reply(INTRO, [offer, menu_button(ctx)], replace=True)


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
    ctx.set_state("vol.centre", **Named(typed).data())
    return await _ask_centre(ctx)


async def _ask_centre(ctx: Context) -> Outgoing:
    return ctx.reply(ASK_CENTRE, await _centre_rows(ctx))


async def _centre_rows(ctx: Context) -> list[list[Button]]:
    buttons = [
        ctx.button(ctx.centre_name(c), chose_centre.link(CentreId(c.id)))
        for c in await ctx.uow.centres.all()
    ]
    return [*rows_of(buttons), menu_button(ctx)]


@flow.on_state("vol.centre")
async def typed_at_centre(ctx: Context) -> Reply:
    """Typed text where a centre button was expected."""
    return again(ctx, ASK_CENTRE, await _centre_rows(ctx))


@flow.on_button("jc")
async def chose_centre(ctx: Context, centre: CentreId) -> Reply:
    """The centre; next, what they can help with."""
    named = _at(ctx, "vol.centre", Named)
    where = await open_centre(ctx, centre)
    ctx.set_state("vol.tasks", **Form(named.first, CentreId(where.id)).data())
    return ctx.reply(ASK_TASKS, _task_rows(ctx, ()))


def _task_rows(ctx: Context, chosen: tuple[Task, ...]) -> list[list[Button]]:
    buttons = [
        ctx.button(label, toggle_task.link(task), icon="✅" if task in chosen else "▫️")
        for task, label in TASK_NAMES.items()
    ]
    done = [ctx.button(N_("Done"), tasks_done.link(), icon="➡️")]
    return [*rows_of(buttons), done, menu_button(ctx)]


@flow.on_button("jt")
async def toggle_task(ctx: Context, task: Task) -> Reply:
    """Choose or un-choose one thing they can help with."""
    form = _at(ctx, "vol.tasks", Form)
    chosen = tuple(t for t in form.tasks if t != task)
    if task not in form.tasks:
        chosen = (*chosen, task)
    ctx.set_state("vol.tasks", **replace(form, tasks=chosen).data())
    return ctx.reply(ASK_TASKS, _task_rows(ctx, chosen), replace=True)


@flow.on_state("vol.tasks")
async def typed_at_tasks(ctx: Context, form: Form) -> Reply:
    """Typed text where the task buttons were expected."""
    return again(ctx, ASK_TASKS, _task_rows(ctx, form.tasks))


@flow.on_button("jd")
async def tasks_done(ctx: Context) -> Reply:
    """At least one task; then the phone number, only with its own consent."""
    form = _at(ctx, "vol.tasks", Form)
    if not form.tasks:
        return ctx.reply(NO_TASKS, _task_rows(ctx, form.tasks))
    ctx.set_state("vol.phone_q", **form.data())
    return ctx.reply(PHONE_CONSENT, _phone_rows(ctx))


def _phone_rows(ctx: Context) -> list[list[Button]]:
    return [
        [ctx.button(N_("Yes, add my number"), phone_answer.link("yes"), icon="📞")],
        [ctx.button(N_("No, only messages here"), phone_answer.link("no"), icon="💬")],
    ]


@flow.on_state("vol.phone_q")
async def typed_at_phone_question(ctx: Context) -> Reply:
    """Typed text at the phone question: never taken as a yes."""
    return again(ctx, PHONE_CONSENT, _phone_rows(ctx))


@flow.on_button("jp")
async def phone_answer(ctx: Context, answer: Literal["yes", "no"]) -> Reply:
    """Yes: ask for the number. No: send the request without one."""
    form = _at(ctx, "vol.phone_q", Form)
    if answer == "yes":
        ctx.set_state("vol.phone", **form.data())
        return ctx.reply(ASK_PHONE, [menu_button(ctx)])
    return await _send_request(ctx, form, None)


@flow.on_state("vol.phone")
async def typed_phone(ctx: Context, form: Form) -> Reply:
    """The number, checked for shape only; stored with the phone consent."""
    number = phone_number(ctx.incoming.text)
    if number is None:
        return ctx.reply(BAD_PHONE, [menu_button(ctx)])
    await ctx.uow.users.add_consent(
        signed_up(ctx).id, PHONE_CONSENT_KIND, ctx.consent_version, ctx.clock.now()
    )
    return await _send_request(ctx, form, number)


async def _send_request(ctx: Context, form: Form, phone: str | None) -> Reply:
    """Store the request and tell the centre's coordinators, who open it to answer."""
    user = signed_up(ctx)
    centre = await open_centre(ctx, form.centre)
    if not form.tasks or first_name(form.first) is None:
        raise Stale
    now = ctx.clock.now()
    request = await ctx.uow.volunteers.apply(
        user_id=user.id, centre_id=centre.id, first_name=form.first, tasks=list(form.tasks),
        phone=phone, now=now,
    )  # fmt: skip
    notice = Notice.of(
        NEW_REQUEST,
        [[NoticeButton(N_("See the request"), cv_requests.request.link(request.id), "📝")]],
        volunteer=form.first,
        centre=name(centre.name),
    )
    await cases.tell_coordinators(
        ctx.uow, centre.id, notice, now, priority=PRIORITY_DIRECT, volunteer=user.id
    )
    ctx.clear_state()
    return main_menu(ctx, PENDING, centre=ctx.centre_name(centre))
