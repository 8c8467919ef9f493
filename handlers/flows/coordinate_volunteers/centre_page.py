"""A centre's page for coordinators: its volunteering at a glance, and picking another centre.

Routes: `home` (the coordinator's own centre, or the first one they are bound to), `h` (one
centre's page, for who may coordinate it) and `c` (the centres they may coordinate). Every
section links back here (`back_home`) and this page links to each of them, so the sections
import one another as modules (`shifts.upcoming.link(…)`), whichever is imported first.
"""

from __future__ import annotations

from handlers.context import Context, rows_of
from handlers.flows.coordinate_volunteers import checkin, new_shift, requests, shifts, today
from handlers.flows.coordinate_volunteers.base import back, flow
from handlers.flows.guards import coordinator_of
from handlers.flows.lookup import coordinated_centres, coordinator, open_centre
from handlers.flows.menu import menu_button
from handlers.messages import Button, Outgoing
from handlers.model import Centre
from handlers.payloads import CentreId
from handlers.router import Reply
from handlers.texts import N_, T

HOME = T("cv.home", "Volunteers at {centre}.\nRequests waiting: {count}")
ASK_CENTRE = T("cv.ask_centre", "Which centre?")
NOT_BOUND = T(
    "cv.not_bound",
    "No centre has been assigned to you as a coordinator yet. Please ask an admin to assign you "
    "to your centre.",
)


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


@flow.on_button("h", guard=coordinator_of("centre"))
async def centre_home(ctx: Context, centre: CentreId) -> Reply:
    """One centre's volunteering: requests, today, shifts, a new shift, the check-in code."""
    return await _home(ctx, await open_centre(ctx, centre))


async def _home(ctx: Context, centre: Centre) -> Outgoing:
    ctx.clear_state()
    c = CentreId(centre.id)
    waiting = await ctx.uow.volunteers.pending(c)
    rows = [
        [ctx.button(N_("Requests"), requests.waiting.link(c), icon="🙋"),
         ctx.button(N_("Today"), today.coverage.link(c), icon="📋")],
        [ctx.button(N_("Shifts"), shifts.upcoming.link(c, 0), icon="📅"),
         ctx.button(N_("New shift"), new_shift.start.link(c), icon="➕")],
        [ctx.button(N_("Check-in code"), checkin.code.link(c), icon="🔑"),
         ctx.button(N_("Another centre"), pick_centre.link(), icon="📍")],
        menu_button(ctx),
    ]  # fmt: skip
    return ctx.reply(HOME, rows, replace=True, centre=ctx.centre_name(centre), count=len(waiting))


@flow.on_button("c")
async def pick_centre(ctx: Context) -> Reply:
    """Volunteers at which centre?"""
    buttons = [
        ctx.button(ctx.centre_name(c), centre_home.link(CentreId(c.id)))
        for c in await coordinated_centres(ctx)
    ]
    return ctx.reply(ASK_CENTRE, [*rows_of(buttons), menu_button(ctx)], replace=True)


def back_home(ctx: Context, centre_id: int) -> Button:
    """A "Back" button to a centre's page."""
    return back(ctx, centre_home.link(CentreId(centre_id)))
