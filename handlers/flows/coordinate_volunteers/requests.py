"""Requests to volunteer at a centre: the coordinator reads one and approves or refuses it.

Routes: `rq` (a centre's waiting requests), `r` (one request; the coordinators' notice of a new
request opens it too), `ok` and `no` (approve, refuse). Each is for who may coordinate the
centre the request was sent to.
"""

from __future__ import annotations

from handlers.context import Context
from handlers.flows.coordinate_volunteers import centre_page
from handlers.flows.coordinate_volunteers.base import (
    back,
    flow,
    load_request,
    request_centre,
    shifts_button,
)
from handlers.flows.guards import coordinator_of
from handlers.flows.lookup import coordinator, open_centre
from handlers.flows.menu import menu_button
from handlers.flows.typed import zone
from handlers.messages import Button, Outgoing
from handlers.model import Role, Volunteer, VolunteerStatus
from handlers.notices import PRIORITY_DIRECT, Notice, name
from handlers.payloads import CentreId
from handlers.router import Reply
from handlers.rules.shifts import TASK_NAMES
from handlers.texts import N_, T

of_the_request = coordinator_of("volunteer_id", via=request_centre)

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


@flow.on_button("rq", guard=coordinator_of("centre"))
async def waiting(ctx: Context, centre: CentreId) -> Reply:
    """Requests waiting at a centre, oldest first."""
    here = await open_centre(ctx, centre)
    ctx.clear_state()
    pending = await ctx.uow.volunteers.pending(here.id)
    rows = [
        [Button(f"🙋 {v.first_name} · {v.created_at.astimezone(zone(ctx)):%d.%m.}",
                request.link(v.id))]
        for v in pending
    ]  # fmt: skip
    rows.append([centre_page.back_home(ctx, here.id), *menu_button(ctx)])
    text = REQUESTS if pending else NO_REQUESTS
    return ctx.reply(text, rows, replace=True, centre=ctx.centre_name(here))


@flow.on_button("r", guard=of_the_request)
async def request(ctx: Context, volunteer_id: int) -> Reply:
    """One request: who, what they can do, their phone; approve or refuse."""
    volunteer = await load_request(ctx, volunteer_id)
    centre = await open_centre(ctx, volunteer.centre_id)
    ctx.clear_state()
    if volunteer.status is not VolunteerStatus.PENDING:
        return _answered(ctx, volunteer)
    vid = volunteer.id
    return ctx.reply(
        REQUEST,
        [[ctx.button(N_("Approve"), approve.link(vid), icon="✅"),
          ctx.button(N_("Refuse"), refuse.link(vid), icon="❌")],
         [_back_to_requests(ctx, centre.id), *menu_button(ctx)]],
        replace=True, name=volunteer.first_name, centre=ctx.centre_name(centre),
        tasks=", ".join(ctx._(TASK_NAMES[t]) for t in volunteer.tasks),
        phone=volunteer.phone or ctx._(N_("no phone given")),
        when=ctx.tr.format_datetime(ctx.locale, volunteer.created_at),
    )  # fmt: skip


@flow.on_button("ok", guard=of_the_request)
async def approve(ctx: Context, volunteer_id: int) -> Reply:
    """Take the person on: they get the volunteer role and are told."""
    return await _decide(ctx, volunteer_id, approved=True)


@flow.on_button("no", guard=of_the_request)
async def refuse(ctx: Context, volunteer_id: int) -> Reply:
    """Say no kindly; the phone number is erased."""
    return await _decide(ctx, volunteer_id, approved=False)


async def _decide(ctx: Context, volunteer_id: int, *, approved: bool) -> Reply:
    volunteer = await load_request(ctx, volunteer_id)
    user = coordinator(ctx)  # who decides (the guard let them in for this request's centre)
    centre = await open_centre(ctx, volunteer.centre_id)
    now = ctx.clock.now()
    decided = await ctx.uow.volunteers.decide(volunteer.id, approved=approved, by=user.id, now=now)
    if decided is None:  # another coordinator was quicker
        return _answered(ctx, await ctx.uow.volunteers.get(volunteer.id) or volunteer)
    if approved:
        await ctx.uow.users.grant(decided.user_id, Role.VOLUNTEER, now)
        notice = Notice.of(YOU_APPROVED, [[shifts_button()]], centre=name(centre.name))
    else:
        notice = Notice.of(YOU_REFUSED, centre=name(centre.name))
    await ctx.uow.outbox.enqueue(
        decided.user_id, notice, not_before=now, now=now, priority=PRIORITY_DIRECT
    )
    return ctx.reply(
        APPROVED if approved else REFUSED,
        [[ctx.button(N_("Requests"), waiting.link(CentreId(centre.id)), icon="🙋")],
         [centre_page.back_home(ctx, centre.id), *menu_button(ctx)]],
        replace=True, name=decided.first_name, centre=ctx.centre_name(centre),
    )  # fmt: skip


def _answered(ctx: Context, volunteer: Volunteer) -> Outgoing:
    decision = N_("approved") if volunteer.status is VolunteerStatus.APPROVED else N_("refused")
    return ctx.reply(
        ANSWERED,
        [[_back_to_requests(ctx, volunteer.centre_id), *menu_button(ctx)]],
        replace=True, name=volunteer.first_name, decision=ctx._(decision),
    )  # fmt: skip


def _back_to_requests(ctx: Context, centre_id: int) -> Button:
    return back(ctx, waiting.link(CentreId(centre_id)))
